/**
 * Best-first frontier of one kommun's crawl: links scored by their Swedish words and URL, so that
 * the elderly-care pages come first and the page budget is spent where the criteria are.
 */
import { foldDiacritics } from '../page/text.ts';
import type { PageRecord } from '../snapshot/types.ts';

export interface FrontierItem {
  url: string;
  score: number;
  depth: number;
  path: string[];
  via: PageRecord['discoveredVia'];
  /** Link text that led here (for skipped-page reports). */
  text: string;
  from?: string;
  /** Fetched as one hop outside the kommun's own pages (e-service, document): links on it are not followed. */
  leaf?: boolean;
  /**
   * The link's words or place say it may hold what a criterion looks for (elderly care, fees,
   * complaints, languages…, or a hemtjänst page's own content). When none such are left, the
   * crawl of the kommun can stop before its page budget.
   */
  relevant?: boolean;
}

// Words are matched on text without diacritics, so "aldreomsorg" in a URL and "Äldreomsorg" in a link both count.
const WORDS: Array<[RegExp, number]> = [
  [/hemtjanst|hjalp i hemmet|stod i hemmet|hjalp hemma|hemhjalp/, 120],
  [/aldreomsorg|aldre|senior|pensionar/, 60],
  [/omsorg|stod och hjalp|stod|hjalp|vard|socialtjanst|bistand/, 25],
  [/ansok|avgift|taxa|maxtaxa|trygghetslarm|anhorig|lattlast|latt att lasa|orosanmal|synpunkt|klagomal|brukarundersok|utforare|valfrihet|handlaggare|overklaga/, 35],
  [/e-?tjanst|sjalvservice|mina sidor|blankett/, 20],
  // Language links usually name the language in itself or in Swedish, not the word "språk".
  [/english|other languages|sprak|teckensprak|languages|suomeksi|finska|meankieli|samiska|arabiska|somaliska|persiska|farsi|tigrinja|bosniska|kroatiska|serbiska|polska|turkiska|kurdiska|ryska|ukrainska|spanska|in english|العربية|فارسی|soomaali|suomi|polski|turkce|espanol|українською|русский/, 15],
];
const NEGATIVE = /nyhet|news|kalender|evenemang|press|bygglov|detaljplan|skola|forskola|gymnas|avfall|sophamtning|parkering|lediga jobb|jobba hos|upphandling|kultur|bibliotek|idrott|turism|naringsliv|politik|protokoll|sammantrade/;

/** The frontier's order: relevance, less for depth and for query parameters. */
export function scoreFrom(relevance: number, url: string, depth: number): number {
  // Filters and listings (?kategori=…&sida=2) rarely hold content pages of their own.
  const params = url.includes('?') ? url.split('?')[1]!.split('&').length : 0;
  return relevance - depth * 8 - params * 10;
}

/** What the link's words and address say about the criteria, before depth: above 0 is worth a look. */
export function linkRelevance(text: string, url: string): number {
  let path = url;
  try {
    const u = new URL(url);
    path = decodeURIComponent(u.pathname + u.search);
  } catch {
    /* keep raw */
  }
  const hay = foldDiacritics(`${text} ${path.replace(/[-_/.]+/g, ' ')}`);
  let score = 0;
  for (const [re, w] of WORDS) if (re.test(hay)) score += w;
  if (NEGATIVE.test(hay)) score -= 30;
  return score;
}

/**
 * The queue of one kommun's crawl: relevant links (see FrontierItem.relevant) before all others,
 * each kind best score first. Equal scores come out by address, not by when they were found, so
 * that the pages a crawl fetches do not depend on which response came first.
 */
export class Frontier {
  private readonly relevantHeap = new Heap();
  private readonly otherHeap = new Heap();
  private readonly known = new Set<string>();

  get size(): number {
    return this.relevantHeap.size + this.otherHeap.size;
  }

  /** Queued items marked relevant. */
  get relevantLeft(): number {
    return this.relevantHeap.size;
  }

  has(url: string): boolean {
    return this.known.has(url);
  }

  /** Marks a URL as known without queueing it (fetched some other way). */
  markKnown(url: string): void {
    this.known.add(url);
  }

  push(item: FrontierItem): boolean {
    if (this.known.has(item.url)) return false;
    this.known.add(item.url);
    (item.relevant ? this.relevantHeap : this.otherHeap).push(item);
    return true;
  }

  /**
   * A link to a page still queued (from the sitemap, or a weaker link) that scores higher takes
   * its place: its click path and relevance are what the page is fetched with.
   */
  improve(item: FrontierItem): boolean {
    const heap = [this.relevantHeap, this.otherHeap].find((h) => h.get(item.url));
    if (!heap || heap.get(item.url)!.score >= item.score) return false;
    heap.remove(item.url);
    (item.relevant ? this.relevantHeap : this.otherHeap).push(item);
    return true;
  }

  isQueued(url: string): boolean {
    return !!(this.relevantHeap.get(url) ?? this.otherHeap.get(url));
  }

  peekScore(): number | undefined {
    return (this.relevantHeap.peek() ?? this.otherHeap.peek())?.score;
  }

  /** Drops everything queued; the URLs stay known, so they are not queued again. */
  clear(): void {
    this.relevantHeap.clear();
    this.otherHeap.clear();
  }

  pop(): FrontierItem | undefined {
    return this.relevantHeap.pop() ?? this.otherHeap.pop();
  }
}

/** A binary max-heap of frontier items by score, then address; with the position of each URL. */
class Heap {
  private heap: FrontierItem[] = [];
  private readonly pos = new Map<string, number>();

  get size(): number {
    return this.heap.length;
  }

  get(url: string): FrontierItem | undefined {
    const i = this.pos.get(url);
    return i === undefined ? undefined : this.heap[i];
  }

  peek(): FrontierItem | undefined {
    return this.heap[0];
  }

  clear(): void {
    this.heap = [];
    this.pos.clear();
  }

  push(item: FrontierItem): void {
    this.heap.push(item);
    this.pos.set(item.url, this.heap.length - 1);
    this.up(this.heap.length - 1);
  }

  pop(): FrontierItem | undefined {
    const top = this.heap[0];
    if (top) this.removeAt(0);
    return top;
  }

  remove(url: string): void {
    const i = this.pos.get(url);
    if (i !== undefined) this.removeAt(i);
  }

  private removeAt(i: number): void {
    const item = this.heap[i]!;
    const last = this.heap.pop()!;
    this.pos.delete(item.url);
    if (i < this.heap.length) {
      this.heap[i] = last;
      this.pos.set(last.url, i);
      this.down(i);
      this.up(i);
    }
  }

  private better(a: number, b: number): boolean {
    const x = this.heap[a]!;
    const y = this.heap[b]!;
    return x.score > y.score || (x.score === y.score && x.url < y.url);
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.better(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < this.heap.length && this.better(l, best)) best = l;
      if (r < this.heap.length && this.better(r, best)) best = r;
      if (best === i) break;
      this.swap(i, best);
      i = best;
    }
  }

  private swap(a: number, b: number): void {
    const x = this.heap[a]!;
    const y = this.heap[b]!;
    this.heap[a] = y;
    this.heap[b] = x;
    this.pos.set(y.url, a);
    this.pos.set(x.url, b);
  }
}

/**
 * Screens URLs that a site controls and that never end: calendars, repeated path segments from
 * relative-link bugs, endless query variations. Returns a reason (Swedish) to skip, or null.
 */
export class TrapGuard {
  private readonly shapes = new Map<string, number>();

  constructor(private readonly opts: { maxUrlLength?: number; maxPerShape?: number; maxDepth?: number } = {}) {}

  check(url: string, depth: number): string | null {
    if (url.length > (this.opts.maxUrlLength ?? 2048)) return 'adressen är orimligt lång (möjlig crawlerfälla)';
    if (depth > (this.opts.maxDepth ?? 12)) return 'för djupt ner i länkstrukturen';
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return 'ogiltig adress';
    }
    const segments = u.pathname.split('/').filter(Boolean);
    if (segments.length > 15) return 'orimligt många nivåer i adressen (möjlig crawlerfälla)';
    if (hasRepeatedRun(segments)) return 'upprepat mönster i adressen (möjlig crawlerfälla)';
    const keys = [...u.searchParams.keys()];
    if (keys.length > 8) return 'för många parametrar i adressen (möjlig crawlerfälla)';
    const counts = new Map<string, number>();
    for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
    // ?kategori=a&kategori=b&… is how filter links grow without end; arrays (tag[]=) are named so.
    if ([...counts].some(([k, n]) => n > 1 && !k.endsWith('[]'))) return 'samma parameter upprepas i adressen (möjlig crawlerfälla)';
    // Many URLs that differ only in numbers or query values are a calendar or a listing without end.
    const path = `${u.host}${u.pathname.replace(/\d+/g, '#')}`;
    const shape = `${path}?${[...counts.keys()].sort().join('&')}`;
    const seen = (this.shapes.get(shape) ?? 0) + 1;
    this.shapes.set(shape, seen);
    // One numeric id is how some CMSs name every page (WordPress ?page_id=12, ?p=7, ?id=210):
    // those are pages, not variants, and only the page budget bounds them.
    const dateish = /(^|[?&])(ar|year|manad|month|dag|day|date|datum|vecka|week|from|tom|start|end|kalender|calendar)=/i.test(u.search) || /\d{4}[-/]\d{2}/.test(u.pathname);
    if (!dateish && keys.length === 1 && /^\d{1,9}$/.test(u.searchParams.get(keys[0]!) ?? '')) return null;
    if (u.search) {
      const variants = (this.shapes.get(`${path}?*`) ?? 0) + 1;
      this.shapes.set(`${path}?*`, variants);
      if (variants > (this.opts.maxPerShape ?? 40)) return 'samma sida med allt fler varianter av parametrar (möjlig crawlerfälla)';
    }
    const limit = dateish ? 6 : (this.opts.maxPerShape ?? 40);
    if (u.search && seen > limit) return 'samma sida med allt fler varianter av parametrar (kalender eller lista utan slut)';
    if (!u.search && /#/.test(shape) && seen > limit * 2) return 'många nästan likadana adresser (möjlig crawlerfälla)';
    return null;
  }
}

/** /a/b/a/b/a/b or /x/x/x: the same run of segments three times in a row. */
function hasRepeatedRun(segments: string[]): boolean {
  for (let len = 1; len <= 4; len++) {
    for (let i = 0; i + len * 3 <= segments.length; i++) {
      const run = segments.slice(i, i + len).join('/');
      if (segments.slice(i + len, i + 2 * len).join('/') === run && segments.slice(i + 2 * len, i + 3 * len).join('/') === run) return true;
    }
  }
  return false;
}
