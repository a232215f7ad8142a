/** Assembles and writes DIR/results.json (design.md's contract), validated before it is written. */
import { join } from 'node:path';
import { ResultsSchema, type Results } from '../report/results-schema.ts';
import type { RuleSet } from '../rules/loader.ts';
import { rankByScore } from '../score/score.ts';
import { writeJsonAtomic } from '../util/atomic-write.ts';
import type { JudgedKommun } from './judge.ts';

export interface RunInfo {
  id: string;
  startedAt: string;
  finishedAt: string;
  tool: { name: string; version: string };
  userAgent: string;
  rulesVersion: string;
  browser?: string;
  kommuner: Array<{ kommunkod: string; namn: string; webbplats: string }>;
}

export function assembleResults(run: RunInfo, judged: JudgedKommun[], rules: RuleSet): Results {
  const ranks = rankByScore(judged);
  const results = {
    run: {
      id: run.id,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      tool: run.tool,
      rules: rules.rules.map((r) => ({ id: r.id, weight: r.weight, title: r.title })),
      rulesVersion: rules.version,
      userAgent: run.userAgent,
      ...(run.browser ? { browser: run.browser } : {}),
    },
    kommuner: judged.map((k) => ({ ...k, rank: ranks.get(k) ?? null })),
  };
  const checked = ResultsSchema.safeParse(results);
  if (!checked.success) throw new Error(`results.json blev ogiltig (ett programfel): ${checked.error.message}`);
  return checked.data;
}

export async function writeResults(out: string, run: RunInfo, judged: JudgedKommun[], rules: RuleSet): Promise<string> {
  const file = join(out, 'results.json');
  await writeJsonAtomic(file, assembleResults(run, judged, rules));
  return file;
}
