/**
 * Data-driven, webhint-style: the whole fixture web is served on 127.0.0.1 and audited through the
 * real command line, with the real crawler, Chromium and rules. Every site's expected.yaml names
 * the status each criterion must get; the server's log proves the crawler's manners.
 */
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../src/cli/main.ts';
import { parseRobotsTxt } from '../src/crawl/robots.ts';
import { startFixtureWeb, type FixtureWeb } from '../src/demo/fixture-web.ts';
import { readTrail, ResultsSchema, type Results } from '../src/report/results-schema.ts';

const ROOT = join(import.meta.dirname, 'fixtures', 'web');

interface Expected {
  status: 'audited' | 'error';
  reason?: string;
  criteria?: Record<string, { status: string; why?: string }>;
}

const slugs = (await readdir(ROOT, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
const expected = new Map<string, Expected>();
for (const slug of slugs) expected.set(slug, parse(await readFile(join(ROOT, slug, 'expected.yaml'), 'utf8')) as Expected);

let web: FixtureWeb;
let out: string;
let results: Results;
let stdout = '';
/** The server's log of the audit alone (the checks below fetch robots.txt themselves). */
let log: FixtureWeb['log'] = [];

beforeAll(async () => {
  web = await startFixtureWeb({ root: ROOT });
  out = await mkdtemp(join(tmpdir(), 'granska-audit-'));
  const registry = join(out, 'kommuner.csv');
  await web.writeRegistry(registry);
  const code = await main(['audit', '--kommuner', registry, '--out', out, '--allow-private', '--quiet'], {
    out: (s) => (stdout += `${s}\n`),
    err: () => {},
  });
  expect(code).toBe(0);
  log = [...web.log];
  results = ResultsSchema.parse(JSON.parse(await readFile(join(out, 'results.json'), 'utf8')));
}, 600_000);

afterAll(async () => {
  await web?.close();
  if (out) await rm(out, { recursive: true, force: true });
});

function kommunOf(slug: string) {
  const site = web.sites.find((s) => s.slug === slug)!;
  return results.kommuner.find((k) => k.kommunkod === site.kommunkod)!;
}

describe.each(slugs)('fixture site %s', (slug) => {
  const exp = expected.get(slug)!;

  it(`is ${exp.status}`, () => {
    const k = kommunOf(slug);
    expect(k.status, k.reason ?? '').toBe(exp.status);
    if (exp.status === 'error') {
      expect(k.score).toBeNull();
      expect(k.rank).toBeNull();
      expect(k.reason).toBeTruthy();
      expect(k.criteria.every((c) => c.status === 'error')).toBe(true);
    } else {
      expect(k.score).toBeTypeOf('number');
      expect(k.criteria.map((c) => c.id).sort()).toEqual(results.run.rules.map((r) => r.id).sort());
    }
  });

  const cases = Object.entries(exp.criteria ?? {});
  if (cases.length > 0) {
    it.each(cases)('%s', (id, want) => {
      const got = kommunOf(slug).criteria.find((c) => c.id === id);
      expect(got, `criterion ${id} missing`).toBeDefined();
      const why = `${want.why ?? ''}\n→ got ${got!.status}: ${got!.reason}\n${JSON.stringify(got!.evidence[0] ?? (got as { trail?: unknown }).trail ?? {}, null, 1).slice(0, 600)}`;
      expect(got!.status, why).toBe(want.status);
      if (got!.status === 'pass' || got!.status === 'partial') {
        expect(got!.evidence.length).toBeGreaterThan(0);
        for (const e of got!.evidence) {
          expect(e.url).toMatch(/^https?:\/\//);
          expect(e.snapshot).toMatch(/^sha256:[0-9a-f]{64}$/);
        }
      }
    });
  }
});

describe('the run as a whole', () => {
  it('scores follow criteria.md: 100 × Σ points / Σ weight, one decimal, ranks with ties', () => {
    const audited = results.kommuner.filter((k) => k.status === 'audited');
    for (const k of audited) {
      const weight = k.criteria.reduce((s, c) => s + c.weight, 0);
      const points = k.criteria.reduce((s, c) => s + c.points, 0);
      expect(weight).toBe(33);
      expect(k.score).toBe(Math.round((1000 * points) / weight) / 10);
      const better = audited.filter((o) => o.score! > k.score!).length;
      expect(k.rank).toBe(better + 1);
    }
  });

  it('never requests a path that robots.txt disallows for granska', async () => {
    const robotsByOrigin = new Map<string, ReturnType<typeof parseRobotsTxt>>();
    for (const entry of log) {
      if (entry.path === '/robots.txt' || entry.status === 0) continue;
      if (!robotsByOrigin.has(entry.origin)) {
        const res = await fetch(`${entry.origin}/robots.txt`).catch(() => null);
        const body = res && res.status === 200 ? await res.text() : '';
        robotsByOrigin.set(entry.origin, parseRobotsTxt(`${entry.origin}/robots.txt`, body, 'granska'));
      }
      expect(robotsByOrigin.get(entry.origin)!.isAllowed(`${entry.origin}${entry.path}`), `${entry.origin}${entry.path}`).toBe(true);
    }
  });

  it('keeps at most 2 requests in flight per host and sends an honest User-Agent', () => {
    const origins = new Set(log.map((e) => e.origin));
    for (const origin of origins) expect(web.maxInFlight(origin), origin).toBeLessThanOrEqual(2);
    for (const e of log) expect(e.userAgent).toMatch(/^granska\/\d+\.\d+\.\d+ \(\+https?:\/\/\S+\)$/);
  });

  it('never reaches a private address that the registry does not name (link to 127.0.0.2, redirect to 127.0.0.3)', () => {
    expect(web.trapHits).toEqual([]);
  });

  it('honours Crawl-delay', async () => {
    let checked = 0;
    for (const origin of new Set(log.map((e) => e.origin))) {
      const res = await fetch(`${origin}/robots.txt`).catch(() => null);
      const body = res && res.status === 200 ? await res.text() : '';
      const delay = parseRobotsTxt(`${origin}/robots.txt`, body, 'granska').crawlDelaySeconds();
      if (!delay) continue;
      const times = log.filter((e) => e.origin === origin && e.path !== '/robots.txt').map((e) => e.at).sort((a, b) => a - b);
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!, `${origin} request ${i}`).toBeGreaterThanOrEqual(delay * 1000 - 20);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('keeps a screenshot of the evidence of every pass and partial, with what was judged outlined', async () => {
    let pictures = 0;
    const notShown: string[] = [];
    for (const k of results.kommuner) {
      for (const c of k.criteria) {
        if (c.status !== 'pass' && c.status !== 'partial') continue;
        const e = c.evidence[0]!;
        expect(typeof e.shown, `${k.kommunkod} ${c.id}`).toBe('boolean');
        if (!e.screenshot) continue;
        expect(e.screenshot).toBe(`evidence/${k.kommunkod}/${c.id}-1.png`);
        expect((await stat(join(out, e.screenshot))).size).toBeGreaterThan(1000);
        pictures++;
        if (!e.shown) notShown.push(`${k.kommunkod} ${c.id}: ${c.reason}`);
      }
    }
    expect(pictures).toBeGreaterThan(50);
    // The fixture pages do not change between crawl and screenshot: everything judged is found.
    expect(notShown).toEqual([]);
  });

  it('says in the trail of a fail why the nearest pages were not enough: the parts of the rule each has and lacks', () => {
    // Norrhed has no lättläst at all: its hemtjänst page has a heading about hemtjänst, but no lättläst marking.
    const lattlast = kommunOf('norrhed').criteria.find((c) => c.id === 'lattlast')!;
    expect(lattlast.status).toBe('fail');
    expect(readTrail(lattlast)!.candidates).toContainEqual(
      expect.objectContaining({ url: expect.stringMatching(/\/omsorg-och-stod\/hemtjanst$/), title: 'Hemtjänst | Norrheds kommun', has: ['en rubrik om hemtjänst eller äldreomsorg'], lacks: ['en sida märkt som lättläst'] }),
    );
    // Its only number is the växel: the hemtjänst page lacks the one part of kontakt-handlaggare.
    const kontakt = kommunOf('norrhed').criteria.find((c) => c.id === 'kontakt-handlaggare')!;
    expect(kontakt.status).toBe('fail');
    expect(readTrail(kontakt)!.candidates.find((c) => c.url.endsWith('/omsorg-och-stod/hemtjanst'))).toMatchObject({ has: [], lacks: ['telefonnummer eller e-post till biståndshandläggare (inte växeln)'] });
    // Lönnhälla describes trygghetslarm only in a leaflet (PDF): the document has it, one level lower.
    const larm = kommunOf('lonnhalla').criteria.find((c) => c.id === 'trygghetslarm')!;
    expect(larm.status).toBe('fail');
    expect(readTrail(larm)!.candidates).toContainEqual(expect.objectContaining({ url: expect.stringMatching(/trygghetslarm.*\.pdf$/), document: true, has: ['vad trygghetslarmet är eller hur man får det'], lacks: [] }));
    // Hitta-hemtjänst is judged once for the site, not page by page.
    const hitta = kommunOf('norrhed').criteria.find((c) => c.id === 'hitta-hemtjanst')!;
    expect(readTrail(hitta)).toMatchObject({ candidates: [], wholeSite: { has: [], lacks: ['en hemtjänstsida högst 3 klick från startsidan', 'en hemtjänstsida högst 5 klick från startsidan'] } });
    // Every fail says it, within the caps that keep results.json small.
    for (const k of results.kommuner) {
      for (const c of k.criteria.filter((x) => x.status === 'fail')) {
        const trail = readTrail(c);
        expect(trail, `${k.kommunkod} ${c.id}`).not.toBeNull();
        expect(trail!.candidates.length > 0 || trail!.wholeSite !== undefined, `${k.kommunkod} ${c.id}`).toBe(true);
        expect(trail!.candidates.length).toBeLessThanOrEqual(10);
        for (const cand of trail!.candidates) expect(cand.has.length + cand.lacks.length, `${k.kommunkod} ${c.id}`).toBeGreaterThan(0);
      }
    }
  });

  it('prints a summary table and where results.json is', () => {
    expect(stdout).toContain('Poäng');
    expect(stdout).toContain(join(out, 'results.json'));
  });

  it('re-judges the stored snapshots offline with the same results (granska evaluate)', async () => {
    const again = join(out, 'omprovning');
    await web.close(); // no network: every site is gone
    const code = await main(['evaluate', '--snapshots', out, '--out', again], { out: () => {}, err: () => {} });
    expect(code).toBe(0);
    const second = ResultsSchema.parse(JSON.parse(await readFile(join(again, 'results.json'), 'utf8')));
    // Everything judged must be the same: statuses, points, reasons, evidence (URL, clicks, path,
    // excerpt, snapshot hash, capture time) and trails. Only what the audit adds after judging
    // differs: the screenshots, and the note in a reason when a screenshot could not show the match.
    const judged = (r: Results) =>
      r.kommuner.map((k) => ({
        ...k,
        criteria: k.criteria.map((c) => {
          return {
            ...c,
            reason: c.reason.split('. Obs: ')[0]!.replace(/\.$/, ''),
            evidence: c.evidence.map((e) => {
              const { screenshot: _s, screenshotAt: _a, shown: _w, screenshotUrl: _u, ...rest } = e as Record<string, unknown>;
              return rest;
            }),
          };
        }),
      }));
    expect(judged(second)).toEqual(judged(results));
  });
});
