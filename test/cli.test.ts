/** The command line as a user meets it: the real bin script, real files, clear words, no stack traces. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultsSchema } from '../src/report/results-schema.ts';
import { startServer, type TestServer } from './crawl/servers.ts';
import { runCli } from './helpers/cli.ts';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', 'bin', 'granska.mjs');

async function granska(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { timeout: 120_000, ...(cwd ? { cwd } : {}) });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}


let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'granska-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('granska (bin)', () => {
  it('shows its commands in --help', async () => {
    const r = await granska(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['audit', 'demo', 'evaluate', 'rules']) expect(r.stdout).toContain(cmd);
    const audit = await granska(['audit', '--help']);
    for (const opt of ['--kommuner', '--only', '--url', '--out', '--allow-private', '--max-pages']) expect(audit.stdout).toContain(opt);
  });

  it('says which file is missing, without a stack trace, and exits non-zero', async () => {
    const r = await granska(['audit', '--kommuner', join(dir, 'finns-inte.csv'), '--out', join(dir, 'o')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('finns-inte.csv');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('bad input', () => {
  it('names the file and the line of a malformed registry', async () => {
    const csv = join(dir, 'trasig.csv');
    await writeFile(csv, 'kommunkod,namn,webbplats\n9001,Exempelby kommun,https://exempelby.se/\n901,Felby kommun,felby.se\n');
    const r = await runCli(['audit', '--kommuner', csv, '--out', join(dir, 'o')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('trasig.csv');
    expect(r.stderr).toMatch(/rad 3/);
  });

  it('refuses an unknown --only term and suggests names', async () => {
    const r = await runCli(['audit', '--only', 'hogans', '--out', join(dir, 'o')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Höganäs');
  });

  it('refuses to audit a loopback address without --allow-private', async () => {
    const r = await runCli(['audit', '--url', 'http://127.0.0.1:9/', '--out', join(dir, 'o')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--allow-private');
  });

  it('names an --out that cannot be written', async () => {
    const file = join(dir, 'en-fil');
    await writeFile(file, 'x');
    const r = await runCli(['audit', '--url', 'https://www.exempel.se/', '--out', join(file, 'under')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('en-fil');
  });

  it('reports broken rule files with file and line', async () => {
    const rules = join(dir, 'rules');
    await cp(join(import.meta.dirname, '..', 'rules'), rules, { recursive: true });
    const file = join(rules, 'overklaga.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('weight: 1', 'wieght: 1'));
    const r = await runCli(['rules', 'check', '--rules', rules]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/overklaga\.yaml:\d+: .*wieght/);
    const ok = await runCli(['rules', 'check']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('19 kriterier');
  });

  it('says when evaluate is pointed at a folder without snapshots', async () => {
    const r = await runCli(['evaluate', '--snapshots', dir, '--out', join(dir, 'e')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('run.json');
  });
});

describe('audit --url on one small site', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer((req, res) => {
      if (req.url === '/robots.txt') return res.writeHead(404).end();
      if (req.url === '/') return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<html lang="sv"><head><title>Start</title></head><body><main><h1>Välkommen</h1><p><a href="/hemtjanst">Hemtjänst</a></p></main></body></html>');
      if (req.url === '/hemtjanst')
        return res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end('<html lang="sv"><head><title>Hemtjänst</title></head><body><main><h1>Hemtjänst</h1><p>Du ansöker om hemtjänst hos en biståndshandläggare, telefon 0123-45 67 89. Beslutet fattas efter ett hembesök. Du kan överklaga beslutet.</p><p><a href="/avgifter.doc">Avgifter (Word)</a></p></main></body></html>');
      // An old binary Word file (Compound File signature): kept, not read, and said so.
      if (req.url === '/avgifter.doc') return res.writeHead(200, { 'content-type': 'application/msword' }).end(Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]));
      res.writeHead(404).end();
    });
  });
  afterAll(async () => server?.close());

  it('writes a valid results.json with every criterion and a score', async () => {
    const out = join(dir, 'url-run');
    const r = await runCli(['audit', '--url', `${server.origin}/`, '--out', out, '--allow-private', '--no-render', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const results = ResultsSchema.parse(JSON.parse(await readFile(join(out, 'results.json'), 'utf8')));
    expect(results.kommuner).toHaveLength(1);
    const k = results.kommuner[0]!;
    expect(k.status).toBe('audited');
    expect(k.criteria).toHaveLength(19);
    const byId = Object.fromEntries(k.criteria.map((c) => [c.id, c.status]));
    expect(byId).toMatchObject({ 'hitta-hemtjanst': 'pass', ansokan: 'pass', 'kontakt-handlaggare': 'pass', overklaga: 'pass', 'handlaggning-process': 'pass', 'sok-hemtjanst': 'fail' });
    expect(k.score).toBeGreaterThan(0);
    expect(r.stdout).toContain('results.json');
    expect(r.stdout).toMatch(/Rapport: .*rapport\/index\.html/);
    const pages = (await readFile(join(out, 'snapshots', k.kommunkod, 'pages.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { url: string; kind: string; note?: string });
    const doc = pages.find((p) => p.url.endsWith('/avgifter.doc'))!;
    expect(doc.kind).toBe('other');
    expect(doc.note).toMatch(/formatet Word \(det äldre \.doc\), som granska inte läser/);
  });

  it('without --out follows the project layout: results in reports/<run>/, pages in snapshots/<run>/, and later commands find them', async () => {
    const cwd = join(dir, 'no-out');
    await mkdir(cwd, { recursive: true });
    const r = await granska(['audit', '--url', `${server.origin}/`, '--allow-private', '--no-render', '--quiet'], cwd);
    expect(r.code, r.stderr).toBe(0);
    const run = `granskning-${new Date().toISOString().slice(0, 10)}`;
    const out = join(cwd, 'reports', run);
    expect(existsSync(join(out, 'results.json'))).toBe(true);
    expect(existsSync(join(out, 'snapshots'))).toBe(false);
    const pages = await readdir(join(cwd, 'snapshots', run));
    expect(pages).toContain('run.json');
    expect(r.stdout).toContain(`Ögonblicksbilder (varje hämtad sida): ${join('snapshots', run)}`);
    // The WARC of the kommun was written from the snapshots elsewhere.
    expect((await readdir(join(out, 'warc'))).some((f) => f.endsWith('.warc.gz'))).toBe(true);
    // evaluate given the results folder finds the snapshots and judges the same.
    const again = join(cwd, 'again');
    const e = await granska(['evaluate', '--snapshots', out, '--out', again], cwd);
    expect(e.code, e.stderr).toBe(0);
    const statuses = async (file: string) => ResultsSchema.parse(JSON.parse(await readFile(file, 'utf8'))).kommuner.map((k) => k.criteria.map((c) => `${c.id}:${c.status}`));
    expect(await statuses(join(again, 'results.json'))).toEqual(await statuses(join(out, 'results.json')));
  });
});
