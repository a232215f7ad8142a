/**
 * Smoke test of the national benchmark (bench/): the generator serves 3 kommuner, the benchmark
 * audits them without screenshots and reports its figures. No timing assertions: speed targets
 * live in `npm run bench`, never in the tests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBenchmark } from '../bench/national.ts';
import { startNationalWeb, type NationalWeb } from '../bench/national-web.ts';

describe('national benchmark', () => {
  let web: NationalWeb;
  beforeAll(async () => {
    web = await startNationalWeb({ kommuner: 3, latencyMs: 0 });
  });
  afterAll(async () => {
    await web?.close();
  });

  it('generates the same web from the same seed', async () => {
    const again = await startNationalWeb({ kommuner: 3, latencyMs: 0 });
    try {
      expect(again.sites.map((s) => [s.kommun.namn, s.pages, s.jsMenu])).toEqual(web.sites.map((s) => [s.kommun.namn, s.pages, s.jsMenu]));
      for (const s of web.sites) expect(s.pages).toBeGreaterThanOrEqual(40);
    } finally {
      await again.close();
    }
  });

  it('audits the web and reports its figures', async () => {
    // A small budget keeps the smoke test short; speed is measured by npm run bench, not here.
    const report = await runBenchmark({ kommuner: web.kommuner, screenshots: false, maxPages: 40 });
    expect(report.kommuner).toBe(3);
    expect(report.audited).toBe(3);
    expect(report.wallMs).toBeGreaterThan(0);
    expect(report.pagesFetched).toBeGreaterThan(30);
    expect(report.pagesPlain + report.pagesRendered).toBe(report.pagesFetched);
    expect(report.pagesPerSecond).toBeGreaterThan(0);
    expect(report.peakRssBytes).toBeGreaterThan(0);
    expect(report.peakPssBytes).toBeGreaterThan(0);
    expect(report.peakPssBytes).toBeLessThanOrEqual(report.peakRssBytes);
    expect(report.peakSelfRssBytes).toBeGreaterThan(0);
    expect(report.cpu.totalSeconds).toBeGreaterThan(0);
    expect(report.screenshots).toBe(0);
    expect(report.slowest).toHaveLength(3);
    expect(web.requests()).toBeGreaterThan(30);
  });
});
