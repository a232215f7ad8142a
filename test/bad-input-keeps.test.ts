/**
 * Bad input loses nothing already written. An --out folder holds an earlier, finished run; then
 * `granska audit` is run into the same folder with a malformed registry CSV (a duplicate code, a
 * Windows-1252 file, a missing column) and with a broken --rules folder (a misspelt key, a bad
 * regular expression). Each stops with exit 2 and a message naming the file and the line, and
 * every file of the earlier run is still there, byte for byte, with nothing added.
 */
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureWeb, type FixtureWeb } from '../src/demo/fixture-web.ts';
import { runCli } from './helpers/cli.ts';
import { filesUnder } from './helpers/files.ts';

const ROOT = join(import.meta.dirname, 'fixtures', 'web');
let web: FixtureWeb;
let tmp: string;
let out: string;
let registry: string;
let rules: string;
/** Every file of the earlier run: relative path -> sha256. */
let before: Map<string, string>;

async function hashes(dir: string): Promise<Map<string, string>> {
  const into = new Map<string, string>();
  for (const p of await filesUnder(dir)) into.set(relative(dir, p), createHash('sha256').update(await readFile(p)).digest('hex'));
  return into;
}

function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`${needle} not in the text`);
  return text.slice(0, i).split('\n').length;
}

beforeAll(async () => {
  web = await startFixtureWeb({ root: ROOT, sites: ['ekebyhult', 'norrhed'] });
  tmp = await mkdtemp(join(tmpdir(), 'granska-dalig-indata-'));
  registry = join(tmp, 'kommuner.csv');
  await web.writeRegistry(registry);
  rules = join(tmp, 'rules');
  await cp(join(import.meta.dirname, '..', 'rules'), rules, { recursive: true });
  out = join(tmp, 'tidigare');
  const first = await runCli(['audit', '--kommuner', registry, '--out', out, '--rules', rules, '--allow-private', '--no-render', '--no-screenshots', '--quiet']);
  expect(first.code, first.stderr).toBe(0);
  before = await hashes(out);
  expect([...before.keys()]).toEqual(expect.arrayContaining(['results.json', join('kommuner', '9001.json'), join('kommuner', '9004.json'), join('snapshots', '9001', 'crawl.json')]));
}, 120_000);

afterAll(async () => {
  await web?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Runs the audit into the earlier run's folder; it must stop at once, exit 2, and touch nothing. */
async function refused(args: string[]): Promise<string> {
  const mark = web.log.length;
  const { code, stderr } = await runCli(['audit', '--out', out, '--allow-private', '--no-render', '--no-screenshots', '--quiet', ...args]);
  expect(code, stderr).toBe(2);
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(await hashes(out)).toEqual(before);
  expect(web.log.slice(mark), 'nothing was fetched').toEqual([]);
  return stderr;
}

describe('an audit with bad input into a folder holding an earlier run', () => {
  it('a registry with a duplicate kommunkod: exit 2, names the file and both lines', async () => {
    const lines = (await readFile(registry, 'utf8')).trim().split('\n');
    const csv = join(tmp, 'dubblett.csv');
    // Line 4 repeats the code of line 2.
    await writeFile(csv, `${[...lines, lines[1]!.replace('Ekebyhult kommun', 'Ekebyhult igen')].join('\n')}\n`);
    const stderr = await refused(['--kommuner', csv, '--rules', rules]);
    expect(stderr).toContain(basename(csv));
    expect(stderr).toMatch(/rad 4/);
    expect(stderr).toMatch(/kommunkoden 9001 finns redan på rad 2/);
  });

  it('a registry saved as Windows-1252: exit 2, names the file and the line, says how to save it', async () => {
    const csv = join(tmp, 'ansi.csv');
    const text = await readFile(registry, 'utf8');
    await writeFile(csv, Buffer.from(text, 'latin1'));
    // The first line with å, ä or ö is the first one that cannot be read.
    const firstSwedish = text.split('\n').findIndex((l) => /[^\x00-\x7f]/.test(l)) + 1;
    expect(firstSwedish).toBeGreaterThan(1);
    const stderr = await refused(['--kommuner', csv, '--rules', rules]);
    expect(stderr).toContain(`${basename(csv)}, rad ${firstSwedish}: filen är inte sparad som UTF-8`);
    expect(stderr).toMatch(/Spara filen som UTF-8/);
  });

  it('a registry without the webbplats column: exit 2, names the file and line 1', async () => {
    const csv = join(tmp, 'kolumner.csv');
    await writeFile(csv, 'kommunkod,namn\n9001,Ekebyhult kommun\n');
    const stderr = await refused(['--kommuner', csv, '--rules', rules]);
    expect(stderr).toContain(`${basename(csv)}, rad 1`);
    expect(stderr).toMatch(/webbplats/);
  });

  it('a rules folder with a misspelt key and a bad regular expression: exit 2, each named with file and line', async () => {
    const broken = join(tmp, 'trasiga-regler');
    await cp(rules, broken, { recursive: true });
    const lyssna = (await readFile(join(broken, 'lyssna.yaml'), 'utf8')).replace(/^weight:/m, 'wieght:');
    await writeFile(join(broken, 'lyssna.yaml'), lyssna);
    // A rule of its own, whose only fault is an unclosed parenthesis in its pattern.
    const extra = [
      'id: trasig-regel',
      'weight: 1',
      'title: En regel med fel',
      'description: Ett mönster som inte går att läsa.',
      'scope: hemtjanst',
      'pass:',
      "  text: '(överklaga'",
      'reasons:',
      '  pass: Finns',
      '  fail: Finns inte',
      '',
    ].join('\n');
    await writeFile(join(broken, 'trasig-regel.yaml'), extra);

    const stderr = await refused(['--kommuner', registry, '--rules', broken]);
    expect(stderr).toMatch(/Regelfilerna har fel/);
    expect(stderr).toContain(`lyssna.yaml:${lineOf(lyssna, 'wieght:')}: okänd nyckel "wieght" (stavfel?)`);
    expect(stderr).toMatch(new RegExp(`trasig-regel\\.yaml:${lineOf(extra, "text: '(")}: `));
  });

  it('after all of that, the earlier run is still whole and the same command with good input works', async () => {
    expect(await hashes(out)).toEqual(before);
    const again = await runCli(['audit', '--kommuner', registry, '--out', out, '--rules', rules, '--allow-private', '--no-render', '--no-screenshots', '--quiet']);
    expect(again.code, again.stderr).toBe(0);
  }, 60_000);
});
