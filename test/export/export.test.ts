/**
 * `granska export` on a real run: one criterion for every kommun and every criterion for one
 * kommun, as folders and as zip files; the CSV manifest as Excel needs it; the errors in Swedish.
 */
import JSZip from 'jszip';
import { access, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../../src/report/csv.ts';
import { kommunFolder, MANIFEST_HEADER } from '../../src/export/export.ts';
import { readTrail, type KommunResult } from '../../src/report/results-schema.ts';
import { candidateSentence } from '../../src/report/trail-words.ts';
import { parseCsv } from '../helpers/csv.ts';
import { auditFixtures, cli, TINY_PNG, type AuditRun } from './audit-run.ts';


const col = (name: string) => MANIFEST_HEADER.indexOf(name);
const exists = (p: string) => access(p).then(() => true, () => false);

let run: AuditRun;
let work: string;
/** The criterion given screenshots, and the kommun that has evidence for it. */
let criterion: string;
let shotKommun: KommunResult;

beforeAll(async () => {
  run = await auditFixtures(['vasterljung', 'norrhed']);
  work = await mkdtemp(join(tmpdir(), 'granska-export-out-'));
  // Screenshots as the evidence step leaves them: evidence/<kod>/<criterion>-<n>.png, named in results.json.
  const results = JSON.parse(await readFile(join(run.out, 'results.json'), 'utf8'));
  const k = results.kommuner.find((x: KommunResult) => x.kommunkod === '9005');
  const c = k.criteria.find((x: KommunResult['criteria'][number]) => x.id === 'overklaga' && x.evidence.length > 0) ?? k.criteria.find((x: KommunResult['criteria'][number]) => x.evidence.length > 0);
  criterion = c.id;
  await mkdir(join(run.out, 'evidence', '9005'), { recursive: true });
  c.evidence.forEach((e: Record<string, unknown>, i: number) => {
    e.screenshot = `evidence/9005/${c.id}-${i + 1}.png`;
    e.screenshotAt = '2026-05-04T10:00:00.000Z';
    e.shown = true;
  });
  for (let i = 0; i < c.evidence.length; i++) await writeFile(join(run.out, 'evidence', '9005', `${c.id}-${i + 1}.png`), TINY_PNG);
  // An excerpt that needs quoting and one that Excel would read as a formula.
  c.evidence[0].excerpt = `=SUMMA(A1) "${c.evidence[0].excerpt}"; rad två\nslut`;
  await writeFile(join(run.out, 'results.json'), JSON.stringify(results, null, 2));
  shotKommun = k;
}, 300_000);

afterAll(async () => {
  await run?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('one criterion for every kommun', () => {
  let dir: string;
  let rows: string[][];
  let raw: Buffer;

  beforeAll(async () => {
    dir = join(work, 'kriterium');
    const { code, out, err } = await cli(['export', '--from', run.out, '--criterion', criterion, '--out', dir]);
    expect(code, err).toBe(0);
    expect(out).toMatch(/Exporterade 2 kommuner med \d+ skärmbilder/);
    raw = await readFile(join(dir, `${criterion}.csv`));
    rows = parseCsv(raw.toString('utf8').slice(1));
  });

  it('writes a folder per kommun, the manifest, the provenance and a README', async () => {
    const entries = (await readdir(dir)).sort();
    expect(entries).toEqual(['9004-norrheds-kommun', '9005-vasterljungs-kommun', 'README.txt', `${criterion}.csv`, 'proveniens.json'].sort());
    for (const k of run.results.kommuner) {
      const files = await readdir(join(dir, kommunFolder(k)));
      expect(files).toEqual(expect.arrayContaining(['evidence.json', 'README.txt', 'index.html']));
    }
  });

  it('writes a manifest in UTF-8 with BOM, one row per kommun, quoted properly', () => {
    expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(raw.toString('utf8')).toContain('Västerljungs kommun');
    expect(rows[0]).toEqual(MANIFEST_HEADER);
    expect(rows).toHaveLength(1 + run.results.kommuner.length);
    for (const row of rows) expect(row).toHaveLength(MANIFEST_HEADER.length);
    const v = rows.find((r) => r[0] === '9005')!;
    const c = shotKommun.criteria.find((x) => x.id === criterion)!;
    expect(v[col('namn')]).toBe('Västerljungs kommun');
    expect(v[col('kriterium')]).toBe(criterion);
    expect(v[col('kriteriestatus')]).toBe(c.status);
    expect(v[col('kriteriepoäng')]).toBe(String(c.points).replace('.', ','));
    expect(v[col('vikt')]).toBe(String(c.weight));
    expect(v[col('bevis_url')]).toBe(c.evidence[0]!.url);
    expect(v[col('klick')]).toBe(c.evidence[0]!.clicks === null ? '' : String(c.evidence[0]!.clicks));
    expect(v[col('klickväg')]).toBe((c.evidence[0]!.path ?? []).join(' › '));
    // The formula is defused with an apostrophe; quotes, ";" and the line break survive the round trip.
    expect(v[col('utdrag')]).toBe(`'${c.evidence[0]!.excerpt}`);
    expect(raw.toString('utf8')).toContain('"\'=SUMMA(A1) ""');
    expect(v[col('skärmbild')]).toBe(`9005-vasterljungs-kommun/${criterion}-1.png`);
    expect(v[col('skäl')]).toBe(c.reason);
    expect(Number(v[col('antal_belägg')])).toBe(c.evidence.length);
  });

  it('copies the screenshots and points to them from the manifest', async () => {
    const v = rows.find((r) => r[0] === '9005')!;
    expect((await readFile(join(dir, v[col('skärmbild')]!))).equals(TINY_PNG)).toBe(true);
    const n = rows.find((r) => r[0] === '9004')!;
    expect(n[col('skärmbild')]).toBe('');
  });

  it('writes evidence.json with status, points, reason, excerpts, URLs, click paths and the trail of a fail', async () => {
    for (const k of run.results.kommuner) {
      const c = k.criteria.find((x) => x.id === criterion)!;
      const doc = JSON.parse(await readFile(join(dir, kommunFolder(k), 'evidence.json'), 'utf8'));
      expect(doc.kommun.kommunkod).toBe(k.kommunkod);
      expect(doc.criterion.id).toBe(criterion);
      expect(doc).toMatchObject({ status: c.status, points: c.points, weight: c.weight, reason: c.reason });
      expect(doc.evidence.map((e: { url: string }) => e.url)).toEqual(c.evidence.map((e) => e.url));
      expect(doc.evidence.map((e: { path: unknown }) => e.path)).toEqual(c.evidence.map((e) => e.path));
      if (c.status === 'fail') expect(doc.trail.pagesExamined.length).toBeGreaterThan(0);
    }
    const v = JSON.parse(await readFile(join(dir, '9005-vasterljungs-kommun', 'evidence.json'), 'utf8'));
    expect(v.evidence[0].screenshot).toBe(`${criterion}-1.png`);
    expect(v.evidence[0].screenshotSource).toBe(`evidence/9005/${criterion}-1.png`);
    expect(v.evidence[0].screenshotSha256).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('writes a README in Swedish and an index.html showing the screenshot', async () => {
    const readme = await readFile(join(dir, '9005-vasterljungs-kommun', 'README.txt'), 'utf8');
    expect(readme).toContain('Västerljungs kommun (9005)');
    expect(readme).toMatch(/Bedömning: +(Uppfyllt|Delvis uppfyllt)/);
    expect(readme).toContain(`Skärmbild:   ${criterion}-1.png`);
    const html = await readFile(join(dir, '9005-vasterljungs-kommun', 'index.html'), 'utf8');
    expect(html).toContain('<html lang="sv">');
    expect(html).toContain(`<img src="${criterion}-1.png"`);
    expect(html).not.toContain('=SUMMA(A1) "');
  });

  it('writes the provenance of the run', async () => {
    const p = JSON.parse(await readFile(join(dir, 'proveniens.json'), 'utf8'));
    expect(p.tool).toMatchObject({ name: 'granska', version: run.results.run.tool.version });
    expect(p.rulesVersion).toBe((run.results.run as { rulesVersion?: string }).rulesVersion);
    expect(p.userAgent).toMatch(/^granska\//);
    expect(p.run).toEqual({ id: run.results.run.id, startedAt: run.results.run.startedAt, finishedAt: run.results.run.finishedAt });
    expect(p).toHaveProperty('browser');
    expect(p.export.criterion).toBe(criterion);
    expect(p.export.resultsSha256).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('replaces its own earlier export in the same folder', async () => {
    const { code, err } = await cli(['export', '--from', run.out, '--criterion', criterion, '--out', dir]);
    expect(code, err).toBe(0);
    expect(await exists(join(dir, `${criterion}.csv`))).toBe(true);
    expect((await readdir(work)).filter((n) => n.includes('granska-'))).toEqual([]);
  });
});

describe('every criterion for one kommun', () => {
  it('writes a folder per criterion and a manifest with one row per criterion', async () => {
    const dir = join(work, 'kommun');
    const { code, err } = await cli(['export', '--from', run.out, '--kommun', 'Västerljung', '--out', dir]);
    expect(code, err).toBe(0);
    const ids = run.results.run.rules.map((r) => r.id);
    const entries = await readdir(dir);
    expect(entries).toEqual(expect.arrayContaining([...ids, '9005-vasterljungs-kommun.csv', 'proveniens.json', 'README.txt']));
    const raw = await readFile(join(dir, '9005-vasterljungs-kommun.csv'), 'utf8');
    expect(raw.startsWith('\uFEFF')).toBe(true);
    const rows = parseCsv(raw.slice(1));
    expect(rows).toHaveLength(1 + ids.length);
    expect(rows.slice(1).map((r) => r[col('kriterium')])).toEqual(ids);
    expect(rows.slice(1).every((r) => r[0] === '9005' && r[1] === 'Västerljungs kommun')).toBe(true);
    expect(await readdir(join(dir, criterion))).toEqual(expect.arrayContaining(['evidence.json', 'README.txt', 'index.html', `${criterion}-1.png`]));
    const other = ids.find((id) => id !== criterion)!;
    expect((await readdir(join(dir, other))).filter((f) => f.endsWith('.png'))).toEqual([]);
  });

  it('says in README.txt and index.html why the pages nearest to a failed criterion were not enough', async () => {
    const dir = join(work, 'kommun-spar');
    const { code, err } = await cli(['export', '--from', run.out, '--kommun', '9005', '--out', dir]);
    expect(code, err).toBe(0);
    const k = run.results.kommuner.find((x) => x.kommunkod === '9005')!;
    const fail = k.criteria.find((c) => c.status === 'fail' && (readTrail(c)?.candidates.length ?? 0) > 0)!;
    expect(fail, 'a fail with candidate pages').toBeDefined();
    const first = readTrail(fail)!.candidates[0]!;
    const readme = await readFile(join(dir, fail.id, 'README.txt'), 'utf8');
    expect(readme).toContain('Sidorna som låg närmast att uppfylla kriteriet, och vad som fattades:');
    expect(readme).toContain(`: ${first.url}\r\n      ${candidateSentence(first)}\r\n`);
    expect(candidateSentence(first)).toMatch(/^(Sidan|Dokumentet) (har|saknar): /);
    const index = await readFile(join(dir, fail.id, 'index.html'), 'utf8');
    expect(index).toContain('<h3>Varför sidorna inte räckte</h3>');
    expect(index).toContain(`<a href="${first.url}">${first.url}</a><br>${candidateSentence(first)}</li>`);
  });

  it('accepts the kommun code, as --only does', async () => {
    const { code, out } = await cli(['export', '--from', run.out, '--kommun', '9004', '--out', join(work, 'norrhed')]);
    expect(code).toBe(0);
    expect(out).toContain(`${run.results.run.rules.length} kriterier`);
  });
});

describe('as zip', () => {
  it('writes one zip file for a criterion', async () => {
    const file = join(work, 'zip', 'kriterium.zip');
    const { code, err } = await cli(['export', '--from', run.out, '--criterion', criterion, '--out', file, '--zip']);
    expect(code, err).toBe(0);
    expect(await exists(join(work, 'zip', 'kriterium'))).toBe(false);
    const zip = await JSZip.loadAsync(await readFile(file));
    const names = Object.keys(zip.files).filter((n) => !zip.files[n]!.dir);
    expect(names).toEqual(
      expect.arrayContaining([
        `kriterium/${criterion}.csv`,
        'kriterium/proveniens.json',
        'kriterium/README.txt',
        'kriterium/9004-norrheds-kommun/evidence.json',
        'kriterium/9005-vasterljungs-kommun/evidence.json',
        'kriterium/9005-vasterljungs-kommun/index.html',
        `kriterium/9005-vasterljungs-kommun/${criterion}-1.png`,
      ]),
    );
    expect(names.every((n) => n.startsWith('kriterium/'))).toBe(true);
    const png = await zip.file(`kriterium/9005-vasterljungs-kommun/${criterion}-1.png`)!.async('nodebuffer');
    expect(png.equals(TINY_PNG)).toBe(true);
    const csv = await zip.file(`kriterium/${criterion}.csv`)!.async('nodebuffer');
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(parseCsv(csv.toString('utf8').slice(1))).toHaveLength(1 + run.results.kommuner.length);
  });

  it('adds .zip to the name and packs one kommun', async () => {
    const { code, err } = await cli(['export', '--from', run.out, '--kommun', '9005', '--out', join(work, 'zip', 'vasterljung'), '--zip']);
    expect(code, err).toBe(0);
    const zip = await JSZip.loadAsync(await readFile(join(work, 'zip', 'vasterljung.zip')));
    const names = Object.keys(zip.files);
    expect(names).toContain('vasterljung/9005-vasterljungs-kommun.csv');
    expect(names).toContain(`vasterljung/${criterion}/${criterion}-1.png`);
    expect(names.filter((n) => n.endsWith('/evidence.json'))).toHaveLength(run.results.run.rules.length);
  });
});

describe('errors', () => {
  it('names the criteria when the criterion is unknown', async () => {
    const { code, err } = await cli(['export', '--from', run.out, '--criterion', 'orosanmälan', '--out', join(work, 'x1')]);
    expect(code).toBe(2);
    expect(err).toContain('Det finns inget kriterium "orosanmälan"');
    expect(err).toContain('orosanmalan');
    expect(err).toContain('hitta-hemtjanst');
    expect(await exists(join(work, 'x1'))).toBe(false);
  });

  it('says which kommuner are close when the kommun is unknown', async () => {
    const { code, err } = await cli(['export', '--from', run.out, '--kommun', 'Västerås', '--out', join(work, 'x2')]);
    expect(code).toBe(2);
    expect(err).toMatch(/--kommun: hittade ingen kommun som heter "Västerås"/);
    expect(err).toContain('Västerljungs kommun (9005)');
    const code2 = await cli(['export', '--from', run.out, '--kommun', '0180', '--out', join(work, 'x2')]);
    expect(code2.code).toBe(2);
    expect(code2.err).toContain('0180');
  });

  it('asks what to export when neither --criterion nor --kommun is given', async () => {
    const { code, err } = await cli(['export', '--from', run.out]);
    expect(code).toBe(2);
    expect(err).toMatch(/--criterion .* --kommun/);
  });

  it('explains a folder without results.json', async () => {
    const empty = join(work, 'tom');
    await mkdir(empty, { recursive: true });
    const { code, err } = await cli(['export', '--from', empty, '--criterion', 'orosanmalan']);
    expect(code).toBe(2);
    expect(err).toMatch(/har ingen results\.json/);
    const missing = await cli(['export', '--from', join(work, 'finns-inte'), '--criterion', 'orosanmalan']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/finns inte/);
  });

  it('explains a place that cannot be written', async () => {
    const file = join(work, 'en-fil');
    await writeFile(file, 'x');
    for (const extra of [[], ['--zip']]) {
      const { code, err } = await cli(['export', '--from', run.out, '--criterion', criterion, '--out', join(file, 'under'), ...extra]);
      expect(code).toBe(2);
      expect(err).toMatch(/Det går inte att skriva exporten till .*(ENOTDIR|EEXIST)/);
    }
    const { code, err } = await cli(['export', '--from', run.out, '--criterion', criterion, '--out', file]);
    expect(code).toBe(2);
    expect(err).toContain('är en fil');
  });

  it('refuses to mix an export into a folder holding other things', async () => {
    const busy = join(work, 'annat');
    await mkdir(busy, { recursive: true });
    await writeFile(join(busy, 'viktigt.txt'), 'behåll mig');
    const { code, err } = await cli(['export', '--from', run.out, '--criterion', criterion, '--out', busy]);
    expect(code).toBe(2);
    expect(err).toContain('innehåller annat än en tidigare export');
    expect(await readFile(join(busy, 'viktigt.txt'), 'utf8')).toBe('behåll mig');
  });
});

describe('csv', () => {
  it('quotes, doubles quotes, defuses formulas and writes decimal commas', () => {
    expect(csvCell('enkel')).toBe('enkel');
    expect(csvCell('a;b')).toBe('"a;b"');
    expect(csvCell('säger "hej"')).toBe('"säger ""hej"""');
    expect(csvCell('rad\nrad')).toBe('"rad\nrad"');
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('-5 kr')).toBe("'-5 kr");
    expect(csvCell(1.5)).toBe('1,5');
    expect(csvCell(null)).toBe('');
    expect(toCsv(['a', 'b'], [[1, 'å']])).toBe('\uFEFFa;b\r\n1;å\r\n');
  });
});
