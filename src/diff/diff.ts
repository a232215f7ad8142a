/**
 * What changed between two runs (two results.json), kommun by kommun: the score (old → new and
 * the difference), the status (granskad / ej granskad), and every criterion whose status changed,
 * with the evidence URLs on both sides. Works across rule versions: a criterion that only one run
 * has is "nytt" or "borttaget", a changed weight is reported once for the run.
 *
 * Kommuner are matched by kommunkod. What is not reported: a changed rank alone (one kommun
 * moving shifts many ranks), changed evidence under an unchanged status (pages are re-fetched
 * every run, so URLs, times and snapshots differ), changed webbplats or page counts.
 */
import type { CriterionResult, KommunResult, Results } from '../report/results-schema.ts';

export type CriterionStatus = CriterionResult['status'];
export type KommunStatus = KommunResult['status'];

export interface RunSide {
  /** The folder or file given on the command line. */
  source: string;
  id: string;
  startedAt: string;
  finishedAt: string;
  toolVersion: string;
  rulesVersion: string | null;
}

export interface RuleRef {
  id: string;
  title: string;
  weight: number;
}

export interface RuleChanges {
  added: RuleRef[];
  removed: RuleRef[];
  weightChanged: Array<{ id: string; title: string; oldWeight: number; newWeight: number }>;
}

export type CriterionChangeKind = 'changed' | 'added' | 'removed';

export interface CriterionChange {
  id: string;
  title: string;
  /** changed: in both runs with another status; added / removed: the criterion is only in the new / old run. */
  kind: CriterionChangeKind;
  oldStatus: CriterionStatus | null;
  newStatus: CriterionStatus | null;
  oldPoints: number | null;
  newPoints: number | null;
  oldUrls: string[];
  newUrls: string[];
}

export interface KommunDiff {
  kommunkod: string;
  namn: string;
  oldStatus: KommunStatus;
  newStatus: KommunStatus;
  oldScore: number | null;
  newScore: number | null;
  /** new − old, one decimal; null when either run has no score. */
  delta: number | null;
  oldRank: number | null;
  newRank: number | null;
  oldReason: string | null;
  newReason: string | null;
  /** Criteria whose status changed. Empty when the kommun is ej granskad in either run (every criterion is then "error"). */
  criteria: CriterionChange[];
}

export interface KommunOnce {
  kommunkod: string;
  namn: string;
  status: KommunStatus;
  score: number | null;
  reason: string | null;
}

export interface RunDiff {
  old: RunSide;
  new: RunSide;
  rules: RuleChanges;
  /** Kommuner in both runs with a change (score, status or a criterion), in the new run's order. */
  changed: KommunDiff[];
  /** How many kommuner are in both runs without a change. */
  unchanged: number;
  onlyOld: KommunOnce[];
  onlyNew: KommunOnce[];
}

function side(source: string, r: Results): RunSide {
  const v = r.run.rulesVersion;
  return {
    source,
    id: r.run.id,
    startedAt: r.run.startedAt,
    finishedAt: r.run.finishedAt,
    toolVersion: r.run.tool.version,
    rulesVersion: typeof v === 'string' && v ? v : null,
  };
}

function ruleRefs(r: Results): Map<string, RuleRef> {
  const map = new Map<string, RuleRef>();
  for (const rule of r.run.rules) map.set(rule.id, { id: rule.id, weight: rule.weight, title: typeof rule.title === 'string' ? rule.title : '' });
  // A criterion a kommun has that the run does not list (hand-edited files) still counts.
  for (const k of r.kommuner) for (const c of k.criteria) if (!map.has(c.id)) map.set(c.id, { id: c.id, weight: c.weight, title: '' });
  return map;
}

const urlsOf = (c: CriterionResult | undefined): string[] => [...new Set((c?.evidence ?? []).map((e) => e.url).filter(Boolean))];

function once(k: KommunResult): KommunOnce {
  return { kommunkod: k.kommunkod, namn: k.namn, status: k.status, score: k.score, reason: k.reason };
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

export function diffResults(oldRun: { source: string; results: Results }, newRun: { source: string; results: Results }): RunDiff {
  const a = oldRun.results;
  const b = newRun.results;
  const oldRules = ruleRefs(a);
  const newRules = ruleRefs(b);
  const title = (id: string): string => newRules.get(id)?.title || oldRules.get(id)?.title || '';

  const rules: RuleChanges = {
    added: [...newRules.values()].filter((r) => !oldRules.has(r.id)),
    removed: [...oldRules.values()].filter((r) => !newRules.has(r.id)),
    weightChanged: [...newRules.values()]
      .filter((r) => oldRules.has(r.id) && oldRules.get(r.id)!.weight !== r.weight)
      .map((r) => ({ id: r.id, title: r.title || oldRules.get(r.id)!.title, oldWeight: oldRules.get(r.id)!.weight, newWeight: r.weight })),
  };

  const oldByKod = new Map(a.kommuner.map((k) => [k.kommunkod, k]));
  const newKods = new Set(b.kommuner.map((k) => k.kommunkod));
  const changed: KommunDiff[] = [];
  let unchanged = 0;

  for (const nk of b.kommuner) {
    const ok = oldByKod.get(nk.kommunkod);
    if (!ok) continue;
    const criteria: CriterionChange[] = [];
    if (ok.status === 'audited' && nk.status === 'audited') {
      const oldC = new Map(ok.criteria.map((c) => [c.id, c]));
      const newC = new Map(nk.criteria.map((c) => [c.id, c]));
      const ids = [...newC.keys(), ...[...oldC.keys()].filter((id) => !newC.has(id))];
      for (const id of ids) {
        const o = oldC.get(id);
        const n = newC.get(id);
        if (o && n && o.status === n.status) continue;
        criteria.push({
          id,
          title: title(id),
          kind: o && n ? 'changed' : n ? 'added' : 'removed',
          oldStatus: o?.status ?? null,
          newStatus: n?.status ?? null,
          oldPoints: o?.points ?? null,
          newPoints: n?.points ?? null,
          oldUrls: urlsOf(o),
          newUrls: urlsOf(n),
        });
      }
    }
    const delta = ok.score !== null && nk.score !== null ? round1(nk.score - ok.score) : null;
    const differs = ok.status !== nk.status || ok.score !== nk.score || criteria.length > 0 || (nk.status === 'error' && !sameReason(ok, nk));
    if (!differs) {
      unchanged++;
      continue;
    }
    changed.push({
      kommunkod: nk.kommunkod,
      namn: nk.namn,
      oldStatus: ok.status,
      newStatus: nk.status,
      oldScore: ok.score,
      newScore: nk.score,
      delta,
      oldRank: ok.rank,
      newRank: nk.rank,
      oldReason: ok.reason,
      newReason: nk.reason,
      criteria,
    });
  }

  return {
    old: side(oldRun.source, a),
    new: side(newRun.source, b),
    rules,
    changed,
    unchanged,
    onlyOld: a.kommuner.filter((k) => !newKods.has(k.kommunkod)).map(once),
    onlyNew: b.kommuner.filter((k) => !oldByKod.has(k.kommunkod)).map(once),
  };
}

/** Nothing to report: same rules, same kommuner, no kommun changed. */
export function isEmptyDiff(d: RunDiff): boolean {
  return d.changed.length === 0 && d.onlyOld.length === 0 && d.onlyNew.length === 0 && d.rules.added.length === 0 && d.rules.removed.length === 0 && d.rules.weightChanged.length === 0;
}

/**
 * Two error reasons say the same when they differ only in the kommun's own address: a site that
 * moved (or a test web on another port) and is down the same way has not changed.
 */
function sameReason(a: KommunResult, b: KommunResult): boolean {
  return withoutOwnAddress(a) === withoutOwnAddress(b);
}

function withoutOwnAddress(k: KommunResult): string {
  const reason = k.reason ?? '';
  let origin: string;
  try {
    origin = new URL(k.webbplats).origin;
  } catch {
    return reason;
  }
  return reason.split(origin).join('<webbplatsen>');
}
