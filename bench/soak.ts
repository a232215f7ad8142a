/**
 * npm run soak -- [--minutes N] [--interval S] [--tolerance P] [--screenshots]
 *
 * Audits the hostile web (test/fixtures/hostile) and the fixture web (test/fixtures/web) together,
 * round after round, for N minutes (default 5), as test/hostile.test.ts does: in-process through
 * the command line, with --exhaustive so that the crawler meets every trap (reset, slowloris, the
 * endless body, 2 GB, the gzip bomb, the redirect chain, 20 000 links, the calendar…) rather than
 * stopping before them, and with Chromium for the pages that need it. Both webs are copied once at
 * the start and started afresh each round, so every trap answers as the first time and their
 * request logs do not pile up here.
 *
 * Every S seconds (default 15) it prints the memory now — summed RSS and PSS of granska and its
 * Chromium processes, and granska's own RSS — and the peak so far. After each round: its peak, and
 * granska's RSS and JavaScript heap after a garbage collection, and which traps were reached.
 *
 * The verdict compares the later rounds with the first ones: round 1 warms up (modules, JIT) and
 * is left out; of the rest, the median of the last third against the median of the first third,
 * for the round's peak PSS of the whole tree, granska's RSS after the round and its heap after GC.
 * Memory counts as flat unless one of them grew by more than P % (default 20) and by more than
 * 16 MiB. Exit status 0 when flat, every round exited 0 and every trap was reached; 1 otherwise;
 * 2 for bad options or too short a run for a verdict (fewer than 3 rounds).
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { main } from '../src/cli/main.ts';
import { listSiteSlugs, loadSite, startFixtureWeb, type FixtureWeb } from '../src/demo/fixture-web.ts';
import { TreeSampler } from './national.ts';

/** Growth below this many bytes is noise, whatever the share. */
const NOISE_FLOOR = 16 * 1024 * 1024;

/** The hostile web's traps: a request to each shows the crawler met it. */
const TRAPS: Array<{ slug: string; path: string; what: string }> = [
  { slug: 'avbrottsby', path: '/nyheter/avbruten', what: 'anslutningen bryts' },
  { slug: 'drojsala', path: '/langsam', what: 'slowloris' },
  { slug: 'drojsala', path: '/oandlig', what: 'oändligt svar' },
  { slug: 'enorma', path: '/protokoll/alla', what: '2 GB' },
  { slug: 'packhammar', path: '/packad', what: 'gzip-bomb' },
  { slug: 'snurrby', path: '/kedja/', what: 'omdirigeringskedja' },
  { slug: 'snurrby', path: '/a', what: 'omdirigeringsslinga' },
  { slug: 'lankeberg', path: '/a-o', what: '20 000 länkar' },
  { slug: 'kalenderby', path: '/kalender', what: 'oändlig kalender' },
  { slug: 'robotstad', path: '/robots.txt', what: 'robots.txt på 5 MB' },
  { slug: 'serverfel', path: '/robots.txt', what: 'robots.txt svarar 500' },
  { slug: 'kovik', path: '/omsorg/hemtjanst/', what: '429 med Retry-After' },
  { slug: 'binarby', path: '/bilaga', what: 'binärt som text/html' },
  { slug: 'fallby', path: '/gammal-sida', what: 'omdirigering till 127.0.0.3' },
];

function option(name: string, fallback: number): number {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!(n > 0)) {
    console.error(`Fel: ${name} ska följas av ett positivt tal, t.ex. ${name} ${fallback}`);
    process.exit(2);
  }
  return n;
}

const minutes = option('--minutes', 5);
const intervalS = option('--interval', 15);
const tolerance = option('--tolerance', 20);
const screenshots = process.argv.includes('--screenshots');

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const mib = (b: number) => `${Math.round(b / 1024 / 1024)} MiB`;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Round {
  round: number;
  seconds: number;
  code: number;
  missed: string[];
  peakRss: number;
  peakPss: number;
  /** granska's own RSS and JavaScript heap after the round, after a garbage collection. */
  selfRss: number;
  heap: number;
}

const work = await mkdtemp(join(tmpdir(), 'granska-soak-'));
/**
 * Both webs are copied once, so that every round serves the same sites even while someone edits
 * test/fixtures; a site folder that does not load (being written) is left out, and said so.
 */
const root = join(work, 'fixtures');
for (const name of ['hostile', 'web']) {
  const from = join(import.meta.dirname, '..', 'test', 'fixtures', name);
  for (const slug of await listSiteSlugs(from)) {
    try {
      await loadSite(from, slug);
      await cp(join(from, slug), join(root, name, slug), { recursive: true });
    } catch (e) {
      console.error(`Varning: ${join(from, slug)} går inte att läsa och lämnas utanför soaken: ${(e as Error).message.split('\n')[0]}`);
    }
  }
}
const sampler = new TreeSampler();
sampler.start();
const t0 = Date.now();
const seconds = () => Math.round((Date.now() - t0) / 1000);
let overallRss = 0;
let overallPss = 0;
let current = 0;
const ticker = setInterval(() => {
  const now = sampler.current;
  overallRss = Math.max(overallRss, sampler.peakRss);
  overallPss = Math.max(overallPss, sampler.peakPss);
  console.log(
    `${seconds()} s, omgång ${current}: nu ${mib(now.rss)} RSS, ${mib(now.pss)} PSS i ${now.processes} processer (granska ${mib(now.selfRss)}); ` +
      `topp hittills ${mib(overallRss)} RSS, ${mib(overallPss)} PSS`,
  );
}, intervalS * 1000);

const rounds: Round[] = [];
gc();
console.log(`Före första omgången: granska ${mib(process.memoryUsage().rss)} RSS, heap ${mib(process.memoryUsage().heapUsed)}.`);
console.log(
  `Soak: den fientliga webben och fixturwebben granskas tillsammans med --exhaustive${screenshots ? ' och skärmbilder' : ''}, om och om igen i ${minutes} min; minnet skrivs ut var ${intervalS}:e sekund.`,
);
try {
  for (let round = 1; Date.now() - t0 < minutes * 60_000; round++) {
    current = round;
    const started = Date.now();
    let hostile: FixtureWeb | undefined;
    let normal: FixtureWeb | undefined;
    const out = join(work, `omgang-${round}`);
    let code: number;
    let missed: string[];
    sampler.peakRss = 0;
    sampler.peakPss = 0;
    try {
      hostile = await startFixtureWeb({ root: join(root, 'hostile') });
      normal = await startFixtureWeb({ root: join(root, 'web') });
      const registry = join(work, 'kommuner.csv');
      const csv = [normal, hostile].map((w) => w.registryCsv().trim().split('\n')).flatMap((lines, i) => (i === 0 ? lines : lines.slice(1)));
      await writeFile(registry, `${csv.join('\n')}\n`);
      const args = ['audit', '--kommuner', registry, '--out', out, '--allow-private', '--exhaustive', '--quiet', '--request-timeout', '5', '--site-timeout', '60', '--concurrency', '8'];
      if (!screenshots) args.push('--no-screenshots');
      code = await main(args, { out: () => {}, err: (s) => console.error(s) });
      const log = hostile.log;
      missed = TRAPS.filter((t) => {
        const site = hostile!.sites.find((s) => s.slug === t.slug);
        return !site || !log.some((e) => e.site === t.slug && e.path.startsWith(t.path));
      }).map((t) => `${t.slug} ${t.path} (${t.what})`);
      if (hostile.trapHits.length + normal.trapHits.length > 0) missed.push('en fälla på 127.0.0.2/127.0.0.3 nåddes');
    } finally {
      await hostile?.close();
      await normal?.close();
      await rm(out, { recursive: true, force: true });
    }
    sampler.sample();
    const peakRss = sampler.peakRss;
    const peakPss = sampler.peakPss;
    overallRss = Math.max(overallRss, peakRss);
    overallPss = Math.max(overallPss, peakPss);
    gc();
    sampler.sample();
    const r: Round = { round, seconds: Math.round((Date.now() - started) / 1000), code, missed, peakRss, peakPss, selfRss: sampler.current.selfRss, heap: process.memoryUsage().heapUsed };
    rounds.push(r);
    console.log(
      `Omgång ${round}: slutkod ${code} efter ${r.seconds} s; fällor nådda ${TRAPS.length - missed.length} av ${TRAPS.length}${missed.length ? ` (inte: ${missed.join(', ')})` : ''}; ` +
        `topp ${mib(peakRss)} RSS, ${mib(peakPss)} PSS; granska efter omgången ${mib(r.selfRss)} RSS, heap ${mib(r.heap)}`,
    );
  }
} finally {
  clearInterval(ticker);
  sampler.stop();
  await rm(work, { recursive: true, force: true });
}

console.log('\n| omgång | tid | slutkod | fällor nådda | topp RSS (granska + Chromium) | topp PSS | granska RSS efter | heap efter GC |\n|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rounds) console.log(`| ${r.round} | ${r.seconds} s | ${r.code} | ${TRAPS.length - r.missed.length}/${TRAPS.length} | ${mib(r.peakRss)} | ${mib(r.peakPss)} | ${mib(r.selfRss)} | ${mib(r.heap)} |`);

let exit = 0;
const failed = rounds.filter((r) => r.code !== 0);
if (failed.length) {
  console.log(`\nFel: ${failed.length} omgång(ar) slutade inte med slutkod 0 (${failed.map((r) => `omgång ${r.round}: ${r.code}`).join(', ')}).`);
  exit = 1;
}
const missedAny = rounds.filter((r) => r.missed.length);
if (missedAny.length) {
  console.log(`\nFel: alla fällor nåddes inte i ${missedAny.map((r) => `omgång ${r.round}`).join(', ')}; soaken prövade inte allt den ska.`);
  exit = 1;
}

const measured = rounds.slice(1);
if (measured.length < 2) {
  console.log(`\nFör kort för ett utlåtande om minnet: ${rounds.length} omgång(ar), minst 3 behövs (den första räknas som uppvärmning). Kör längre, t.ex. --minutes ${Math.max(3, Math.ceil((minutes * 3) / Math.max(1, rounds.length)))}.`);
  process.exit(2);
}
const third = Math.max(1, Math.floor(measured.length / 3));
const early = measured.slice(0, third);
const late = measured.slice(-third);
const pssOrRss = (r: Round) => (r.peakPss > 0 ? r.peakPss : r.peakRss);
const metrics: Array<[string, (r: Round) => number]> = [
  [`toppminne per omgång (${rounds[0]!.peakPss > 0 ? 'PSS' : 'RSS'}, granska + Chromium)`, pssOrRss],
  ['granskas RSS efter omgången', (r) => r.selfRss],
  ['granskas heap efter GC', (r) => r.heap],
];
const span = (rs: Round[]) => (rs.length === 1 ? `omgång ${rs[0]!.round}` : `omgång ${rs[0]!.round}–${rs.at(-1)!.round}`);
console.log(`\nMinnet, ${span(late)} mot ${span(early)} (medianer; omgång 1 är uppvärmning):`);
const grew: string[] = [];
for (const [name, of] of metrics) {
  const a = median(early.map(of));
  const b = median(late.map(of));
  const pct = a > 0 ? (100 * (b - a)) / a : 0;
  const over = pct > tolerance && b - a > NOISE_FLOOR;
  if (over) grew.push(name);
  console.log(`  ${name}: ${mib(a)} → ${mib(b)} (${pct >= 0 ? '+' : ''}${pct.toFixed(1)} %)${over ? ' ← växer' : ''}`);
}
if (grew.length) {
  console.log(`\nMinnet växte: ${grew.join(', ')} ökade mer än toleransen ${tolerance} % (och mer än ${mib(NOISE_FLOOR)}).`);
  exit = 1;
} else {
  console.log(`\nMinnet höll sig stabilt: inget av måtten ökade mer än toleransen ${tolerance} % (eller mer än ${mib(NOISE_FLOOR)}) över ${rounds.length} omgångar på ${Math.round((Date.now() - t0) / 1000)} s.`);
}
process.exit(exit);
