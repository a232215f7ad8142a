/**
 * granska diff: two real runs on the fixture web that differ in exactly one known way, and a
 * hand-made pair of results across rule versions (a criterion added, one removed, a weight changed).
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, ensureChromium } from '../../src/crawl/browser.ts';
import { diffDirs } from '../../src/diff/command.ts';
import { diffResults } from '../../src/diff/diff.ts';
import { diffHtml } from '../../src/diff/html.ts';
import { diffText } from '../../src/diff/text.ts';
import { ResultsSchema } from '../../src/report/results-schema.ts';
import { audited, failed, results, RULES, writeResultsDir, type RuleDef } from '../report/make-results.ts';
import { runCli } from '../helpers/cli.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'web');
const HEMTJANST_PAGE = join('ekebyhult', 'www', 'pages', 'omsorg-och-stod', 'aldreomsorg', 'hemtjanst.html');


let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'granska-diff-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `granska demo` as a user runs it (browser, screenshots, the unreachable kommun), on the copy of the demo web in `web`. */
async function demo(web: string, out: string): Promise<void> {
  const r = await runCli(['demo', '--web', web, '--out', out, '--quiet']);
  expect(r.code, r.stderr).toBe(0);
}

describe('granska diff on two demo runs, one demo site changed between them', () => {
  let before: string;
  let after: string;

  beforeAll(async () => {
    const web = join(dir, 'web');
    await cp(FIXTURES, web, { recursive: true });
    before = join(dir, 'fore');
    await demo(web, before);

    // The one change: Ekebyhult's hemtjänst page no longer says how to appeal.
    const page = join(web, HEMTJANST_PAGE);
    const html = await readFile(page, 'utf8');
    const paragraph = /<p>[^<]*överklaga beslutet[^<]*<\/p>\s*/;
    expect(html).toMatch(paragraph);
    await writeFile(page, html.replace(paragraph, ''));
    after = join(dir, 'efter');
    await demo(web, after);
  });

  it('finds exactly that change: one criterion of one kommun, and its score delta', async () => {
    const d = await diffDirs(before, after);
    const old = ResultsSchema.parse(JSON.parse(await readFile(join(before, 'results.json'), 'utf8')));
    const oldScore = old.kommuner.find((k) => k.kommunkod === '9001')!.score!;
    const weightOfOverklaga = old.run.rules.find((r) => r.id === 'overklaga')!.weight;
    const totalWeight = old.run.rules.reduce((s, r) => s + r.weight, 0);

    expect(d.rules).toEqual({ added: [], removed: [], weightChanged: [] });
    expect(d.onlyOld).toEqual([]);
    expect(d.onlyNew).toEqual([]);
    // Sjövalla, Lillmora, Norrhed, and Ödmark, which is down in both runs (on another port each time).
    expect(d.unchanged).toBe(4);
    expect(d.changed).toHaveLength(1);
    const k = d.changed[0]!;
    expect(k.kommunkod).toBe('9001');
    expect(k.criteria).toHaveLength(1);
    const c = k.criteria[0]!;
    expect(c).toMatchObject({ id: 'overklaga', kind: 'changed', oldStatus: 'pass', newStatus: 'fail' });
    expect(c.oldUrls.some((u) => u.includes('hemtjanst'))).toBe(true);
    expect(c.newUrls).toEqual([]);
    expect(k.oldScore).toBe(oldScore);
    expect(k.delta).toBeCloseTo(-Math.round((1000 * weightOfOverklaga) / totalWeight) / 10, 1);
    expect(k.newScore).toBeCloseTo(oldScore + k.delta!, 5);
  });

  it('prints it as an aligned Swedish table, writes the HTML page, and exits 0', async () => {
    const htmlFile = join(dir, 'jamforelse', 'diff.html');
    const r = await runCli(['diff', before, after, '--html', htmlFile]);
    expect(r.code, r.stderr).toBe(0);
    const text = r.stdout;
    expect(text).toContain('Kommuner med ändrat resultat');
    expect(text).toMatch(/9001\s+Ekebyhult kommun\s+100\.0\s+97\.0\s+-3\.0\s+1 → 1/);
    expect(text).toContain('overklaga (Överklaga ett beslut om hemtjänst): Uppfyllt → Ej uppfyllt');
    expect(text).toMatch(/efter: inget bevis/);
    expect(text).toMatch(/före:\s+http:\/\/127\.0\.0\.1:\d+\/\S*hemtjanst/);
    expect(text).not.toContain('Lillmora');
    expect(text).toContain('1 kommun med ändrat resultat, 4 oförändrade, 1 ändrat kriterium.');
    const page = await readFile(htmlFile, 'utf8');
    expect(page).toContain('<html lang="sv">');
    expect(page).toMatch(/<caption>9001 Ekebyhult kommun: kriterier med ändrad status<\/caption>/);
    expect(page).toContain('<th scope="row">Ekebyhult kommun</th>');
    expect(page).toContain('−3,0');
    expect(page).toMatch(/href="http:\/\/127\.0\.0\.1:\d+\/omsorg-och-stod\/aldreomsorg\/hemtjanst[^"]*"/);
  });

  it('writes an HTML page that passes axe-core (WCAG 2.1 A and AA) in Chromium, from disk', async () => {
    const htmlFile = join(dir, 'jamforelse', 'axe.html');
    expect((await runCli(['diff', before, after, '--html', htmlFile])).code).toBe(0);
    const browser = await chromium.launch({ executablePath: ensureChromium(), args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      await page.goto(pathToFileURL(htmlFile).href);
      await page.addScriptTag({ content: await readFile(fileURLToPath(import.meta.resolve('axe-core/axe.min.js')), 'utf8') });
      const violations = await page.evaluate(async () => {
        const axe = (globalThis as unknown as { axe: { run: (ctx: Document, opts: unknown) => Promise<{ violations: Array<{ id: string; nodes: Array<{ html: string }> }> }> } }).axe;
        const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
        return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`);
      });
      expect(violations).toEqual([]);
      expect(await page.locator('h1').count()).toBe(1);
    } finally {
      await browser.close();
    }
  });

  it('says so when the runs do not differ', async () => {
    const r = await runCli(['diff', after, after]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Inga skillnader');
  });
});

describe('granska diff across rule versions (hand-made results)', () => {
  const NEW_RULES: RuleDef[] = [
    { id: 'ansokan', weight: 3, title: 'Hur man ansöker om hemtjänst' },
    { id: 'avgifter', weight: 3, title: 'Vad hemtjänst kostar' },
    { id: 'lyssna', weight: 1, title: 'Talande webb' },
  ];
  const oldRun = results(
    [
      audited('1982', 'Fagersta kommun', { avgifter: 'partial' }),
      audited('0114', 'Upplands Väsby kommun', {}),
      failed('2480', 'Umeå kommun', 'Webbplatsen svarar inte'),
      audited('1293', 'Hässleholms kommun', {}),
    ],
    RULES,
    'gammal',
  );
  const newRun = results(
    [
      audited('1982', 'Fagersta kommun', { avgifter: 'pass', lyssna: 'fail' }, NEW_RULES, { avgifter: { urls: ['https://www.fagersta.se/avgifter', 'https://www.fagersta.se/taxa.pdf'] } }),
      audited('0114', 'Upplands Väsby kommun', { lyssna: 'pass' }, NEW_RULES),
      audited('2480', 'Umeå kommun', {}, NEW_RULES),
      audited('9999', 'Nya <b>kommun</b> & "co"', {}, NEW_RULES),
    ],
    NEW_RULES,
    'ny',
  );

  it('reports added and removed criteria, changed weights, and kommuner only in one run', () => {
    const d = diffResults({ source: 'gammal', results: oldRun }, { source: 'ny', results: newRun });
    expect(d.rules.added.map((r) => r.id)).toEqual(['lyssna']);
    expect(d.rules.removed.map((r) => r.id)).toEqual(['overklaga']);
    expect(d.rules.weightChanged).toEqual([{ id: 'avgifter', title: 'Vad hemtjänst kostar', oldWeight: 2, newWeight: 3 }]);
    expect(d.onlyOld.map((k) => k.kommunkod)).toEqual(['1293']);
    expect(d.onlyNew.map((k) => k.kommunkod)).toEqual(['9999']);

    const fagersta = d.changed.find((k) => k.kommunkod === '1982')!;
    expect(fagersta.criteria.map((c) => [c.id, c.kind, c.oldStatus, c.newStatus])).toEqual([
      ['avgifter', 'changed', 'partial', 'pass'],
      ['lyssna', 'added', null, 'fail'],
      ['overklaga', 'removed', 'pass', null],
    ]);
    expect(fagersta.criteria[0]!.newUrls).toEqual(['https://www.fagersta.se/avgifter', 'https://www.fagersta.se/taxa.pdf']);
    expect(fagersta.criteria[0]!.oldUrls).toEqual(['https://www.exempel.se/avgifter']);

    const umea = d.changed.find((k) => k.kommunkod === '2480')!;
    expect(umea).toMatchObject({ oldStatus: 'error', newStatus: 'audited', oldScore: null, newScore: 100, delta: null, criteria: [] });

    const text = diffText(d);
    expect(text).toMatch(/nytt kriterium\s+lyssna\s+Talande webb\s+1$/m);
    expect(text).toMatch(/borttaget kriterium\s+overklaga\s+Överklaga ett beslut om hemtjänst\s+1$/m);
    expect(text).toMatch(/ändrad vikt\s+avgifter\s+Vad hemtjänst kostar\s+2 → 3$/m);
    expect(text).toContain('lyssna (Talande webb): nytt kriterium: Ej uppfyllt');
    expect(text).toContain('overklaga (Överklaga ett beslut om hemtjänst): borttaget kriterium, var: Uppfyllt');
    expect(text).toMatch(/2480\s+Umeå kommun\s+–\s+100\.0\s+–\s+– → \d\s+ej granskad → granskad/);
    expect(text).toContain('Bara i den gamla körningen\n  1293  Hässleholms kommun: 100.0 poäng');
    expect(text).toContain('Bara i den nya körningen');
  });

  it('aligns the score table', () => {
    const d = diffResults({ source: 'gammal', results: oldRun }, { source: 'ny', results: newRun });
    const lines = diffText(d).split('\n');
    const start = lines.indexOf('Kommuner med ändrat resultat');
    const table = lines.slice(start + 1, lines.indexOf('', start));
    const endOfFore = table[0]!.indexOf('Före') + 'Före'.length;
    expect(table.length).toBeGreaterThan(3);
    // Numbers are right-aligned: every row's "Före" cell ends in the same column.
    for (const row of table.slice(2)) {
      expect(row[endOfFore - 1]).toMatch(/[0-9–]/);
      expect(row[endOfFore]).toBe(' ');
    }
  });

  it('escapes every piece of text in the HTML page', () => {
    const d = diffResults({ source: 'gammal <script>', results: oldRun }, { source: 'ny', results: newRun });
    const page = diffHtml(d);
    expect(page).toContain('Nya &lt;b&gt;kommun&lt;/b&gt; &amp; &quot;co&quot;');
    expect(page).toContain('gammal &lt;script&gt;');
    expect(page).not.toContain('<b>kommun');
    expect(page).toContain('<a href="https://www.fagersta.se/taxa.pdf">');
    expect(page).toMatch(/<caption>[^<]+<\/caption>/);
    expect(page).not.toMatch(/<th(?=[\s>])(?![^>]*scope=)[^>]*>/);
  });

  it('refuses a folder without results.json with a clear message', async () => {
    const a = await writeResultsDir(join(dir, 'hand-gammal'), oldRun);
    const r = await runCli(['diff', a, join(dir, 'finns-inte')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('finns-inte');
    const empty = join(dir, 'tom');
    await mkdir(empty, { recursive: true });
    const r2 = await runCli(['diff', a, empty]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/tom har ingen results\.json/);
    expect(r2.stderr).not.toMatch(/\n\s+at /);
  });
});
