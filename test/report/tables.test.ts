/** results.xlsx and results.csv read back as Excel (exceljs) and as a strict RFC 4180 reader would. */
import ExcelJS from 'exceljs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { CSV_HEADER, writeTables } from '../../src/report/tables.ts';
import { audited, failed, results, RULES, writeResultsDir } from './make-results.ts';

import { parseCsv } from '../helpers/csv.ts';

const NASTY_REASON = 'Sidan säger "ring oss"; inget belopp\nandra raden';


let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'granska-tables-'));
  const r = results([
    audited('1982', 'Fagersta kommun', { avgifter: 'partial', overklaga: 'fail' }, RULES, { overklaga: { reason: NASTY_REASON }, ansokan: { screenshot: 'evidence/1982/ansokan-1.png' }, avgifter: { screenshot: '../../hemlig.png' } }),
    audited('1293', 'Hässleholms kommun', { ansokan: 'partial' }, RULES, { avgifter: { excerpt: '=HYPERLÄNK("http://ond.example")' } }),
    failed('9010', 'Ödmarks kommun', 'Webbplatsen svarar inte: robots.txt gick inte att hämta'),
  ]);
  await writeResultsDir(dir, r);
  await writeTables(dir, { kommuner: [{ kommunkod: '9010', lan: 'Påhittade län' }] });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function workbook(): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await readFile(join(dir, 'results.xlsx'))) as unknown as ArrayBuffer);
  return wb;
}

/** The rows of a sheet as objects keyed by the header row. */
function rowsOf(ws: ExcelJS.Worksheet): Array<Record<string, ExcelJS.Cell>> {
  const header = (ws.getRow(1).values as unknown[]).slice(1).map(String);
  const out: Array<Record<string, ExcelJS.Cell>> = [];
  ws.eachRow((row, n) => {
    if (n === 1) return;
    out.push(Object.fromEntries(header.map((h, i) => [h, row.getCell(i + 1)])));
  });
  return out;
}

describe('results.xlsx', () => {
  it('has the four sheets', async () => {
    const wb = await workbook();
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Rankning', 'Kriterier', 'Matris', 'Körning']);
  });

  it('ranks with real numbers, one decimal shown, and an empty score for the kommun in error', async () => {
    const rows = rowsOf((await workbook()).getWorksheet('Rankning')!);
    expect(rows.map((r) => r.Kommun!.value)).toEqual(['Hässleholms kommun', 'Fagersta kommun', 'Ödmarks kommun']);
    const [hassleholm, fagersta, odmark] = rows;
    expect(fagersta!['Poäng']!.type).toBe(ExcelJS.ValueType.Number);
    expect(fagersta!['Poäng']!.value).toBe(66.7);
    expect(fagersta!['Poäng']!.numFmt).toBe('0.0');
    expect(hassleholm!['Poäng']!.type).toBe(ExcelJS.ValueType.Number);
    expect(fagersta!.Placering!.value).toBe(2);
    expect(hassleholm!['Poäng']!.value).toBe(75);
    expect(fagersta!['Län']!.value).toBe('Västmanlands län');
    expect(hassleholm!['Län']!.value).toBe('Skåne län');
    expect(hassleholm!.Kommunkod!.value).toBe('1293');
    expect(odmark!['Poäng']!.type).toBe(ExcelJS.ValueType.Null);
    expect(odmark!.Placering!.type).toBe(ExcelJS.ValueType.Null);
    expect(odmark!.Status!.value).toBe('ej granskad');
    expect(odmark!['Skäl']!.value).toContain('robots.txt');
    expect(odmark!['Län']!.value).toBe('Påhittade län');
  });

  it('has one row per kommun and criterion in Kriterier, with numbers where numbers belong', async () => {
    const rows = rowsOf((await workbook()).getWorksheet('Kriterier')!);
    expect(rows).toHaveLength(3 * RULES.length);
    const over = rows.find((r) => r.Kommunkod!.value === '1982' && r.Kriterium!.value === 'overklaga')!;
    expect(over.Statuskod!.value).toBe('fail');
    expect(over.Status!.value).toBe('Ej uppfyllt');
    expect(over['Skäl']!.value).toBe(NASTY_REASON);
    expect(over['Poäng']!.type).toBe(ExcelJS.ValueType.Number);
    const avg = rows.find((r) => r.Kommunkod!.value === '1982' && r.Kriterium!.value === 'avgifter')!;
    expect(avg['Poäng']!.value).toBe(1);
    expect(avg['Kriteriets namn']!.value).toBe('Vad hemtjänst kostar');
    // Screenshots are linked relative to the workbook, and only inside the run folder.
    const ans = rows.find((r) => r.Kommunkod!.value === '1982' && r.Kriterium!.value === 'ansokan')!;
    expect(ans['Skärmbild']!.value).toEqual({ text: 'evidence/1982/ansokan-1.png', hyperlink: 'evidence/1982/ansokan-1.png' });
    expect(avg['Skärmbild']!.type).toBe(ExcelJS.ValueType.Null);
    // A criterion that was not judged has no points, not 0.
    const err = rows.filter((r) => r.Kommunkod!.value === '9010');
    expect(err).toHaveLength(RULES.length);
    for (const r of err) expect(r['Poäng']!.type).toBe(ExcelJS.ValueType.Null);
    // Text from a web page stays text, never a formula.
    const evil = rows.find((r) => r.Kommunkod!.value === '1293' && r.Kriterium!.value === 'avgifter')!;
    expect(evil.Utdrag!.type).toBe(ExcelJS.ValueType.String);
    expect(evil.Utdrag!.value).toBe('=HYPERLÄNK("http://ond.example")');
  });

  it('shows status per criterion in Matris and the provenance in Körning', async () => {
    const wb = await workbook();
    const m = rowsOf(wb.getWorksheet('Matris')!);
    expect(m).toHaveLength(3);
    expect(m[0]!.overklaga!.value).toBe('Ej uppfyllt');
    expect(m[0]!['avgifter (poäng)']!.value).toBe(1);
    const run = wb.getWorksheet('Körning')!;
    const facts = new Map<string, unknown>();
    run.eachRow((row) => facts.set(String(row.getCell(1).value), row.getCell(2).value));
    expect(facts.get('Körning (id)')).toBe('run-1');
    expect(facts.get('Verktyg')).toBe('granska 0.1.0');
    expect(facts.get('Regelversion')).toBe('sha256:run-1');
    expect(facts.get('Webbläsare')).toBe('Chromium 140.0');
    expect(String(facts.get('User-Agent'))).toContain('granska/0.1.0');
    expect(facts.get('overklaga')).toBe('Överklaga ett beslut om hemtjänst');
    let weight: unknown;
    run.eachRow((row) => {
      if (row.getCell(1).value === 'ansokan') weight = row.getCell(3).value;
    });
    expect(weight).toBe(3);
  });
});

describe('results.csv', () => {
  it('starts with the UTF-8 byte order mark and keeps å, ä and ö', async () => {
    const bytes = await readFile(join(dir, 'results.csv'));
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    expect(text).toContain('Hässleholms kommun');
    expect(text).toContain('Ödmarks kommun');
    expect(text).toContain('Västmanlands län');
  });

  it('has a header and one row per kommun and criterion, Swedish decimals, empty cells where nothing was scored', async () => {
    const rows = parseCsv((await readFile(join(dir, 'results.csv'), 'utf8')).replace(/^\ufeff/, ''));
    expect(rows[0]).toEqual([...CSV_HEADER]);
    const body = rows.slice(1).map((r) => Object.fromEntries(CSV_HEADER.map((h, i) => [h, r[i]])));
    expect(body).toHaveLength(3 * RULES.length);
    for (const r of rows) expect(r).toHaveLength(CSV_HEADER.length);
    const fag = body.find((r) => r.kommunkod === '1982' && r.kriterium === 'avgifter')!;
    expect(fag).toMatchObject({ namn: 'Fagersta kommun', län: 'Västmanlands län', kommunstatus: 'audited', poäng: '66,7', placering: '2', kriteriestatus: 'partial', vikt: '2', kriteriepoäng: '1' });
    const has = body.find((r) => r.kommunkod === '1293' && r.kriterium === 'ansokan')!;
    expect(has.kriteriepoäng).toBe('1,5');
    const odm = body.find((r) => r.kommunkod === '9010')!;
    expect(odm).toMatchObject({ kommunstatus: 'error', poäng: '', placering: '', kriteriestatus: 'error', kriteriepoäng: '' });
  });

  it('quotes a reason holding ;, " and a line break (RFC 4180)', async () => {
    const text = await readFile(join(dir, 'results.csv'), 'utf8');
    expect(text).toContain('"Sidan säger ""ring oss""; inget belopp\nandra raden"');
    const rows = parseCsv(text.replace(/^\ufeff/, ''));
    const over = rows.find((r) => r[0] === '1982' && r[6] === 'overklaga')!;
    expect(over[10]).toBe(NASTY_REASON);
  });

  it('keeps text from a web page from becoming a formula', async () => {
    const rows = parseCsv((await readFile(join(dir, 'results.csv'), 'utf8')).replace(/^\ufeff/, ''));
    const evil = rows.find((r) => r[0] === '1293' && r[6] === 'avgifter')!;
    expect(evil[12]).toBe('\'=HYPERLÄNK("http://ond.example")');
  });
});

describe('granska tables --from', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) } };
  };

  it('re-makes the tables of a finished run', async () => {
    await rm(join(dir, 'results.csv'));
    const t = io();
    expect(await main(['tables', '--from', dir], t.io)).toBe(0);
    expect(t.out.join('\n')).toContain('results.xlsx');
    expect((await readFile(join(dir, 'results.csv'), 'utf8')).startsWith('\ufeffkommunkod;')).toBe(true);
  });

  it('says clearly when the folder has no results.json', async () => {
    const t = io();
    expect(await main(['tables', '--from', tmpdir()], t.io)).toBe(2);
    expect(t.err.join('\n')).toMatch(/har ingen results\.json/);
  });
});
