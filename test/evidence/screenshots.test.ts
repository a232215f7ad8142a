/**
 * Evidence screenshots, in the real headless Chromium against real HTTP servers on 127.0.0.1; the
 * assertions read the pixels of the PNG files written.
 */
import { readFile, stat } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddressGuard } from '../../src/crawl/address-guard.ts';
import { ensureChromium } from '../../src/crawl/browser.ts';
import { FetchFailure, Fetcher } from '../../src/crawl/fetcher.ts';
import { HostScheduler } from '../../src/crawl/host-scheduler.ts';
import { Renderer } from '../../src/crawl/renderer.ts';
import { startFixtureWeb, type FixtureWeb } from '../../src/demo/fixture-web.ts';
import { CAPTION_BACKGROUND, captureEvidence, NOTE_NOT_SHOWN, OUTLINE_COLOR, type CaptureReport, type Shot } from '../../src/evidence/screenshots.ts';
import type { JudgedKommun } from '../../src/pipeline/judge.ts';
import { EvidenceSchema } from '../../src/report/results-schema.ts';
import type { Evidence, Outcome } from '../../src/rules/engine.ts';
import { startServer, type TestServer } from '../crawl/servers.ts';
import { count, decodePng, hex, near, pixel, solidPng, type Png, type Rgb } from '../helpers/png.ts';

const UA = 'granska/0.0.0-test (+https://example.invalid)';
const OVERLAY: Rgb = [0, 160, 60];
const ORANGE: Rgb = [255, 136, 0];
const MAGENTA = hex(OUTLINE_COLOR);
const STRIP = hex(CAPTION_BACKGROUND);

const STYLE = `.marker{display:inline-block;width:40px;height:14px;background:#00c8ff}`;

const HEMTJANST = `<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>Hemtjänst - Testby kommun</title>
<link rel="stylesheet" href="/stil.css">
<style>body{margin:0;font:16px/1.5 "DejaVu Sans",Arial,sans-serif;background:#fff;color:#111} main{padding:20px 40px;max-width:760px} .spacer{height:1400px}
#cookie-overlay{position:fixed;inset:0;background:rgb(0,160,60);z-index:1000;display:flex;align-items:center;justify-content:center}
#cookie-overlay .box{background:#fff;padding:20px}</style></head><body>
<div id="cookie-overlay" role="dialog" aria-label="Kakor"><div class="box"><p>Testby kommun använder kakor.</p>
<button type="button" id="alla">Godkänn alla kakor</button> <button type="button" id="nodvandiga">Endast nödvändiga</button></div></div>
<header><nav><a href="/">Start</a> <a href="/hemtjanst">Hemtjänst</a></nav></header>
<main><h1>Hemtjänst</h1>
<p>Hemtjänst är hjälp i hemmet för dig som inte klarar vardagen själv.</p>
<details><summary>Mer om förenklad handläggning</summary><p>Du som fyllt 80 år kan få hemtjänst utan biståndsbedömning.</p></details>
<button type="button" id="larm-knapp" aria-controls="larm-panel" aria-expanded="false">Trygghetslarm</button>
<div id="larm-panel" hidden><p>Trygghetslarmet kostar 200 kronor per månad.</p></div>
<div class="spacer"></div>
<p id="avgift">Du betalar 356&nbsp;kronor per timme för hemtjänst. <span class="marker"></span></p>
<div class="spacer" style="height:300px"></div>
<p><img src="/bild.png" width="120" height="40" alt="Orange ruta"></p>
<p>Blankett: <a href="/dokument/ansokan.pdf">Ansökan om hemtjänst (pdf)</a></p>
<div class="spacer"></div>
</main>
<script>
document.getElementById('alla').onclick = function () { fetch('/consent?val=all'); document.getElementById('cookie-overlay').remove(); };
document.getElementById('nodvandiga').onclick = function () { fetch('/consent?val=necessary'); document.getElementById('cookie-overlay').remove(); };
document.getElementById('larm-knapp').onclick = function () { var p = document.getElementById('larm-panel'); p.hidden = !p.hidden; this.setAttribute('aria-expanded', String(!p.hidden)); };
</script></body></html>`;

/** A consent dialog with no "only necessary" choice: it must be hidden, never accepted (not even statistics). */
const ACCEPT_ONLY = `<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>Lyssna</title>
<style>body{margin:0;font:16px/1.5 Arial,sans-serif;background:#fff} main{padding:20px 40px}
.cmp-wrapper{position:fixed;left:0;right:0;top:0;bottom:0;background:rgb(0,160,60);z-index:99}</style></head><body>
<div class="cmp-wrapper" id="cookie-consent"><p>Vi använder kakor för statistik.</p><button type="button" id="ok">Godkänn alla kakor</button> <button type="button" id="stat">Godkänn nödvändiga och statistik</button> <button type="button">Inställningar</button></div>
<main><h1>Om webbplatsen</h1><p>Här kan du få texten uppläst.</p><button type="button" class="lyssna">Lyssna på sidan</button></main>
<script>document.getElementById('ok').onclick = function () { fetch('/consent?val=all'); document.getElementById('cookie-consent').remove(); };
document.getElementById('stat').onclick = function () { fetch('/consent?val=statistik'); document.getElementById('cookie-consent').remove(); };</script>
</body></html>`;

let server: TestServer;
let closedOrigin: string;
let renderer: Renderer;
let fetcher: Fetcher;
let out: string;

function setupBrowser(origins: string[]): void {
  const scheduler = new HostScheduler({ perHostConcurrency: 2 });
  const guard = new AddressGuard({ allowPrivate: true, registryHosts: origins });
  fetcher = new Fetcher({
    userAgent: UA,
    guard,
    scheduler,
    retries: 0,
    beforeHop: async (url) => {
      if (url.pathname.startsWith('/privat/')) throw new FetchFailure('disallowed', url.href);
    },
  });
  renderer = new Renderer({ executablePath: () => ensureChromium(), fetcher, userAgent: UA, timeoutMs: 5000 });
}

function evidence(url: string, highlight?: Evidence['highlight'], extra: Partial<Evidence> = {}): Evidence {
  return { url, clicks: 1, path: ['Hemtjänst'], excerpt: highlight?.text ?? '', snapshot: `sha256:${'0'.repeat(64)}`, capturedAt: '2026-11-01T10:00:00.000Z', ...(highlight ? { highlight } : {}), ...extra };
}

function outcome(id: string, status: Outcome['status'], ev: Evidence[]): Outcome {
  return { id, status, weight: 1, points: status === 'pass' ? 1 : status === 'partial' ? 0.5 : 0, reason: `Skäl för ${id}`, evidence: ev };
}

function kommun(kommunkod: string, webbplats: string, criteria: Outcome[]): JudgedKommun {
  return {
    kommunkod,
    namn: 'Testby kommun',
    webbplats,
    status: 'audited',
    score: 50,
    rank: null,
    reason: null,
    pagesFetched: 3,
    pagesRendered: 0,
    criteria,
    crawl: { startedAt: '2026-11-01T10:00:00.000Z', finishedAt: '2026-11-01T10:01:00.000Z', notes: [], hemtjanstPages: [] },
  };
}

async function png(rel: string): Promise<Png> {
  return decodePng(await readFile(join(out, ...rel.split('/'))));
}

const isMagenta = (c: Rgb) => near(c, MAGENTA, 12);
/** The marker's cyan, also under the outline's pink tint (multiplied). */
const isMarker = (c: Rgb) => c[0] < 40 && c[1] > 150 && c[1] < 215 && c[2] > 220;
const isOverlay = (c: Rgb) => near(c, OVERLAY, 30);
const isOrange = (c: Rgb) => near(c, ORANGE, 20);

/**
 * The frame drawn around the box (3 px away, 4 px wide): its colour along the middle line of each
 * side, on most pixels (text under the frame stays dark: the frame is multiplied onto the page).
 */
function framed(p: Png, box: NonNullable<Shot['box']>): boolean {
  const left = box.x - 5;
  const right = box.x + box.width + 4;
  const top = box.y - 5;
  const bottom = box.y + box.height + 4;
  const sides = [
    { x: left, y: top + 4, width: 1, height: bottom - top - 8 },
    { x: right, y: top + 4, width: 1, height: bottom - top - 8 },
    { x: left + 4, y: top, width: right - left - 8, height: 1 },
    { x: left + 4, y: bottom, width: right - left - 8, height: 1 },
  ];
  return sides.every((r) => count(p, isMagenta, r) >= 0.6 * Math.max(r.width, r.height));
}

/** The height of the caption strip: the rows from the top in the strip's colour (at x = 2), then its magenta border. */
function stripHeight(p: Png): number {
  let y = 0;
  while (y < p.height && near(pixel(p, 2, y), STRIP, 3)) y++;
  while (y < p.height && isMagenta(pixel(p, 2, y))) y++;
  return y;
}

beforeAll(async () => {
  const bild = solidPng(120, 40, ORANGE);
  server = await startServer((req, res) => {
    const path = req.url ?? '/';
    if (path === '/robots.txt') return res.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: *\nDisallow: /privat/\n');
    if (path === '/hemtjanst') return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(HEMTJANST);
    if (path === '/om-webbplatsen') return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(ACCEPT_ONLY);
    if (path === '/stil.css') return res.writeHead(200, { 'content-type': 'text/css' }).end(STYLE);
    if (path === '/bild.png') return res.writeHead(200, { 'content-type': 'image/png' }).end(bild);
    if (path.startsWith('/consent')) return res.writeHead(204).end();
    if (path === '/haenger') return; // never answers
    return res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Hittades inte</title><h1>Sidan finns inte</h1>');
  });
  const closed = await startServer(() => {});
  closedOrigin = closed.origin;
  await closed.close();
  setupBrowser([server.origin, closedOrigin]);
  out = await mkdtemp(join(tmpdir(), 'granska-evidence-'));
});

afterAll(async () => {
  await renderer?.close();
  await fetcher?.close();
  await server?.close();
  if (out && !process.env.GRANSKA_KEEP_TEST_OUTPUT) await rm(out, { recursive: true, force: true });
});

describe('captureEvidence', () => {
  let judged: JudgedKommun;
  let report: CaptureReport;
  const shot = (id: string, n = 1) => report.shots.find((s) => s.criterion === id && s.n === n)!;
  const crit = (id: string) => judged.criteria.find((c) => c.id === id)!;

  beforeAll(async () => {
    const o = server.origin;
    judged = kommun('9999', `${o}/`, [
      outcome('avgifter', 'pass', [evidence(`${o}/hemtjanst`, { text: '356 kronor' }, { excerpt: 'Du betalar 356 kronor per timme för hemtjänst.' })]),
      outcome('forenklad-handlaggning', 'pass', [evidence(`${o}/hemtjanst`, { text: 'utan biståndsbedömning' })]),
      outcome('trygghetslarm', 'pass', [evidence(`${o}/hemtjanst`, { text: 'kostar 200 kronor per månad' })]),
      outcome('ansokan-etjanst', 'partial', [
        evidence(`${o}/dokument/ansokan.pdf`, { text: 'Ansökan om hemtjänst' }, { document: true, linkedFrom: { url: `${o}/hemtjanst`, text: 'Ansökan om hemtjänst (pdf)', href: `${o}/dokument/ansokan.pdf` } }),
      ]),
      outcome('overklaga', 'pass', [evidence(`${o}/hemtjanst`, { text: 'överklaga till förvaltningsrätten' })]),
      outcome('lyssna', 'pass', [evidence(`${o}/om-webbplatsen`, { selector: 'button.lyssna', text: 'Lyssna' })]),
      outcome('synpunkter-klagomal', 'pass', [evidence(`${o}/borttagen-sida`, { text: 'Lämna synpunkter' })]),
      outcome('anhorigstod', 'pass', [evidence(`${closedOrigin}/anhorigstod`, { text: 'anhöriga' })]),
      outcome('lattlast', 'pass', [evidence(`${o}/privat/lattlast`, { text: 'Lättläst' })]),
      outcome('valfrihet', 'fail', []),
    ]);
    report = await captureEvidence(judged, { outDir: out, renderer, now: () => new Date('2026-11-22T16:05:30.000Z') });
  }, 120_000);

  it('opens each page once for all the criteria found on it, through the fetcher', () => {
    const hits = server.requests.filter((r) => r.path === '/hemtjanst');
    expect(hits).toHaveLength(1);
    expect(hits.every((r) => r.headers['user-agent'] === UA)).toBe(true);
    // Stylesheets and pictures now load (the page looks like the page), through the fetcher too.
    expect(server.requests.find((r) => r.path === '/stil.css')?.headers['user-agent']).toBe(UA);
    expect(server.requests.find((r) => r.path === '/bild.png')?.headers['user-agent']).toBe(UA);
    // robots.txt still rules: the disallowed page was never requested.
    expect(server.requests.some((r) => r.path.startsWith('/privat/'))).toBe(false);
  });

  it('records the picture on the evidence: path relative to the run, time, shown', async () => {
    const e = crit('avgifter').evidence[0]!;
    expect(e.screenshot).toBe('evidence/9999/avgifter-1.png');
    expect(e.screenshotAt).toBe('2026-11-22T16:05:30.000Z');
    expect(e.shown).toBe(true);
    expect((await stat(join(out, 'evidence', '9999', 'avgifter-1.png'))).size).toBeGreaterThan(1000);
    expect(EvidenceSchema.parse(e)).toMatchObject({ screenshot: e.screenshot, shown: true });
    expect(crit('avgifter').reason).toBe('Skäl för avgifter');
  });

  it('outlines the element with the matched text, in a viewport-sized crop scrolled to it', async () => {
    const s = shot('avgifter');
    const p = await png(s.file!);
    const strip = stripHeight(p);
    expect(p.width).toBe(1280);
    expect(p.height).toBe(strip + 900);
    expect(s.box).toBeDefined();
    const box = s.box!;
    expect(framed(p, box)).toBe(true);
    // The paragraph is 1600 px down the page: the crop was scrolled to put it in the middle.
    expect(Math.abs(box.y + box.height / 2 - (strip + 450))).toBeLessThan(40);
    // The frame is around the right element: the blue mark inside the paragraph is inside it, and only there.
    const inside = { x: box.x, y: box.y, width: box.width, height: box.height };
    expect(count(p, isMarker, inside)).toBeGreaterThan(200);
    expect(count(p, isMarker)).toBe(count(p, isMarker, inside));
    // One frame only: no magenta below the caption strip's border outside the frame's ring.
    const ring = { x: box.x - 9, y: box.y - 9, width: box.width + 18, height: box.height + 18 };
    expect(count(p, isMagenta, { x: 0, y: strip, width: 1280, height: 900 })).toBe(count(p, isMagenta, ring));
    // The stylesheet and the picture were loaded (the picture sits 300 px below the paragraph).
    expect(count(p, isOrange)).toBeGreaterThan(120 * 40 * 0.8);
  });

  it('closes the cookie dialog with "Endast nödvändiga", never "Godkänn alla kakor"', async () => {
    expect(server.requests.some((r) => r.path === '/consent?val=necessary')).toBe(true);
    expect(server.requests.some((r) => r.path === '/consent?val=all')).toBe(false);
    expect(shot('avgifter').consent).toBe('necessary');
    const p = await png(shot('avgifter').file!);
    expect(count(p, isOverlay)).toBe(0);
    expect(near(pixel(p, 1200, stripHeight(p) + 450), [255, 255, 255], 2)).toBe(true);
  });

  it('hides a dialog that offers only "accept all" (or more than the necessary), without clicking', async () => {
    const s = shot('lyssna');
    expect(s.shown).toBe(true);
    expect(s.consent).toBe('hidden');
    expect(server.requests.filter((r) => r.path.startsWith('/consent')).map((r) => r.path)).toEqual(['/consent?val=necessary']);
    const p = await png(s.file!);
    expect(count(p, isOverlay)).toBe(0);
    expect(framed(p, s.box!)).toBe(true);
    expect(s.how).toBe('selector');
  });

  it('prints the page URL and the capture time in a caption strip above the page', async () => {
    const s = shot('avgifter');
    expect(s.caption).toContain(`${server.origin}/hemtjanst — fångad 2026-11-22 16:05 UTC`);
    const p = await png(s.file!);
    const strip = stripHeight(p);
    expect(strip).toBeGreaterThan(30);
    expect(strip).toBeLessThan(120);
    for (const x of [2, 640, 1277]) expect(near(pixel(p, x, 4), STRIP, 3)).toBe(true);
    for (const x of [2, 640, 1277]) expect(isMagenta(pixel(p, x, strip - 2))).toBe(true);
    // The caption is not drawn over the page: the page's own pixels start below it.
    expect(near(pixel(p, 1200, strip + 10), [255, 255, 255], 2)).toBe(true);
    // And it travels with the file as PNG text.
    expect(p.text.Title).toBe(`${server.origin}/hemtjanst — fångad 2026-11-22 16:05 UTC`);
    expect(p.text.Source).toBe(`${server.origin}/hemtjanst`);
    expect(p.text['Creation Time']).toBe('2026-11-22T16:05:30.000Z');
  });

  it('opens a closed <details> and an aria-controls panel to show text inside them', async () => {
    for (const id of ['forenklad-handlaggning', 'trygghetslarm']) {
      const s = shot(id);
      expect(s.shown, id).toBe(true);
      expect(s.revealed, id).toBe(true);
      expect(crit(id).evidence[0]!.shown).toBe(true);
      const p = await png(s.file!);
      expect(framed(p, s.box!), id).toBe(true);
    }
  });

  it('shows a document by outlining the link to it on the page that links to it', async () => {
    const e = crit('ansokan-etjanst').evidence[0]!;
    const s = shot('ansokan-etjanst');
    expect(e.shown).toBe(true);
    expect(e.screenshotUrl).toBe(`${server.origin}/hemtjanst`);
    expect(s.how).toBe('href');
    expect(s.caption).toContain('länken till dokumentet');
    const p = await png(s.file!);
    expect(framed(p, s.box!)).toBe(true);
  });

  it('says so when the judged text is not on the page, and still shows the page top', async () => {
    const e = crit('overklaga').evidence[0]!;
    expect(e.shown).toBe(false);
    expect(e.screenshot).toBe('evidence/9999/overklaga-1.png');
    expect(crit('overklaga').reason).toContain(NOTE_NOT_SHOWN);
    const s = shot('overklaga');
    expect(s.caption).toContain('OBS');
    const p = await png(s.file!);
    const strip = stripHeight(p);
    // No outline anywhere on the page.
    expect(count(p, isMagenta, { x: 0, y: strip, width: 1280, height: 900 })).toBe(0);
    // The page top: the heading area, not the paragraph far below.
    expect(count(p, isMarker)).toBe(0);
  });

  it('notes a page that is gone, unreachable or forbidden by robots.txt, and goes on', async () => {
    const gone = crit('synpunkter-klagomal');
    expect(gone.evidence[0]!.shown).toBe(false);
    expect(gone.reason).toMatch(/status 404/);
    const unreachable = crit('anhorigstod');
    expect(unreachable.evidence[0]!.shown).toBe(false);
    expect(unreachable.evidence[0]!.screenshot).toBeUndefined();
    expect(unreachable.reason).toMatch(/Obs: ingen skärmbild kunde tas av .*anhorigstod/);
    const forbidden = crit('lattlast');
    expect(forbidden.evidence[0]!.shown).toBe(false);
    expect(forbidden.evidence[0]!.screenshot).toBeUndefined();
    // A fail has no pictures.
    expect(report.shots.some((s) => s.criterion === 'valfrihet')).toBe(false);
  });
});

describe('captureEvidence within its time limits', () => {
  const hanging = () =>
    kommun('9998', `${server.origin}/`, [
      outcome('avgifter', 'pass', [evidence(`${server.origin}/haenger`, { text: '356 kronor' })]),
      outcome('ansokan', 'pass', [evidence(`${server.origin}/om-webbplatsen`, { text: 'Här kan du få texten uppläst' })]),
    ]);

  it('gives a page that never answers a note, and goes on with the others', async () => {
    const judged = hanging();
    const t0 = Date.now();
    await captureEvidence(judged, { outDir: out, renderer, pageTimeoutMs: 1500 });
    expect(Date.now() - t0).toBeLessThan(10_000);
    const [hang, other] = judged.criteria;
    expect(hang!.evidence[0]!.shown).toBe(false);
    expect(hang!.evidence[0]!.screenshot).toBeUndefined();
    expect(hang!.reason).toMatch(/Obs: ingen skärmbild kunde tas av .*\/haenger \(sidan svarade inte inom tidsgränsen\)/);
    expect(other!.evidence[0]!.shown).toBe(true);
  });

  it('stops at the time budget of the kommun', async () => {
    const judged = hanging();
    const t0 = Date.now();
    await captureEvidence(judged, { outDir: out, renderer, budgetMs: 1500 });
    expect(Date.now() - t0).toBeLessThan(6000);
    expect(judged.criteria[0]!.evidence[0]!.shown).toBe(false);
    expect(judged.criteria[0]!.reason).toMatch(/tidsgränsen för skärmbilder för kommunen nåddes/);
  });
});

describe('captureEvidence on the fixture web (cookie overlays of ekebyhult and sjovalla)', () => {
  let web: FixtureWeb;
  let report: CaptureReport;
  let judged: JudgedKommun[];

  beforeAll(async () => {
    web = await startFixtureWeb({ root: join(import.meta.dirname, '..', 'fixtures', 'web'), sites: ['ekebyhult', 'sjovalla'] });
    await renderer.close();
    await fetcher.close();
    setupBrowser([server.origin, closedOrigin, ...web.sites.flatMap((s) => Object.values(s.origins))]);
    const eke = web.sites.find((s) => s.slug === 'ekebyhult')!;
    const sjo = web.sites.find((s) => s.slug === 'sjovalla')!;
    const ekeHemtjanst = `${eke.origins.www}/omsorg-och-stod/aldreomsorg/hemtjanst.4.3f2a91c1713.html`;
    const sjoHemtjanst = `${sjo.origins.www}/omsorg-och-hjalp/aldre/hemtjanst/`;
    const pdf = `${sjo.origins.www}/globalassets/omsorg/avgifter-inom-aldreomsorgen-2026.pdf`;
    judged = [
      kommun(eke.kommunkod, eke.url, [outcome('avgifter', 'pass', [evidence(ekeHemtjanst, { text: '356 kronor' })])]),
      kommun(sjo.kommunkod, sjo.url, [
        outcome('avgifter', 'partial', [evidence(pdf, { text: '342 kronor' }, { document: true, linkedFrom: { url: sjoHemtjanst, text: 'Avgifter inom äldreomsorgen 2026 (pdf)', href: pdf } })]),
      ]),
    ];
    report = { shots: [], pages: 0, ms: 0 };
    for (const k of judged) report.shots.push(...(await captureEvidence(k, { outDir: out, renderer })).shots);
  }, 120_000);

  afterAll(async () => {
    await web?.close();
  });

  it('hides no evidence behind the overlay and outlines it', async () => {
    expect(report.shots).toHaveLength(2);
    for (const s of report.shots) {
      expect(s.shown, s.pageUrl).toBe(true);
      expect(s.consent, s.pageUrl).toBe('necessary');
      const p = await png(s.file!);
      expect(framed(p, s.box!), s.pageUrl).toBe(true);
      // Outside the main column the page is white: no grey veil of the overlay left.
      const strip = stripHeight(p);
      for (const y of [strip + 100, strip + 450, strip + 850]) expect(near(pixel(p, 1220, y), [255, 255, 255], 2), `${s.pageUrl} y=${y}`).toBe(true);
    }
    expect(judged[1]!.criteria[0]!.evidence[0]!.screenshotUrl).toContain('/omsorg-och-hjalp/aldre/hemtjanst/');
    // Every request of the browser went through the polite fetcher.
    expect(web.log.length).toBeGreaterThan(0);
    expect(web.log.every((e) => e.userAgent === UA)).toBe(true);
  });
});
