/**
 * npm run soak -- [--minutes N]: audits the hostile web and the fixture web together, again and
 * again, for N minutes (default 5), and prints the memory of the whole process tree (granska +
 * Chromium) as it goes. A crawler that leaks shows it here long before a national run does.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/main.ts';
import { startFixtureWeb } from '../src/demo/fixture-web.ts';
import { TreeSampler } from './national.ts';

const args = process.argv.slice(2);
const minutesArg = args.indexOf('--minutes');
const minutes = minutesArg >= 0 ? Number(args[minutesArg + 1]) : 5;
if (!(minutes > 0)) {
  console.error('Fel: --minutes ska vara ett positivt tal, t.ex. --minutes 30');
  process.exit(2);
}

const root = join(import.meta.dirname, '..', 'test', 'fixtures');
const hostile = await startFixtureWeb({ root: join(root, 'hostile') });
const normal = await startFixtureWeb({ root: join(root, 'web') });
const work = await mkdtemp(join(tmpdir(), 'granska-soak-'));
const registry = join(work, 'kommuner.csv');
const csv = [hostile, normal].map((w) => w.registryCsv().trim().split('\n')).flatMap((lines, i) => (i === 0 ? lines : lines.slice(1)));
await writeFile(registry, `${csv.join('\n')}\n`);

const mib = (b: number) => `${Math.round(b / 1024 / 1024)} MiB`;
const sampler = new TreeSampler();
sampler.start();
const t0 = Date.now();
const peaks: number[] = [];
const ticker = setInterval(() => {
  console.log(`${Math.round((Date.now() - t0) / 1000)} s: toppminne hittills ${mib(sampler.peakRss)} (${sampler.peakProcesses} processer)`);
}, 30_000);

try {
  for (let round = 1; Date.now() - t0 < minutes * 60_000; round++) {
    sampler.peakRss = 0;
    const out = join(work, `omgang-${round}`);
    const code = await main(['audit', '--kommuner', registry, '--out', out, '--allow-private', '--no-screenshots', '--quiet', '--request-timeout', '5', '--site-timeout', '60'], {
      out: () => {},
      err: (s) => console.error(s),
    });
    peaks.push(sampler.peakRss);
    console.log(`Omgång ${round}: slutkod ${code}, toppminne ${mib(sampler.peakRss)}, ${Math.round((Date.now() - t0) / 1000)} s`);
    await rm(out, { recursive: true, force: true });
  }
} finally {
  clearInterval(ticker);
  sampler.stop();
  await hostile.close();
  await normal.close();
  await rm(work, { recursive: true, force: true });
}

const first = peaks[0] ?? 0;
const last = peaks.at(-1) ?? 0;
console.log(`\n| omgångar | första omgångens topp | sista omgångens topp | förändring |\n|---:|---:|---:|---:|\n| ${peaks.length} | ${mib(first)} | ${mib(last)} | ${first ? `${Math.round((100 * (last - first)) / first)} %` : '–'} |`);
console.log(last <= first * 1.25 ? 'Minnet håller sig stabilt.' : 'Varning: minnet växer mellan omgångarna.');
