/**
 * Everything the rules judge, derived from one kommun's snapshot: the pages as a visitor reads
 * them, the click graph from the start page, the hemtjänst pages and the scopes of criteria.md.
 * Built without any network access, so re-judging stored snapshots gives the audit's results.
 */
import { decodeHtml } from '../page/charset.ts';
import { extractHtml } from '../page/html.ts';
import { withMenuOf } from '../page/menu.ts';
import { documentModel, type PageLink, type PageModel } from '../page/model.ts';
import { compilePattern } from '../page/text.ts';
import { readBody, readText, type KommunSnapshot } from '../snapshot/store.ts';
import type { PageRecord } from '../snapshot/types.ts';
import { decodeForMatching, normalizeUrl } from '../util/url.ts';
import { expandMacros } from './loader.ts';
import type { Definitions } from './schema.ts';

export interface SitePage {
  record: PageRecord;
  model: PageModel;
  isDocument: boolean;
  /** Shortest number of clicks from the start page, null when no chain of links reaches it. */
  clicks: number | null;
  /** Link texts of that shortest chain. */
  path: string[] | null;
}

export interface SiteModel {
  snapshot: KommunSnapshot;
  start?: SitePage;
  /** Every readable page and document, search result pages excluded. */
  pages: SitePage[];
  hemtjanstPages: SitePage[];
  /** The hemtjänst pages plus what their main content links to (one hop). */
  hemtjanstScope: SitePage[];
  resolve(url: string): SitePage | undefined;
  isEserviceLink(link: PageLink): boolean;
  isDocumentLink(link: PageLink): boolean;
  patterns: CompiledDefinitions;
}

export interface CompiledDefinitions {
  heading: RegExp;
  alsoHeading?: RegExp;
  aboutText?: RegExp;
  notUrl?: RegExp;
  notTitle?: RegExp;
  notOgType?: RegExp;
  notBreadcrumb?: RegExp;
  notElement?: string;
  eserviceText: RegExp;
  eserviceHref: RegExp;
  documentHref: RegExp;
  compile(pattern: string): RegExp;
}

export function compileDefinitions(defs: Definitions): CompiledDefinitions {
  const cache = new Map<string, RegExp>();
  const compile = (pattern: string): RegExp => {
    let re = cache.get(pattern);
    if (!re) {
      re = compilePattern(expandMacros(pattern, defs.patterns));
      cache.set(pattern, re);
    }
    return re;
  };
  const opt = (p?: string) => (p ? compile(p) : undefined);
  const h = defs.hemtjanstPage;
  return {
    heading: compile(h.heading),
    alsoHeading: opt(h.alsoHeading),
    aboutText: opt(h.aboutText),
    notUrl: opt(h.notUrl),
    notTitle: opt(h.notTitle),
    notOgType: opt(h.notOgType),
    notBreadcrumb: opt(h.notBreadcrumb),
    notElement: h.notElement,
    eserviceText: compile(defs.eservice.linkText),
    eserviceHref: compile(defs.eservice.href),
    documentHref: compile(defs.document.href),
    compile,
  };
}

/** criteria.md § Hemtjänst page, with the words from _definitions.yaml. */
export function isHemtjanstPage(model: PageModel, defs: CompiledDefinitions): boolean {
  if (model.kind !== 'html') return false;
  const url = decodeForMatching(model.url);
  if (defs.notUrl?.test(url)) return false;
  if (defs.notTitle?.test(model.title)) return false;
  if (defs.notOgType && model.meta.ogType && defs.notOgType.test(model.meta.ogType)) return false;
  // The breadcrumb's last crumb is the page itself; only its parents say "news".
  if (defs.notBreadcrumb && model.breadcrumb.slice(0, -1).some((c) => defs.notBreadcrumb!.test(c))) return false;
  if (defs.notElement && model.dom && model.dom(defs.notElement).length > 0) return false;
  const names = [model.title, ...model.h1];
  if (names.some((n) => defs.heading.test(n))) return true;
  if (defs.alsoHeading && names.some((n) => defs.alsoHeading!.test(n))) {
    return !defs.aboutText || defs.aboutText.test(model.mainText);
  }
  return false;
}

export async function buildSiteModel(snapshot: KommunSnapshot, defs: Definitions): Promise<SiteModel> {
  const patterns = compileDefinitions(defs);
  const pages: SitePage[] = [];
  const byUrl = new Map<string, SitePage>();
  let start: SitePage | undefined;

  for (const record of snapshot.pages) {
    if (record.status < 200 || record.status >= 300) continue;
    const model = await readModel(snapshot, record);
    if (!model) continue;
    const page: SitePage = { record, model, isDocument: model.kind !== 'html', clicks: null, path: null };
    if (record.discoveredVia === 'start' && !start) start = page;
    // A search result page repeats other pages' words: it is judged only as a search.
    if (record.discoveredVia !== 'search') pages.push(page);
    for (const u of [record.url, record.finalUrl, ...record.redirects.map((r) => r.url)]) {
      const key = normalizeUrl(u);
      if (key && !byUrl.has(key)) byUrl.set(key, page);
    }
  }
  const resolve = (url: string): SitePage | undefined => {
    const key = normalizeUrl(url);
    return key ? byUrl.get(key) : undefined;
  };
  // As the crawler read them: a page read plain on a script-menu template has that template's menu.
  for (const page of pages) {
    const source = page.record.menuFrom ? resolve(page.record.menuFrom) : undefined;
    if (source?.record.scriptLinks && source !== page) page.model = withMenuOf(page.model, source.record.scriptLinks);
  }

  computeClicks(start, resolve);
  // Fetch order depends on timing; judging must not. Nearest pages first, then by address.
  pages.sort(byNearest);

  const eserviceHosts = new Set(snapshot.summary.eserviceHosts);
  const isDocumentLink = (link: PageLink): boolean => {
    const target = resolve(link.href);
    if (target) return target.isDocument;
    return patterns.documentHref.test(link.href);
  };
  const isEserviceLink = (link: PageLink): boolean => {
    if (isDocumentLink(link)) return false;
    let host = '';
    try {
      host = new URL(link.href).host;
    } catch {
      return false;
    }
    if (eserviceHosts.has(host)) return true;
    if (patterns.eserviceText.test(link.text)) return true;
    const path = decodeForMatching(link.href.replace(/^https?:\/\/[^/]+/, ''));
    if (patterns.eserviceHref.test(path)) return true;
    // A host named for e-services (e-tjanster.kommun.se) is one too.
    if (patterns.eserviceHref.test(host)) return true;
    // ...and so is a link whose target says it is one, or is a form to fill in (criteria.md:
    // "a link whose text or target says e-tjänst…").
    const target = resolve(link.href);
    if (!target || target.isDocument) return false;
    if ([target.model.title, ...target.model.h1].some((t) => patterns.eserviceText.test(t))) return true;
    return target.model.forms.some((f) => !f.isSearch && (f.method === 'post' || f.fields.filter((x) => x.type !== 'hidden' && x.type !== 'submit').length >= 2));
  };

  const hemtjanstPages = pages.filter((p) => isHemtjanstPage(p.model, patterns));
  const scope = new Map<SitePage, true>();
  for (const p of hemtjanstPages) scope.set(p, true);
  for (const p of hemtjanstPages) {
    for (const link of p.model.links) {
      if (!link.inMain || !link.visible) continue;
      const target = resolve(link.href);
      if (target && target.record.discoveredVia !== 'search') scope.set(target, true);
    }
  }

  return {
    snapshot,
    start,
    pages,
    hemtjanstPages,
    hemtjanstScope: [...scope.keys()].sort(byNearest),
    resolve,
    isEserviceLink,
    isDocumentLink,
    patterns,
  };
}

async function readModel(snapshot: KommunSnapshot, record: PageRecord): Promise<PageModel | null> {
  if (record.kind === 'pdf' || record.kind === 'docx') {
    const text = await readText(snapshot, record);
    return text === null ? null : documentModel(record.finalUrl, record.kind, text);
  }
  if (record.kind !== 'html') return null;
  const body = await readBody(snapshot, record);
  if (!body) return null;
  // A rendered page was stored as the browser's DOM, in UTF-8, whatever the server's header said.
  const html = record.readWith === 'browser' ? body.toString('utf8') : decodeHtml(body, record.headers['content-type']).text;
  return extractHtml(html, record.finalUrl);
}

/** Breadth-first over the links a visitor can click (menus included); redirects are not clicks. */
function computeClicks(start: SitePage | undefined, resolve: (url: string) => SitePage | undefined): void {
  if (!start) return;
  start.clicks = 0;
  start.path = [];
  const queue: SitePage[] = [start];
  for (let i = 0; i < queue.length; i++) {
    const page = queue[i]!;
    if (page.isDocument) continue;
    for (const link of page.model.links) {
      if (!link.visible) continue;
      const target = resolve(link.href);
      if (!target || target.clicks !== null || target.record.discoveredVia === 'search') continue;
      target.clicks = page.clicks! + 1;
      target.path = [...page.path!, link.text || link.href];
      queue.push(target);
    }
  }
}

function byNearest(a: SitePage, b: SitePage): number {
  const ca = a.clicks ?? Number.MAX_SAFE_INTEGER;
  const cb = b.clicks ?? Number.MAX_SAFE_INTEGER;
  if (ca !== cb) return ca - cb;
  return a.record.finalUrl < b.record.finalUrl ? -1 : a.record.finalUrl > b.record.finalUrl ? 1 : 0;
}
