/**
 * Judges one rule on one kommun's site model: pass, partial, fail or manual, with the reason and
 * the evidence (or, for a fail, the search trail). Generic: it knows levels, documents and
 * conditions, never a criterion.
 */
import { decodeForMatching } from '../util/url.ts';
import { evaluate, matchOnPage, pagesIn, type CondResult, type EvalContext, type Match } from './conditions.ts';
import { isSiteWide, labelOf, topLevelParts } from './labels.ts';
import type { Condition, Rule, Status } from './schema.ts';
import type { SiteModel, SitePage } from './site-model.ts';

export interface Evidence {
  url: string;
  clicks: number | null;
  path: string[] | null;
  excerpt: string;
  /** Content hash of the stored snapshot the verdict was judged on. */
  snapshot: string | null;
  capturedAt: string | null;
  /** Found in a linked document (PDF, Word) rather than on a web page. */
  document?: boolean;
  /** The redirects from the linked address to `url`, when there were any (provenance). */
  redirects?: Array<{ url: string; status: number; location: string }>;
  /** What to outline on the page (used by the screenshot step). */
  highlight?: { text?: string; href?: string; selector?: string };
  /**
   * Where a visitor sees this evidence as a link, and that link (the screenshot shows it): for a
   * document the web page of the site that links to it, for a search hit the search results page.
   */
  linkedFrom?: { url: string; text: string; href: string };
  /** Set by the evidence step (src/evidence): the PNG, relative to the run's folder, with forward slashes. */
  screenshot?: string;
  /** When the screenshot was taken (ISO-8601). */
  screenshotAt?: string;
  /** The page in the screenshot, when it is not `url` (a document is shown by the link to it). */
  screenshotUrl?: string;
  /** true: the screenshot shows what was judged (outlined); false: it could not be found or shown. */
  shown?: boolean;
}

/** A page that could have met the rule, and why it did not: the parts of the rule it has and lacks. */
export interface Candidate {
  url: string;
  title: string;
  clicks: number | null;
  /** A linked document (PDF, Word) rather than a web page. */
  document?: true;
  /** Labels of the parts of the rule's pass and partial conditions that hold on this page. */
  has: string[];
  lacks: string[];
}

export interface Trail {
  pagesExamined: Array<{ url: string; clicks: number | null; title: string }>;
  search?: { outcome: string; query: string; resultsUrl?: string; hits: Array<{ url: string; text: string }> };
  notes: string[];
  /** The pages nearest to meeting the rule, best first; absent when the rule has no page-local part. */
  candidates?: Candidate[];
  /** Parts judged once for the whole site (clicks from the start page, the site search, a part with a scope of its own). */
  wholeSite?: { has: string[]; lacks: string[] };
}

export interface Outcome {
  id: string;
  status: Status;
  weight: number;
  points: number;
  reason: string;
  evidence: Evidence[];
  trail?: Trail;
}

const MAX_EVIDENCE = 5;
/** results.json stays small: a fail lists this many candidate pages and parts at most. */
const MAX_CANDIDATES = 10;
const MAX_PARTS = 12;

export function pointsFor(status: Status, weight: number): number {
  return status === 'pass' ? weight : status === 'partial' ? weight / 2 : 0;
}

export function judgeRule(rule: Rule, site: SiteModel): Outcome {
  const web: EvalContext = { site, scope: rule.scope, documents: false };
  const withDocs: EvalContext = { ...web, documents: true };
  const run = (cond: Condition | undefined, ctx: EvalContext): CondResult | undefined => (cond ? evaluate(cond, ctx) : undefined);

  const blocked = blockedScopeReason(rule, site);
  if (blocked) return outcome(rule, 'manual', blocked, [], site, []);

  const passWeb = run(rule.pass, web)!;
  if (passWeb.matches.length) return outcome(rule, 'pass', rule.reasons.pass, passWeb.matches, site);
  const passDocs = run(rule.pass, withDocs)!;
  if (rule.documents === 'full' && passDocs.matches.length) return outcome(rule, 'pass', rule.reasons.pass, passDocs.matches, site);

  const partialWeb = run(rule.partial, web);
  if (partialWeb?.matches.length) return outcome(rule, 'partial', rule.reasons.partial!, partialWeb.matches, site);

  const notes = [...passDocs.notes, ...(partialWeb?.notes ?? [])];
  if (passDocs.matches.length) {
    const why = `${rule.reasons.pass}, men bara i ett länkat dokument (PDF/Word), vilket räknas en nivå lägre`;
    if (rule.partial) return outcome(rule, 'partial', why, passDocs.matches, site);
    return outcome(rule, 'fail', `${rule.reasons.fail}. ${why}.`, passDocs.matches, site, notes);
  }
  const partialDocs = run(rule.partial, withDocs);
  if (rule.documents === 'full' && partialDocs?.matches.length) return outcome(rule, 'partial', rule.reasons.partial!, partialDocs.matches, site);

  const cantTell = [...passDocs.cantTell, ...(partialDocs?.cantTell ?? [])];
  if (cantTell.length) return outcome(rule, 'manual', unique(cantTell).join('; '), [], site, notes);
  const detail = unique(notes)[0];
  return outcome(rule, 'fail', detail ? `${rule.reasons.fail} (${detail})` : rule.reasons.fail, [], site, notes);
}

/**
 * Content criteria need the hemtjänst pages. When robots.txt forbids the very pages that look
 * like them, nothing can be judged: a person must look (criteria.md § Statuses, manual).
 */
function blockedScopeReason(rule: Rule, site: SiteModel): string | null {
  if (!rule.scope.startsWith('hemtjanst') || site.hemtjanstPages.length > 0) return null;
  const blocked = site.snapshot.summary.skipped.filter(
    (s) => /robots/i.test(s.reason) && (site.patterns.heading.test(s.text ?? '') || site.patterns.heading.test(decodeForMatching(s.url))),
  );
  if (blocked.length === 0) return null;
  return `Sidan som ser ut att handla om hemtjänst (${blocked[0]!.url}) får inte hämtas enligt webbplatsens robots.txt; en person behöver bedöma kriteriet`;
}

function outcome(rule: Rule, status: Status, reason: string, matches: Match[], site: SiteModel, notes: string[] = []): Outcome {
  const out: Outcome = {
    id: rule.id,
    status,
    weight: rule.weight,
    points: pointsFor(status, rule.weight),
    reason,
    evidence: toEvidence(matches, site),
  };
  if (status === 'fail' || status === 'manual') out.trail = trailOf(rule, site, notes);
  return out;
}

function toEvidence(matches: Match[], site: SiteModel): Evidence[] {
  const seen = new Set<string>();
  const out: Evidence[] = [];
  for (const m of matches) {
    if (!m.page) continue;
    const key = `${m.page.record.finalUrl}\n${m.excerpt}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const r = m.page.record;
    out.push({
      url: r.finalUrl,
      clicks: m.page.clicks,
      path: m.page.path,
      excerpt: m.excerpt,
      snapshot: r.bodyHash ?? null,
      capturedAt: r.fetchedAt,
      ...(m.page.isDocument ? { document: true } : {}),
      ...(r.redirects.length ? { redirects: r.redirects } : {}),
      ...(m.target ? { highlight: m.target } : {}),
    });
    const from = m.linkedFrom ?? (m.page.isDocument ? linkingPage(m.page, site) : undefined);
    if (from) out[out.length - 1]!.linkedFrom = from;
    if (out.length >= MAX_EVIDENCE) break;
  }
  return out;
}

/** The page a visitor opens a document from: a hemtjänst page's main content first, then the nearest page. */
function linkingPage(doc: SitePage, site: SiteModel): Evidence['linkedFrom'] | undefined {
  let best: { page: SitePage; link: { href: string; text: string }; rank: number } | undefined;
  for (const page of site.pages) {
    if (page.isDocument) continue;
    for (const link of page.model.links) {
      if (!link.visible || site.resolve(link.href) !== doc) continue;
      const rank = (site.hemtjanstPages.includes(page) ? 0 : 2) + (link.inMain ? 0 : 1) + (page.clicks ?? 99) / 100;
      if (!best || rank < best.rank) best = { page, link, rank };
      break;
    }
  }
  return best ? { url: best.page.record.finalUrl, text: best.link.text, href: best.link.href } : undefined;
}

function trailOf(rule: Rule, site: SiteModel, notes: string[]): Trail {
  const ctx: EvalContext = { site, scope: rule.scope, documents: true };
  const examined = pagesIn(rule.scope, ctx)
    .slice(0, 40)
    .map((p) => ({ url: p.record.finalUrl, clicks: p.clicks, title: p.model.title || p.model.h1[0] || '' }));
  const s = site.snapshot.summary.search;
  const trail: Trail = { pagesExamined: examined, notes: unique(notes) };
  if (rule.scope.startsWith('hemtjanst') && site.hemtjanstPages.length === 0) trail.notes.unshift('Ingen hemtjänstsida hittades, varken via länkar, webbplatskarta eller sökning');
  if (s) trail.search = { outcome: s.outcome, query: s.query, resultsUrl: s.resultsUrl, hits: s.hits.slice(0, 10) };
  const { perPage, once } = partsOf(rule);
  const candidates = candidatesOf(rule, site, perPage);
  if (candidates.length) trail.candidates = candidates;
  const whole = wholeSiteOf(rule, site, once);
  if (whole.has.length + whole.lacks.length) trail.wholeSite = whole;
  return trail;
}

/** Parts of the pass and partial conditions under one label: the label holds when any of them does. */
interface Part {
  label: string;
  conds: Condition[];
  /** Only in the partial condition: a weaker form of what a pass part asks. */
  partialOnly: boolean;
}

function partsOf(rule: Rule): { perPage: Part[]; once: Part[] } {
  const perPage = new Map<string, Part>();
  const once = new Map<string, Part>();
  const levels = [
    { cond: rule.pass, partialOnly: false },
    { cond: rule.partial, partialOnly: true },
  ];
  for (const { cond: top, partialOnly } of levels) {
    for (const cond of top ? topLevelParts(top) : []) {
      const into = isSiteWide(cond, rule.scope) ? once : perPage;
      const label = labelOf(cond);
      const part = into.get(label);
      if (part) part.conds.push(cond);
      else into.set(label, { label, conds: [cond], partialOnly });
    }
  }
  const list = (m: Map<string, Part>) => [...m.values()].slice(0, MAX_PARTS);
  return { perPage: list(perPage), once: list(once) };
}

/**
 * The pages of the rule's scope, each judged part by part: those that hold most parts first, then
 * the hemtjänst pages themselves, then the nearest. On a site-wide rule only pages that hold a
 * part, or are hemtjänst pages, are candidates: the start page of a site without lättläst is no
 * near miss.
 */
function candidatesOf(rule: Rule, site: SiteModel, parts: Part[]): Candidate[] {
  if (parts.length === 0) return [];
  const ctx: EvalContext = { site, scope: rule.scope, documents: true };
  const judged = pagesIn(rule.scope, ctx).map((page) => ({
    page,
    held: parts.map((p) => p.conds.some((c) => matchOnPage(c, page, ctx) !== null)),
    hemtjanst: site.hemtjanstPages.includes(page),
  }));
  const relevant = rule.scope.startsWith('hemtjanst') ? judged : judged.filter((j) => j.held.some(Boolean) || j.hemtjanst);
  const count = (held: boolean[]) => held.filter(Boolean).length;
  relevant.sort((a, b) => count(b.held) - count(a.held) || Number(b.hemtjanst) - Number(a.hemtjanst));
  return onePerUrl(relevant)
    .slice(0, MAX_CANDIDATES)
    .map(({ page, held }) => toCandidate(page, parts, held));
}

/** An old address redirected to a page is that page: it is listed once. */
function onePerUrl<T extends { page: SitePage }>(list: T[]): T[] {
  const seen = new Set<string>();
  return list.filter(({ page }) => {
    if (seen.has(page.record.finalUrl)) return false;
    seen.add(page.record.finalUrl);
    return true;
  });
}

function toCandidate(page: SitePage, parts: Part[], held: boolean[]): Candidate {
  const lacking = parts.filter((_, i) => !held[i]);
  // A page that lacks what a pass asks need not also be told it lacks the weaker partial form
  // ("hur man ansöker och var" says "att man behöver ansöka" already).
  const lacks = lacking.some((p) => !p.partialOnly) ? lacking.filter((p) => !p.partialOnly) : lacking;
  return {
    url: page.record.finalUrl,
    title: titleOf(page),
    clicks: page.clicks,
    ...(page.isDocument ? { document: true as const } : {}),
    has: parts.filter((_, i) => held[i]).map((p) => p.label),
    lacks: lacks.map((p) => p.label),
  };
}

/** Site-wide parts, judged on web pages; one the tool could not judge (a forbidden search) is left to the reason. */
function wholeSiteOf(rule: Rule, site: SiteModel, parts: Part[]): { has: string[]; lacks: string[] } {
  const ctx: EvalContext = { site, scope: rule.scope, documents: false };
  const out = { has: [] as string[], lacks: [] as string[] };
  for (const part of parts) {
    const results = part.conds.map((c) => evaluate(c, ctx));
    if (results.some((r) => r.matches.length > 0)) out.has.push(part.label);
    else if (results.every((r) => r.cantTell.length === 0)) out.lacks.push(part.label);
  }
  return out;
}

function titleOf(page: SitePage): string {
  const title = page.model.title || page.model.h1[0] || '';
  return title.length > 150 ? `${title.slice(0, 149)}…` : title;
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

