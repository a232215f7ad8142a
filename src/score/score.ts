/** criteria.md § Statuses: the Information sub-index and the ranking. */
import type { Outcome } from '../rules/engine.ts';

/** 100 × Σ points / Σ weight, one decimal; manual counts 0 until reviewed. */
export function informationScore(outcomes: Array<Pick<Outcome, 'points' | 'weight'>>): number {
  const weight = outcomes.reduce((s, o) => s + o.weight, 0);
  if (weight === 0) return 0;
  const points = outcomes.reduce((s, o) => s + o.points, 0);
  return Math.round((1000 * points) / weight) / 10;
}

/**
 * Ranks among the audited (standard competition ranking: 1, 2, 2, 4); a kommun in error has no
 * score and no rank, never a 0.
 */
export function rankByScore<T extends { score: number | null }>(items: T[]): Map<T, number> {
  const scored = items.filter((i) => i.score !== null).sort((a, b) => b.score! - a.score!);
  const ranks = new Map<T, number>();
  scored.forEach((item, i) => {
    const prev = scored[i - 1];
    ranks.set(item, prev && prev.score === item.score ? ranks.get(prev)! : i + 1);
  });
  return ranks;
}

/** The mean score of the audited kommuner, one decimal as every score is shown; null when none was audited. */
export function meanScore(kommuner: Array<{ score: number | null }>): number | null {
  const scores = kommuner.map((k) => k.score).filter((s): s is number => s !== null);
  if (scores.length === 0) return null;
  return Math.round((10 * scores.reduce((a, b) => a + b, 0)) / scores.length) / 10;
}
