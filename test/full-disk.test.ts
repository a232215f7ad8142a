/**
 * A full disk stops the run with words that name the place, and loses nothing already written.
 *
 * The same story twice: once on a real small disk (a tmpfs, where it can be mounted) and once,
 * everywhere, with a disk that a preloaded module fills up (test/helpers/full-disk-preload.mjs:
 * every write into the --out folder beyond a byte budget is cut short with ENOSPC, as on a real
 * full disk). In both: one kommun is audited and on disk; the next run with the same --out has
 * room for about a fifth of the rest, stops with exit 1 and "disken är full" naming a file in the
 * folder; the finished kommun is intact (its snapshot byte for byte, its result whole and the same);
 * and once there is room again, the same command finishes the run without fetching it again.
 */
import { spawn, execFileSync } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureWeb, type FixtureWeb } from '../src/demo/fixture-web.ts';
import { ResultsSchema } from '../src/report/results-schema.ts';

const PROJECT = join(import.meta.dirname, '..');
const PRELOAD = join(import.meta.dirname, 'helpers', 'full-disk-preload.mjs');
const ROOT = join(import.meta.dirname, 'fixtures', 'web');
const SLUGS = ['ekebyhult', 'storbrunn', 'norrhed'];
/** Room left for the second run: far less than the two other kommuner need (about 1 MB). */
const ROOM = 160 * 1024;

const work = await mkdtemp(join(tmpdir(), 'granska-full-'));
const mountPoint = join(work, 'liten-disk');
let mounted = false;
try {
  execFileSync('mkdir', ['-p', mountPoint]);
  // Sized once the first kommun's footprint is known (remount below); mounting needs root with the right to mount.
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint], { stdio: 'ignore' });
  mounted = true;
} catch {
  console.warn('full-disk.test: could not mount a small tmpfs here; only the failing-writer case runs');
}

let web: FixtureWeb;
let registry: string;
let rules: string;
const first = (): { kommunkod: string; slug: string } => ({ kommunkod: web.sites.find((s) => s.slug === SLUGS[0])!.kommunkod, slug: SLUGS[0]! });

beforeAll(async () => {
  web = await startFixtureWeb({ root: ROOT, sites: SLUGS });
  registry = join(work, 'kommuner.csv');
  await web.writeRegistry(registry);
  rules = join(work, 'rules');
  await cp(join(PROJECT, 'rules'), rules, { recursive: true });
});

afterAll(async () => {
  await web?.close();
  if (mounted) execFileSync('umount', [mountPoint]);
  await rm(work, { recursive: true, force: true });
});

/** The audit as a user runs it, optionally on a disk that has `room` bytes left in `out`. */
function audit(out: string, extra: string[] = [], room?: number): Promise<{ code: number | null; stderr: string }> {
  const args = [...(room !== undefined ? ['--import', PRELOAD] : []), 'bin/granska.mjs', 'audit', '--kommuner', registry, '--out', out, '--rules', rules, '--allow-private', '--no-render', '--no-screenshots', '--quiet', '--concurrency', '1', '--request-timeout', '5', ...extra];
  const env = { ...process.env, NO_COLOR: '1', ...(room !== undefined ? { GRANSKA_FULL_DISK_DIR: out, GRANSKA_FULL_DISK_FREE: String(room) } : {}) };
  const child = spawn(process.execPath, args, { cwd: PROJECT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

/** Bytes a folder takes on a tmpfs (whole 4 KiB pages per file and folder). */
async function footprint(dir: string): Promise<number> {
  let total = 4096;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? await footprint(p) : Math.ceil((await stat(p)).size / 4096) * 4096;
  }
  return total;
}

interface Kept {
  /** The first run's results.json, which the failed run must leave as it was. */
  results: Buffer;
  crawl: Buffer;
  pages: Buffer;
  result: { status: string; score: number | null; criteria: Array<{ id: string; status: string; points: number }> };
}

async function keptOf(out: string, kod: string): Promise<Kept> {
  const k = JSON.parse(await readFile(join(out, 'kommuner', `${kod}.json`), 'utf8')) as Kept['result'];
  return {
    results: await readFile(join(out, 'results.json')),
    crawl: await readFile(join(out, 'snapshots', kod, 'crawl.json')),
    pages: await readFile(join(out, 'snapshots', kod, 'pages.jsonl')),
    result: { status: k.status, score: k.score, criteria: k.criteria.map((c) => ({ id: c.id, status: c.status, points: c.points })) },
  };
}

/** First run: the first kommun alone, finished and on disk. */
async function finishFirst(out: string): Promise<Kept> {
  const { code, stderr } = await audit(out, ['--only', first().kommunkod]);
  expect(code, stderr).toBe(0);
  const kept = await keptOf(out, first().kommunkod);
  expect(kept.result.status).toBe('audited');
  return kept;
}

/** Second run on a disk that fills up: stopped with the right words, and the first kommun untouched. */
async function fillsUp(out: string, kept: Kept, run: () => Promise<{ code: number | null; stderr: string }>): Promise<void> {
  const mark = web.log.length;
  const { code, stderr } = await run();
  expect(code, stderr).toBe(1);
  const escaped = out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  expect(stderr).toMatch(new RegExp(`Kunde inte skriva ${escaped}/\\S+ \\(disken är full, ENOSPC\\)`));
  expect(stderr).toMatch(/frigör utrymme eller välj en annan mapp med --out och kör samma kommando igen/);
  expect(stderr).not.toMatch(/\n\s+at /);
  // The run got as far as the other kommuner before the disk was full.
  const others = web.sites.filter((s) => s.slug !== first().slug).flatMap((s) => Object.values(s.origins));
  expect(web.log.slice(mark).some((e) => others.includes(e.origin))).toBe(true);
  // No results.json of the failed run: the first run's is still there, byte for byte.
  expect((await readFile(join(out, 'results.json'))).equals(kept.results)).toBe(true);

  // The kommun finished before the disk filled is intact: its snapshot byte for byte, its result whole and the same.
  const now = await keptOf(out, first().kommunkod);
  expect(now.crawl.equals(kept.crawl)).toBe(true);
  expect(now.pages.equals(kept.pages)).toBe(true);
  expect(now.result).toEqual(kept.result);
  expect(gunzipSync(await readFile(join(out, 'warc', `${first().kommunkod}.warc.gz`))).toString('latin1')).toMatch(/^WARC\/1\.1/);
  // Whatever else is in kommuner/ is whole too.
  for (const f of (await readdir(join(out, 'kommuner'))).filter((n) => n.endsWith('.json'))) JSON.parse(await readFile(join(out, 'kommuner', f), 'utf8'));
}

/** With room again, the same command finishes the run and does not fetch the first kommun again. */
async function continues(out: string, kept: Kept): Promise<void> {
  const mark = web.log.length;
  const { code, stderr } = await audit(out);
  expect(code, stderr).toBe(0);
  const origins = Object.values(web.sites.find((s) => s.slug === first().slug)!.origins);
  expect(web.log.slice(mark).filter((e) => origins.includes(e.origin))).toEqual([]);
  const results = ResultsSchema.parse(JSON.parse(await readFile(join(out, 'results.json'), 'utf8')));
  expect(results.kommuner.map((k) => k.kommunkod)).toEqual(web.sites.map((s) => s.kommunkod));
  const k = results.kommuner.find((x) => x.kommunkod === first().kommunkod)!;
  expect({ status: k.status, score: k.score, criteria: k.criteria.map((c) => ({ id: c.id, status: c.status, points: c.points })) }).toEqual(kept.result);
}

describe('a full disk', () => {
  it('(failing writer, runs everywhere) stops the audit naming the file and "disken är full", exit 1, and keeps the finished kommun', async () => {
    const out = join(work, 'skrivare');
    const kept = await finishFirst(out);
    await fillsUp(out, kept, () => audit(out, [], ROOM));
    await continues(out, kept);
  }, 150_000);

  it.runIf(mounted)('(a real small tmpfs) the same', async () => {
    const out = join(mountPoint, 'run');
    const kept = await finishFirst(out);
    // The disk now has ROOM left: fill it by running the rest.
    const size = Math.ceil(((await footprint(mountPoint)) + ROOM) / 4096) * 4096;
    execFileSync('mount', ['-o', `remount,size=${size}`, mountPoint]);
    await fillsUp(out, kept, () => audit(out));
    // Room again (a bigger disk), and the same command goes on.
    execFileSync('mount', ['-o', 'remount,size=16m', mountPoint]);
    await continues(out, kept);
  }, 150_000);
});
