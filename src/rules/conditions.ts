/**
 * The condition evaluators of the rule language. Each condition is judged on a set of pages and
 * returns its matches (with the excerpt a reviewer reads), what it could not tell and why, and
 * notes for the search trail of a fail.
 */
import type { PageLink } from '../page/model.ts';
import { excerptAround, normalizeInline } from '../page/text.ts';
import { decodeForMatching } from '../util/url.ts';
import type { Condition, Scope } from './schema.ts';
import { isHemtjanstPage, type SiteModel, type SitePage } from './site-model.ts';

export interface Match {
  page?: SitePage;
  excerpt: string;
  /** What to outline on the page: the matched text, or a link's label. */
  target?: { text?: string; href?: string; selector?: string };
  /** Where a visitor sees the match, when not on the page itself: the search results page and the hit's link. */
  linkedFrom?: { url: string; text: string; href: string };
}

export interface CondResult {
  matches: Match[];
  /** Why the tool could not decide (robots.txt, a search that failed…). */
  cantTell: string[];
  notes: string[];
}

export interface EvalContext {
  site: SiteModel;
  /** The rule's scope, used where a condition names none. */
  scope: Scope;
  /** false: judge web pages only (documents are one level lower, criteria.md). */
  documents: boolean;
}

const MAX_MATCHES = 8;

export function pagesIn(scope: Scope, ctx: EvalContext): SitePage[] {
  const { site } = ctx;
  const pages =
    scope === 'hemtjanst' ? site.hemtjanstScope : scope === 'hemtjanst-pages' ? site.hemtjanstPages : scope === 'site' ? site.pages : site.start ? [site.start] : [];
  return ctx.documents ? pages : pages.filter((p) => !p.isDocument);
}

const empty = (): CondResult => ({ matches: [], cantTell: [], notes: [] });

/** Judges a condition over its scope (the rule's, or the condition's own). */
export function evaluate(cond: Condition, ctx: EvalContext, pages?: SitePage[]): CondResult {
  if ('all' in cond) {
    const parts = cond.all.map((c) => evaluate(c, ctx, pages));
    const out = merge(parts);
    if (parts.some((p) => p.matches.length === 0)) out.matches = [];
    else out.matches = parts.map((p) => p.matches[0]!).concat(parts.flatMap((p) => p.matches.slice(1))).slice(0, MAX_MATCHES);
    return out;
  }
  if ('any' in cond) {
    const parts = cond.any.map((c) => evaluate(c, ctx, pages));
    const out = merge(parts);
    out.matches = parts.flatMap((p) => p.matches).slice(0, MAX_MATCHES);
    return out;
  }
  if ('clicks' in cond) return evaluateClicks(cond.clicks.max, ctx);
  if ('search' in cond) return evaluateSearch(cond.search.top, ctx);
  if ('not' in cond) {
    const inner = evaluate(cond.not, ctx, pages);
    return { matches: inner.matches.length === 0 ? [{ excerpt: '' }] : [], cantTell: inner.cantTell, notes: [] };
  }
  const own = 'scope' in cond && cond.scope ? pagesIn(cond.scope, ctx) : undefined;
  const scopePages = own ?? pages ?? pagesIn(ctx.scope, ctx);
  const out = empty();
  for (const page of scopePages) {
    const m = matchOnPage(cond, page, ctx);
    if (m) {
      out.matches.push(...(m.length ? m : [{ page, excerpt: '' }]));
      if (out.matches.length >= MAX_MATCHES) break;
    }
  }
  return out;
}

/** Page-local judgement: the matches of a condition on one page, or null. */
export function matchOnPage(cond: Condition, page: SitePage, ctx: EvalContext): Match[] | null {
  if ('samePage' in cond || 'all' in cond) {
    const parts = ('samePage' in cond ? cond.samePage : cond.all).map((c) => matchOnPage(c, page, ctx));
    if (parts.some((p) => !p)) return null;
    return parts.flatMap((p) => p!);
  }
  if ('any' in cond) {
    for (const c of cond.any) {
      const m = matchOnPage(c, page, ctx);
      if (m) return m;
    }
    return null;
  }
  if ('not' in cond) return matchOnPage(cond.not, page, ctx) ? null : [];
  // element before text: an element condition may carry a text pattern of its own.
  if ('element' in cond) return matchElement(cond, page, ctx);
  if ('text' in cond) return matchText(cond, page, ctx);
  if ('link' in cond) return matchLink(cond.link, page, ctx);
  if ('count' in cond) return matchCount(cond, page, ctx);
  if ('list' in cond) return matchList(cond, page, ctx);
  if ('page' in cond) return matchPage(cond.page, page, ctx);
  return null; // clicks and search are judged on the whole site, not per page
}

function merge(parts: CondResult[]): CondResult {
  return { matches: [], cantTell: parts.flatMap((p) => p.cantTell), notes: parts.flatMap((p) => p.notes) };
}

function haystack(page: SitePage, where: string | undefined): string {
  const m = page.model;
  switch (where ?? 'main') {
    case 'page':
      return m.pageText;
    case 'title':
      return m.title;
    case 'heading':
      return [...m.h1, ...m.headings].join('\n');
    case 'url':
      return decodeForMatching(m.url);
    default:
      return m.mainText;
  }
}

function globalRe(ctx: EvalContext, pattern: string): RegExp {
  const re = ctx.site.patterns.compile(pattern);
  return new RegExp(re.source, `${re.flags}g`);
}

function matchText(cond: Extract<Condition, { text: string }>, page: SitePage, ctx: EvalContext): Match[] | null {
  const text = haystack(page, cond.in);
  if (!text) return null;
  const re = globalRe(ctx, cond.text);
  const within = cond.within ?? 250;
  const near = cond.near ? globalRe(ctx, cond.near) : undefined;
  const nearUnless = cond.nearUnless ? ctx.site.patterns.compile(cond.nearUnless) : undefined;
  const unless = cond.unless ? ctx.site.patterns.compile(cond.unless) : undefined;
  for (const m of text.matchAll(re)) {
    const start = m.index ?? 0;
    const end = start + m[0].length;
    if (near) {
      let from = Math.max(0, start - within);
      let to = Math.min(text.length, end + within);
      if (cond.nearBlocks !== undefined) [from, to] = blockWindow(text, start, end, cond.nearBlocks, from, to);
      if (!nearMatch(text, from, to, near, nearUnless)) continue;
    }
    if (unless) {
      const before = cond.unlessWithin ?? 60;
      if (unless.test(text.slice(Math.max(0, start - before), Math.min(text.length, end + Math.ceil(before / 3))))) continue;
    }
    return [{ page, excerpt: excerptAround(text, start, end), target: { text: m[0] } }];
  }
  return null;
}

/** The window of `blocks` text blocks (lines) either side of [start, end), within [from, to). */
function blockWindow(text: string, start: number, end: number, blocks: number, from: number, to: number): [number, number] {
  let a = start;
  for (let i = 0; i <= blocks && a > 0; i++) a = text.lastIndexOf('\n', a - 1) === -1 ? 0 : text.lastIndexOf('\n', a - 1);
  let b = end;
  for (let i = 0; i <= blocks && b < text.length; i++) {
    const next = text.indexOf('\n', b + (i === 0 ? 0 : 1));
    b = next === -1 ? text.length : next;
  }
  return [Math.max(from, a), Math.min(to, b)];
}

/** Whether `near` occurs in text[from, to) at a place that `nearUnless` does not spoil. */
function nearMatch(text: string, from: number, to: number, near: RegExp, nearUnless?: RegExp): boolean {
  const windowText = text.slice(from, to);
  for (const m of windowText.matchAll(near)) {
    if (!nearUnless) return true;
    const at = from + (m.index ?? 0);
    if (!nearUnless.test(text.slice(Math.max(0, at - 40), Math.min(text.length, at + m[0].length + 40)))) return true;
  }
  return false;
}

function matchLink(spec: Extract<Condition, { link: unknown }>['link'], page: SitePage, ctx: EvalContext): Match[] | null {
  const { site } = ctx;
  const text = spec.text ? site.patterns.compile(spec.text) : undefined;
  const href = spec.href ? site.patterns.compile(spec.href) : undefined;
  const target = spec.target ? site.patterns.compile(spec.target) : undefined;
  const unless = spec.unless ? site.patterns.compile(spec.unless) : undefined;
  const out: Match[] = [];
  for (const link of page.model.links) {
    if (!link.visible || (spec.in !== 'page' && !link.inMain)) continue;
    if (text && !text.test(link.text)) continue;
    if (href && !href.test(decodeForMatching(link.href))) continue;
    const t = site.resolve(link.href);
    // The page behind a link can say what its label does not ("Orosanmälan" → "… barn och unga").
    if (unless && unless.test(`${link.text} ${decodeForMatching(link.href)} ${t ? [t.model.title, ...t.model.h1].join(' ') : ''}`)) continue;
    if (spec.to && spec.to !== 'any' && linkKind(link, ctx) !== spec.to) continue;
    if (target) {
      const said = t ? [t.model.title, ...t.model.h1, t.model.mainText.slice(0, 600)].join('\n') : '';
      if (!target.test(said)) continue;
    }
    out.push({ page, excerpt: `Länk "${link.text || link.href}" → ${link.href}`, target: { text: link.text, href: link.href } });
    break;
  }
  return out.length ? out : null;
}

function linkKind(link: PageLink, ctx: EvalContext): 'eservice' | 'document' | 'page' {
  if (ctx.site.isDocumentLink(link)) return 'document';
  if (ctx.site.isEserviceLink(link)) return 'eservice';
  return 'page';
}

function matchCount(cond: Extract<Condition, { count: string }>, page: SitePage, ctx: EvalContext): Match[] | null {
  const text = haystack(page, cond.in);
  const distinct = new Map<string, number>();
  for (const m of text.matchAll(globalRe(ctx, cond.count))) {
    const key = normalizeInline(m[0]).toLowerCase();
    if (!distinct.has(key)) distinct.set(key, m.index ?? 0);
  }
  if (distinct.size < cond.min) return null;
  const found = [...distinct.keys()].slice(0, 6).map((k) => normalizeInline(text.slice(distinct.get(k)!, distinct.get(k)! + k.length)));
  return [{ page, excerpt: `${distinct.size} träffar: ${found.join('; ')}`, target: { text: found[0] } }];
}

/** Items of the lists and tables between a matching heading of the main content and the next heading. */
function matchList(cond: Extract<Condition, { list: string }>, page: SitePage, ctx: EvalContext): Match[] | null {
  const $ = page.model.dom;
  if (!$) return null;
  const heading = ctx.site.patterns.compile(cond.list);
  for (const h of $('h2, h3, h4, h5, dt, strong, th').toArray()) {
    const title = normalizeInline($(h).text());
    if (!heading.test(title)) continue;
    const items: string[] = [];
    // The heading's following siblings (or its parent's, when the heading is wrapped) up to the next heading.
    let cursor = $(h).next().length ? $(h).next() : $(h).parent().next();
    for (let steps = 0; cursor.length && steps < 12 && !cursor.is('h1, h2, h3, h4'); steps++, cursor = cursor.next()) {
      const found = cursor.is('li, tr') ? cursor : cursor.find('li, tr');
      for (const el of found.toArray()) {
        const text = normalizeInline($(el).text());
        if (text) items.push(text);
      }
    }
    if ($(h).is('th')) for (const tr of $(h).closest('table').find('tbody tr').toArray()) items.push(normalizeInline($(tr).text()));
    const distinct = [...new Set(items)];
    if (distinct.length >= cond.min) {
      return [{ page, excerpt: `${title}: ${distinct.slice(0, 6).join('; ')}`, target: { text: title } }];
    }
  }
  return null;
}

function matchElement(cond: Extract<Condition, { element: string }>, page: SitePage, ctx: EvalContext): Match[] | null {
  const $ = page.model.dom;
  if (!$) return null;
  let els;
  try {
    els = $(cond.element).toArray();
  } catch {
    return null;
  }
  const textRe = cond.text ? ctx.site.patterns.compile(cond.text) : undefined;
  for (const el of els) {
    const $el = $(el);
    const said = normalizeInline([$el.text(), $el.attr('aria-label'), $el.attr('title'), $el.attr('value'), $el.attr('alt'), $el.attr('src'), $el.attr('href')].filter(Boolean).join(' '));
    if (textRe && !textRe.test(said)) continue;
    return [{ page, excerpt: `Element ${cond.element}${said ? `: "${said.slice(0, 120)}"` : ''}`, target: { selector: cond.element, text: said.slice(0, 80) || undefined } }];
  }
  return null;
}

function matchPage(spec: Extract<Condition, { page: unknown }>['page'], page: SitePage, ctx: EvalContext): Match[] | null {
  const m = page.model;
  const c = ctx.site.patterns.compile;
  if (spec.title && !c(spec.title).test(m.title)) return null;
  if (spec.heading && ![...m.h1, ...m.headings.slice(0, 1)].some((h) => c(spec.heading!).test(h))) return null;
  if (spec.url && !c(spec.url).test(decodeForMatching(m.url))) return null;
  if (spec.lang && !c(spec.lang).test(m.lang ?? '')) return null;
  if (spec.breadcrumb && !m.breadcrumb.some((crumb) => c(spec.breadcrumb!).test(crumb))) return null;
  return [{ page, excerpt: `Sidan "${m.title || m.h1[0] || m.url}"${m.lang ? ` (språk: ${m.lang})` : ''}` }];
}

function evaluateClicks(max: number, ctx: EvalContext): CondResult {
  const reachable = ctx.site.hemtjanstPages.filter((p) => p.clicks !== null).sort((a, b) => a.clicks! - b.clicks!);
  const nearest = reachable[0];
  if (nearest && nearest.clicks! <= max) {
    return {
      matches: [{ page: nearest, excerpt: `${nearest.clicks} klick från startsidan: ${(nearest.path ?? []).join(' › ')}`, target: { text: nearest.model.h1[0] ?? nearest.model.title } }],
      cantTell: [],
      notes: [],
    };
  }
  const notes = nearest
    ? [`Närmaste hemtjänstsida (${nearest.record.finalUrl}) ligger ${nearest.clicks} klick från startsidan`]
    : ctx.site.hemtjanstPages.length > 0
      ? ['Hemtjänstsidan hittades bara via sökning eller webbplatskarta, inte via länkar från startsidan']
      : ['Ingen hemtjänstsida hittades på webbplatsen'];
  return { matches: [], cantTell: [], notes };
}

function evaluateSearch(top: number, ctx: EvalContext): CondResult {
  const search = ctx.site.snapshot.summary.search;
  if (!search) return { matches: [], cantTell: ['Webbplatsens sökfunktion prövades inte'], notes: [] };
  switch (search.outcome) {
    case 'disallowed':
      return { matches: [], cantTell: [`Webbplatsens sökning får inte användas av granskaren enligt robots.txt (${search.resultsUrl ?? search.formPage ?? ''}); en person behöver söka själv`], notes: [] };
    case 'failed':
      return { matches: [], cantTell: [`Sökningen kunde inte genomföras: ${search.detail ?? 'okänt fel'}`], notes: [] };
    case 'no-form':
      return { matches: [], cantTell: [], notes: ['Webbplatsen har ingen sökfunktion som granskaren hittade på startsidan'] };
    case 'done':
      break;
  }
  const hits = search.hits.slice(0, top);
  for (const [i, hit] of hits.entries()) {
    const page = ctx.site.resolve(hit.url);
    const isHemtjanst = page
      ? isHemtjanstPage(page.model, ctx.site.patterns)
      : ctx.site.patterns.heading.test(hit.text) && !ctx.site.patterns.notUrl?.test(decodeForMatching(hit.url));
    if (isHemtjanst) {
      return {
        matches: [{ page, excerpt: `Sökning på "${search.query}": träff ${i + 1} av ${search.hits.length} är "${hit.text}" (${hit.url}); resultatsida ${search.resultsUrl}`, target: { text: hit.text, href: hit.url }, ...(search.resultsUrl ? { linkedFrom: { url: search.resultsUrl, text: hit.text, href: hit.url } } : {}) }],
        cantTell: [],
        notes: [],
      };
    }
  }
  return {
    matches: [],
    cantTell: [],
    notes: [
      search.hits.length === 0
        ? `Sökning på "${search.query}" gav inga träffar (${search.resultsUrl})`
        : `Sökning på "${search.query}" gav ${search.hits.length} träffar; ingen hemtjänstsida bland de ${top} första: ${hits.map((h) => `"${h.text}"`).join(', ')}`,
    ],
  };
}

