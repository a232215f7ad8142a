/**
 * Interrupted runs: the audit as a real child process (bin/granska.mjs), killed with SIGKILL
 * midway and started again with the same --out, must not fetch the finished kommuner again and
 * must end with the results of an uninterrupted run; Ctrl-C (SIGINT) stops cleanly with exit 130,
 * keeps what is finished and says in Swedish how to continue.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureWeb, type FixtureWeb } from '../src/demo/fixture-web.ts';
import type { Results } from '../src/report/results-schema.ts';
import { essence } from './helpers/results-essence.ts';

const PROJECT = join(import.meta.dirname, '..');
const ROOT = join(import.meta.dirname, 'fixtures', 'web');
// vasterljung asks for Crawl-delay: 1, so it is still running when the quick ones are done.
const SLUGS = ['ekebyhult', 'norrhed', 'vasterljung', 'kvarntrask', 'fjallmora'];

let web: FixtureWeb;
let tmp: string;
let csv: string;
let rules: string;

beforeAll(async () => {
  web = await startFixtureWeb({ root: ROOT, sites: SLUGS });
  tmp = await mkdtemp(join(tmpdir(), 'granska-resume-'));
  csv = join(tmp, 'kommuner.csv');
  await web.writeRegistry(csv);
  // Every run of this file judges with the same rules, even if rules/ is edited while it runs.
  rules = join(tmp, 'rules');
  await cp(join(PROJECT, 'rules'), rules, { recursive: true });
});

afterAll(async () => {
  await web?.close();
  if (tmp && !process.env.GRANSKA_KEEP) await rm(tmp, { recursive: true, force: true });
});

interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

function audit(out: string): Run {
  const child = spawn(
    process.execPath,
    ['bin/granska.mjs', 'audit', '--kommuner', csv, '--out', out, '--rules', rules, '--allow-private', '--no-render', '--no-screenshots', '--concurrency', '2', '--request-timeout', '5'],
    { cwd: PROJECT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
  );
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
  child.stdout!.resume();
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, done, stderr: () => err };
}

async function finishedKods(out: string): Promise<string[]> {
  try {
    return (await readdir(join(out, 'kommuner'))).filter((f) => /^\d{4}\.json$/.test(f)).map((f) => f.slice(0, 4)).sort();
  } catch {
    return [];
  }
}

/** Waits until at least one kommun is finished and the run is not; fails if the run ends first. */
async function waitForPartial(out: string, run: Run, timeoutMs = 90_000): Promise<string[]> {
  const until = Date.now() + timeoutMs;
  let exited = false;
  void run.done.then(() => (exited = true));
  while (Date.now() < until) {
    const kods = await finishedKods(out);
    if (kods.length > 0 && !existsSync(join(out, 'results.json'))) return kods;
    if (exited) throw new Error(`the run ended before it could be interrupted:\n${run.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no kommun finished within ${timeoutMs} ms:\n${run.stderr()}`);
}

const originsOf = (kod: string): string[] => Object.values(web.sites.find((s) => s.kommunkod === kod)!.origins);

describe('an audit killed with SIGKILL and started again', () => {
  it('fetches only the unfinished kommuner again and ends as an uninterrupted run', async () => {
    const out = join(tmp, 'avbruten');
    const first = audit(out);
    const finished = await waitForPartial(out, first);
    first.child.kill('SIGKILL');
    await first.done;
    // Kommuner whose crawl was complete when killed (finished, or judged but not yet written).
    const complete = SLUGS.map((slug) => web.sites.find((s) => s.slug === slug)!.kommunkod).filter((kod) => existsSync(join(out, 'snapshots', kod, 'crawl.json')));
    expect(complete).toEqual(expect.arrayContaining(finished));
    const unfinished = web.sites.map((s) => s.kommunkod).filter((kod) => !complete.includes(kod));
    expect(unfinished.length).toBeGreaterThan(0);
    expect(existsSync(join(out, 'results.json'))).toBe(false);

    const mark = web.log.length;
    const second = audit(out);
    const { code } = await second.done;
    expect(code, second.stderr()).toBe(0);
    const secondLog = web.log.slice(mark);
    for (const kod of complete) {
      const origins = originsOf(kod);
      expect(secondLog.filter((e) => origins.includes(e.origin)).map((e) => e.path), `kommun ${kod} was finished`).toEqual([]);
    }
    for (const kod of unfinished) {
      if (kod === '9009' || kod === '9010') continue; // error kommuner: only robots.txt, or nothing listens
      const origins = originsOf(kod);
      expect(secondLog.some((e) => origins.includes(e.origin)), `kommun ${kod} was not finished`).toBe(true);
    }
    const resumed = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as Results;

    const cleanOut = join(tmp, 'hel');
    const clean = audit(cleanOut);
    expect((await clean.done).code, clean.stderr()).toBe(0);
    const uninterrupted = JSON.parse(await readFile(join(cleanOut, 'results.json'), 'utf8')) as Results;
    expect(essence(resumed)).toEqual(essence(uninterrupted));
    expect(resumed.kommuner.map((k) => k.kommunkod).sort()).toEqual(web.sites.map((s) => s.kommunkod).sort());
  }, 170_000);
});

describe('Ctrl-C (SIGINT)', () => {
  it('stops cleanly: exit 130, finished kommuner kept, no results.json, how to continue in Swedish', async () => {
    const out = join(tmp, 'ctrl-c');
    const run = audit(out);
    const finished = await waitForPartial(out, run);
    const t0 = Date.now();
    run.child.kill('SIGINT');
    const { code } = await run.done;
    expect(code, run.stderr()).toBe(130);
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(run.stderr()).toMatch(/Granskningen avbröts/);
    expect(run.stderr()).toMatch(/Kör samma kommando igen för att fortsätta/);
    expect(existsSync(join(out, 'results.json'))).toBe(false);
    const kept = await finishedKods(out);
    expect(kept).toEqual(expect.arrayContaining(finished));
    for (const kod of kept) {
      const k = JSON.parse(await readFile(join(out, 'kommuner', `${kod}.json`), 'utf8')) as { kommunkod: string };
      expect(k.kommunkod).toBe(kod);
      expect(existsSync(join(out, 'snapshots', kod, 'crawl.json'))).toBe(true);
    }
    expect(kept.length).toBeLessThan(SLUGS.length);
    // The message names exactly what was kept, where, with code and name, in registry order.
    const named = web.sites.filter((s) => kept.includes(s.kommunkod)).map((s) => `${s.kommunkod} ${s.namn}`);
    expect(run.stderr()).toContain(`${kept.length} av ${SLUGS.length} kommuner är klara och sparade i ${join(out, 'kommuner')}: ${named.join(', ')}.`);
    const unkept = web.sites.filter((s) => !kept.includes(s.kommunkod));
    const line = run.stderr().split('\n').find((l) => l.includes('kommuner är klara och sparade'))!;
    for (const s of unkept) expect(line, `${s.kommunkod} was not finished`).not.toContain(`${s.kommunkod} ${s.namn}`);
  }, 120_000);
});
