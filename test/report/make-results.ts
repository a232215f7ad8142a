/** Hand-made results.json for the tables and diff tests: small, valid, with the awkward cases. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ResultsSchema, type CriterionResult, type KommunResult, type Results } from '../../src/report/results-schema.ts';

export interface RuleDef {
  id: string;
  weight: number;
  title?: string;
}

export const RULES: RuleDef[] = [
  { id: 'ansokan', weight: 3, title: 'Hur man ansöker om hemtjänst' },
  { id: 'avgifter', weight: 2, title: 'Vad hemtjänst kostar' },
  { id: 'overklaga', weight: 1, title: 'Överklaga ett beslut om hemtjänst' },
];

const FACTOR = { pass: 1, partial: 0.5, fail: 0, manual: 0, error: 0 } as const;

export function criterion(rule: RuleDef, status: CriterionResult['status'], opts: { reason?: string; urls?: string[]; excerpt?: string; screenshot?: string } = {}): CriterionResult {
  return {
    id: rule.id,
    status,
    weight: rule.weight,
    points: rule.weight * FACTOR[status],
    reason: opts.reason ?? `Skäl för ${rule.id}: ${status}`,
    evidence: (opts.urls ?? (status === 'fail' || status === 'error' ? [] : [`https://www.exempel.se/${rule.id}`])).map((url) => ({
      url,
      clicks: 2,
      path: ['Omsorg', 'Hemtjänst'],
      excerpt: opts.excerpt ?? `…text om ${rule.id}…`,
      snapshot: 'sha256:00',
      capturedAt: '2026-03-01T10:00:00.000Z',
      ...(opts.screenshot ? { screenshot: opts.screenshot } : {}),
    })),
  };
}

export function audited(kommunkod: string, namn: string, statuses: Record<string, CriterionResult['status']>, rules: RuleDef[] = RULES, extra: Partial<Record<string, Parameters<typeof criterion>[2]>> = {}): KommunResult {
  const criteria = rules.map((r) => criterion(r, statuses[r.id] ?? 'pass', extra[r.id] ?? {}));
  const weight = criteria.reduce((s, c) => s + c.weight, 0);
  const points = criteria.reduce((s, c) => s + c.points, 0);
  return {
    kommunkod,
    namn,
    webbplats: `https://www.${kommunkod}.se/`,
    status: 'audited',
    score: Math.round((1000 * points) / weight) / 10,
    rank: null,
    reason: null,
    pagesFetched: 40,
    criteria,
  };
}

export function failed(kommunkod: string, namn: string, reason: string, rules: RuleDef[] = RULES): KommunResult {
  return {
    kommunkod,
    namn,
    webbplats: `https://www.${kommunkod}.se/`,
    status: 'error',
    score: null,
    rank: null,
    reason,
    pagesFetched: 0,
    criteria: rules.map((r) => ({ ...criterion(r, 'error'), reason })),
  };
}

/** A valid results object; ranks are computed here (ties share a rank). */
export function results(kommuner: KommunResult[], rules: RuleDef[] = RULES, runId = 'run-1'): Results {
  const scored = kommuner.filter((k) => k.score !== null).sort((a, b) => b.score! - a.score!);
  const ranked = kommuner.map((k) => {
    if (k.score === null) return k;
    const first = scored.findIndex((s) => s.score === k.score);
    return { ...k, rank: first + 1 };
  });
  return ResultsSchema.parse({
    run: {
      id: runId,
      startedAt: '2026-03-01T09:00:00.000Z',
      finishedAt: '2026-03-01T11:00:00.000Z',
      tool: { name: 'granska', version: '0.1.0' },
      rules: rules.map((r) => ({ id: r.id, weight: r.weight, title: r.title ?? r.id })),
      rulesVersion: `sha256:${runId}`,
      userAgent: 'granska/0.1.0 (+https://github.com/hemtjanstindex/granska)',
      browser: 'Chromium 140.0',
    },
    kommuner: ranked,
  });
}

export async function writeResultsDir(dir: string, r: Results): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'results.json'), `${JSON.stringify(r, null, 2)}\n`);
  return dir;
}
