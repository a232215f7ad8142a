/**
 * Provenance of a run, as every evidence bundle carries it (EDPS website-evidence-collector):
 * which tool and rules judged, with which browser and User-Agent, in which run, when. Read from
 * DIR/results.json's `run` when the run has finished, else from DIR/snapshots/run.json (the WARC
 * of a kommun is written while the run is still going).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { locateSnapshotRoot } from '../snapshot/location.ts';
import { TOOL } from '../tool.ts';

export interface Provenance {
  tool: { name: string; version: string; homepage: string };
  rulesVersion: string | null;
  /** The headless Chromium that rendered pages, when one was started and the run has finished. */
  browser: string | null;
  userAgent: string | null;
  run: { id: string | null; startedAt: string | null; finishedAt: string | null };
  /** Where the evidence comes from, relative to the run folder. */
  source: { results: string; snapshots: string };
}

interface RunLike {
  id?: unknown;
  startedAt?: unknown;
  finishedAt?: unknown;
  tool?: { name?: unknown; version?: unknown };
  userAgent?: unknown;
  rulesVersion?: unknown;
  browser?: unknown;
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * The provenance of the run in `dir`. results.json counts only when it belongs to the same run
 * as snapshots/run.json (a folder continued after an interruption may hold an older one).
 */
export async function readProvenance(dir: string): Promise<Provenance> {
  const snapRun = ((await readJson(join(await locateSnapshotRoot(dir), 'run.json'))) ?? {}) as RunLike;
  const results = (await readJson(join(dir, 'results.json'))) as { run?: RunLike } | null;
  let run: RunLike = snapRun;
  if (results?.run && (snapRun.id === undefined || results.run.id === snapRun.id)) run = { ...snapRun, ...results.run };
  return {
    tool: {
      name: str(run.tool?.name) ?? TOOL.name,
      version: str(run.tool?.version) ?? TOOL.version,
      homepage: TOOL.homepage,
    },
    rulesVersion: str(run.rulesVersion),
    browser: str(run.browser),
    userAgent: str(run.userAgent),
    run: { id: str(run.id), startedAt: str(run.startedAt), finishedAt: str(run.finishedAt) },
    source: { results: 'results.json', snapshots: 'snapshots/' },
  };
}
