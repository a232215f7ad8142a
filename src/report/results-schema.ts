/**
 * DIR/results.json — the contract of design.md. Other tools and the index team read it; change
 * it only on purpose. Extra fields are allowed, the documented ones are required.
 */
import { z } from 'zod';
import { STATUSES } from '../rules/schema.ts';

export const EvidenceSchema = z
  .object({
    url: z.string(),
    clicks: z.number().int().nullable(),
    path: z.array(z.string()).nullable(),
    excerpt: z.string(),
    screenshot: z.string().nullable().optional(),
    snapshot: z.string().nullable(),
    capturedAt: z.string().nullable(),
    /** When the screenshot was taken (ISO-8601). */
    screenshotAt: z.string().optional(),
    /** The page in the screenshot when it is not `url` (a document is shown by the link to it). */
    screenshotUrl: z.string().optional(),
    /** true: the screenshot shows what was judged, outlined; false: it could not be found or shown. */
    shown: z.boolean().optional(),
  })
  .passthrough();

export const CriterionResultSchema = z
  .object({
    id: z.string(),
    status: z.enum(STATUSES),
    weight: z.number(),
    points: z.number(),
    reason: z.string(),
    evidence: z.array(EvidenceSchema),
  })
  .passthrough();

/**
 * The search trail of a fail or manual criterion (`Trail` of src/rules/engine.ts). Outside
 * CriterionResultSchema on purpose: readers take it with `readTrail`, so that a trail of an older
 * run (without `candidates`) or an odd one costs that trail, never the whole file.
 */
export const TrailSchema = z
  .object({
    pagesExamined: z.array(z.object({ url: z.string(), clicks: z.number().nullable().optional(), title: z.string().optional() }).passthrough()).default([]),
    search: z
      .object({
        outcome: z.string(),
        query: z.string(),
        resultsUrl: z.string().optional(),
        hits: z.array(z.object({ url: z.string(), text: z.string() }).passthrough()).default([]),
      })
      .passthrough()
      .optional(),
    notes: z.array(z.string()).default([]),
    /** The pages nearest to meeting the rule, with the parts of the rule each has and lacks (labels). */
    candidates: z
      .array(
        z
          .object({
            url: z.string(),
            title: z.string().default(''),
            clicks: z.number().nullable().optional(),
            document: z.boolean().optional(),
            has: z.array(z.string()).default([]),
            lacks: z.array(z.string()).default([]),
          })
          .passthrough(),
      )
      .default([]),
    /** Parts judged once for the whole site (clicks, the site search). */
    wholeSite: z.object({ has: z.array(z.string()).default([]), lacks: z.array(z.string()).default([]) }).passthrough().optional(),
  })
  .passthrough();
export type Trail = z.infer<typeof TrailSchema>;

/** The trail of a criterion, or null when it has none or one that cannot be read. */
export function readTrail(c: CriterionResult): Trail | null {
  const raw = (c as { trail?: unknown }).trail;
  if (raw === undefined || raw === null) return null;
  const parsed = TrailSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

export const KommunResultSchema = z
  .object({
    kommunkod: z.string(),
    namn: z.string(),
    webbplats: z.string(),
    status: z.enum(['audited', 'error']),
    score: z.number().nullable(),
    rank: z.number().int().positive().nullable(),
    reason: z.string().nullable(),
    pagesFetched: z.number().int().nonnegative(),
    criteria: z.array(CriterionResultSchema),
  })
  .passthrough()
  .superRefine((k, ctx) => {
    if (k.status === 'error' && (k.score !== null || k.rank !== null)) ctx.addIssue({ code: 'custom', message: 'en kommun med status error har varken poäng eller placering' });
    if (k.status === 'error' && !k.reason) ctx.addIssue({ code: 'custom', message: 'en kommun med status error behöver ett skäl (reason)' });
    if (k.status === 'audited' && k.score === null) ctx.addIssue({ code: 'custom', message: 'en granskad kommun behöver ett poängtal' });
  });

export const RunSchema = z
  .object({
    id: z.string(),
    startedAt: z.string(),
    finishedAt: z.string(),
    tool: z.object({ name: z.string(), version: z.string() }).passthrough(),
    rules: z.array(z.object({ id: z.string(), weight: z.number() }).passthrough()),
  })
  .passthrough();

export const ResultsSchema = z.object({ run: RunSchema, kommuner: z.array(KommunResultSchema) }).passthrough();

export type Results = z.infer<typeof ResultsSchema>;
export type KommunResult = z.infer<typeof KommunResultSchema>;
export type CriterionResult = z.infer<typeof CriterionResultSchema>;
