/**
 * `npm run bench`: audits a synthetic national web (bench/national-web.ts; 290 fictional kommun
 * sites by default) in-process with runAudit, as `granska audit` would, and prints wall time,
 * pages fetched (plain / rendered), pages per second, evidence screenshots, the peak memory of the
 * whole process tree (granska + Chromium: PSS, and summed RSS), CPU seconds and the slowest
 * kommuner, as Markdown.
 *
 *   npm run bench -- [--kommuner N] [--latency MS] [--seed S] [--no-screenshots]
 *                    [--compare browser] [--concurrency N] [--per-host N] [--max-pages N]
 *                    [--exhaustive] [--out DIR] [--verbose]
 *
 * The synthetic web runs in a child process of its own (excluded from the figures), so that its
 * CPU and memory are not counted as granska's and serving does not compete with the audit's
 * event loop. Speed targets live here, never in the tests.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAudit } from '../src/pipeline/audit.ts';
import type { Kommun } from '../src/registry/registry.ts';
import { loadRules } from '../src/rules/loader.ts';
import { startNationalWeb, type NationalSite, type NationalWebOptions } from './national-web.ts';

export interface BenchOptions {
  kommuner: Kommun[];
  /** Where the audit writes; default a temporary folder, removed afterwards. */
  out?: string;
  screenshots: boolean;
  /** Every page through the browser (the `--compare browser` run). */
  renderAll?: boolean;
  concurrency?: number;
  perHost?: number;
  maxPages?: number;
  /** Crawl to the page budget (granska audit --exhaustive). */
  exhaustive?: boolean;
  /** Processes not to count (the synthetic web's own process). */
  excludePids?: number[];
  log?: (line: string) => void;
}

export interface BenchReport {
  kommuner: number;
  audited: number;
  errors: number;
  screenshotsOn: boolean;
  renderAll: boolean;
  wallMs: number;
  pagesFetched: number;
  pagesPlain: number;
  pagesRendered: number;
  pagesPerSecond: number;
  /** PNG files written to DIR/evidence. */
  screenshots: number;
  /** Sum of the per-kommun screenshot times the audit logged (they overlap across kommuner). */
  screenshotSeconds: number;
  /** Peak of the summed VmRSS of this process and all its descendants (shared pages counted in each). */
  peakRssBytes: number;
  /** Peak of the summed PSS of the tree (shared pages counted once). */
  peakPssBytes: number;
  /** Peak VmRSS of granska's own process. */
  peakSelfRssBytes: number;
  /** Peak number of processes in the tree. */
  peakProcesses: number;
  cpu: { granskaSeconds: number; childrenSeconds: number; totalSeconds: number };
  slowest: Array<{ kommunkod: string; namn: string; seconds: number; pages: number; rendered: number }>;
}

// ---------------------------------------------------------------------------------------------
// Process tree sampling (/proc)
// ---------------------------------------------------------------------------------------------

const CLK_TCK = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime, in clock ticks. */
  ticks: number;
  /** cutime + cstime: waited-for children, in clock ticks. */
  childTicks: number;
}

function readStat(pid: number | 'self'): ProcStat | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: split after its last ')'.
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    const num = (i: number): number => Number(rest[i - 3]);
    return { pid: Number(s.slice(0, s.indexOf(' '))), ppid: num(4), ticks: num(14) + num(15), childTicks: num(16) + num(17) };
  } catch {
    return null;
  }
}

function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Proportional set size: each shared page counted once across the processes that share it. */
function pssBytes(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** This process and its descendants, without `exclude` and theirs. */
function processTree(root: number, exclude: ReadonlySet<number>): ProcStat[] {
  const all: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name));
    if (st) all.push(st);
  }
  const children = new Map<number, ProcStat[]>();
  for (const st of all) children.set(st.ppid, [...(children.get(st.ppid) ?? []), st]);
  const out: ProcStat[] = [];
  const rootStat = all.find((s) => s.pid === root);
  const stack = rootStat ? [rootStat] : [];
  while (stack.length) {
    const st = stack.pop()!;
    if (exclude.has(st.pid)) continue;
    out.push(st);
    stack.push(...(children.get(st.pid) ?? []));
  }
  return out;
}

export class TreeSampler {
  peakRss = 0;
  /** Peak of the summed PSS: the tree's real memory, shared pages counted once. */
  peakPss = 0;
  /** Peak VmRSS of granska's own process. */
  peakSelfRss = 0;
  peakProcesses = 0;
  /** The latest sample: the tree's memory now (summed RSS, summed PSS, granska's own RSS) and its size. */
  current = { rss: 0, pss: 0, selfRss: 0, processes: 0 };
  /** Last CPU ticks seen per descendant (they vanish when Chromium closes). */
  private readonly ticks = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  private readonly exclude: Set<number>;

  constructor(exclude: number[] = []) {
    this.exclude = new Set(exclude);
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), 500);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.sample();
  }

  /** CPU seconds of the descendants seen alive (not this process). */
  descendantSeconds(): number {
    let t = 0;
    for (const v of this.ticks.values()) t += v;
    return t / CLK_TCK;
  }

  sample(): void {
    const tree = processTree(process.pid, this.exclude);
    let rss = 0;
    let pss = 0;
    let selfRss = 0;
    for (const st of tree) {
      const r = rssBytes(st.pid);
      rss += r;
      pss += pssBytes(st.pid);
      if (st.pid === process.pid) {
        selfRss = r;
        this.peakSelfRss = Math.max(this.peakSelfRss, r);
      } else this.ticks.set(st.pid, st.ticks);
    }
    this.current = { rss, pss, selfRss, processes: tree.length };
    this.peakRss = Math.max(this.peakRss, rss);
    this.peakPss = Math.max(this.peakPss, pss);
    this.peakProcesses = Math.max(this.peakProcesses, tree.length);
  }
}

// ---------------------------------------------------------------------------------------------
// One measured audit
// ---------------------------------------------------------------------------------------------

async function countPng(dir: string): Promise<number> {
  try {
    const entries = await readdir(dir, { recursive: true });
    return entries.filter((e) => String(e).endsWith('.png')).length;
  } catch {
    return 0;
  }
}

export async function runBenchmark(opts: BenchOptions): Promise<BenchReport> {
  const out = opts.out ?? (await mkdtemp(join(tmpdir(), 'granska-bench-')));
  const rules = await loadRules();
  const sampler = new TreeSampler(opts.excludePids);
  const cpu0 = process.cpuUsage();
  const child0 = readStat('self')?.childTicks ?? 0;
  const ms = new Map<string, number>();
  let screenshotSeconds = 0;
  sampler.start();
  const t0 = performance.now();
  try {
    const outcome = await runAudit({
      kommuner: opts.kommuner,
      out,
      rules,
      allowPrivate: true,
      insecure: false,
      maxPages: opts.maxPages ?? 300,
      ...(opts.exhaustive ? { exhaustive: true } : {}),
      concurrency: opts.concurrency ?? 6,
      perHost: opts.perHost ?? 2,
      siteTimeoutMs: 900_000,
      requestTimeoutMs: 20_000,
      render: true,
      ...(opts.renderAll ? { renderAll: true } : {}),
      screenshots: opts.screenshots,
      fresh: true,
      log: (line) => {
        const m = /skärmbilder: \d+ på ([\d.]+) s/.exec(line);
        if (m) screenshotSeconds += Number(m[1]);
        opts.log?.(line);
      },
      onEvent: (e) => {
        if (e.event === 'kommun-done') ms.set(e.kommunkod, e.ms);
      },
    });
    const wallMs = performance.now() - t0;
    sampler.stop();
    const cpu = process.cpuUsage(cpu0);
    const granskaSeconds = (cpu.user + cpu.system) / 1e6;
    // Chromium has exited and been waited for by now: its CPU is in our cutime/cstime. The
    // sampled figure is the fallback when it is larger (a process not yet reaped).
    const reaped = ((readStat('self')?.childTicks ?? child0) - child0) / CLK_TCK;
    const childrenSeconds = Math.max(reaped, sampler.descendantSeconds());
    const pagesFetched = outcome.kommuner.reduce((s, k) => s + k.pagesFetched, 0);
    const pagesRendered = outcome.kommuner.reduce((s, k) => s + (k.pagesRendered ?? 0), 0);
    return {
      kommuner: opts.kommuner.length,
      audited: outcome.kommuner.filter((k) => k.status === 'audited').length,
      errors: outcome.kommuner.filter((k) => k.status === 'error').length,
      screenshotsOn: opts.screenshots,
      renderAll: opts.renderAll === true,
      wallMs,
      pagesFetched,
      pagesPlain: pagesFetched - pagesRendered,
      pagesRendered,
      pagesPerSecond: pagesFetched / (wallMs / 1000),
      screenshots: await countPng(join(out, 'evidence')),
      screenshotSeconds,
      peakRssBytes: sampler.peakRss,
      peakPssBytes: sampler.peakPss,
      peakSelfRssBytes: sampler.peakSelfRss,
      peakProcesses: sampler.peakProcesses,
      cpu: { granskaSeconds, childrenSeconds, totalSeconds: granskaSeconds + childrenSeconds },
      slowest: outcome.kommuner
        .map((k) => ({ kommunkod: k.kommunkod, namn: k.namn, seconds: (ms.get(k.kommunkod) ?? 0) / 1000, pages: k.pagesFetched, rendered: k.pagesRendered ?? 0 }))
        .sort((a, b) => b.seconds - a.seconds)
        .slice(0, 5),
    };
  } finally {
    sampler.stop();
    if (!opts.out) await rm(out, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------------

const f1 = (n: number): string => n.toFixed(1);
const mib = (b: number): string => `${Math.round(b / 2 ** 20)} MiB`;
const wall = (ms: number): string => (ms < 120_000 ? `${f1(ms / 1000)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`);

export function markdownTable(reports: BenchReport[], labels: string[]): string {
  const rows: Array<[string, (r: BenchReport) => string, ((a: BenchReport, b: BenchReport) => number)?]> = [
    ['kommuner (audited / error)', (r) => `${r.kommuner} (${r.audited} / ${r.errors})`],
    ['wall time', (r) => wall(r.wallMs), (a, b) => b.wallMs / a.wallMs],
    ['pages fetched', (r) => String(r.pagesFetched)],
    ['… read plain / rendered in Chromium', (r) => `${r.pagesPlain} / ${r.pagesRendered}`],
    ['pages per second', (r) => f1(r.pagesPerSecond), (a, b) => b.pagesPerSecond / a.pagesPerSecond],
    ['evidence screenshots', (r) => (r.screenshotsOn ? `${r.screenshots} (${f1(r.screenshotSeconds)} s summed over kommuner)` : 'off')],
    ['peak memory (PSS), granska + Chromium', (r) => `${mib(r.peakPssBytes)} (${r.peakProcesses} processes)`, (a, b) => b.peakPssBytes / a.peakPssBytes],
    ['peak RSS summed over the processes', (r) => mib(r.peakRssBytes), (a, b) => b.peakRssBytes / a.peakRssBytes],
    ['… of which granska alone (RSS)', (r) => mib(r.peakSelfRssBytes), (a, b) => b.peakSelfRssBytes / a.peakSelfRssBytes],
    ['CPU s: granska / Chromium / total', (r) => `${f1(r.cpu.granskaSeconds)} / ${f1(r.cpu.childrenSeconds)} / ${f1(r.cpu.totalSeconds)}`, (a, b) => b.cpu.totalSeconds / a.cpu.totalSeconds],
  ];
  const withRatio = reports.length === 2;
  const head = `| | ${labels.join(' | ')} |${withRatio ? ' ratio |' : ''}\n|---|${labels.map(() => '---:').join('|')}|${withRatio ? '---:|' : ''}`;
  const body = rows.map(([name, fmt, ratio]) => `| ${name} | ${reports.map(fmt).join(' | ')} |${withRatio ? ` ${ratio ? `${ratio(reports[0]!, reports[1]!).toFixed(2)}×` : ''} |` : ''}`);
  return [head, ...body].join('\n');
}

export function slowestTable(r: BenchReport): string {
  return ['| kommun | time | pages (rendered) |', '|---|---:|---:|', ...r.slowest.map((s) => `| ${s.kommunkod} ${s.namn} | ${f1(s.seconds)} s | ${s.pages} (${s.rendered}) |`)].join('\n');
}

// ---------------------------------------------------------------------------------------------
// The synthetic web in a child process
// ---------------------------------------------------------------------------------------------

interface WebHandle {
  sites: NationalSite[];
  pid: number | null;
  requests(): Promise<number>;
  close(): Promise<void>;
}

async function forkWeb(opts: NationalWebOptions): Promise<WebHandle> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--serve-web', JSON.stringify(opts)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const sites = await new Promise<NationalSite[]>((res, rej) => {
    child.once('message', (m) => res((m as { sites: NationalSite[] }).sites));
    child.once('exit', (code) => rej(new Error(`the synthetic web exited (${code})`)));
  });
  const ask = (): Promise<number> =>
    new Promise((res) => {
      child.once('message', (m) => res((m as { requests: number }).requests));
      child.send('requests');
    });
  return {
    sites,
    pid: child.pid ?? null,
    requests: ask,
    close: async () => {
      const exited = new Promise((res) => child.once('exit', res));
      child.send('close');
      await exited;
    },
  };
}

async function serveWebChild(optsJson: string): Promise<void> {
  const web = await startNationalWeb(JSON.parse(optsJson) as NationalWebOptions);
  process.on('message', async (m) => {
    if (m === 'requests') process.send!({ requests: web.requests() });
    if (m === 'close') {
      await web.close();
      process.exit(0);
    }
  });
  // The benchmark killed or crashed: the web must not stay behind, holding its ports.
  process.on('disconnect', () => process.exit(0));
  process.send!({ sites: web.sites });
}

// ---------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------

function parseArgs(argv: string[]): { n: number; latency: number; seed: number; screenshots: boolean; compare: boolean; concurrency: number; perHost: number; maxPages: number; exhaustive: boolean; out?: string; verbose: boolean } {
  const a = { n: 290, latency: 50, seed: 2027, screenshots: true, compare: false, concurrency: 6, perHost: 2, maxPages: 300, exhaustive: false, verbose: false } as ReturnType<typeof parseArgs>;
  const num = (i: number, name: string): number => {
    const v = Number(argv[i]);
    if (!Number.isFinite(v) || v < 0) throw new Error(`${name} needs a number`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--kommuner') a.n = num(++i, arg);
    else if (arg === '--latency') a.latency = num(++i, arg);
    else if (arg === '--seed') a.seed = num(++i, arg);
    else if (arg === '--no-screenshots') a.screenshots = false;
    else if (arg === '--compare') {
      if (argv[++i] !== 'browser') throw new Error('--compare takes "browser"');
      a.compare = true;
    } else if (arg === '--concurrency') a.concurrency = num(++i, arg);
    else if (arg === '--per-host') a.perHost = num(++i, arg);
    else if (arg === '--max-pages') a.maxPages = num(++i, arg);
    else if (arg === '--exhaustive') a.exhaustive = true;
    else if (arg === '--out') a.out = argv[++i];
    else if (arg === '--verbose') a.verbose = true;
    else throw new Error(`unknown option ${arg}`);
  }
  return a;
}

async function main(argv: string[]): Promise<void> {
  const a = parseArgs(argv);
  const t0 = performance.now();
  const web = await forkWeb({ kommuner: a.n, seed: a.seed, latencyMs: a.latency });
  const sites = web.sites;
  const pages = sites.reduce((s, x) => s + x.pages, 0);
  process.stderr.write(
    `Synthetic web: ${sites.length} kommuner, ${pages} pages (${Math.min(...sites.map((s) => s.pages))}–${Math.max(...sites.map((s) => s.pages))} each), ` +
      `${sites.filter((s) => s.jsMenu).length} with JavaScript menus, ${sites.filter((s) => s.eservice).length} with an e-service host, ` +
      `${sites.filter((s) => s.crawlDelay).length} with Crawl-delay; latency ${a.latency} ms; generated in ${f1((performance.now() - t0) / 1000)} s\n`,
  );
  const log = a.verbose ? (l: string) => process.stderr.write(`${l}\n`) : (l: string) => (/^\[\d+\/\d+\]/.test(l) ? process.stderr.write(`${l}\n`) : undefined);
  const common = { kommuner: sites.map((s) => s.kommun), screenshots: a.screenshots, concurrency: a.concurrency, perHost: a.perHost, maxPages: a.maxPages, exhaustive: a.exhaustive, excludePids: web.pid ? [web.pid] : [], log };
  try {
    const reports: BenchReport[] = [];
    const labels: string[] = [];
    reports.push(await runBenchmark({ ...common, ...(a.out ? { out: join(resolve(a.out), 'fetch-first') } : {}) }));
    labels.push('fetch first, render when needed');
    const req1 = await web.requests();
    if (a.compare) {
      process.stderr.write('\nSecond run: every page rendered in the browser\n');
      reports.push(await runBenchmark({ ...common, renderAll: true, ...(a.out ? { out: join(resolve(a.out), 'render-all') } : {}) }));
      labels.push('every page in the browser');
    }
    const out: string[] = [];
    out.push(`\n### granska national benchmark: ${sites.length} kommuner, ${pages} pages on the synthetic web, latency ${a.latency} ms, concurrency ${a.concurrency}, per host ${a.perHost}, screenshots ${a.screenshots ? 'on' : 'off'}\n`);
    out.push(markdownTable(reports, labels));
    out.push(`\nRequests answered by the synthetic web (first run): ${req1}. Machine: ${(await import('node:os')).cpus().length} cores, Node ${process.version}.\n`);
    reports.forEach((r, i) => out.push(`\nSlowest kommuner (${labels[i]}):\n\n${slowestTable(r)}\n`));
    process.stdout.write(out.join('\n') + '\n');
  } finally {
    await web.close();
  }
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const i = process.argv.indexOf('--serve-web');
  if (i >= 0) await serveWebChild(process.argv[i + 1] ?? '{}');
  else
    await main(process.argv.slice(2)).catch((e: unknown) => {
      process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    });
}
