/**
 * Half-written files of an interrupted run are never read as complete. After a finished audit the
 * test plants what a run killed mid-write leaves in its --out: leftover `*.tmp` files next to
 * results.json, a kommun file and a crawl.json; a kommun file cut in half; a snapshot whose
 * pages.jsonl was written but whose crawl.json never was; a crawl.json cut in half. The next run
 * with the same --out must crawl again the kommuner whose snapshot is incomplete, judge again the
 * one whose kommun file is broken, leave the whole ones alone, remove the leftovers, and end with
 * a valid results.json equal to the first run's.
 */
import { cp, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import { startFixtureWeb, type FixtureWeb } from '../src/demo/fixture-web.ts';
import { ResultsSchema, type Results } from '../src/report/results-schema.ts';
import { essence } from './helpers/results-essence.ts';
import { filesUnder } from './helpers/files.ts';

const ROOT = join(import.meta.dirname, 'fixtures', 'web');
// 9001 whole; 9004 kommun file cut in half; 9008 pages.jsonl without crawl.json; 9012 crawl.json cut in half.
const SLUGS = ['ekebyhult', 'norrhed', 'kvarntrask', 'lillmora'];

let web: FixtureWeb;
let tmp: string;
let out: string;
let args: string[];
let first: Results;

const kod = (slug: string): string => web.sites.find((s) => s.slug === slug)!.kommunkod;
const requestsTo = (slug: string, from: number) => {
  const origins = Object.values(web.sites.find((s) => s.slug === slug)!.origins);
  return web.log.slice(from).filter((e) => origins.includes(e.origin));
};

async function halve(file: string): Promise<string> {
  const text = await readFile(file, 'utf8');
  const half = text.slice(0, Math.floor(text.length / 2));
  await writeFile(file, half);
  return half;
}


beforeAll(async () => {
  web = await startFixtureWeb({ root: ROOT, sites: SLUGS });
  tmp = await mkdtemp(join(tmpdir(), 'granska-halvskrivet-'));
  const csv = join(tmp, 'kommuner.csv');
  await web.writeRegistry(csv);
  const rules = join(tmp, 'rules');
  await cp(join(import.meta.dirname, '..', 'rules'), rules, { recursive: true });
  out = join(tmp, 'ut');
  args = ['audit', '--kommuner', csv, '--out', out, '--rules', rules, '--allow-private', '--no-render', '--no-screenshots', '--quiet', '--request-timeout', '5'];
  let err = '';
  const code = await main(args, { out: () => {}, err: (s) => (err += s) });
  expect(code, err).toBe(0);
  first = ResultsSchema.parse(JSON.parse(await readFile(join(out, 'results.json'), 'utf8')));
}, 120_000);

afterAll(async () => {
  await web?.close();
  if (tmp && !process.env.GRANSKA_KEEP) await rm(tmp, { recursive: true, force: true });
});

describe('a run after one that was killed mid-write', () => {
  it('takes half-written files for incomplete, crawls or judges those kommuner again, and ends with a valid results.json', async () => {
    const snap = (slug: string, file: string) => join(out, 'snapshots', kod(slug), file);
    const resultsText = await readFile(join(out, 'results.json'), 'utf8');

    // What a run killed mid-write leaves behind.
    const leftovers = [
      join(out, 'results.json.4242.1700000000000.tmp'),
      join(out, 'kommuner', `${kod('ekebyhult')}.json.4242.1700000000001.tmp`),
      snap('kvarntrask', 'crawl.json.4242.1700000000002.tmp'),
    ];
    await writeFile(leftovers[0]!, resultsText.slice(0, 5000));
    await writeFile(leftovers[1]!, (await readFile(join(out, 'kommuner', `${kod('ekebyhult')}.json`), 'utf8')).slice(0, 300));
    await writeFile(leftovers[2]!, (await readFile(snap('kvarntrask', 'crawl.json'), 'utf8')).slice(0, 200));
    await rm(join(out, 'results.json'));
    const ekebyhultFile = await readFile(join(out, 'kommuner', `${kod('ekebyhult')}.json`), 'utf8');
    const brokenNorrhed = await halve(join(out, 'kommuner', `${kod('norrhed')}.json`));
    expect(() => JSON.parse(brokenNorrhed)).toThrow();
    // kvarntrask: pages.jsonl (cut mid-line) but no crawl.json, as when killed during the crawl.
    await rm(snap('kvarntrask', 'crawl.json'));
    await halve(snap('kvarntrask', 'pages.jsonl'));
    // lillmora: a crawl.json cut short (not written by us: ours are renamed into place whole).
    await halve(snap('lillmora', 'crawl.json'));

    const mark = web.log.length;
    let err = '';
    const code = await main(args, { out: () => {}, err: (s) => (err += `${s}\n`) });
    expect(code, err).toBe(0);

    // Valid and the same as the first run's.
    const again = ResultsSchema.parse(JSON.parse(await readFile(join(out, 'results.json'), 'utf8')));
    expect(again.kommuner.map((k) => k.kommunkod)).toEqual(SLUGS.map(kod).sort());
    expect(again.kommuner.every((k) => k.status === 'audited'), JSON.stringify(again.kommuner.map((k) => k.reason))).toBe(true);
    expect(essence(again)).toEqual(essence(first));

    // The incomplete snapshots were crawled again, from robots.txt on; the complete ones were not.
    for (const slug of ['kvarntrask', 'lillmora']) {
      const hits = requestsTo(slug, mark);
      expect(hits[0]?.path, slug).toBe('/robots.txt');
      expect(hits.some((h) => h.path === '/'), `${slug} start page fetched again`).toBe(true);
      const crawl = JSON.parse(await readFile(snap(slug, 'crawl.json'), 'utf8')) as { pagesFetched: number };
      expect(crawl.pagesFetched, slug).toBe(first.kommuner.find((k) => k.kommunkod === kod(slug))!.pagesFetched);
      const lines = (await readFile(snap(slug, 'pages.jsonl'), 'utf8')).trim().split('\n');
      for (const line of lines) JSON.parse(line);
      expect(lines).toHaveLength(crawl.pagesFetched);
    }
    for (const slug of ['ekebyhult', 'norrhed']) expect(requestsTo(slug, mark), `${slug} was complete`).toEqual([]);

    // The broken kommun file was judged again and written whole; the whole one is as it was.
    const norrhed = JSON.parse(await readFile(join(out, 'kommuner', `${kod('norrhed')}.json`), 'utf8')) as Results['kommuner'][number];
    expect(norrhed.kommunkod).toBe(kod('norrhed'));
    expect(norrhed.score).toBe(again.kommuner.find((k) => k.kommunkod === kod('norrhed'))!.score);
    expect(norrhed.criteria.map((c) => c.status)).toEqual(again.kommuner.find((k) => k.kommunkod === kod('norrhed'))!.criteria.map((c) => c.status));
    expect(JSON.parse(await readFile(join(out, 'kommuner', `${kod('ekebyhult')}.json`), 'utf8')).score).toBe(JSON.parse(ekebyhultFile).score);

    // The leftovers are gone, and the run left none of its own.
    for (const f of leftovers) await expect(stat(f), f).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await filesUnder(out)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 120_000);
});

describe('a truncated crawl.json on its own', () => {
  it('is not read as a complete snapshot', async () => {
    const { readSnapshot } = await import('../src/snapshot/store.ts');
    const dir = await mkdtemp(join(tmpdir(), 'granska-halv-crawl-'));
    try {
      await cp(join(out, 'snapshots', kod('ekebyhult')), join(dir, kod('ekebyhult')), { recursive: true });
      expect(await readSnapshot(dir, kod('ekebyhult'))).not.toBeNull();
      const file = join(dir, kod('ekebyhult'), 'crawl.json');
      await truncate(file, Math.floor((await stat(file)).size / 2));
      expect(await readSnapshot(dir, kod('ekebyhult'))).toBeNull();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
