/**
 * A small real run for the WARC and export tests: two fixture sites (Västerljung in ISO-8859-1,
 * Norrhed on Drupal) served on loopback and audited through the command line, without the browser.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { startFixtureWeb } from '../../src/demo/fixture-web.ts';
import { ResultsSchema, type Results } from '../../src/report/results-schema.ts';

export const FIXTURE_ROOT = join(import.meta.dirname, '..', 'fixtures', 'web');

/** A 1×1 PNG, standing in for the screenshots of the evidence step. */
export const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

export interface AuditRun {
  out: string;
  results: Results;
  cleanup(): Promise<void>;
}

export async function auditFixtures(sites: string[] = ['vasterljung', 'norrhed']): Promise<AuditRun> {
  const web = await startFixtureWeb({ root: FIXTURE_ROOT, sites });
  const out = await mkdtemp(join(tmpdir(), 'granska-export-'));
  try {
    const registry = join(out, 'kommuner.csv');
    await web.writeRegistry(registry);
    let err = '';
    const code = await main(['audit', '--kommuner', registry, '--out', out, '--allow-private', '--no-render', '--quiet'], { out: () => {}, err: (s) => (err += `${s}\n`) });
    if (code !== 0) throw new Error(`granska audit gav ${code}: ${err}`);
  } finally {
    await web.close();
  }
  const results = ResultsSchema.parse(JSON.parse(await readFile(join(out, 'results.json'), 'utf8')));
  return { out, results, cleanup: () => rm(out, { recursive: true, force: true }) };
}

/** Runs the command line and collects what it prints. */
export async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => (out += `${s}\n`), err: (s) => (err += `${s}\n`) });
  return { code, out, err };
}
