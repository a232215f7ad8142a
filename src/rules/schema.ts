/**
 * The rule language: one YAML file per criterion, validated here. A rule says which pages it
 * looks at (scope), what counts as pass and as partial (conditions), and the words a reviewer
 * reads for each outcome. The engine knows conditions, never criteria.
 */
import { z } from 'zod';

export const STATUSES = ['pass', 'partial', 'fail', 'manual', 'error'] as const;
export type Status = (typeof STATUSES)[number];

/**
 * Which pages a condition looks at: hemtjanst = the hemtjänst pages plus what their main content
 * links to (criteria.md's scope of the content criteria); hemtjanst-pages = the hemtjänst pages
 * alone; site = every page; start = the start page.
 */
export const ScopeSchema = z.enum(['hemtjanst', 'hemtjanst-pages', 'site', 'start']);
export type Scope = z.infer<typeof ScopeSchema>;

/** Where on a page a text pattern is looked for. */
export const WhereSchema = z.enum(['main', 'page', 'title', 'heading', 'url']);

const Pattern = z.string().min(1, 'mönstret är tomt');

/**
 * What a condition looks for, in words a kommun's web editor understands ("telefonnummer"). The
 * search trail of a fail says which of these each candidate page has and lacks.
 */
export const LabelSchema = z.string().regex(/\S/, 'etiketten är tom').max(100, 'etiketten är för lång (högst 100 tecken); skriv kort vad villkoret letar efter');
const label = LabelSchema.optional();

export const TextConditionSchema = z
  .object({
    text: Pattern,
    in: WhereSchema.optional(),
    /** Another pattern that must occur within `within` characters of the match. */
    near: Pattern.optional(),
    within: z.number().int().positive().max(5000).optional(),
    /** Limits `near` to the match's own block (paragraph, heading, list item) and this many blocks either side. */
    nearBlocks: z.number().int().min(0).max(20).optional(),
    /** A `near` match does not count when this pattern stands within 40 characters of it (the växel's number is no channel). */
    nearUnless: Pattern.optional(),
    /** The match does not count if this pattern occurs within `unlessWithin` characters before it (default 60) or a third of that after it. */
    unless: Pattern.optional(),
    unlessWithin: z.number().int().positive().max(1000).optional(),
    scope: ScopeSchema.optional(),
    label,
  })
  .strict();

export const LinkConditionSchema = z
  .object({
    link: z
      .object({
        /** The link's label: text, image alt, aria-label, title. */
        text: Pattern.optional(),
        href: Pattern.optional(),
        /** What the link leads to. */
        to: z.enum(['eservice', 'document', 'page', 'any']).optional(),
        /** Title, main heading and opening text of the page it leads to, when that page was fetched. */
        target: Pattern.optional(),
        /** The link does not count if its label, its address or the title of the page it leads to matches this. */
        unless: Pattern.optional(),
        /** main (default): links in the main content; page: any link on the page, menus and footer too. */
        in: z.enum(['main', 'page']).optional(),
      })
      .strict()
      .refine((l) => l.text || l.href || l.to || l.target, 'en länk-villkor behöver minst ett av text, href, to, target'),
    scope: ScopeSchema.optional(),
    label,
  })
  .strict();

export const CountConditionSchema = z
  .object({
    /** At least `min` different matches of the pattern on one page. */
    count: Pattern,
    min: z.number().int().min(1),
    in: WhereSchema.optional(),
    scope: ScopeSchema.optional(),
    label,
  })
  .strict();

export const ElementConditionSchema = z
  .object({
    /** A CSS selector that must match an element of the page (markup included, e.g. a read-aloud script). */
    element: z.string().min(1),
    /** Optional pattern for the element's text or its label attributes. */
    text: Pattern.optional(),
    scope: ScopeSchema.optional(),
    label,
  })
  .strict();

export const PageConditionSchema = z
  .object({
    page: z
      .object({
        title: Pattern.optional(),
        heading: Pattern.optional(),
        url: Pattern.optional(),
        lang: Pattern.optional(),
        /** One of the crumbs of the page's breadcrumb (Lättläst › Äldreomsorg). */
        breadcrumb: Pattern.optional(),
      })
      .strict()
      .refine((p) => Object.keys(p).length > 0, 'page-villkoret behöver minst en egenskap'),
    scope: ScopeSchema.optional(),
    label,
  })
  .strict();

export const ListConditionSchema = z
  .object({
    /** A list or table of at least `min` items under a heading of the main content that matches `list`. */
    list: Pattern,
    min: z.number().int().min(1),
    scope: ScopeSchema.optional(),
    label,
  })
  .strict();

export const ClicksConditionSchema = z
  .object({ clicks: z.object({ max: z.number().int().min(0) }).strict(), label })
  .strict();

export const SearchConditionSchema = z
  .object({ search: z.object({ top: z.number().int().min(1) }).strict(), label })
  .strict();

export type Condition =
  | { all: Condition[]; label?: string }
  | { any: Condition[]; label?: string }
  | { samePage: Condition[]; label?: string }
  | { not: Condition; label?: string }
  | z.infer<typeof TextConditionSchema>
  | z.infer<typeof LinkConditionSchema>
  | z.infer<typeof CountConditionSchema>
  | z.infer<typeof ElementConditionSchema>
  | z.infer<typeof PageConditionSchema>
  | z.infer<typeof ListConditionSchema>
  | z.infer<typeof ClicksConditionSchema>
  | z.infer<typeof SearchConditionSchema>;

// element before text: an element condition may carry a text pattern of its own.
export const CONDITION_KEYS = ['all', 'any', 'samePage', 'not', 'element', 'link', 'count', 'list', 'text', 'page', 'clicks', 'search'] as const;

/** Picks the branch by its key, so that an error names the right condition instead of "no union member matched". */
export const ConditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.unknown().superRefine((value, ctx) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      ctx.addIssue({ code: 'custom', message: `ett villkor ska vara ett objekt med en av nycklarna ${CONDITION_KEYS.join(', ')}` });
      return;
    }
    const key = CONDITION_KEYS.find((k) => k in value);
    if (!key) {
      ctx.addIssue({ code: 'custom', message: `okänt villkor (nycklar: ${Object.keys(value).join(', ')}); använd en av ${CONDITION_KEYS.join(', ')}` });
      return;
    }
    const schema = branch(key);
    const r = schema.safeParse(value);
    if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ ...issue, code: 'custom', message: issue.message, path: issue.path } as never);
  }),
) as unknown as z.ZodType<Condition>;

function branch(key: (typeof CONDITION_KEYS)[number]): z.ZodType {
  switch (key) {
    case 'all':
      return z.object({ all: z.array(ConditionSchema).min(1), label }).strict();
    case 'any':
      return z.object({ any: z.array(ConditionSchema).min(1), label }).strict();
    case 'samePage':
      return z.object({ samePage: z.array(ConditionSchema).min(1), label }).strict();
    case 'not':
      return z.object({ not: ConditionSchema, label }).strict();
    case 'text':
      return TextConditionSchema;
    case 'link':
      return LinkConditionSchema;
    case 'count':
      return CountConditionSchema;
    case 'element':
      return ElementConditionSchema;
    case 'page':
      return PageConditionSchema;
    case 'list':
      return ListConditionSchema;
    case 'clicks':
      return ClicksConditionSchema;
    case 'search':
      return SearchConditionSchema;
  }
}

export const RuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'id ska vara gemener, siffror och bindestreck (t.ex. ansokan-etjanst)'),
    weight: z.number().int().min(0).max(10),
    title: z.string().min(1),
    description: z.string().min(1),
    scope: ScopeSchema,
    /**
     * downgrade: what is found only in a linked document counts one level lower (criteria.md);
     * full: the document is the thing asked for ("or linked").
     */
    documents: z.enum(['downgrade', 'full']).default('downgrade'),
    pass: ConditionSchema,
    partial: ConditionSchema.optional(),
    reasons: z
      .object({
        pass: z.string().min(1),
        partial: z.string().min(1).optional(),
        fail: z.string().min(1),
      })
      .strict(),
    /** What a kommun could add to pass; shown in reports. */
    hint: z.string().optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (rule.partial && !rule.reasons.partial) ctx.addIssue({ code: 'custom', path: ['reasons', 'partial'], message: 'regeln har en partial-nivå men ingen reasons.partial' });
  });
export type Rule = z.infer<typeof RuleSchema>;

export const DefinitionsSchema = z
  .object({
    /** Named patterns usable as {name} inside any pattern. */
    patterns: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), Pattern),
    /** What a named pattern finds, in words ("telefonnummer"): a condition without a label of its own is named by these. */
    labels: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), LabelSchema).optional(),
    hemtjanstPage: z
      .object({
        /** The title or a main heading names hemtjänst. */
        heading: Pattern,
        /** Or names this (hjälp/stöd i hemmet) on a page whose text is about hemtjänst (`aboutText`). */
        alsoHeading: Pattern.optional(),
        aboutText: Pattern.optional(),
        /** News items and calendar events are not hemtjänst pages. */
        notUrl: Pattern.optional(),
        notTitle: Pattern.optional(),
        notOgType: Pattern.optional(),
        /** A breadcrumb through news or events. */
        notBreadcrumb: Pattern.optional(),
        /** Markup of a post or news article (CSS selector). */
        notElement: z.string().min(1).optional(),
      })
      .strict(),
    /** What makes a link an e-service link (criteria.md § Terms). */
    eservice: z.object({ linkText: Pattern, href: Pattern }).strict(),
    document: z.object({ href: Pattern }).strict(),
    /** The word the site search is tried with (criteria.md: "hemtjänst"). */
    searchQuery: z.string().min(1),
  })
  .strict();
export type Definitions = z.infer<typeof DefinitionsSchema>;
