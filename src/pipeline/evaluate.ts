/**
 * Re-judges stored snapshots with the current rules, without any network access: change a rule,
 * re-judge last spring's crawl.
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RuleSet } from '../rules/loader.ts';
import { locateSnapshotRoot } from '../snapshot/location.ts';
import { listSnapshots, readSnapshot } from '../snapshot/store.ts';
import { writeHtmlReportOrWarn } from '../report/html/render.ts';
import { writeTablesOrWarn } from '../report/tables.ts';
import { judgeKommun, type JudgedKommun } from './judge.ts';
import { writeResults, type RunInfo } from './results.ts';

export class EvaluateInputError extends Error {}

/** Accepts the snapshot folder itself or an audit's --out folder (its snapshots/ or the folder its snapshots.json names). */
export async function resolveSnapshotRoot(dir: string): Promise<string> {
  for (const candidate of [dir, await locateSnapshotRoot(dir)]) {
    try {
      await access(join(candidate, 'run.json'));
      return candidate;
    } catch {
      /* next */
    }
  }
  throw new EvaluateInputError(`${dir} innehåller inga sparade ögonblicksbilder (run.json saknas). Ange mappen som en granskning skrev (--out) eller dess undermapp snapshots/.`);
}

export async function runEvaluate(opts: { snapshots: string; out: string; rules: RuleSet; log: (line: string) => void }): Promise<{ resultsFile: string; kommuner: JudgedKommun[] }> {
  const root = await resolveSnapshotRoot(opts.snapshots);
  const run = JSON.parse(await readFile(join(root, 'run.json'), 'utf8')) as RunInfo;
  const complete = new Set(await listSnapshots(root));
  const judged: JudgedKommun[] = [];
  for (const k of run.kommuner) {
    if (!complete.has(k.kommunkod)) {
      opts.log(`${k.kommunkod} ${k.namn}: ingen fullständig ögonblicksbild, hoppas över`);
      continue;
    }
    const snapshot = await readSnapshot(root, k.kommunkod);
    if (snapshot) judged.push(await judgeKommun(snapshot, opts.rules));
  }
  if (judged.length === 0) throw new EvaluateInputError(`Inga fullständiga ögonblicksbilder i ${root}.`);
  const resultsFile = await writeResults(opts.out, { ...run, rulesVersion: opts.rules.version }, judged, opts.rules);
  // The same report and tables as an audit writes; screenshots stay with the audit's folder.
  await writeHtmlReportOrWarn(opts.out, { rules: opts.rules }, opts.log);
  await writeTablesOrWarn(opts.out, {}, opts.log);
  return { resultsFile, kommuner: judged };
}
