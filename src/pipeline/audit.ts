/**
 * The audit: crawl every kommun politely into the snapshot store, judge each from its snapshot,
 * score and rank, write results.json. Kommuner run in parallel and fail alone; each finished
 * kommun is on disk at once, so a crash loses only the kommuner in progress.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import PQueue from 'p-queue';
import { AddressGuard } from '../crawl/address-guard.ts';
import { ensureChromium } from '../crawl/browser.ts';
import { FetchFailure, Fetcher } from '../crawl/fetcher.ts';
import { HostScheduler } from '../crawl/host-scheduler.ts';
import { Renderer } from '../crawl/renderer.ts';
import { crawlDelayOf, isAllowedBy, RobotsCache } from '../crawl/robots.ts';
import { robotsFetchThrough } from '../crawl/robots-fetch.ts';
import { CrawlInterrupted, crawlKommun } from '../crawl/site-crawler.ts';
import { captureEvidence } from '../evidence/screenshots.ts';
import type { Kommun } from '../registry/registry.ts';
import type { RuleSet } from '../rules/loader.ts';
import { compileDefinitions } from '../rules/site-model.ts';
import { defaultSnapshotRoot, linkSnapshotRoot } from '../snapshot/location.ts';
import { readSnapshot } from '../snapshot/store.ts';
import { ROBOTS_TOKEN, TOOL, USER_AGENT } from '../tool.ts';
import { removeLeftoverTemporaryFiles, writeJsonAtomic } from '../util/atomic-write.ts';
import { isOutputFailure } from '../util/fs-errors.ts';
import { errorKommun, judgeKommun, type JudgedKommun } from './judge.ts';
import { writeResults, type RunInfo } from './results.ts';
import { archiveKommun } from '../snapshot/warc.ts';
import { writeHtmlReportOrWarn } from '../report/html/render.ts';
import { writeTablesOrWarn } from '../report/tables.ts';
import type { AuditEvent } from './events.ts';

export interface AuditOptions {
  kommuner: Kommun[];
  out: string;
  /** Where the crawl archive goes; default out/snapshots. Elsewhere, out/snapshots.json points to it. */
  snapshots?: string;
  rules: RuleSet;
  allowPrivate: boolean;
  insecure: boolean;
  maxPages: number;
  /**
   * Crawl up to maxPages even when no queued link looks relevant to a criterion (by default a
   * kommun's crawl stops there once a hemtjänst page is found).
   */
  exhaustive?: boolean;
  /** Kommuner crawled at once. */
  concurrency: number;
  perHost: number;
  siteTimeoutMs: number;
  requestTimeoutMs: number;
  /** false: never start the browser (pages that need JavaScript are read as fetched). */
  render: boolean;
  /** Read every HTML page in the browser, not only those that need JavaScript (the benchmark's comparison); needs `render`. */
  renderAll?: boolean;
  /** Start over instead of continuing an interrupted run in the same folder. */
  fresh: boolean;
  /** Evidence screenshots of every pass/partial (DIR/evidence/); default true, needs `render`. */
  screenshots?: boolean;
  log: (line: string) => void;
  /** Progress events (src/pipeline/events.ts): the status line, --json. */
  onEvent?: (event: AuditEvent) => void;
  /**
   * Ctrl-C: no new kommun starts, the running crawls stop at their next page and are left
   * incomplete (crawled again by the next run with the same --out); what is finished stays on
   * disk, results.json is not written, and runAudit throws AuditInterrupted.
   */
  signal?: AbortSignal;
}

/** The run was stopped by AuditOptions.signal; `done` are the kommuner whose results are on disk. */
export class AuditInterrupted extends Error {
  constructor(
    readonly done: Array<{ kommunkod: string; namn: string }>,
    readonly total: number,
    readonly out: string,
  ) {
    super(`Granskningen avbröts efter ${done.length} av ${total} kommuner`);
  }
}

export interface AuditOutcome {
  resultsFile: string;
  kommuner: JudgedKommun[];
  run: RunInfo;
  /** results.xlsx and results.csv; null when they could not be written (a warning was logged). */
  tables?: { xlsx: string; csv: string } | null;
}

export async function runAudit(opts: AuditOptions): Promise<AuditOutcome> {
  const snapshotRoot = opts.snapshots ?? defaultSnapshotRoot(opts.out);
  if (opts.fresh) await rm(snapshotRoot, { recursive: true, force: true });
  await mkdir(snapshotRoot, { recursive: true });
  await mkdir(opts.out, { recursive: true });
  await linkSnapshotRoot(opts.out, snapshotRoot);
  await removeLeftovers(opts.out, snapshotRoot);

  const earlier = opts.fresh ? null : await readRunFile(snapshotRoot);
  const run: RunInfo = {
    id: earlier?.id ?? randomUUID(),
    startedAt: earlier?.startedAt ?? new Date().toISOString(),
    finishedAt: '',
    tool: { name: TOOL.name, version: TOOL.version },
    userAgent: USER_AGENT,
    rulesVersion: opts.rules.version,
    kommuner: opts.kommuner.map((k) => ({ kommunkod: k.kommunkod, namn: k.namn, webbplats: k.webbplats })),
  };
  await writeJsonAtomic(join(snapshotRoot, 'run.json'), run);

  const scheduler = new HostScheduler({ perHostConcurrency: opts.perHost, globalConcurrency: Math.max(8, opts.concurrency * opts.perHost * 2) });
  const guard = new AddressGuard({ allowPrivate: opts.allowPrivate, registryHosts: opts.kommuner.map((k) => k.webbplats) });
  const robotsFetcher = new Fetcher({ userAgent: USER_AGENT, guard, scheduler, insecureTls: opts.insecure });
  const robots = new RobotsCache(robotsFetchThrough(robotsFetcher, { timeoutMs: opts.requestTimeoutMs }), ROBOTS_TOKEN);
  const delaysSet = new Set<string>();
  const fetcher = new Fetcher({
    userAgent: USER_AGENT,
    timeoutMs: opts.requestTimeoutMs,
    guard,
    scheduler,
    insecureTls: opts.insecure,
    // Every hop of every fetch, the browser's included, asks robots.txt first.
    beforeHop: async (url) => {
      if (url.pathname === '/robots.txt') return;
      const policy = await robots.policyFor(url);
      const delay = crawlDelayOf(policy);
      if (delay && !delaysSet.has(url.origin)) {
        delaysSet.add(url.origin);
        scheduler.setCrawlDelay(url.origin, delay);
      }
      if (!isAllowedBy(policy, url.href)) throw new FetchFailure('disallowed', url.href);
    },
  });
  let browserWarned = false;
  const renderer = new Renderer({
    executablePath: () => {
      try {
        return ensureChromium(opts.log);
      } catch (e) {
        if (!browserWarned) opts.log(`Varning: ${(e as Error).message} Sidor som kräver JavaScript läses utan webbläsare.`);
        browserWarned = true;
        throw e;
      }
    },
    fetcher,
    userAgent: USER_AGENT,
    timeoutMs: opts.requestTimeoutMs,
  });

  const definitions = compileDefinitions(opts.rules.definitions);
  const judged = new Map<string, JudgedKommun>();
  const queue = new PQueue({ concurrency: opts.concurrency });
  // Pictures, results and archive of crawled kommuner; the renderer's slots bound the browser work.
  // Four kommuner at a time, two pages each, for the renderer's four evidence slots: a page mostly waits
  // on the site (each asset through the polite fetcher), so more pages than cores keep both busy.
  const evidenceQueue = new PQueue({ concurrency: 4 });
  const finishing: Promise<void>[] = [];
  // Our own disk failing stops everything under way, so that nothing is left writing when the run returns.
  let outputFailure: unknown = null;
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  // Not queue.clear(): p-queue never settles the promise of a task it drops, and the run would wait
  // on it for ever. Every task still queued starts, sees the signal and returns at once.
  const stopAll = (e: unknown) => {
    outputFailure ??= e;
    stop.abort();
  };
  let done = 0;
  const total = opts.kommuner.length;
  const t0 = Date.now();
  opts.onEvent?.({ event: 'run-start', runId: run.id, total, out: opts.out });

  try {
    await Promise.all(
      opts.kommuner.map((kommun) =>
        queue.add(async () => {
          if (signal.aborted) return;
          const started = Date.now();
          opts.onEvent?.({ event: 'kommun-start', kommunkod: kommun.kommunkod, namn: kommun.namn, webbplats: kommun.webbplats });
          let result: JudgedKommun;
          let reused = false;
          try {
            let snapshot = await readSnapshot(snapshotRoot, kommun.kommunkod);
            if (snapshot) {
              reused = true;
            } else {
              const session = opts.render ? renderer.session() : null;
              try {
                await crawlKommun(
                  kommun,
                  { fetcher, robots, render: session, ...(opts.renderAll ? { renderAll: true } : {}), definitions, searchQuery: opts.rules.definitions.searchQuery, userAgent: USER_AGENT },
                  { snapshotRoot, maxPages: opts.maxPages, siteTimeoutMs: opts.siteTimeoutMs, pageConcurrency: Math.max(2, opts.perHost * 2), ...(opts.exhaustive ? { exhaustive: true } : {}), signal, onPage: (kommunkod, url) => opts.onEvent?.({ event: 'page', kommunkod, url }) },
                );
              } finally {
                await session?.close();
              }
              snapshot = await readSnapshot(snapshotRoot, kommun.kommunkod);
            }
            result = snapshot ? await judgeKommun(snapshot, opts.rules) : internalError(kommun, opts.rules, 'ögonblicksbilden kunde inte läsas');
          } catch (e) {
            // Interrupted (Ctrl-C, or the run stopping on a full disk): nothing is written for this kommun; the next run crawls it again.
            if (e instanceof CrawlInterrupted) return;
            // Our own disk failing is no fault of the website: stop the run, keep what is written.
            if (isOutputFailure(e)) {
              stopAll(e);
              return;
            }
            result = internalError(kommun, opts.rules, (e as Error).message ?? String(e));
          }
          // The kommun's crawl slot is free now: its pictures are taken while other kommuner are crawled.
          finishing.push(
            evidenceQueue.add(async () => {
              let evidenceLog = '';
              // Screenshots need the browser: not when it could not be started (the warning is in the log).
              if (opts.render && opts.screenshots !== false && !browserWarned && result.status === 'audited' && !signal.aborted) {
                const shotsStarted = Date.now();
                try {
                  const shots = await captureEvidence(result, { outDir: opts.out, renderer, signal });
                  // Always in seconds: the benchmark (bench/national.ts) reads this from the log.
                  evidenceLog = `; skärmbilder: ${shots.shots.filter((s) => s.file).length} på ${(shots.ms / 1000).toFixed(1)} s`;
                } catch (e) {
                  if (isOutputFailure(e)) throw e;
                  evidenceLog = `; skärmbilderna kunde inte tas (${(e as Error).message ?? String(e)}) efter ${secs(Date.now() - shotsStarted)}`;
                }
              }
              // Interrupted while taking pictures: as for the crawl, nothing is written; the next run judges the stored snapshot again.
              if (signal.aborted) return;
              await writeJsonAtomic(join(opts.out, 'kommuner', `${kommun.kommunkod}.json`), result);
              await archiveKommun(opts.out, kommun.kommunkod, opts.log);
              judged.set(kommun.kommunkod, result);
              done++;
              const what = result.status === 'error' ? `ej granskad: ${result.reason}` : `${result.score} poäng, ${result.pagesFetched} sidor`;
              opts.log(`[${done}/${total}] ${kommun.kommunkod} ${kommun.namn}: ${what}${reused ? ' (från tidigare körning)' : ''} (${secs(Date.now() - started)}${evidenceLog})`);
              opts.onEvent?.({ event: 'kommun-done', kommunkod: kommun.kommunkod, namn: kommun.namn, status: result.status, score: result.score, reason: result.reason, pagesFetched: result.pagesFetched, reused, ms: Date.now() - started, done, total });
            }).catch((e: unknown) => {
              // Our own disk failing is no fault of the website: stop the run, keep what is written.
              stopAll(e);
            }),
          );
        }),
      ),
    );
    await Promise.all(finishing);
    if (outputFailure) throw outputFailure;
  } finally {
    // The version is asked before closing: a closed renderer has no browser to ask.
    run.browser = (await renderer.version().catch(() => null)) ?? undefined;
    await renderer.close();
    await Promise.allSettled([fetcher.close(), robotsFetcher.close()]);
  }

  if (opts.signal?.aborted && judged.size < opts.kommuner.length) {
    const done = opts.kommuner.filter((k) => judged.has(k.kommunkod)).map((k) => ({ kommunkod: k.kommunkod, namn: k.namn }));
    throw new AuditInterrupted(done, opts.kommuner.length, opts.out);
  }
  run.finishedAt = new Date().toISOString();
  const ordered = opts.kommuner.map((k) => judged.get(k.kommunkod)!);
  const resultsFile = await writeResults(opts.out, run, ordered, opts.rules);
  await writeHtmlReportOrWarn(opts.out, { rules: opts.rules, kommuner: opts.kommuner }, opts.log);
  const tables = await writeTablesOrWarn(opts.out, { kommuner: opts.kommuner }, opts.log);
  opts.log(`Klart på ${secs(Date.now() - t0)}.`);
  opts.onEvent?.({ event: 'run-done', resultsFile, tables, audited: ordered.filter((k) => k.status === 'audited').length, errors: ordered.filter((k) => k.status === 'error').length, ms: Date.now() - t0 });
  return { resultsFile, kommuner: ordered, run, tables };
}

function internalError(kommun: Kommun, rules: RuleSet, message: string): JudgedKommun {
  const now = new Date().toISOString();
  return errorKommun({ ...kommun, pagesFetched: 0, startedAt: now, finishedAt: now }, rules, `Granskningen av webbplatsen avbröts av ett internt fel: ${message}`);
}

/**
 * A run killed between writing a file and renaming it into place leaves `<file>.<pid>.<time>.tmp`
 * behind. Such files are never read (a kommun counts as done by its crawl.json, results by the
 * renamed file); they are removed so that they do not pile up in a folder that is run again.
 */
async function removeLeftovers(out: string, snapshotRoot: string): Promise<void> {
  const dirs = [out, join(out, 'kommuner'), join(out, 'warc'), snapshotRoot];
  try {
    for (const entry of await readdir(snapshotRoot, { withFileTypes: true })) if (entry.isDirectory()) dirs.push(join(snapshotRoot, entry.name));
  } catch {
    /* no snapshots yet */
  }
  await Promise.all(dirs.map((d) => removeLeftoverTemporaryFiles(d)));
}

async function readRunFile(root: string): Promise<RunInfo | null> {
  try {
    return JSON.parse(await readFile(join(root, 'run.json'), 'utf8')) as RunInfo;
  } catch {
    return null;
  }
}

function secs(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
