/**
 * `npm run bench:evidence`: what evidence capture adds to the demo run. Serves the demo web (the
 * fixture sites of test/fixtures/web/demo-sites.txt) on loopback and audits it as `granska demo`
 * does, alternately without and with screenshots (`--rounds N` of each, default 2), and prints the
 * wall times and the difference as Markdown. Issue target: at most a minute on 2 cores.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as cli } from '../src/cli/main.ts';
import { defaultFixtureRoot, startFixtureWeb } from '../src/demo/fixture-web.ts';

async function main(argv: string[]): Promise<void> {
  const i = argv.indexOf('--rounds');
  const rounds = i >= 0 ? Number(argv[i + 1]) : 2;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds needs a whole number ≥ 1');
  const root = defaultFixtureRoot();
  const sites = (await readFile(join(root, 'demo-sites.txt'), 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const web = await startFixtureWeb({ root, sites });
  const dir = await mkdtemp(join(tmpdir(), 'granska-bench-evidence-'));
  const times = { without: [] as number[], with: [] as number[] };
  try {
    const registry = join(dir, 'kommuner.csv');
    await web.writeRegistry(registry);
    for (let round = 0; round < rounds; round++) {
      for (const shots of [false, true]) {
        const t0 = performance.now();
        const code = await cli(['audit', '--kommuner', registry, '--out', join(dir, 'run'), '--allow-private', '--fresh', '--quiet', ...(shots ? [] : ['--no-screenshots'])], { out: () => {}, err: () => {} });
        if (code !== 0) throw new Error(`the audit ended with exit code ${code}`);
        times[shots ? 'with' : 'without'].push((performance.now() - t0) / 1000);
      }
    }
  } finally {
    await web.close();
    await rm(dir, { recursive: true, force: true });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const s = (x: number) => `${x.toFixed(1)} s`;
  process.stdout.write(
    [
      `\n### Evidence capture on the demo run: ${sites.length} fixture kommuner, median of ${rounds} round(s)\n`,
      '| | wall time |',
      '|---|---:|',
      `| without screenshots | ${s(median(times.without))} |`,
      `| with screenshots | ${s(median(times.with))} |`,
      `| added by evidence capture | ${s(median(times.with) - median(times.without))} |`,
      '',
    ].join('\n'),
  );
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});
