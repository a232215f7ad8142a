/** Judges one kommun's stored snapshot with a rule set: the per-kommun part of results.json. */
import { judgeRule, type Outcome } from '../rules/engine.ts';
import type { RuleSet } from '../rules/loader.ts';
import { buildSiteModel } from '../rules/site-model.ts';
import { informationScore } from '../score/score.ts';
import type { KommunSnapshot } from '../snapshot/store.ts';
import type { CrawlSummary } from '../snapshot/types.ts';

export interface JudgedKommun {
  kommunkod: string;
  namn: string;
  webbplats: string;
  status: 'audited' | 'error';
  score: number | null;
  rank: number | null;
  reason: string | null;
  pagesFetched: number;
  pagesRendered: number;
  criteria: Outcome[];
  crawl: { startedAt: string; finishedAt: string; notes: string[]; hemtjanstPages: string[] };
}

export async function judgeKommun(snapshot: KommunSnapshot, rules: RuleSet): Promise<JudgedKommun> {
  const s = snapshot.summary;
  if (s.status === 'error') return errorKommun(s, rules, s.reason ?? 'Webbplatsen kunde inte granskas');
  const site = await buildSiteModel(snapshot, rules.definitions);
  if (!site.start) return errorKommun(s, rules, 'Startsidan finns inte i den sparade ögonblicksbilden');
  const criteria = rules.rules.map((rule) => judgeRule(rule, site));
  return {
    ...identity(s),
    status: 'audited',
    score: informationScore(criteria),
    rank: null,
    reason: null,
    pagesFetched: s.pagesFetched,
    pagesRendered: s.pagesRendered,
    criteria,
    crawl: { startedAt: s.startedAt, finishedAt: s.finishedAt, notes: s.notes, hemtjanstPages: site.hemtjanstPages.map((p) => p.record.finalUrl) },
  };
}

/** Not audited: no score, never a 0; every criterion says why. */
export function errorKommun(s: Pick<CrawlSummary, 'kommunkod' | 'namn' | 'webbplats' | 'pagesFetched' | 'startedAt' | 'finishedAt'> & Partial<CrawlSummary>, rules: RuleSet, reason: string): JudgedKommun {
  return {
    ...identity(s),
    status: 'error',
    score: null,
    rank: null,
    reason,
    pagesFetched: s.pagesFetched,
    pagesRendered: s.pagesRendered ?? 0,
    criteria: rules.rules.map((r) => ({ id: r.id, status: 'error', weight: r.weight, points: 0, reason, evidence: [] })),
    crawl: { startedAt: s.startedAt, finishedAt: s.finishedAt, notes: s.notes ?? [], hemtjanstPages: [] },
  };
}

function identity(s: Pick<CrawlSummary, 'kommunkod' | 'namn' | 'webbplats'>) {
  return { kommunkod: s.kommunkod, namn: s.namn, webbplats: s.webbplats };
}
