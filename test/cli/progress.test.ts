/**
 * Progress of an audit: the plain lines for logs, the JSON events of --json on a real small audit
 * of the fixture web, and the live status line of a terminal (a fake stream with isTTY and columns).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { chooseMode, duration, Progress, statusLine, type ProgressState } from '../../src/cli/progress.ts';
import { startFixtureWeb, type FixtureWeb } from '../../src/demo/fixture-web.ts';
import { runAudit } from '../../src/pipeline/audit.ts';
import type { AuditEvent } from '../../src/pipeline/events.ts';
import { loadRegistry } from '../../src/registry/registry.ts';
import { DEFAULT_RULES_DIR, loadRules } from '../../src/rules/loader.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'web');
const SITES = ['ekebyhult', 'kvarntrask'];

let dir: string;
let web: FixtureWeb;
let registry: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'granska-progress-'));
  web = await startFixtureWeb({ root: FIXTURES, sites: SITES, latencyMs: 5 });
  registry = join(dir, 'kommuner.csv');
  await web.writeRegistry(registry);
});
afterAll(async () => {
  await web?.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.useRealTimers();
});

function state(over: Partial<ProgressState> = {}): ProgressState {
  return {
    total: 290,
    done: 12,
    crawledDone: 12,
    reusedDone: 0,
    errors: 1,
    pages: 3456,
    startedAt: 0,
    active: [
      { kommunkod: '0114', namn: 'Upplands Väsby kommun', pages: 34, started: 0 },
      { kommunkod: '0115', namn: 'Vallentuna kommun', pages: 1, started: 0 },
    ],
    ...over,
  };
}

describe('the plain status line (not a terminal)', () => {
  it('says done/total, pages, elapsed, time left and the sites in progress', () => {
    // 12 kommuner in 4 min: 278 left at the same pace is 92 min 40 s.
    expect(statusLine(state(), 240_000)).toBe(
      'Läge: 12/290 kommuner klara (1 ej granskad), 3456 sidor hämtade; 4 min 0 s gått, cirka 1 h 32 min kvar; pågår: Upplands Väsby kommun (34 sidor), Vallentuna kommun (1 sida)',
    );
  });

  it('has no estimate before the first kommun is done, and shortens a long list of sites', () => {
    const active = Array.from({ length: 9 }, (_, i) => ({ kommunkod: `01${i}`, namn: `Kommun ${i}`, pages: i, started: 0 }));
    const line = statusLine(state({ done: 0, crawledDone: 0, errors: 0, pages: 0, active }), 5_000);
    expect(line).toContain('0/290 kommuner klara, 0 sidor hämtade; 5 s gått, beräknar tid kvar');
    expect(line).toContain('Kommun 5 (5 sidor) och 3 till');
    expect(line).not.toContain('Kommun 6');
  });

  it('does not count kommuner reused from an interrupted run in the pace', () => {
    const line = statusLine(state({ done: 102, crawledDone: 2, reusedDone: 100, errors: 0, total: 104, active: [] }), 60_000);
    // 2 crawled in 60 s, 2 left: about 60 s.
    expect(line).toContain('1 min 0 s gått, cirka 1 min 0 s kvar');
  });

  it('formats durations in Swedish', () => {
    expect(duration(4_400)).toBe('4 s');
    expect(duration(125_000)).toBe('2 min 5 s');
    expect(duration(4_800_000)).toBe('1 h 20 min');
  });

  it('chooses the mode from the options and the terminal', () => {
    expect(chooseMode({ isTTY: true })).toBe('tty');
    expect(chooseMode({ isTTY: false })).toBe('lines');
    expect(chooseMode({ quiet: true, isTTY: true })).toBe('quiet');
    expect(chooseMode({ json: true, quiet: true, isTTY: true })).toBe('json');
  });

  it('prints periodic lines and a line per finished kommun during a real audit', async () => {
    const lines: string[] = [];
    const progress = new Progress({ mode: 'lines', line: (s) => lines.push(s), intervalMs: 40 });
    const out = join(dir, 'lines');
    try {
      await runAudit({
        kommuner: await loadRegistry(registry),
        out,
        rules: await loadRules(DEFAULT_RULES_DIR),
        allowPrivate: true,
        insecure: false,
        maxPages: 60,
        concurrency: 2,
        perHost: 2,
        siteTimeoutMs: 60_000,
        requestTimeoutMs: 10_000,
        render: false,
        fresh: true,
        log: progress.log,
        onEvent: progress.onEvent,
      });
    } finally {
      progress.stop();
    }
    const perKommun = lines.filter((l) => /^\[\d\/2\] 900\d /.test(l));
    expect(perKommun).toHaveLength(2);
    const status = lines.filter((l) => l.startsWith('Läge: '));
    expect(status.length).toBeGreaterThan(0);
    for (const l of status) expect(l).toMatch(/^Läge: [01]\/2 kommuner klara(?: \(\d ej granskade?\))?, \d+ sid(?:a|or) hämtade; \d+ s gått, (?:beräknar tid kvar|cirka \d+ s kvar)(?:; pågår: .+ \(\d+ sid(?:a|or)\))?$/);
    expect(status.some((l) => l.includes('pågår: '))).toBe(true);
    // No status line after the run is done.
    const last = lines.findIndex((l) => l.startsWith('[2/2]'));
    expect(lines.slice(last + 1).filter((l) => l.startsWith('Läge: '))).toEqual([]);
  });
});

describe('granska audit --json', () => {
  it('writes one JSON event per line on stderr, from run-start to run-done', async () => {
    const out = join(dir, 'json');
    let stdout = '';
    const err: string[] = [];
    const code = await main(['audit', '--kommuner', registry, '--out', out, '--allow-private', '--no-render', '--json'], { out: (s) => (stdout += `${s}\n`), err: (s) => err.push(s) });
    expect(code, err.join('\n')).toBe(0);
    const events = err.map((l) => JSON.parse(l) as (AuditEvent | { event: 'message'; text: string }) & { time: string });
    for (const e of events) expect(e.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const names = events.map((e) => e.event);
    expect(names[0]).toBe('run-start');
    expect(names.filter((n) => n !== 'message').at(-1)).toBe('run-done');
    expect(events[0]).toMatchObject({ event: 'run-start', total: 2 });

    const starts = events.filter((e) => e.event === 'kommun-start');
    expect(starts.map((e) => (e as { kommunkod: string }).kommunkod).sort()).toEqual(['9001', '9008']);
    const pages = events.filter((e): e is Extract<AuditEvent, { event: 'page' }> & { time: string } => e.event === 'page');
    for (const kod of ['9001', '9008']) expect(pages.filter((p) => p.kommunkod === kod).length).toBeGreaterThan(3);
    for (const p of pages) expect(p.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);

    const done = events.filter((e): e is Extract<AuditEvent, { event: 'kommun-done' }> & { time: string } => e.event === 'kommun-done');
    expect(done.map((e) => e.done)).toEqual([1, 2]);
    for (const d of done) {
      expect(d).toMatchObject({ status: 'audited', total: 2, reused: false });
      expect(d.score).toBeGreaterThan(0);
      // Every page of a kommun is announced before the kommun is done.
      const i = events.indexOf(d);
      expect(events.slice(i + 1).some((e) => e.event === 'page' && e.kommunkod === d.kommunkod)).toBe(false);
      expect(d.pagesFetched).toBeGreaterThanOrEqual(pages.filter((p) => p.kommunkod === d.kommunkod).length - 5);
    }
    const runDone = events.find((e) => e.event === 'run-done') as Extract<AuditEvent, { event: 'run-done' }>;
    expect(runDone).toMatchObject({ audited: 2, errors: 0 });
    expect(runDone.resultsFile).toBe(join(out, 'results.json'));
    expect(runDone.tables?.xlsx).toBe(join(out, 'results.xlsx'));

    // The summary still goes to stdout, with where the results are.
    expect(stdout).toContain('Ekebyhult kommun');
    expect(stdout).toContain('results.json');
    expect(stdout).toContain('results.xlsx');
  });

  it('prints nothing but the summary with --quiet', async () => {
    const err: string[] = [];
    let stdout = '';
    const code = await main(['audit', '--kommuner', registry, '--out', join(dir, 'quiet'), '--allow-private', '--no-render', '--quiet'], { out: (s) => (stdout += `${s}\n`), err: (s) => err.push(s) });
    expect(code).toBe(0);
    expect(err).toEqual([]);
    expect(stdout).toContain('2 granskade');
  });
});

describe('the live status line (a terminal)', () => {
  function fakeTty(columns: number) {
    const writes: string[] = [];
    return { writes, stream: { isTTY: true, columns, write: (s: string) => writes.push(s) } };
  }

  it('shows done/total and an estimate of the time left, within the width of the terminal', () => {
    vi.useFakeTimers();
    let now = 0;
    const tty = fakeTty(120);
    const p = new Progress({ mode: 'tty', stream: tty.stream, now: () => now });
    p.onEvent({ event: 'run-start', runId: 'x', total: 4, out: 'o' });
    p.onEvent({ event: 'kommun-start', kommunkod: '0114', namn: 'Upplands Väsby kommun', webbplats: 'https://www.upplandsvasby.se/' });
    p.onEvent({ event: 'kommun-start', kommunkod: '2480', namn: 'Umeå kommun', webbplats: 'https://www.umea.se/' });
    now = 30_000;
    for (let i = 0; i < 40; i++) p.onEvent({ event: 'page', kommunkod: i % 2 ? '0114' : '2480', url: `https://x/${i}` });
    p.onEvent({ event: 'kommun-done', kommunkod: '2480', namn: 'Umeå kommun', status: 'audited', score: 70, reason: null, pagesFetched: 20, reused: false, ms: 30_000, done: 1, total: 4 });
    vi.advanceTimersByTime(300);

    const last = tty.writes.at(-1)!;
    expect(last.startsWith('\r\x1b[2K')).toBe(true);
    const line = last.slice('\r\x1b[2K'.length);
    expect(line).toContain('1/4 kommuner klara');
    expect(line).toContain('40 sidor');
    // One kommun in 30 s, three left: about 1 min 30 s.
    expect(line).toContain('cirka 1 min 30 s kvar');
    expect(line).toContain('pågår: Upplands Väsby (20)');
    expect(line).toContain('30 s gått');
    expect(line).not.toContain('\n');
    expect([...line].length).toBeLessThanOrEqual(119);
    p.stop();
  });

  it('redraws at most a few times a second, and keeps log lines above the status line', () => {
    vi.useFakeTimers();
    let now = 1_000;
    const tty = fakeTty(80);
    const p = new Progress({ mode: 'tty', stream: tty.stream, now: () => now });
    p.onEvent({ event: 'run-start', runId: 'x', total: 2, out: 'o' });
    p.onEvent({ event: 'kommun-start', kommunkod: '0114', namn: 'Upplands Väsby kommun', webbplats: 'https://www.upplandsvasby.se/' });
    const before = tty.writes.length;
    for (let i = 0; i < 500; i++) p.onEvent({ event: 'page', kommunkod: '0114', url: `https://x/${i}` });
    expect(tty.writes.length - before).toBeLessThanOrEqual(1);
    now += 250;
    vi.advanceTimersByTime(250);
    expect(tty.writes.length - before).toBeLessThanOrEqual(2);
    expect(tty.writes.at(-1)).toContain('500 sidor');

    p.log('[1/2] 0114 Upplands Väsby kommun: 55 poäng, 500 sidor (2.0 s)');
    const logged = tty.writes.find((w) => w.includes('[1/2]'))!;
    expect(logged).toBe('\r\x1b[2K[1/2] 0114 Upplands Väsby kommun: 55 poäng, 500 sidor (2.0 s)\n');
    expect(tty.writes.at(-1)!.startsWith('\r\x1b[2K')).toBe(true);
    expect(tty.writes.at(-1)).toContain('0/2 kommuner klara');

    p.stop();
    expect(tty.writes.at(-1)).toBe('\r\x1b[2K');
  });

  it('treats a terminal that reports no width (0 columns, as under script(1)) as 80 wide', () => {
    const tty = fakeTty(0);
    const p = new Progress({ mode: 'tty', stream: tty.stream, now: () => 0 });
    p.onEvent({ event: 'run-start', runId: 'x', total: 5, out: 'o' });
    expect(p.render()).toBe('Granskar: 0/5 kommuner klara · beräknar tid kvar · 0 sidor · 0 s gått');
    p.stop();
  });

  it('fits a narrow terminal', () => {
    const tty = fakeTty(50);
    const p = new Progress({ mode: 'tty', stream: tty.stream, now: () => 0 });
    p.onEvent({ event: 'run-start', runId: 'x', total: 290, out: 'o' });
    p.onEvent({ event: 'kommun-start', kommunkod: '0114', namn: 'Upplands Väsby kommun', webbplats: 'https://www.upplandsvasby.se/' });
    expect([...p.render()].length).toBeLessThanOrEqual(49);
    expect(p.render()).toContain('0/290');
    expect(p.render()).toContain('0 sidor');
    p.stop();
  });
});
