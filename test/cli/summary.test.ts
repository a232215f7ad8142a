/** The table at the end of a run: counts in words that agree in number, and the mean as the report shows it. */
import { describe, expect, it } from 'vitest';
import { summaryTable } from '../../src/cli/summary.ts';
import type { JudgedKommun } from '../../src/pipeline/judge.ts';
import { meanScore } from '../../src/score/score.ts';

const kommun = (kommunkod: string, namn: string, score: number | null, reason: string | null = null): JudgedKommun => ({
  kommunkod,
  namn,
  webbplats: `https://www.${kommunkod}.se/`,
  status: score === null ? 'error' : 'audited',
  score,
  rank: null,
  reason,
  pagesFetched: score === null ? 0 : 12,
  pagesRendered: 0,
  criteria: [],
  crawl: { startedAt: '', finishedAt: '', notes: [], hemtjanstPages: [] },
});

describe('summaryTable', () => {
  it('gives audited, not audited and the mean score, rounded as the report rounds it', () => {
    // 56.05 is 56.04999… in binary: toFixed alone says 56.0, the national page 56,1.
    const ks = [kommun('0001', 'Ett', 56.1), kommun('0002', 'Två', 56.0), kommun('0003', 'Tre', null, 'Webbplatsen svarade inte')];
    expect(meanScore(ks)).toBe(56.1);
    const text = summaryTable(ks);
    expect(text).toContain('2 granskade, 1 ej granskad, medelpoäng 56.1.');
    expect(text).toMatch(/0003\s+Tre\s+–\s+–\s+ej granskad: Webbplatsen svarade inte/);
    expect(text).toMatch(/0001\s+Ett\s+56\.1\s+–\s+12 sidor/);
  });

  it('agrees in number for one kommun, and gives no mean when none was audited', () => {
    expect(summaryTable([kommun('0001', 'Ett', 40)])).toContain('1 granskad, 0 ej granskade, medelpoäng 40.0.');
    const none = summaryTable([kommun('0001', 'Ett', null, 'x'), kommun('0002', 'Två', null, 'y')]);
    expect(none).toContain('0 granskade, 2 ej granskade.');
    expect(none).not.toContain('medelpoäng');
    expect(meanScore([])).toBeNull();
  });
});
