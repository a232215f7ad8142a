/** What a run's results must keep whatever happened to the run (an interruption, half-written files). */
import type { Results } from '../../src/report/results-schema.ts';

/** Drops every timestamp (…At keys) at any depth: the only thing an interruption may change. */
function withoutTimes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimes);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => !/At$/.test(k)).map(([k, v]) => [k, withoutTimes(v)]));
}

/**
 * What must not depend on the interruption: statuses, scores, ranks, pages fetched, and per
 * criterion the status, points, reason, every evidence entry (URL, clicks, click path, excerpt,
 * snapshot hash) and the trail of a fail, timestamps aside.
 */
export function essence(r: Results) {
  return r.kommuner.map((k) => ({
    kommunkod: k.kommunkod,
    status: k.status,
    score: k.score,
    rank: k.rank,
    reason: k.reason,
    pagesFetched: k.pagesFetched,
    criteria: k.criteria.map((c) => ({
      id: c.id,
      status: c.status,
      points: c.points,
      reason: c.reason,
      evidence: c.evidence.map((e) => ({ url: e.url, clicks: e.clicks, path: e.path, excerpt: e.excerpt, snapshot: e.snapshot })),
      trail: withoutTimes((c as { trail?: unknown }).trail ?? null),
    })),
  }));
}
