/**
 * The HTML report as its readers meet it: a real audit of part of the fixture web writes
 * rapport/, which is opened from disk (file://) in the real headless Chromium. Every page passes
 * axe-core's WCAG 2.1 AA rules, sorting and filtering work with mouse and keyboard, a kommun that
 * could not be audited says why and has no score, and a hostile results.json (script in an
 * excerpt, a javascript: URL, markup in a kommun name) stays inert text.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { CHROMIUM_ARGS, ensureChromium } from '../../src/crawl/browser.ts';
import { startFixtureWeb, type FixtureWeb } from '../../src/demo/fixture-web.ts';
import { escapeHtml, html, httpUrl, localUrl } from '../../src/report/html/html.ts';
import { writeHtmlReport } from '../../src/report/html/render.ts';
import { readTrail, ResultsSchema, type Results } from '../../src/report/results-schema.ts';
import { candidateSentence } from '../../src/report/trail-words.ts';

const ROOT = join(import.meta.dirname, '..', 'fixtures', 'web');
const AXE = await readFile(fileURLToPath(import.meta.resolve('axe-core/axe.min.js')), 'utf8');
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const LAN: Record<string, string> = { ekebyhult: 'Västmanlands län', sjovalla: 'Skåne län', lillmora: 'Västmanlands län', odmark: 'Skåne län' };

let web: FixtureWeb;
let work: string;
let demo: string;
let hostile: string;
let registry: string;
let browser: Browser;
/** Escaping alone is tested with the page's Content-Security-Policy switched off (and axe needs it off). */
let open: BrowserContext;
let withCsp: BrowserContext;
const kommunPages = new Map<string, string>();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'granska-html-'));
  demo = join(work, 'demo');
  hostile = join(work, 'fientlig');
  web = await startFixtureWeb({ root: ROOT, sites: Object.keys(LAN) });
  registry = join(work, 'kommuner.csv');
  await writeFile(registry, ['kommunkod,namn,webbplats,lan', ...web.sites.map((s) => `${s.kommunkod},${s.namn},${s.url},${LAN[s.slug]}`)].join('\n') + '\n');
  for (const s of web.sites) kommunPages.set(s.slug, `${s.kommunkod}.html`);
  let err = '';
  const code = await main(['audit', '--kommuner', registry, '--out', demo, '--allow-private', '--quiet'], { out: () => {}, err: (s) => (err += s) });
  expect(code, err).toBe(0);

  browser = await chromium.launch({ executablePath: ensureChromium(), args: CHROMIUM_ARGS });
  open = await browser.newContext({ bypassCSP: true, viewport: { width: 1200, height: 900 } });
  withCsp = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  // A missing element fails fast with its locator named, instead of at the test's time limit.
  for (const c of [open, withCsp]) c.setDefaultTimeout(10_000);
  await buildHostileRun();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const url = (file: string) => pathToFileURL(file).href;

async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(async (tags) => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: Document, opts: unknown) => Promise<{ violations: Array<{ id: string; help: string; nodes: Array<{ html: string }> }> }> } }).axe;
    return axe.run(document, { runOnly: { type: 'tag', values: tags } });
  }, WCAG_TAGS);
  return result.violations.map((v) => `${v.id} (${v.help}): ${v.nodes.map((n) => n.html).join(' | ')}`);
}

/**
 * Opens a report page as a reader uses it: hover, focus and click everything (links are not
 * clicked, so the page stays), then says which dialogs opened and what the DOM holds.
 */
async function readAsVisitor(context: BrowserContext, file: string, hover: { selector: string; hasText?: string }) {
  const page = await context.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(url(file));
  await page.waitForLoadState('load');
  await page.evaluate(() => {
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      for (const type of ['mouseover', 'mouseenter', 'focus']) el.dispatchEvent(new Event(type, { bubbles: true }));
      if (el.tagName !== 'A') el.dispatchEvent(new Event('click', { bubbles: true }));
    }
  });
  for (const el of await page.locator(hover.selector, hover.hasText ? { hasText: hover.hasText } : {}).all()) await el.hover();
  await page.waitForTimeout(150);
  const dom = await page.evaluate(() => {
    const all = Array.from(document.querySelectorAll('*'));
    return {
      scripts: document.querySelectorAll('script').length,
      handlers: all.flatMap((el) => Array.from(el.attributes).filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName}[${a.name}]`)),
      injected: all.filter((el) => ['SVG', 'IFRAME', 'OBJECT', 'EMBED', 'B'].includes(el.tagName.toUpperCase())).length,
      imgs: Array.from(document.images).map((i) => i.getAttribute('src')),
      hrefs: Array.from(document.querySelectorAll('[href]')).map((a) => (a as HTMLAnchorElement).href),
      text: document.body.innerText,
    };
  });
  return { page, dialogs, dom };
}

async function visibleNames(page: Page): Promise<string[]> {
  return page.$$eval('#kommuner tbody tr', (rows) => rows.filter((r) => !(r as HTMLElement).hidden).map((r) => r.querySelector('th')!.textContent!.trim()));
}

describe('the report of an audit', () => {
  it('is written by the audit: the national page and one page per kommun', async () => {
    const files = (await readdir(join(demo, 'rapport'))).sort();
    expect(files).toEqual(['index.html', ...[...kommunPages.values()]].sort());
  });

  it('is re-made alone by granska report --from, and says what is wrong with a bad folder', async () => {
    await rm(join(demo, 'rapport'), { recursive: true });
    let out = '';
    expect(await main(['report', '--from', demo, '--kommuner', registry], { out: (s) => (out += s), err: () => {} })).toBe(0);
    expect(out).toContain('index.html');
    expect(existsSync(join(demo, 'rapport', 'index.html'))).toBe(true);
    for (const name of kommunPages.values()) expect(existsSync(join(demo, 'rapport', name))).toBe(true);

    let err = '';
    expect(await main(['report', '--from', join(work, 'finns-inte')], { out: () => {}, err: (s) => (err += s) })).toBe(2);
    expect(err).toContain('finns-inte');
  });

  it('passes axe-core (WCAG 2.1 A and AA) on the national page and every kommun page', async () => {
    const page = await open.newPage();
    for (const name of ['index.html', ...kommunPages.values()]) {
      await page.goto(url(join(demo, 'rapport', name)));
      expect(await axeViolations(page), name).toEqual([]);
      expect(await page.getAttribute('html', 'lang')).toBe('sv');
      expect(await page.locator('h1').count(), name).toBe(1);
    }
    await page.close();
  });

  it('has headings in order h1 → h2 → h3, a working skip link and table captions', async () => {
    const page = await open.newPage();
    for (const name of ['index.html', ...kommunPages.values()]) {
      await page.goto(url(join(demo, 'rapport', name)));
      const levels = await page.$$eval('h1, h2, h3, h4, h5, h6', (hs) => hs.map((h) => Number(h.tagName[1])));
      expect(levels[0]).toBe(1);
      for (let i = 1; i < levels.length; i++) expect(levels[i]! - levels[i - 1]!, `${name}: ${levels.join(',')}`).toBeLessThanOrEqual(1);
      const tables = await page.$$eval('table', (ts) => ts.map((t) => !!t.caption?.textContent?.trim()));
      expect(tables.every(Boolean), name).toBe(true);
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Hoppa till innehållet');
      await page.keyboard.press('Enter');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('innehall');
    }
    await page.close();
  });

  it('lists every kommun with rank, län, score and status; one not audited says why', async () => {
    const page = await open.newPage();
    await page.goto(url(join(demo, 'rapport', 'index.html')));
    expect(await visibleNames(page)).toEqual(['Ekebyhult kommun', 'Sjövalla kommun', 'Lillmora kommun', 'Ödmarks kommun']);
    const odmark = page.locator('#kommuner tbody tr', { hasText: 'Ödmarks kommun' });
    expect(await odmark.locator('td').nth(1).textContent()).toBe('Skåne län');
    expect(await odmark.textContent()).toContain('Ej granskad');
    expect(await odmark.textContent()).toContain('robots.txt');
    expect((await odmark.locator('td').nth(2).textContent())?.trim()).toBe('–ingen poäng');
    const ekebyhult = page.locator('#kommuner tbody tr', { hasText: 'Ekebyhult kommun' });
    expect(await ekebyhult.locator('td').nth(2).textContent()).toBe('100,0');
    // The links lead to the kommun pages, relative.
    expect(await ekebyhult.locator('a').getAttribute('href')).toBe('9001.html');
    await page.close();
  });

  it('sorts by a column when its header button is clicked, and with the keyboard', async () => {
    const page = await open.newPage();
    await page.goto(url(join(demo, 'rapport', 'index.html')));
    const th = (name: string) => page.locator('#kommuner thead th', { hasText: name });
    // Poäng: best first on the first click; a kommun without a score is always last.
    await th('Poäng').getByRole('button').click();
    expect(await th('Poäng').getAttribute('aria-sort')).toBe('descending');
    expect(await th('Placering').getAttribute('aria-sort')).toBeNull();
    expect(await visibleNames(page)).toEqual(['Ekebyhult kommun', 'Sjövalla kommun', 'Lillmora kommun', 'Ödmarks kommun']);
    await th('Poäng').getByRole('button').click();
    expect(await th('Poäng').getAttribute('aria-sort')).toBe('ascending');
    expect(await visibleNames(page)).toEqual(['Lillmora kommun', 'Sjövalla kommun', 'Ekebyhult kommun', 'Ödmarks kommun']);
    // Kommun, in Swedish alphabetical order (Ö last), with the keyboard.
    await th('Kommun').getByRole('button').focus();
    await page.keyboard.press('Enter');
    expect(await visibleNames(page)).toEqual(['Ekebyhult kommun', 'Lillmora kommun', 'Sjövalla kommun', 'Ödmarks kommun']);
    await page.keyboard.press('Space');
    expect(await th('Kommun').getAttribute('aria-sort')).toBe('descending');
    expect(await visibleNames(page)).toEqual(['Ödmarks kommun', 'Sjövalla kommun', 'Lillmora kommun', 'Ekebyhult kommun']);
    await th('Län').getByRole('button').click();
    expect((await visibleNames(page)).slice(0, 2).sort()).toEqual(['Sjövalla kommun', 'Ödmarks kommun']);
    expect(await page.locator('#antal').textContent()).toContain('Sorterad efter län, stigande');
    await page.close();
  });

  it('filters by name (å, ä, ö optional), län and status, and says how many are shown', async () => {
    const page = await open.newPage();
    await page.goto(url(join(demo, 'rapport', 'index.html')));
    expect(await page.locator('#filter').isVisible()).toBe(true);
    expect(await page.locator('#antal').textContent()).toBe('Visar 4 av 4 kommuner.');
    await page.getByLabel('Sök kommun').fill('sjo');
    expect(await visibleNames(page)).toEqual(['Sjövalla kommun']);
    expect(await page.locator('#kommuner tbody tr', { hasText: 'Ekebyhult' }).isVisible()).toBe(false);
    expect(await page.locator('#antal').textContent()).toBe('Visar 1 av 4 kommuner.');
    await page.getByLabel('Sök kommun').fill('9001');
    expect(await visibleNames(page)).toEqual(['Ekebyhult kommun']);
    await page.getByLabel('Sök kommun').fill('');
    await page.getByLabel('Län').selectOption('Västmanlands län');
    expect(await visibleNames(page)).toEqual(['Ekebyhult kommun', 'Lillmora kommun']);
    await page.getByLabel('Län').selectOption('');
    await page.getByLabel('Status').selectOption('error');
    expect(await visibleNames(page)).toEqual(['Ödmarks kommun']);
    await page.getByLabel('Län').selectOption('Västmanlands län');
    expect(await visibleNames(page)).toEqual([]);
    expect(await page.locator('#antal').textContent()).toBe('Visar 0 av 4 kommuner.');
    await page.close();
  });

  it('shows a kommun its score, rank, every criterion in words, evidence and, for a fail, the search and the hint', async () => {
    const page = await open.newPage();
    await page.goto(url(join(demo, 'rapport', kommunPages.get('lillmora')!)));
    const results = ResultsSchema.parse(JSON.parse(await readFile(join(demo, 'results.json'), 'utf8')));
    const k = results.kommuner.find((x) => x.namn === 'Lillmora kommun')!;
    const facts = await page.locator('dl.facts').textContent();
    expect(facts).toContain(`${k.score!.toFixed(1).replace('.', ',')} av 100`);
    expect(facts).toContain(`${k.rank} av 3`);
    expect(await page.locator('table.overview tbody tr').count()).toBe(k.criteria.length);
    expect(await page.locator('article.criterion').count()).toBe(k.criteria.length);
    const text = await page.locator('main').innerText();
    for (const word of ['Uppfyllt', 'Delvis uppfyllt', 'Ej uppfyllt']) expect(text).toContain(word);
    expect(text).toMatch(/Startsida › [^\n]+ › Hemtjänst/);
    // Every fail: where the audit looked and what the kommun could add (every bundled rule has a hint).
    const fails = k.criteria.filter((c) => c.status === 'fail');
    expect(fails.length).toBeGreaterThan(1);
    for (const fail of fails) {
      const article = page.locator(`article#k-${fail.id}`);
      expect(await article.textContent(), fail.id).toContain(fail.reason);
      expect(await article.textContent(), fail.id).toContain('Så letade granskningen');
      expect(await article.locator('.hint h4').textContent(), fail.id).toBe('Det här kan kommunen lägga till');
      expect((await article.locator('.hint p').textContent())!.length, fail.id).toBeGreaterThan(20);
    }
    // Why the nearest pages were not enough: each candidate page, linked, with what it has and lacks.
    const withCandidates = k.criteria.find((c) => c.status === 'fail' && (readTrail(c)?.candidates.length ?? 0) > 0)!;
    expect(withCandidates, 'a fail with candidate pages').toBeDefined();
    const candidates = page.locator(`article#k-${withCandidates.id} ul.candidates > li`);
    const trail = readTrail(withCandidates)!;
    expect(await candidates.count()).toBe(trail.candidates.length);
    const first = trail.candidates[0]!;
    expect(await candidates.first().locator('a.url').getAttribute('href')).toBe(first.url);
    expect(await candidates.first().innerText()).toContain(candidateSentence(first));
    expect(candidateSentence(first)).toMatch(/^(Sidan|Dokumentet) (har|saknar): [^.]+\./);
    // Every evidence URL is there, as a live link (these are http).
    const pass = k.criteria.find((c) => c.status === 'pass' && c.evidence.length > 0)!;
    expect(await page.locator(`article#k-${pass.id} a.url`).first().getAttribute('href')).toBe(pass.evidence[0]!.url);
    await page.close();
  });

  it('says why a kommun could not be audited, and shows no score', async () => {
    const page = await open.newPage();
    await page.goto(url(join(demo, 'rapport', kommunPages.get('odmark')!)));
    const results = ResultsSchema.parse(JSON.parse(await readFile(join(demo, 'results.json'), 'utf8')));
    const k = results.kommuner.find((x) => x.namn === 'Ödmarks kommun')!;
    expect(k.status).toBe('error');
    expect(await page.locator('h2#ej-granskad').textContent()).toBe('Ej granskad');
    expect(await page.locator('.notice .reason').textContent()).toBe(k.reason);
    const text = await page.locator('main').innerText();
    expect(text).not.toMatch(/Poäng|av 100|Placering/);
    expect(text).toContain('ingen poäng');
    expect(await page.locator('article.criterion').count()).toBe(0);
    await page.close();
  });

  it('keeps its controls and the skip link off paper', async () => {
    const page = await open.newPage();
    await page.goto(url(join(demo, 'rapport', 'index.html')));
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('#filter').isVisible()).toBe(false);
    expect(await page.locator('#antal').isVisible()).toBe(false);
    expect(await page.locator('.skip').isVisible()).toBe(false);
    expect(await page.locator('#kommuner').isVisible()).toBe(true);
    await page.goto(url(join(demo, 'rapport', kommunPages.get('lillmora')!)));
    expect(await page.locator('nav.crumbs').isVisible()).toBe(false);
    const breaks = await page.$eval('article.criterion', (a) => getComputedStyle(a).breakInside);
    expect(breaks).toBe('avoid');
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.close();
  });

  it('works under its own Content-Security-Policy from file:// (script, style, images)', async () => {
    const page = await withCsp.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(url(join(demo, 'rapport', 'index.html')));
    expect(await page.locator('#filter').isVisible()).toBe(true);
    await page.locator('#kommuner thead th', { hasText: 'Kommun' }).getByRole('button').click();
    expect(await visibleNames(page)).toEqual(['Ekebyhult kommun', 'Lillmora kommun', 'Sjövalla kommun', 'Ödmarks kommun']);
    expect(await page.$eval('thead th', (th) => getComputedStyle(th).backgroundColor)).not.toBe('rgba(0, 0, 0, 0)');
    await page.goto(url(join(hostile, 'rapport', '1982.html')));
    await page.waitForLoadState('load');
    expect(await page.$$eval('img', (imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth > 0))).toEqual([true]);
    expect(problems).toEqual([]);
    await page.close();
  });
});

// ---------------------------------------------------------------------------------------------
// A hostile results.json: everything a hostile web page (or a tampered file) could put in it.

const ALERT = '<script>alert(1)</script>';
const IMG = '<img src=x onerror=alert(1)>';
const ATTR = '" onmouseover="alert(1)';

async function buildHostileRun(): Promise<void> {
  await mkdir(join(hostile, 'evidence', '1982'), { recursive: true });
  const page = await open.newPage();
  await page.setViewportSize({ width: 400, height: 300 });
  await page.setContent('<p style="font: 24px sans-serif">Hemtjänst – så ansöker du</p>');
  await page.screenshot({ path: join(hostile, 'evidence', '1982', 'ansokan-1.png') });
  await page.close();
  // A real image outside the run's folder: a path that climbs out of it must not be shown.
  await writeFile(join(work, 'utanfor.png'), await readFile(join(hostile, 'evidence', '1982', 'ansokan-1.png')));

  const now = new Date().toISOString();
  const evidence = (over: Record<string, unknown>) => ({ url: 'https://www.fagersta.se/omsorg/hemtjanst', clicks: 2, path: ['Omsorg', 'Hemtjänst'], excerpt: 'Så ansöker du', snapshot: 'sha256:00', capturedAt: now, ...over });
  const results: Results = {
    run: { id: ALERT, startedAt: now, finishedAt: now, tool: { name: 'granska', version: IMG }, rules: [{ id: 'ansokan', weight: 3, title: 'x' }, { id: 'avgifter', weight: 2 }, { id: `"><img src=x onerror=alert(2)>`, weight: 1, title: `${IMG} Fientligt kriterium` }], rulesVersion: ATTR, userAgent: ALERT },
    kommuner: [
      {
        kommunkod: '1982',
        namn: IMG,
        webbplats: 'javascript:alert(1)',
        status: 'audited',
        score: 50,
        rank: 1,
        reason: null,
        pagesFetched: 3,
        criteria: [
          {
            id: 'ansokan',
            status: 'pass',
            weight: 3,
            points: 3,
            reason: ATTR,
            evidence: [
              evidence({ url: 'javascript:alert(1)', excerpt: ALERT, path: ['<b>Omsorg</b>', ATTR], screenshot: 'evidence/1982/ansokan-1.png', shown: true }),
              evidence({ url: 'JaVaScRiPt:alert(1)', excerpt: `</blockquote>${ALERT}`, screenshot: '../utanfor.png' }),
              evidence({ url: 'data:text/html,<script>alert(1)</script>', screenshot: 'evidence/1982/finns-inte.png' }),
              evidence({ url: 'https://user:pw@evil.example/', screenshot: 'javascript:alert(1)//.png' }),
            ],
          },
          {
            id: 'avgifter',
            status: 'fail',
            weight: 2,
            points: 0,
            reason: `${ATTR} ${ALERT}`,
            evidence: [],
            trail: {
              pagesExamined: [{ url: 'javascript:alert(2)', clicks: 1, title: '<svg onload=alert(3)>' }],
              search: { outcome: 'done', query: ALERT, resultsUrl: 'data:text/html,<script>alert(4)</script>', hits: [{ url: 'vbscript:msgbox(1)', text: `</li>${ALERT}` }] },
              notes: [IMG],
              candidates: [{ url: 'javascript:alert(5)', title: `${IMG} sida`, clicks: 2, has: [ALERT], lacks: [ATTR, IMG] }],
              wholeSite: { has: [], lacks: [`</p>${ALERT}`] },
            },
          },
          { id: `"><img src=x onerror=alert(2)>`, status: 'manual', weight: 1, points: 0, reason: IMG, evidence: [], trail: { pagesExamined: [], notes: [ALERT] } },
        ],
      },
      { kommunkod: '0114', namn: 'Upplands Väsby kommun', webbplats: 'https://www.upplandsvasby.se/', status: 'audited', score: 20, rank: 2, reason: null, pagesFetched: 1, criteria: [] },
      { kommunkod: `../../x"><script>alert(1)</script>`, namn: `${ALERT} kommun`, webbplats: ATTR, status: 'error', score: null, rank: null, reason: `${IMG} svarade inte`, pagesFetched: 0, criteria: [] },
    ],
  } as Results;
  expect(ResultsSchema.safeParse(results).success).toBe(true);
  await writeFile(join(hostile, 'results.json'), JSON.stringify(results, null, 2));
  await writeHtmlReport(hostile);
}

describe('after granska demo', () => {
  let run: string;
  beforeAll(async () => {
    run = join(work, 'granska-demo');
    let err = '';
    const code = await main(['demo', '--out', run, '--quiet'], { out: () => {}, err: (s) => (err += s) });
    expect(code, err).toBe(0);
  }, 300_000);

  it('every page of its report opens from disk and passes axe-core (WCAG 2.1 A and AA), with län for every kommun', async () => {
    const results = ResultsSchema.parse(JSON.parse(await readFile(join(run, 'results.json'), 'utf8')));
    const names = (await readdir(join(run, 'rapport'))).filter((n) => n.endsWith('.html')).sort();
    expect(names).toEqual(['index.html', ...results.kommuner.map((k) => `${k.kommunkod}.html`)].sort());
    expect(results.kommuner.length).toBeGreaterThanOrEqual(5);
    const page = await open.newPage();
    for (const name of names) {
      await page.goto(url(join(run, 'rapport', name)));
      expect(await axeViolations(page), name).toEqual([]);
      expect(await page.locator('h1').count(), name).toBe(1);
    }
    // Self-contained, so the run folder can be zipped and mailed: every local link and image is a
    // relative path to a file inside the folder.
    for (const name of names) {
      const refs = await readFile(join(run, 'rapport', name), 'utf8').then((t) => [...t.matchAll(/\s(?:href|src)="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&')));
      for (const ref of refs.filter((r) => !/^(https?:|#)/.test(r))) {
        expect(ref, `${name}: ${ref}`).not.toMatch(/^(\/|file:|[a-z]+:)/i);
        const target = resolve(join(run, 'rapport'), decodeURIComponent(ref.split('#')[0]!));
        expect(target.startsWith(run), `${name}: ${ref}`).toBe(true);
        expect(existsSync(target), `${name}: ${ref}`).toBe(true);
      }
    }
    await page.goto(url(join(run, 'rapport', 'index.html')));
    const lan = await page.$$eval('#kommuner tbody tr', (rows) => rows.map((r) => r.querySelectorAll('td')[1]!.textContent!.trim()));
    expect(lan.every((l) => l.endsWith(' län')), lan.join(', ')).toBe(true);
    await page.close();
  });
});

describe('a hostile fixture page, crawled and reported', () => {
  const FILES: Record<string, string> = { '/': 'index.html', '/omsorg/': 'omsorg.html', '/omsorg/hemtjanst/': 'hemtjanst.html' };
  let run: string;
  let server: { close: () => Promise<void> } | undefined;
  let results: Results;
  beforeAll(async () => {
    const { startServer } = await import('../crawl/servers.ts');
    const dir = join(import.meta.dirname, '..', 'fixtures', 'hostile-page');
    const s = await startServer(async (req, res) => {
      const file = FILES[req.url ?? ''];
      if (!file) return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(await readFile(join(dir, file)));
    });
    server = s;
    run = join(work, 'fientlig-sida');
    let err = '';
    const code = await main(['audit', '--url', `${s.origin}/`, '--out', run, '--allow-private', '--quiet'], { out: () => {}, err: (e) => (err += e) });
    expect(code, err).toBe(0);
    results = ResultsSchema.parse(JSON.parse(await readFile(join(run, 'results.json'), 'utf8')));
  }, 300_000);
  afterAll(async () => server?.close());

  it('carries the hostile text into results.json as text (so the report has something to escape)', () => {
    const k = results.kommuner[0]!;
    expect(k.status).toBe('audited');
    const all = JSON.stringify(k);
    expect(all).toContain('alert(\\"klickväg\\")');
    expect(all).toContain('<script>alert(\\"utdrag\\")</script>');
  });

  for (const csp of [false, true]) {
    it(`shows it as text in Chromium, with no dialog and no script ${csp ? 'under the Content-Security-Policy' : 'with the policy off (escaping alone)'}`, async () => {
      const context = csp ? withCsp : open;
      const kommunPage = `${results.kommuner[0]!.kommunkod}.html`;
      for (const name of ['index.html', kommunPage]) {
        // Every element the hostile text reached is hovered.
        const { page, dialogs, dom } = await readAsVisitor(context, join(run, 'rapport', name), { selector: 'main :is(a, p, li, td, h3, figcaption)', hasText: 'alert' });
        expect(dialogs, name).toEqual([]);
        expect(dom.scripts, name).toBe(name === 'index.html' ? 1 : 0);
        expect(dom.handlers, name).toEqual([]);
        expect(dom.injected, name).toBe(0);
        for (const href of dom.hrefs) expect(href, name).toMatch(/^(https?:|file:)/);
        if (name === kommunPage) {
          expect(dom.text).toContain('Omsorg <script>alert("klickväg")</script>');
          expect(dom.text).toContain('<script>alert("utdrag")</script>');
          expect(dom.text).toContain(`" onmouseover="alert('attribut')`);
        }
        if (!csp) expect(await axeViolations(page), name).toEqual([]);
        await page.close();
      }
    });
  }
});

describe('a hostile results.json', () => {
  async function pagesOf(dir: string): Promise<string[]> {
    return (await readdir(join(dir, 'rapport'))).filter((n) => n.endsWith('.html'));
  }

  it('writes only inside rapport/, with a safe file name for a hostile kommunkod', async () => {
    const names = await pagesOf(hostile);
    expect(names.sort()).toEqual(['0114.html', '1982.html', 'index.html', expect.stringMatching(/^kommun-[0-9a-f]{12}\.html$/)]);
    expect(await readdir(work)).not.toContain('x');
  });

  for (const csp of [false, true]) {
    it(`stays inert text in Chromium ${csp ? 'under its Content-Security-Policy' : 'with the Content-Security-Policy off (escaping alone)'}`, async () => {
      const context = csp ? withCsp : open;
      for (const name of await pagesOf(hostile)) {
        const { page, dialogs, dom } = await readAsVisitor(context, join(hostile, 'rapport', name), { selector: 'main a, main p, main td' });
        expect(dialogs, name).toEqual([]);
        expect(dom.scripts, name).toBe(name === 'index.html' ? 1 : 0);
        expect(dom.handlers, name).toEqual([]);
        expect(dom.injected, name).toBe(0);
        for (const href of dom.hrefs) expect(href, name).toMatch(/^(https?:\/\/[^@]*$|file:\/\/)/);
        for (const src of dom.imgs) expect(src).toBe('../evidence/1982/ansokan-1.png');
        if (name === '1982.html') {
          expect(dom.text).toContain(ALERT);
          expect(dom.text).toContain(IMG);
          expect(dom.text).toContain(ATTR);
          expect(dom.text).toContain('javascript:alert(1)');
          expect(dom.text).toContain('<svg onload=alert(3)>');
          expect(dom.text).toContain(`${IMG} sida: javascript:alert(5) (2 klick från startsidan)\nSidan har: ${ALERT}. Saknar: ${ATTR}; ${IMG}.`);
          expect(dom.text).toContain(`Webbplatsen saknar: </p>${ALERT}.`);
          expect(await page.locator('h1').textContent()).toBe(IMG);
          expect(dom.imgs).toHaveLength(1);
        }
        if (name === 'index.html') expect(dom.text).toContain(`${ALERT} kommun`);
        if (!csp) expect(await axeViolations(page), name).toEqual([]);
        await page.close();
      }
    });
  }

  it('shows a screenshot as a thumbnail that links to the full image, with an alt text; images that exist only', async () => {
    const page = await open.newPage();
    await page.goto(url(join(hostile, 'rapport', '1982.html')));
    const img = page.locator('figure.thumb img');
    expect(await img.count()).toBe(1);
    expect(await img.getAttribute('alt')).toBe('Skärmbild för kriteriet Hur man ansöker om hemtjänst, sidan javascript:alert(1), med den matchade texten inramad.');
    expect(await img.getAttribute('width')).toBe('400');
    expect(await page.locator('figure.thumb a').getAttribute('href')).toBe('../evidence/1982/ansokan-1.png');
    expect(await img.evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBe(400);
    await page.close();
    // In the audited run too (the audit takes screenshots of what passed): every image a page names exists.
    let images = 0;
    for (const name of await pagesOf(demo)) {
      const text = await readFile(join(demo, 'rapport', name), 'utf8');
      for (const m of text.matchAll(/<img[^>]*\ssrc="([^"]+)"/g)) {
        images++;
        expect(m[1]).toMatch(/^\.\.\/evidence\//);
        expect(existsSync(join(demo, 'rapport', decodeURIComponent(m[1]!))), m[1]).toBe(true);
      }
    }
    expect(images).toBeGreaterThan(0);
  });
});

describe('html`…`', () => {
  it('escapes every interpolation, text and attribute alike', () => {
    const name = `${IMG}&"'\``;
    expect(html`<p title="${name}">${name}</p>`.toString()).toBe(`<p title="${escapeHtml(name)}">${escapeHtml(name)}</p>`);
    expect(escapeHtml(`<>&"'\``)).toBe('&lt;&gt;&amp;&quot;&#39;&#96;');
    expect(html`${[html`<b>`, '<i>', null, false, 2]}`.toString()).toBe('<b>&lt;i&gt;2');
  });

  it('takes only http(s) or local URLs in href and src, and no data in event handlers or style', () => {
    expect(() => html`<a href="${'https://example.se/'}">x</a>`).toThrow();
    expect(() => html`<img src="${'x'}">`).toThrow();
    expect(() => html`<p onclick="${'x'}">`).toThrow();
    expect(() => html`<p style="${'x'}">`).toThrow();
    for (const bad of ['javascript:alert(1)', ' javascript:alert(1)', 'JAVASCRIPT:alert(1)', 'data:text/html,x', 'vbscript:x', 'file:///etc/passwd', '//evil.example/', 'https://u:p@x.se/', '']) expect(httpUrl(bad), bad).toBeNull();
    expect(String(httpUrl('https://www.fagersta.se/a b?q="x"'))).toBe('https://www.fagersta.se/a%20b?q=%22x%22');
    expect(html`<a href="${httpUrl('https://x.se/?a=1&b=2')!}">`.toString()).toBe('<a href="https://x.se/?a=1&amp;b=2">');
    expect(String(localUrl('..', 'evidence', 'a b.png'))).toBe('../evidence/a%20b.png');
    expect(String(localUrl('javascript:alert(1)'))).toBe('javascript%3Aalert(1)');
    expect(() => localUrl('a/../../b')).toThrow();
  });
});
