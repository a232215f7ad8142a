/**
 * Evidence a reviewer can defend: for every criterion that passed or partly passed, a picture of
 * the live page with what was judged outlined, and a caption strip that says which page and when.
 *
 * One browser visit per page serves every criterion found on it. The page is loaded through the
 * same polite fetcher as the crawl (robots.txt, the address guard and the per-host limits hold),
 * this time with stylesheets, images and fonts so that it looks like the page. A cookie dialog is
 * closed with its "only necessary" button, never "accept all"; failing that it is hidden. What
 * cannot be found on the page is said (`shown: false` and a note in the reason), never replaced
 * by a picture of something else. Nothing here stops the audit: a page that fails gets a note.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { BrowserMissingError } from '../crawl/browser.ts';
import type { Renderer, RenderSession } from '../crawl/renderer.ts';
import type { JudgedKommun } from '../pipeline/judge.ts';
import type { Evidence, Outcome } from '../rules/engine.ts';
import { TOOL } from '../tool.ts';
import { isOutputFailure } from '../util/fs-errors.ts';
import { PAGE_SCRIPT } from './page-script.ts';
import { PngStackError, stackPngs, textChunks } from './png-stack.ts';

export interface CaptureOptions {
  /** The run's folder (DIR): pictures go to DIR/evidence/<kommunkod>/. */
  outDir: string;
  renderer: Renderer;
  /** Time limit for one kommun's screenshots; what is left after it gets a note. Default 150 s. */
  budgetMs?: number;
  /** Time limit for loading one page. Default 20 s. */
  pageTimeoutMs?: number;
  /** Different pages opened per kommun. Default 30. */
  maxPages?: number;
  /** The clock (tests). */
  now?: () => Date;
  /** Stops taking pictures (the run was interrupted): the page in progress is closed at once. */
  signal?: AbortSignal;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type ConsentAction = 'necessary' | 'hidden' | 'none';

export interface Shot {
  criterion: string;
  /** 1-based index of the evidence entry. */
  n: number;
  /** Relative to DIR, or null when no picture could be taken. */
  file: string | null;
  /** The page in the picture. */
  pageUrl: string;
  shown: boolean;
  /** The caption strip's text as the browser laid it out. */
  caption?: string;
  /** The outlined element's box in the final PNG (caption strip included), when it was found. */
  box?: Box;
  /** What was done about a cookie dialog. */
  consent?: ConsentAction;
  /** How the element was found (href, selector, text), and whether a collapsed panel was opened. */
  how?: string;
  revealed?: boolean;
  note?: string;
}

export interface CaptureReport {
  shots: Shot[];
  /** Pages opened. */
  pages: number;
  ms: number;
}

/** The caption strip's colour (the tests look for it). */
export const CAPTION_BACKGROUND = '#1b2a35';
/** The outline's colour. */
export const OUTLINE_COLOR = '#d6007e';
const VIEWPORT = { width: 1280, height: 900 };
/** Pictures of one criterion on different pages, at most. */
const MAX_PAGES_PER_CRITERION = 3;

export const NOTE_NOT_SHOWN = 'Obs: den matchade texten syntes inte på sidan när skärmbilden togs';
export const NOTE_LINK_NOT_SHOWN = 'Obs: länken syntes inte på sidan när skärmbilden togs';

interface Job {
  outcome: Outcome;
  index: number;
  evidence: Evidence;
  pageUrl: string;
  spec: { text?: string; href?: string; selector?: string; excerpt?: string } | null;
}

interface Raw {
  job: Job;
  png: Buffer;
  at: Date;
  found: FindResult | null;
  box: Box | null;
  status: number;
  consent: ConsentAction;
}

/** One worker's browser tab, opened on its first page and kept for the next. */
interface Tab {
  page: Page | null;
}

interface FindResult {
  found: boolean;
  how?: string;
  revealed?: boolean;
  tag?: string;
  text?: string;
}

class CaptureFailure extends Error {}

const KOMMUN_LIMIT = 'tidsgränsen för skärmbilder för kommunen nåddes';

/**
 * Takes the evidence screenshots of one judged kommun and records them on its evidence entries
 * (`screenshot`, `screenshotAt`, `shown`, and for documents `screenshotUrl`); appends a note to a
 * criterion's reason when what was judged could not be shown. Never throws for a site's sake.
 */
export async function captureEvidence(kommun: JudgedKommun, opts: CaptureOptions): Promise<CaptureReport> {
  const t0 = Date.now();
  const now = opts.now ?? (() => new Date());
  const report: CaptureReport = { shots: [], pages: 0, ms: 0 };
  const dirRel = `evidence/${safeName(kommun.kommunkod)}`;
  const dir = join(opts.outDir, ...dirRel.split('/'));
  await rm(dir, { recursive: true, force: true }); // pictures of an earlier run in the same folder
  if (kommun.status !== 'audited') return report;

  const jobs = planJobs(kommun.criteria, report);
  if (jobs.length === 0) {
    report.ms = Date.now() - t0;
    return report;
  }
  await mkdir(dir, { recursive: true });

  const groups = new Map<string, Job[]>();
  for (const job of jobs) {
    const key = withoutHash(job.pageUrl);
    groups.set(key, [...(groups.get(key) ?? []), job]);
  }

  const deadline = t0 + (opts.budgetMs ?? 150_000);
  const maxPages = opts.maxPages ?? 30;
  const session = opts.renderer.session({ assets: true });
  let stopAll: string | null = null;
  const queue = [...groups];
  const one = async (pageUrl: string, group: Job[], tab: Tab): Promise<void> => {
    if (!stopAll && opts.signal?.aborted) stopAll = 'granskningen avbröts';
    if (!stopAll && report.pages >= maxPages) stopAll = 'gränsen för antal sidor med skärmbilder per kommun nåddes';
    if (!stopAll && deadline - Date.now() < 1000) stopAll = KOMMUN_LIMIT;
    if (stopAll) {
      for (const job of group) fail(job, report, `Obs: ingen skärmbild togs av ${pageUrl} (${stopAll})`);
      return;
    }
    report.pages++;
    try {
      const pageTimeoutMs = opts.pageTimeoutMs ?? 20_000;
      await visit(session, tab, pageUrl, group, {
        deadline,
        // One page may take its load time and a few seconds a picture, never the whole budget.
        pageLimitMs: pageTimeoutMs + 10_000 + 5_000 * group.length,
        pageTimeoutMs,
        now,
        signal: opts.signal,
        finish: (page, raws) => compose(page, kommun, raws, { dir, dirRel, report }),
      });
    } catch (e) {
      // Our own disk failing stops the run (the audit says so), unlike a website's failure.
      if (isOutputFailure(e)) {
        queue.length = 0;
        throw e;
      }
      const why = failureText(e);
      if (e instanceof BrowserMissingError || /executable|browserType\.launch/i.test(String((e as Error)?.message))) stopAll = 'webbläsaren kunde inte startas';
      for (const job of group) {
        if (report.shots.some((s) => s.criterion === job.outcome.id && s.n === job.index + 1)) continue;
        fail(job, report, `Obs: ingen skärmbild kunde tas av ${pageUrl} (${stopAll ?? why})`);
      }
    }
  };
  // Two pages of a kommun at once: they mostly wait on the site's politeness limits. Each keeps
  // its browser tab from page to page: opening one costs more than the visit.
  const worker = async (): Promise<void> => {
    const tab: Tab = { page: null };
    try {
      for (let next = queue.shift(); next; next = queue.shift()) await one(...next, tab);
    } finally {
      await tab.page?.close().catch(() => {});
    }
  };
  try {
    await Promise.all([worker(), worker()]);
  } finally {
    await session.close();
  }
  report.ms = Date.now() - t0;
  return report;
}

/** The first evidence entry of each pass/partial criterion, and further entries on pages opened anyway. */
function planJobs(criteria: Outcome[], report: CaptureReport): Job[] {
  const jobs: Job[] = [];
  const pages = new Set<string>();
  const jobOf = (outcome: Outcome, index: number): Job | null => {
    const evidence = outcome.evidence[index]!;
    // A document (and a search hit) is shown where a visitor meets it: the link on the page that links to it.
    if (evidence.linkedFrom) return { outcome, index, evidence, pageUrl: evidence.linkedFrom.url, spec: { href: evidence.linkedFrom.href, text: evidence.linkedFrom.text } };
    if (evidence.document) return null;
    const h = evidence.highlight;
    const spec = h && (h.text || h.href || h.selector) ? { ...h, excerpt: evidence.excerpt } : null;
    return { outcome, index, evidence, pageUrl: evidence.url, spec };
  };
  const judged = criteria.filter((c) => (c.status === 'pass' || c.status === 'partial') && c.evidence.length > 0);
  for (const outcome of judged) {
    const job = jobOf(outcome, 0);
    if (!job) {
      fail({ outcome, index: 0, evidence: outcome.evidence[0]!, pageUrl: outcome.evidence[0]!.url, spec: null }, report, `Obs: ingen skärmbild: dokumentet ${outcome.evidence[0]!.url} länkas inte från någon sparad webbsida`);
      continue;
    }
    jobs.push(job);
    pages.add(withoutHash(job.pageUrl));
  }
  // Evidence of the same criterion on another page is cheap when that page is opened anyway.
  for (const outcome of judged) {
    const shot = new Set([withoutHash(jobs.find((j) => j.outcome === outcome)?.pageUrl ?? '')]);
    for (let i = 1; i < outcome.evidence.length && shot.size < MAX_PAGES_PER_CRITERION; i++) {
      const job = jobOf(outcome, i);
      const page = job && withoutHash(job.pageUrl);
      if (!job || !page || shot.has(page) || !pages.has(page)) continue;
      jobs.push(job);
      shot.add(page);
    }
  }
  return jobs;
}

function fail(job: Job, report: CaptureReport, note: string): void {
  job.evidence.shown = false;
  delete job.evidence.screenshot;
  delete job.evidence.screenshotAt;
  addNote(job.outcome, note);
  report.shots.push({ criterion: job.outcome.id, n: job.index + 1, file: null, pageUrl: job.pageUrl, shown: false, note });
}

function addNote(outcome: Outcome, note: string): void {
  if (outcome.reason.includes(note)) return;
  outcome.reason = `${outcome.reason.replace(/[.\s]+$/, '')}. ${note}.`;
}

/**
 * Opens one page in the worker's tab, takes a viewport-sized picture around each job's element,
 * and hands them to `finish` on a blank document in the same tab. The time limit runs from when
 * the slot is free: waiting for other kommuners' pictures is not this page's fault.
 */
async function visit(
  session: RenderSession,
  tab: Tab,
  pageUrl: string,
  jobs: Job[],
  o: { deadline: number; pageLimitMs: number; pageTimeoutMs: number; now: () => Date; signal?: AbortSignal; finish: (page: Page, raws: Raw[]) => Promise<void> },
): Promise<void> {
  await session.inSlot(async () => {
    const left = o.deadline - Date.now();
    if (left < 1000) throw new CaptureFailure(KOMMUN_LIMIT);
    const remaining = Math.min(left, o.pageLimitMs);
    const limitWhy = remaining === left ? KOMMUN_LIMIT : 'sidan blev inte klar inom tidsgränsen';
    const page = (tab.page ??= await session.newPage());
    // A tab that was stopped half-way is not used again.
    const discard = () => {
      if (tab.page === page) tab.page = null;
      void page.close().catch(() => {});
    };
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const limit = new Promise<never>((_, reject) => {
      const stop = (why: string) => {
        discard();
        reject(new CaptureFailure(why));
      };
      timer = setTimeout(() => stop(limitWhy), remaining);
      onAbort = () => stop('granskningen avbröts');
      if (o.signal?.aborted) onAbort();
      else o.signal?.addEventListener('abort', onAbort, { once: true });
    });
    const work = (async () => {
      // When the load is cut by the kommun's budget rather than its own timeout, the two timers race: say the same either way.
      const loadTimeoutWhy = o.pageTimeoutMs < remaining ? 'sidan svarade inte inom tidsgränsen' : limitWhy;
      const raws = await shoot(page, pageUrl, jobs, { remaining, pageTimeoutMs: o.pageTimeoutMs, loadTimeoutWhy, now: o.now });
      // The captions are laid out on a blank document: none of the site's scripts, styles or policies.
      await page.goto('about:blank');
      page.setDefaultTimeout(Math.min(15_000, remaining));
      await o.finish(page, raws);
    })();
    try {
      await Promise.race([work, limit]);
    } catch (e) {
      discard();
      throw e;
    } finally {
      clearTimeout(timer);
      if (onAbort) o.signal?.removeEventListener('abort', onAbort);
      work.catch(() => {});
    }
  });
}

async function shoot(page: Page, pageUrl: string, jobs: Job[], o: { remaining: number; pageTimeoutMs: number; loadTimeoutWhy: string; now: () => Date }): Promise<Raw[]> {
  page.setDefaultTimeout(Math.min(10_000, o.remaining));
  const net = trackRequests(page);
  try {
    return await shootTracked(page, net, pageUrl, jobs, o);
  } finally {
    net.dispose();
  }
}

async function shootTracked(page: Page, net: RequestTracker, pageUrl: string, jobs: Job[], o: { remaining: number; pageTimeoutMs: number; loadTimeoutWhy: string; now: () => Date }): Promise<Raw[]> {
  let response;
  try {
    response = await page.goto(pageUrl, { waitUntil: 'domcontentloaded', timeout: Math.min(o.pageTimeoutMs, o.remaining) });
  } catch (e) {
    throw new CaptureFailure(/timeout/i.test(String((e as Error)?.message)) ? o.loadTimeoutWhy : 'sidan kunde inte hämtas');
  }
  const status = response?.status() ?? 0;
  await page.waitForLoadState('load', { timeout: Math.min(8000, o.remaining) }).catch(() => {});
  await net.quiet(1500);
  await page.evaluate('document.fonts ? Promise.race([document.fonts.ready, new Promise((r) => setTimeout(r, 1500))]).then(() => true) : true').catch(() => {});
  const consent = await dismissConsent(page, net);

  const raws: Raw[] = [];
  for (const job of jobs) {
    await ensureScript(page);
    let found: FindResult | null = null;
    if (job.spec) found = (await page.evaluate(`window.__granskaEvidence.find(${JSON.stringify(job.spec)})`)) as FindResult;
    await page.evaluate('window.__granskaEvidence.scrollToMark()');
    if (found?.revealed) await page.waitForTimeout(250); // an accordion's animation
    await net.quiet(800); // pictures that load when scrolled to
    await ensureScript(page);
    const box = found?.found ? ((await page.evaluate('window.__granskaEvidence.outline()')) as Box | null) : null;
    const at = o.now();
    const png = await crop(page);
    await page.evaluate('window.__granskaEvidence && window.__granskaEvidence.clear()').catch(() => {});
    raws.push({ job, png, at, found, box, status, consent });
  }
  return raws;
}

/**
 * The viewport (or a part of it) as it is, quickly encoded: an intermediate that stackPngs
 * compresses again. Falls back to Playwright's screenshot.
 */
async function crop(page: Page, clip?: { x: number; y: number; width: number; height: number }): Promise<Buffer> {
  try {
    const cdp = await cdpOf(page);
    const { data } = (await cdp.send('Page.captureScreenshot', { format: 'png', optimizeForSpeed: true, ...(clip ? { clip: { ...clip, scale: 1 } } : {}) } as never)) as { data: string };
    return Buffer.from(data, 'base64');
  } catch {
    cdpSessions.delete(page);
    return page.screenshot({ type: 'png', caret: 'hide', ...(clip ? { clip } : {}) });
  }
}

/** One DevTools session per tab, for its two captures a picture (page and caption strip); it ends with the tab. */
const cdpSessions = new WeakMap<Page, Promise<CDPSession>>();

function cdpOf(page: Page): Promise<CDPSession> {
  let cdp = cdpSessions.get(page);
  if (!cdp) {
    cdp = page.context().newCDPSession(page);
    cdpSessions.set(page, cdp);
  }
  return cdp;
}

/** The page script, sent once per document: it is 13 KB, and asked for several times per picture. */
async function ensureScript(page: Page): Promise<void> {
  if (await page.evaluate('typeof window.__granskaEvidence === "object"')) return;
  await page.evaluate(PAGE_SCRIPT);
}

/** Closes the cookie dialog with its "only necessary" button; hides whatever still covers the page. */
async function dismissConsent(page: Page, net: RequestTracker): Promise<ConsentAction> {
  let action: ConsentAction = 'none';
  try {
    await ensureScript(page);
    const button = (await page.evaluate('window.__granskaEvidence.markNecessaryButton()')) as string | null;
    if (button) {
      const locator = page.locator('[data-granska-consent="necessary"]').first();
      const clicked = await locator.click({ timeout: 2000 }).then(
        () => true,
        () => false,
      );
      if (!clicked) await page.evaluate(`document.querySelector('[data-granska-consent="necessary"]')?.click()`).catch(() => {});
      action = 'necessary';
      // Some consent managers reload the page after a choice.
      await page.waitForLoadState('load', { timeout: 3000 }).catch(() => {});
      await net.quiet(600);
      await page.waitForTimeout(200);
    }
    await ensureScript(page);
    const hidden = (await page.evaluate('window.__granskaEvidence.hideConsent()')) as string[];
    if (hidden.length > 0 && action === 'none') action = 'hidden';
  } catch {
    /* a page that fights back is photographed as it is */
  }
  return action;
}

interface RequestTracker {
  quiet(maxMs: number): Promise<void>;
  /** Stops listening: the tab goes on to other pages. */
  dispose(): void;
}

/** Waits for the page's requests (lazy images after a scroll, a consent manager's reload) to settle. */
function trackRequests(page: Page): RequestTracker {
  let inFlight = 0;
  let last = Date.now();
  const started = () => {
    inFlight++;
    last = Date.now();
  };
  const done = () => {
    inFlight = Math.max(0, inFlight - 1);
    last = Date.now();
  };
  page.on('request', started);
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  return {
    async quiet(maxMs: number) {
      const until = Date.now() + maxMs;
      await new Promise((r) => setTimeout(r, 50));
      while (Date.now() < until) {
        if (inFlight === 0 && Date.now() - last >= 150) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    dispose() {
      page.off('request', started);
      page.off('requestfinished', done);
      page.off('requestfailed', done);
    },
  };
}

/** Puts each picture under its caption strip and writes the PNGs; records them on the evidence. */
async function compose(page: Page, kommun: JudgedKommun, raws: Raw[], o: { dir: string; dirRel: string; report: CaptureReport }): Promise<void> {
  const lines = raws.map((raw) => captionLines(kommun, raw));
  // All captions of the visit laid out at once, each photographed on its own.
  await page.setContent(captionPage(lines.map((l) => [l.line1, l.line2])), { waitUntil: 'load' });
  const laid = (await page.evaluate(
    `[...document.querySelectorAll('.granska-caption')].map((c) => { const r = c.getBoundingClientRect(); return { caption: c.innerText, top: Math.floor(r.top), height: Math.ceil(r.bottom) - Math.floor(r.top) }; })`,
  )) as Array<{ caption: string; top: number; height: number }>;
  const tall = Math.max(VIEWPORT.height, ...laid.map((l) => l.top + l.height));
  if (tall > VIEWPORT.height) await page.setViewportSize({ width: VIEWPORT.width, height: tall });
  try {
    for (const [i, raw] of raws.entries()) await composeOne(page, raw, lines[i]!, laid[i]!, o);
  } finally {
    if (tall > VIEWPORT.height) await page.setViewportSize(VIEWPORT);
  }
}

interface CaptionLines {
  line1: string;
  line2: string;
  shown: boolean;
  viaLink: boolean;
  at: string;
}

function captionLines(kommun: JudgedKommun, raw: Raw): CaptionLines {
  const { job } = raw;
  const isDocument = !!job.evidence.document;
  // Shown by the link to it on another page (a document, a search hit).
  const viaLink = withoutHash(job.pageUrl) !== withoutHash(job.evidence.url);
  const linkTo = `länken till ${isDocument ? 'dokumentet ' : ''}${readableUrl(job.evidence.url)}`;
  const shown = job.spec ? !!raw.found?.found : true;
  const at = raw.at.toISOString();
  const line1 = `${readableUrl(raw.job.pageUrl)} — fångad ${at.slice(0, 16).replace('T', ' ')} UTC`;
  const line2 = [
    kommun.namn,
    `${job.outcome.id} (${job.outcome.status === 'pass' ? 'uppfyllt' : 'delvis uppfyllt'})`,
    !shown
      ? viaLink
        ? `OBS: ${linkTo} syntes inte på sidan`
        : 'OBS: det bedömda syntes inte på sidan'
      : !job.spec
        ? 'sidan som helhet är beviset'
        : viaLink
          ? `markerat: ${linkTo}`
          : raw.found?.revealed
            ? 'markerat (i en hopfälld del som öppnades)'
            : 'markerat',
    raw.status >= 400 ? `sidan svarade med status ${raw.status}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return { line1, line2, shown, viaLink, at };
}

async function composeOne(page: Page, raw: Raw, lines: CaptionLines, laid: { caption: string; top: number; height: number }, o: { dir: string; dirRel: string; report: CaptureReport }): Promise<void> {
  const { job } = raw;
  const { line1, line2, shown, viaLink, at } = lines;
  const meta = { Title: line1, Description: line2, Source: raw.job.pageUrl, 'Creation Time': at, Software: `${TOOL.name} ${TOOL.version}` };
  const caption = laid.caption.replace(/\s+/g, ' ').trim();
  const stripHeight = laid.height;
  let png: Buffer;
  try {
    png = await stackPngs(await crop(page, { x: 0, y: laid.top, width: VIEWPORT.width, height: stripHeight }), raw.png, meta);
  } catch (e) {
    if (!(e instanceof PngStackError)) throw e;
    png = withText(await composeInBrowser(page, line1, line2, raw.png, stripHeight), meta);
  }
    const rel = `${o.dirRel}/${safeName(job.outcome.id)}-${job.index + 1}.png`;
    await writeFile(join(o.dir, `${safeName(job.outcome.id)}-${job.index + 1}.png`), png);

    job.evidence.screenshot = rel;
    job.evidence.screenshotAt = at;
    job.evidence.shown = shown;
    if (viaLink) job.evidence.screenshotUrl = job.pageUrl;
    if (!shown) addNote(job.outcome, `${viaLink ? NOTE_LINK_NOT_SHOWN : NOTE_NOT_SHOWN} (${job.pageUrl})`);
    if (raw.status >= 400) addNote(job.outcome, `Obs: sidan ${job.pageUrl} svarade med status ${raw.status} när skärmbilden togs`);
    o.report.shots.push({
      criterion: job.outcome.id,
      n: job.index + 1,
      file: rel,
      pageUrl: job.pageUrl,
      shown,
      caption,
      ...(raw.box ? { box: { x: raw.box.x, y: raw.box.y + Math.round(stripHeight), width: raw.box.width, height: raw.box.height } } : {}),
      consent: raw.consent,
      ...(raw.found?.how ? { how: raw.found.how, revealed: !!raw.found.revealed } : {}),
    });
}

/** Strip and picture laid out on a page and photographed: for pictures stackPngs cannot join. */
async function composeInBrowser(page: Page, line1: string, line2: string, picture: Buffer, stripHeight: number): Promise<Buffer> {
  await page.setContent(captionPage([[line1, line2]], picture), { waitUntil: 'load' });
  await page.setViewportSize({ width: picture.readUInt32BE(16), height: stripHeight + picture.readUInt32BE(20) });
  try {
    return await page.screenshot({ type: 'png' });
  } finally {
    await page.setViewportSize(VIEWPORT);
  }
}

/**
 * Caption strips, one under the other (and the picture under a single one, for composeInBrowser).
 * Whole-pixel line heights: each strip starts and ends on a pixel row, so none shows a sliver of the next.
 */
function captionPage(captions: Array<[string, string]>, png?: Buffer): string {
  const strips = captions.map(([line1, line2]) => `<div class="granska-caption"><div class="l1">${escapeHtml(line1)}</div><div class="l2">${escapeHtml(line2)}</div></div>`).join('');
  return `<!doctype html><html lang="sv"><head><meta charset="utf-8"><style>
html,body{margin:0;padding:0;background:#fff}
.granska-caption{box-sizing:border-box;width:${VIEWPORT.width}px;background:${CAPTION_BACKGROUND};color:#fff;padding:10px 16px 12px;border-bottom:4px solid ${OUTLINE_COLOR};font:16px/22px "DejaVu Sans","Liberation Sans",Arial,sans-serif}
.granska-caption .l1{font-weight:bold;overflow-wrap:anywhere}
.granska-caption .l2{font-size:14px;line-height:20px;color:#d5e0e8;overflow-wrap:anywhere}
img{display:block}
</style></head><body>${strips}${png ? `<img alt="" src="data:image/png;base64,${png.toString('base64')}">` : ''}</body></html>`;
}

/** The PNG with iTXt chunks (UTF-8 text) after its header: the caption travels with the file. */
export function withText(png: Buffer, entries: Record<string, string>): Buffer {
  const ihdrEnd = 8 + 8 + png.readUInt32BE(8) + 4;
  return Buffer.concat([png.subarray(0, ihdrEnd), ...textChunks(entries), png.subarray(ihdrEnd)]);
}

function failureText(e: unknown): string {
  if (e instanceof CaptureFailure) return e.message;
  const m = String((e as Error)?.message ?? e);
  if (/timeout/i.test(m)) return 'sidan svarade inte inom tidsgränsen';
  if (/closed|crash|disconnected/i.test(m)) return 'webbläsaren stängde sidan';
  return 'ett fel i webbläsaren';
}

/** å, ä and ö as a reader sees them (the exact address is in the evidence and the PNG's Source). */
function readableUrl(url: string): string {
  try {
    return decodeURI(url);
  } catch {
    return url;
  }
}

function withoutHash(url: string): string {
  const i = url.indexOf('#');
  return i < 0 ? url : url.slice(0, i);
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, '_');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
