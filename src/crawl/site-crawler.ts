/**
 * Crawls one kommun: robots.txt, the start page, sitemap and site search, then best-first towards
 * the elderly-care pages within a page budget; e-services and documents one hop from the hemtjänst
 * pages. Everything fetched goes to the snapshot store; judging happens later, from there.
 */
import { decodeHtml } from '../page/charset.ts';
import { binaryReason, looksBinary } from './binary-sniff.ts';
import { DocumentError, extractDocxText, extractPdfText } from '../page/documents.ts';
import { extractHtml } from '../page/html.ts';
import type { PageModel } from '../page/model.ts';
import type { Kommun } from '../registry/registry.ts';
import { isHemtjanstPage, type CompiledDefinitions } from '../rules/site-model.ts';
import { SnapshotWriter } from '../snapshot/store.ts';
import type { CrawlSummary, PageRecord, SearchAttempt, Skipped } from '../snapshot/types.ts';
import { siteKeyOf } from '../util/site-key.ts';
import { decodeForMatching, normalizeUrl } from '../util/url.ts';
import { FetchFailure, type FetchedResponse, type Fetcher } from './fetcher.ts';
import { Frontier, linkRelevance, scoreFrom, TrapGuard, type FrontierItem } from './frontier.ts';
import { withMenuOf, type ScriptLink } from '../page/menu.ts';
import { MenuTemplates } from './menu-templates.ts';
import { renderNeed, type RenderNeed } from './render-decision.ts';
import type { RenderSession } from './renderer.ts';
import { crawlDelayOf, type RobotsCache } from './robots.ts';
import { parseSitemap } from './sitemap.ts';
import { extractHits, findSearchForm, searchUrl } from './site-search.ts';

export interface CrawlDeps {
  fetcher: Fetcher;
  robots: RobotsCache;
  /** A browser session for this kommun, or null to never render. */
  render: RenderSession | null;
  /** Read every HTML page in the browser, not only those that need JavaScript (for comparison in the benchmark). */
  renderAll?: boolean;
  definitions: CompiledDefinitions;
  searchQuery: string;
  userAgent: string;
}

export interface CrawlOptions {
  snapshotRoot: string;
  maxPages: number;
  siteTimeoutMs: number;
  /** Pages of this kommun in flight at once (each host still gets at most its per-host limit). */
  pageConcurrency: number;
  onPage?: (kommunkod: string, url: string) => void;
  /** Ctrl-C: start no new page; the crawl then ends with CrawlInterrupted and no crawl.json. */
  signal?: AbortSignal;
  /** Fetch up to the page budget even when no link left looks relevant to any criterion. */
  exhaustive?: boolean;
}

/** The crawl was stopped by `signal`: its snapshot is incomplete and was not marked complete. */
export class CrawlInterrupted extends Error {}

const MAX_SKIPPED = 400;
const MAX_SITEMAP_URLS = 5000;
const SEARCH_HITS_FETCHED = 5;
const FRUGAL_AFTER_PAGES = 40;
/** Link texts that name something to do: on another host, likely an e-service worth one look. */
const SERVICE_ACTION = /ansök|ansökan|anmäl|orosanm|synpunkt|klagom|beställ|boka|blankett|formulär|e-?tjänst|ärende/i;

export async function crawlKommun(kommun: Kommun, deps: CrawlDeps, opts: CrawlOptions): Promise<CrawlSummary> {
  const crawl = new SiteCrawl(kommun, deps, opts, await SnapshotWriter.create(opts.snapshotRoot, kommun.kommunkod));
  return crawl.run();
}

class SiteCrawl {
  private readonly startedAt = new Date();
  private readonly frontier = new Frontier();
  private readonly traps = new TrapGuard();
  private readonly siteKeys = new Set<string>();
  private readonly eserviceHosts = new Set<string>();
  private readonly skipped: Skipped[] = [];
  private readonly notes: string[] = [];
  private readonly searchForms: Array<{ url: string; model: PageModel }> = [];
  private readonly menus = new MenuTemplates();
  private pagesFetched = 0;
  private crawlDelay = 0;
  private search?: SearchAttempt;
  private pagesRendered = 0;
  /** A hemtjänst page reachable by links from the start page (not only through the sitemap or search). */
  private hemtjanstFound = false;
  /** Pages reachable by clicks from the start page: the start page, and the links of such pages. */
  private readonly reachable = new Set<string>();
  /** The links of every page read so far, so that a page found through the sitemap passes reachability on once it is linked. */
  private readonly outLinks = new Map<string, string[]>();
  private readonly hemtjanstUrls = new Set<string>();
  private readonly fetched = new Set<string>();
  private skippedCount = 0;

  constructor(
    private readonly kommun: Kommun,
    private readonly deps: CrawlDeps,
    private readonly opts: CrawlOptions,
    private readonly writer: SnapshotWriter,
  ) {}

  async run(): Promise<CrawlSummary> {
    try {
      const error = await this.crawl();
      if (this.opts.signal?.aborted) throw new CrawlInterrupted(`Genomsökningen av ${this.kommun.namn} avbröts`);
      return await this.finish(error);
    } catch (e) {
      await this.writer.abort();
      throw e;
    }
  }

  /** Returns the reason when the kommun cannot be audited. */
  private async crawl(): Promise<string | null> {
    const start = normalizeUrl(this.kommun.webbplats);
    if (!start) return `Webbadressen i registret är ogiltig: ${this.kommun.webbplats}`;
    this.siteKeys.add(siteKeyOf(start));

    const policy = await this.deps.robots.policyFor(start);
    // No answer at all (not even an error status): the site is down, and that is what to say first.
    if (policy.kind === 'disallow-all') {
      const why = policy.status === undefined ? 'Webbplatsen svarade inte, så den kunde inte granskas' : 'Webbplatsen kan inte granskas, eftersom dess robots.txt inte gick att läsa';
      return `${why}. Det tekniska skälet: ${policy.reason}.`;
    }
    this.crawlDelay = crawlDelayOf(policy) ?? 0;

    let response: FetchedResponse;
    try {
      response = await this.deps.fetcher.fetch({ url: start });
    } catch (e) {
      if (e instanceof FetchFailure && e.code === 'disallowed') return `Startsidan ${start} får inte hämtas enligt webbplatsens robots.txt`;
      return `Startsidan gick inte att hämta: ${messageOf(e)}`;
    }
    if (response.status >= 400) return `Startsidan ${start} svarade med felkod ${response.status}`;
    if (!isHtml(response)) return `Startsidan ${start} är ingen webbsida (${response.contentType || 'okänd typ'})`;
    const finalKey = siteKeyOf(response.finalUrl);
    if (!this.siteKeys.has(finalKey)) {
      this.notes.push(`Startsidan ${start} leder vidare till ${response.finalUrl}; webbplatsen verkar ha flyttat`);
      this.siteKeys.add(finalKey);
    }
    this.frontier.markKnown(start);
    const startModel = await this.store({ url: start, score: 0, depth: 0, path: [], via: 'start', text: '' }, response);
    if (!startModel) {
      const why = this.skipped.find((k) => k.url === start)?.reason;
      return `Startsidan ${start} gick inte att läsa${why ? `: ${why}` : ''}`;
    }

    await this.readSitemaps(response.finalUrl);
    const searchDone = startModel.forms.some((f) => f.isSearch) ? this.siteSearch() : null;
    await this.crawlFrontier();
    const search = await (searchDone ?? this.siteSearch());
    await this.fetchSearchHits(search);
    return null;
  }

  private async crawlFrontier(): Promise<void> {
    const deadline = this.startedAt.getTime() + this.opts.siteTimeoutMs;
    const active = new Set<Promise<void>>();
    let stoppedIrrelevant = false;
    for (;;) {
      let others = false;
      while (active.size < this.opts.pageConcurrency && this.frontier.size > 0 && this.pagesFetched + active.size < this.opts.maxPages && Date.now() < deadline && !this.opts.signal?.aborted) {
        if (this.frugal() && this.frontier.peekScore()! <= 0) {
          this.notes.push(
            `Webbplatsen begär ${this.crawlDelay} s mellan anropen (Crawl-delay); efter ${this.pagesFetched} sidor hämtades bara länkar som ser ut att handla om äldreomsorg`,
          );
          this.frontier.clear();
          break;
        }
        // Past the relevant links, decisions wait until nothing is in flight, so that which pages
        // are fetched does not depend on which response came first. Then: a hemtjänst page found
        // means more pages cannot change a verdict; until it is, the way to it may be any link
        // ("Invånare"), taken a few at a time, best first.
        if (!this.opts.exhaustive && this.frontier.relevantLeft === 0 && !others) {
          if (active.size > 0) break;
          if (this.hemtjanstFound) {
            stoppedIrrelevant = true;
            this.notes.push(
              `Genomsökningen stannade efter ${this.pagesFetched} sidor: inga fler länkar såg ut att handla om äldreomsorg eller något annat som kriterierna frågar efter (${this.frontier.size} länkar hämtades inte)`,
            );
            this.frontier.clear();
            break;
          }
          // Nothing in flight: this pass of the loop starts the best few, with nothing found in between.
          others = true;
        }
        const item = this.frontier.pop()!;
        const task: Promise<void> = this.visit(item).finally(() => active.delete(task));
        active.add(task);
      }
      if (active.size === 0) break;
      await Promise.race(active);
    }
    if (this.frontier.size > 0 && !stoppedIrrelevant) {
      const why = Date.now() >= deadline ? `tidsgränsen för webbplatsen (${Math.round(this.opts.siteTimeoutMs / 1000)} s)` : `sidbudgeten (${this.opts.maxPages} sidor)`;
      this.notes.push(`Genomsökningen stannade vid ${why}; ${this.frontier.size} länkar hämtades inte`);
    }
  }

  /**
   * A site that asks for seconds between requests makes every page cost time: past a first
   * sample, pages whose links say nothing about elderly care are not worth it.
   */
  private frugal(): boolean {
    return this.crawlDelay >= 1 && this.pagesFetched >= FRUGAL_AFTER_PAGES;
  }

  private async visit(item: FrontierItem): Promise<void> {
    try {
      const response = await this.deps.fetcher.fetch({ url: item.url });
      await this.store(item, response);
    } catch (e) {
      this.skip({ url: item.url, reason: reasonOf(e), from: item.from, text: item.text });
    }
  }

  /** Stores a response; for readable pages returns what the page says and queues its links. */
  private async store(item: FrontierItem, response: FetchedResponse, opts: { expand?: boolean } = {}): Promise<PageModel | null> {
    this.pagesFetched++;
    this.fetched.add(normalizeUrl(item.url) ?? item.url);
    this.opts.onPage?.(this.kommun.kommunkod, response.finalUrl);
    const finalUrl = normalizeUrl(response.finalUrl) ?? response.finalUrl;
    this.frontier.markKnown(finalUrl);
    this.fetched.add(finalUrl);
    const inSite = this.inSite(finalUrl);
    const base: Omit<PageRecord, 'kind' | 'readWith'> = {
      url: item.url,
      finalUrl,
      redirects: response.redirects,
      status: response.status,
      contentType: response.contentType,
      headers: response.headers,
      fetchedAt: response.fetchedAt,
      depth: item.depth,
      path: item.path,
      discoveredVia: item.via,
      hostRole: inSite ? 'kommun' : 'eservice',
      ...(response.truncated ? { truncated: true } : {}),
    };
    if (response.status < 200 || response.status >= 300) {
      this.writer.addPage({ ...base, kind: 'other', readWith: 'fetch' });
      return null;
    }
    const kind = documentKind(response);
    if (kind === 'pdf' || kind === 'docx') {
      let text: string | undefined;
      let note: string | undefined;
      try {
        text = kind === 'pdf' ? (await extractPdfText(response.body)).text : await extractDocxText(response.body);
      } catch (e) {
        note = e instanceof DocumentError ? e.message : `Dokumentet gick inte att läsa: ${messageOf(e)}`;
      }
      this.writer.addPage({ ...base, kind, readWith: 'fetch', ...(note ? { note } : {}) }, response.body, kind, text);
      return null;
    }
    if (!isHtml(response)) {
      const unread = unreadDocumentNote(response);
      this.writer.addPage({ ...base, kind: 'other', readWith: 'fetch', ...(unread ? { note: unread } : {}) });
      return null;
    }
    // Bytes that are not text, whatever the server calls them: never parsed as a page.
    if (looksBinary(response.body, response.headers['content-type'])) {
      const reason = binaryReason(response.contentType);
      this.writer.addPage({ ...base, kind: 'other', readWith: 'fetch', note: reason });
      this.skip({ url: item.url, reason, from: item.from, text: item.text });
      return null;
    }

    const decoded = decodeHtml(response.body, response.headers['content-type']);
    let model = extractHtml(decoded.text, finalUrl);
    let readWith: PageRecord['readWith'] = 'fetch';
    let renderReason: string | undefined;
    let menuFrom: string | undefined;
    let scriptLinks: ScriptLink[] | undefined;
    let stored = response.body;
    const need: RenderNeed | null = this.deps.render ? (this.deps.renderAll ? { reason: 'alla sidor läses med webbläsaren (renderAll)' } : renderNeed(model)) : null;
    const learned = need?.menuTemplate && !this.deps.renderAll ? this.menus.learned(need.menuTemplate) : null;
    if (need && learned) {
      model = withMenuOf(model, learned.menu);
      menuFrom = learned.sourceUrl;
      renderReason = `${need.reason}; menyn var densamma på ${learned.renders} sidor som visades i webbläsaren, så sidan lästes utan webbläsare med menyn från ${learned.sourceUrl}`;
    } else if (need && this.deps.render) {
      try {
        const rendered = await this.deps.render.render({ ...response, finalUrl });
        const renderedModel = extractHtml(rendered.html, finalUrl);
        if (need.menuTemplate) scriptLinks = this.menus.observe(need.menuTemplate, finalUrl, model, renderedModel);
        model = renderedModel;
        stored = Buffer.from(rendered.html, 'utf8');
        readWith = 'browser';
        renderReason = need.reason;
        this.pagesRendered++;
      } catch (e) {
        renderReason = `${need.reason}, men webbläsaren kunde inte visa sidan: ${messageOf(e)}`;
      }
    }
    this.writer.addPage(
      {
        ...base,
        kind: 'html',
        readWith,
        ...(renderReason ? { renderReason } : {}),
        ...(menuFrom ? { menuFrom } : {}),
        ...(scriptLinks?.length ? { scriptLinks } : {}),
        charset: readWith === 'browser' ? 'utf-8' : decoded.charset,
      },
      stored,
      'html',
    );
    if (model.forms.some((f) => f.isSearch)) this.searchForms.push({ url: finalUrl, model });
    if (!item.leaf && opts.expand !== false && inSite) this.queueLinks(item, model);
    return model;
  }

  private queueLinks(from: FrontierItem, model: PageModel): void {
    const defs = this.deps.definitions;
    const hemtjanst = isHemtjanstPage(model, defs);
    const links = model.links.filter((l) => l.visible).flatMap((link) => {
      const url = normalizeUrl(link.href);
      return url ? [{ link, url }] : [];
    });
    this.noteReachability(from, model, hemtjanst, links.map((l) => l.url));
    for (const { link, url } of links) {
      const decoded = decodeForMatching(url);
      const isDoc = defs.documentHref.test(decoded);
      const eserviceSignal = defs.eserviceText.test(link.text) || defs.eserviceHref.test(decoded);
      const oneHop = hemtjanst && link.inMain;
      if (!this.inSite(url)) {
        if (eserviceSignal) this.eserviceHosts.add(new URL(url).host);
        // An e-service often lives on another host, and its link may only say what it does
        // ("Ansök om hemtjänst"): the page behind it tells whether it is one.
        if (oneHop && (eserviceSignal || isDoc || SERVICE_ACTION.test(link.text))) this.queue(from, url, link.text, { leaf: true, bonus: 200 });
        else if (!this.frontier.has(url)) this.skip({ url, reason: 'utanför kommunens webbplats', from: model.url, text: link.text }, true);
        continue;
      }
      if (isDoc) {
        if (oneHop) this.queue(from, url, link.text, { leaf: true, bonus: 150 });
        continue;
      }
      this.queue(from, url, link.text, { bonus: oneHop ? 100 : 0 });
    }
  }

  /**
   * Stopping early is safe only once a hemtjänst page is reachable by clicks: one found through
   * the sitemap may still lie behind a plain link ("Invånare") not yet fetched, and a page read
   * before anything linked to it passes reachability on to its own links when something does.
   */
  private noteReachability(from: FrontierItem, model: PageModel, hemtjanst: boolean, links: string[]): void {
    this.outLinks.set(from.url, links);
    if (model.url !== from.url) this.outLinks.set(model.url, links);
    if (hemtjanst) this.hemtjanstUrls.add(from.url).add(model.url);
    if (from.via !== 'start' && !this.reachable.has(from.url) && !this.reachable.has(model.url)) return;
    this.reachable.add(from.url).add(model.url);
    if (hemtjanst) this.hemtjanstFound = true;
    this.markReachable(links);
  }

  /** Marks the pages behind these links reachable, and on through the links of pages already read. */
  private markReachable(urls: string[]): void {
    const stack = [...urls];
    while (stack.length > 0) {
      const url = stack.pop()!;
      if (this.reachable.has(url)) continue;
      this.reachable.add(url);
      if (this.hemtjanstUrls.has(url)) this.hemtjanstFound = true;
      const further = this.outLinks.get(url);
      if (further) for (const next of further) stack.push(next);
    }
  }

  private queue(from: FrontierItem, url: string, text: string, o: { leaf?: boolean; bonus?: number; via?: FrontierItem['via'] }): void {
    const queued = this.frontier.isQueued(url);
    if (this.frontier.has(url) && !queued) return;
    const depth = from.depth + 1;
    const trap = queued ? null : this.traps.check(url, depth);
    if (trap) {
      this.frontier.markKnown(url);
      this.skip({ url, reason: trap, from: from.url, text });
      return;
    }
    const relevance = linkRelevance(text, url);
    this.frontier[queued ? 'improve' : 'push']({
      url,
      score: scoreFrom(relevance, url, depth) + (o.bonus ?? 0),
      relevant: relevance > 0 || (o.bonus ?? 0) > 0,
      depth,
      path: [...from.path, text || url],
      via: o.via ?? 'link',
      text,
      from: from.url,
      ...(o.leaf ? { leaf: true } : {}),
    });
  }

  private async readSitemaps(startUrl: string): Promise<void> {
    const origin = new URL(startUrl).origin;
    const policy = await this.deps.robots.policyFor(startUrl);
    const declared = policy.kind === 'rules' ? policy.rules.sitemaps() : [];
    const queue = declared.length > 0 ? [...declared] : [`${origin}/sitemap.xml`];
    let read = 0;
    let added = 0;
    while (queue.length > 0 && read < 10) {
      const url = queue.shift()!;
      if (!this.inSite(url)) continue;
      read++;
      let xml: string;
      try {
        const r = await this.deps.fetcher.fetch({ url, maxBytes: 20 * 1024 * 1024, accept: 'application/xml,text/xml;q=0.9,*/*;q=0.1' });
        if (r.status !== 200) continue;
        xml = r.body.toString('utf8');
      } catch {
        continue;
      }
      const content = parseSitemap(xml);
      queue.push(...content.sitemaps);
      for (const raw of content.urls) {
        if (added >= MAX_SITEMAP_URLS) break;
        const u = normalizeUrl(raw);
        if (!u || !this.inSite(u) || this.frontier.has(u) || this.traps.check(u, 1)) continue;
        // Links come before the sitemap: a page's click path matters, and the sitemap has none.
        const relevance = linkRelevance('', u);
        this.frontier.push({ url: u, score: scoreFrom(relevance, u, 3) - 40, depth: -1, path: [], via: 'sitemap', text: '', relevant: relevance > 0 });
        added++;
      }
    }
  }

  private async siteSearch(): Promise<SearchAttempt> {
    const query = this.deps.searchQuery;
    const found = findSearchForm(this.searchForms.map((s) => s.model));
    if (!found) return { outcome: 'no-form', query, hits: [] };
    const url = searchUrl(found.form, query);
    if (!(await this.deps.robots.isAllowed(url))) return { outcome: 'disallowed', query, formPage: found.page, resultsUrl: url, hits: [] };
    let response: FetchedResponse;
    try {
      response = await this.deps.fetcher.fetch({ url });
    } catch (e) {
      if (e instanceof FetchFailure && e.code === 'disallowed') return { outcome: 'disallowed', query, formPage: found.page, resultsUrl: url, hits: [] };
      return { outcome: 'failed', query, formPage: found.page, resultsUrl: url, hits: [], detail: messageOf(e) };
    }
    this.frontier.markKnown(normalizeUrl(url) ?? url);
    const model = await this.store({ url, score: 0, depth: 1, path: [`Sök: ${query}`], via: 'search', text: query }, response, { expand: false });
    if (!model) return { outcome: 'failed', query, formPage: found.page, resultsUrl: url, hits: [], detail: `sökresultatet svarade med status ${response.status}` };
    return { outcome: 'done', query, formPage: found.page, resultsUrl: response.finalUrl, hits: extractHits(model, response.finalUrl, query).slice(0, 20) };
  }

  /** The first hits are fetched so that the rules can tell whether one is a hemtjänst page. */
  private async fetchSearchHits(search: SearchAttempt): Promise<void> {
    this.search = search;
    const tasks: Promise<void>[] = [];
    for (const hit of search.hits.slice(0, SEARCH_HITS_FETCHED)) {
      const url = normalizeUrl(hit.url);
      // Known is not enough: a crawl that stopped early knows links it never fetched.
      if (!url || this.fetched.has(url)) continue;
      this.fetched.add(url);
      this.frontier.markKnown(url);
      tasks.push(this.visit({ url, score: 0, depth: 2, path: [`Sök: ${search.query}`, hit.text], via: 'search-hit', text: hit.text, leaf: true }));
    }
    await Promise.all(tasks);
  }

  private inSite(url: string): boolean {
    try {
      return this.siteKeys.has(siteKeyOf(url));
    } catch {
      return false;
    }
  }

  private skip(entry: Skipped, outOfScope = false): void {
    this.skippedCount++;
    // Out-of-scope links are many and dull; robots and traps are what a reviewer asks about.
    if (outOfScope && this.skipped.length >= MAX_SKIPPED / 2) return;
    if (this.skipped.length < MAX_SKIPPED) this.skipped.push(entry);
  }

  private async finish(error: string | null): Promise<CrawlSummary> {
    const robots = await this.robotsSummary();
    const summary: CrawlSummary = {
      kommunkod: this.kommun.kommunkod,
      namn: this.kommun.namn,
      webbplats: this.kommun.webbplats,
      startUrl: normalizeUrl(this.kommun.webbplats) ?? this.kommun.webbplats,
      status: error ? 'error' : 'audited',
      reason: error,
      startedAt: this.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      pagesFetched: this.pagesFetched,
      pagesRendered: this.pagesRendered,
      ...(this.search ? { search: this.search } : {}),
      eserviceHosts: [...this.eserviceHosts].sort(),
      skipped: this.skipped,
      robots,
      userAgent: this.deps.userAgent,
      notes: this.skippedCount > this.skipped.length ? [...this.notes, `${this.skippedCount - this.skipped.length} fler överhoppade länkar visas inte`] : this.notes,
    };
    await this.writer.finish(summary);
    return summary;
  }

  private async robotsSummary(): Promise<CrawlSummary['robots']> {
    const out: CrawlSummary['robots'] = [];
    for (const key of this.siteKeys) {
      const origin = key.startsWith('http') ? key : null;
      const url = origin ?? normalizeUrl(this.kommun.webbplats);
      if (!url) continue;
      try {
        const policy = await this.deps.robots.policyFor(url);
        const delay = crawlDelayOf(policy);
        out.push({ origin: new URL(url).origin, outcome: policy.kind === 'rules' ? `regler (status ${policy.status})` : policy.reason, ...(delay ? { crawlDelay: delay } : {}) });
      } catch {
        /* nothing to report */
      }
    }
    return out;
  }
}

function isHtml(r: FetchedResponse): boolean {
  return r.contentType === 'text/html' || r.contentType === 'application/xhtml+xml' || (r.contentType === '' && /^\s*<(!doctype|html)/i.test(r.body.subarray(0, 200).toString('latin1')));
}

/** The address's path in lower case, without the query: what a file ending is read from. */
function lowerPathOf(r: FetchedResponse): string {
  return r.finalUrl.toLowerCase().split('?')[0] ?? '';
}

function documentKind(r: FetchedResponse): 'pdf' | 'docx' | null {
  const path = lowerPathOf(r);
  if (r.contentType === 'application/pdf' || (path.endsWith('.pdf') && !isHtml(r))) return 'pdf';
  if (r.contentType === 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' || (path.endsWith('.docx') && !isHtml(r))) return 'docx';
  return null;
}

/** A document in a format granska does not read says so, so that a reviewer knows to open it. */
function unreadDocumentNote(r: FetchedResponse): string | undefined {
  const path = lowerPathOf(r);
  const format =
    r.contentType === 'application/msword' || path.endsWith('.doc')
      ? 'Word (det äldre .doc)'
      : r.contentType === 'application/vnd.oasis.opendocument.text' || path.endsWith('.odt')
        ? 'OpenDocument (.odt)'
        : r.contentType === 'application/rtf' || r.contentType === 'text/rtf' || path.endsWith('.rtf')
          ? 'RTF'
          : null;
  return format ? `Dokumentet är i formatet ${format}, som granska inte läser: öppna det och bedöm det för hand, eller spara det som PDF eller .docx` : undefined;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function reasonOf(e: unknown): string {
  if (e instanceof FetchFailure && e.code === 'disallowed') return 'robots.txt förbjuder hämtning';
  return messageOf(e);
}
