import { z } from 'zod';

/** How a page came into the crawl: the click graph only counts links. */
export const DiscoverySchema = z.enum(['start', 'link', 'sitemap', 'search', 'search-hit', 'document']);

export const RedirectHopSchema = z.object({ url: z.string(), status: z.number(), location: z.string() });

/** One fetched URL as stored. The body lives beside it by content hash. */
export const PageRecordSchema = z.object({
  url: z.string(),
  finalUrl: z.string(),
  redirects: z.array(RedirectHopSchema),
  status: z.number(),
  contentType: z.string(),
  headers: z.record(z.string(), z.string()),
  fetchedAt: z.string(),
  /** Click depth and link texts from the start page at the time of discovery. */
  depth: z.number(),
  path: z.array(z.string()),
  discoveredVia: DiscoverySchema,
  /** 'fetch': plain HTTP and HTML parse; 'browser': rendered in headless Chromium because the page needs JavaScript. */
  readWith: z.enum(['fetch', 'browser']),
  renderReason: z.string().optional(),
  /**
   * Read plain although its menu is built by script: the menu was the same on the pages of this
   * template that were rendered, and this page's links include the menu of that rendered page.
   */
  menuFrom: z.string().optional(),
  /** Rendered pages of a script-menu template: the navigation links the script added (borrowed by `menuFrom` pages). */
  scriptLinks: z.array(z.object({ href: z.string(), text: z.string() })).optional(),
  kind: z.enum(['html', 'pdf', 'docx', 'other']),
  /** The kommun's own site, or an e-service host it links to. */
  hostRole: z.enum(['kommun', 'eservice']),
  charset: z.string().optional(),
  /** sha256 of the stored body: the rendered DOM for browser pages, the bytes as fetched otherwise. */
  bodyHash: z.string().optional(),
  bodyFile: z.string().optional(),
  /** Extracted text of a document (PDF, Word), stored so that judging needs no PDF parser run. */
  textFile: z.string().optional(),
  fetchedBodyHash: z.string().optional(),
  truncated: z.boolean().optional(),
  note: z.string().optional(),
});
export type PageRecord = z.infer<typeof PageRecordSchema>;

/** A URL the crawl did not fetch, and why (robots.txt, out of scope, a trap, the budget…). */
export const SkippedSchema = z.object({ url: z.string(), reason: z.string(), from: z.string().optional(), text: z.string().optional() });
export type Skipped = z.infer<typeof SkippedSchema>;

export const SearchAttemptSchema = z.object({
  /** done: results read; no-form: the site offers no search; disallowed: robots.txt forbids it; failed: it did not answer. */
  outcome: z.enum(['done', 'no-form', 'disallowed', 'failed']),
  query: z.string(),
  formPage: z.string().optional(),
  resultsUrl: z.string().optional(),
  hits: z.array(z.object({ url: z.string(), text: z.string() })),
  detail: z.string().optional(),
});
export type SearchAttempt = z.infer<typeof SearchAttemptSchema>;

/** What the crawl of one kommun concluded, written when it ends. */
export const CrawlSummarySchema = z.object({
  kommunkod: z.string(),
  namn: z.string(),
  webbplats: z.string(),
  startUrl: z.string().optional(),
  /** audited: the start page was read; error: it could not be (then `reason` says why). */
  status: z.enum(['audited', 'error']),
  reason: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string(),
  pagesFetched: z.number(),
  pagesRendered: z.number(),
  search: SearchAttemptSchema.optional(),
  eserviceHosts: z.array(z.string()),
  skipped: z.array(SkippedSchema),
  robots: z.array(z.object({ origin: z.string(), outcome: z.string(), crawlDelay: z.number().optional() })),
  userAgent: z.string(),
  /** What a reviewer should know about how the crawl went (budget reached, site moved…). */
  notes: z.array(z.string()).default([]),
});
export type CrawlSummary = z.infer<typeof CrawlSummarySchema>;
