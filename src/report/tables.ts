/**
 * The tables the index team opens in Excel, written next to results.json:
 *
 * - `results.xlsx` with four sheets:
 *   - "Rankning": one row per kommun, best first (kommuner that could not be audited last, with
 *     an empty score cell, never 0); the score is a real number shown with one decimal.
 *   - "Kriterier": the long table, one row per kommun × criterion, every column a plain value
 *     (no merged cells, one header row, autofilter) so that a pivot table or a filter can slice
 *     it by län, kriterium or status. Criteria that could not be judged (status error) have an
 *     empty points cell, so an average over the column counts only judged criteria.
 *   - "Matris": one row per kommun, one column per criterion with its status in words, then one
 *     column per criterion with its points: the overview a person reads.
 *   - "Körning": the run's provenance (id, times, tool and rules versions, browser, User-Agent)
 *     and the rules with their weights.
 * - `results.csv`: one row per kommun × criterion, for Excel in a Swedish locale: UTF-8 with a
 *   byte order mark (so å, ä and ö show), `;` between fields and decimal comma (what Swedish
 *   Excel expects when a CSV file is opened by double-click), CRLF line ends, RFC 4180 quoting.
 *
 * Both are made from DIR/results.json only, so `granska tables --from DIR` re-makes them for any
 * finished run. Text from kommun websites (reasons, excerpts) is never a formula: the XLSX stores
 * it as text, and in the CSV a field that Excel would read as a formula gets a leading apostrophe.
 */
import ExcelJS from 'exceljs';
import { join, relative } from 'node:path';
import { CommanderError, type Command } from 'commander';
import { loadRegistry, RegistryError } from '../registry/registry.ts';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { STATUS_WORDS } from './html/words.ts';
import { readResults, ResultsFileError } from './read-results.ts';
import type { CriterionResult, KommunResult, Results } from './results-schema.ts';
import { toCsv, type Cell } from './csv.ts';

export interface TablesOptions {
  /**
   * The kommuner of the run with their län (the registry the audit read). Kommuner missing here
   * get their län from the bundled registry (data/kommuner.csv); one in neither has an empty län.
   */
  kommuner?: Array<{ kommunkod: string; lan?: string | undefined }>;
}

export interface TablesFiles {
  xlsx: string;
  csv: string;
}

/** A table could not be written (for instance results.xlsx is open in Excel on Windows). */
export class TablesWriteError extends ResultsFileError {
  override name = 'TablesWriteError';
}

export const KOMMUN_STATUS_WORDS: Record<KommunResult['status'], string> = {
  audited: 'granskad',
  error: 'ej granskad',
};

/** Writes DIR/results.xlsx and DIR/results.csv from DIR/results.json. */
export async function writeTables(dir: string, opts: TablesOptions = {}): Promise<TablesFiles> {
  const { results } = await readResults(dir);
  const lan = await lanLookup(opts.kommuner);
  const files: TablesFiles = { xlsx: join(dir, 'results.xlsx'), csv: join(dir, 'results.csv') };
  const xlsx = await buildWorkbook(results, lan);
  await writeOrExplain(files.xlsx, xlsx);
  await writeOrExplain(files.csv, buildCsv(results, lan));
  return files;
}

/**
 * writeTables for the end of an audit: a table that cannot be written (results.xlsx open in
 * Excel, a full disk) is a warning, not a failed run — results.json is already written.
 */
export async function writeTablesOrWarn(dir: string, opts: TablesOptions, log: (line: string) => void): Promise<TablesFiles | null> {
  try {
    return await writeTables(dir, opts);
  } catch (e) {
    log(`Varning: tabellerna (results.xlsx, results.csv) kunde inte skrivas: ${(e as Error).message} Skriv dem senare med: granska tables --from ${dir}`);
    return null;
  }
}

async function writeOrExplain(file: string, data: string | Buffer): Promise<void> {
  try {
    await writeFileAtomic(file, data);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EBUSY' || code === 'EPERM' || code === 'EACCES') {
      throw new TablesWriteError(`${file} går inte att skriva över (${code}). Är filen öppen i Excel? Stäng den och försök igen.`);
    }
    throw new TablesWriteError(`${file} kunde inte skrivas (${code ?? (e as Error).message}).`);
  }
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

type LanLookup = (kommunkod: string) => string;

async function lanLookup(kommuner: TablesOptions['kommuner']): Promise<LanLookup> {
  const map = new Map<string, string>();
  try {
    for (const k of await loadRegistry()) if (k.lan) map.set(k.kommunkod, k.lan);
  } catch {
    // The bundled registry is part of the program; without it the län column stays empty.
  }
  for (const k of kommuner ?? []) if (k.lan) map.set(k.kommunkod, k.lan);
  return (kod) => map.get(kod) ?? '';
}

interface RuleInfo {
  id: string;
  weight: number;
  title: string;
}

/** The rules of the run, then any criterion a kommun has that the run does not list. */
function rulesOf(results: Results): RuleInfo[] {
  const rules: RuleInfo[] = results.run.rules.map((r) => ({ id: r.id, weight: r.weight, title: typeof r.title === 'string' ? r.title : '' }));
  const known = new Set(rules.map((r) => r.id));
  for (const k of results.kommuner) {
    for (const c of k.criteria) {
      if (!known.has(c.id)) {
        known.add(c.id);
        rules.push({ id: c.id, weight: c.weight, title: '' });
      }
    }
  }
  return rules;
}

/** Best first; kommuner that could not be audited last, in the order of the run. */
function rankingOrder(kommuner: KommunResult[]): KommunResult[] {
  return kommuner
    .map((k, i) => ({ k, i }))
    .sort((a, b) => (a.k.rank ?? Number.POSITIVE_INFINITY) - (b.k.rank ?? Number.POSITIVE_INFINITY) || a.i - b.i)
    .map((x) => x.k);
}

/** Points of a criterion, or null when it was not judged (the kommun or the criterion in error). */
function pointsOf(k: KommunResult, c: CriterionResult): number | null {
  return k.status === 'error' || c.status === 'error' ? null : c.points;
}

const statusWord = (s: CriterionResult['status']): string => STATUS_WORDS[s] ?? s;

// ---------------------------------------------------------------------------------------------
// XLSX

const MAX_CELL_TEXT = 32_000; // Excel holds at most 32 767 characters in a cell.
const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDE4EE' } };
const STATUS_FILL: Record<CriterionResult['status'], string> = {
  pass: 'FFC6EFCE',
  partial: 'FFFFEB9C',
  fail: 'FFFFC7CE',
  manual: 'FFE7E6E6',
  error: 'FFD9D9D9',
};

const cellText = (s: string | null | undefined): string | null => (s ? (s.length > MAX_CELL_TEXT ? `${s.slice(0, MAX_CELL_TEXT)}…` : s) : null);

function httpLink(url: string | undefined): ExcelJS.CellHyperlinkValue | string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' || u.protocol === 'https:') return { text: url, hyperlink: u.href };
  } catch {
    // not a URL: shown as text
  }
  return url;
}

/** A file of the run folder (a screenshot), linked relative to results.xlsx, which lies in the same folder. */
function localLink(path: string | null | undefined): ExcelJS.CellHyperlinkValue | null {
  if (!path || !/^[\w.-]+(?:\/[\w.-]+)*$/.test(path) || path.split('/').some((p) => p === '..' || p === '.')) return null;
  return { text: path, hyperlink: path };
}

interface Column {
  header: string;
  width: number;
  numFmt?: string;
  wrap?: boolean;
}

function addSheet(wb: ExcelJS.Workbook, name: string, columns: Column[], rows: unknown[][]): ExcelJS.Worksheet {
  const ws = wb.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = columns.map((c) => ({ header: c.header, width: c.width, ...(c.numFmt ? { style: { numFmt: c.numFmt } } : {}) }));
  const header = ws.getRow(1);
  header.font = { bold: true };
  header.eachCell((cell) => {
    cell.fill = HEADER_FILL;
    cell.alignment = { vertical: 'top', wrapText: true };
  });
  for (const r of rows) ws.addRow(r);
  columns.forEach((c, i) => {
    if (!c.wrap) return;
    ws.getColumn(i + 1).eachCell({ includeEmpty: false }, (cell, rowNumber) => {
      if (rowNumber > 1) cell.alignment = { vertical: 'top', wrapText: true };
    });
  });
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: Math.max(1, rows.length + 1), column: columns.length } };
  return ws;
}

export async function buildWorkbook(results: Results, lan: LanLookup): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = `${results.run.tool.name} ${results.run.tool.version}`;
  const finished = new Date(results.run.finishedAt);
  wb.created = Number.isNaN(finished.getTime()) ? new Date() : finished;
  wb.modified = wb.created;
  const rules = rulesOf(results);
  const titleOf = new Map(rules.map((r) => [r.id, r.title]));

  // Rankning
  addSheet(
    wb,
    'Rankning',
    [
      { header: 'Placering', width: 10 },
      { header: 'Kommunkod', width: 11 },
      { header: 'Kommun', width: 24 },
      { header: 'Län', width: 22 },
      { header: 'Poäng', width: 9, numFmt: '0.0' },
      { header: 'Status', width: 12 },
      { header: 'Skäl', width: 60, wrap: true },
      { header: 'Sidor hämtade', width: 10 },
      { header: 'Webbplats', width: 34 },
    ],
    rankingOrder(results.kommuner).map((k) => [
      k.rank,
      k.kommunkod,
      k.namn,
      lan(k.kommunkod) || null,
      k.score,
      KOMMUN_STATUS_WORDS[k.status],
      cellText(k.reason),
      k.pagesFetched,
      httpLink(k.webbplats),
    ]),
  );

  // Kriterier (long)
  const longRows: unknown[][] = [];
  for (const k of results.kommuner) {
    for (const c of k.criteria) {
      const ev = c.evidence[0];
      longRows.push([
        k.kommunkod,
        k.namn,
        lan(k.kommunkod) || null,
        KOMMUN_STATUS_WORDS[k.status],
        k.score,
        k.rank,
        c.id,
        titleOf.get(c.id) || null,
        statusWord(c.status),
        c.status,
        c.weight,
        pointsOf(k, c),
        cellText(c.reason),
        ev?.clicks ?? null,
        httpLink(ev?.url),
        cellText(ev?.excerpt),
        localLink(c.evidence.find((e) => e.screenshot)?.screenshot),
        c.evidence.length,
      ]);
    }
  }
  addSheet(
    wb,
    'Kriterier',
    [
      { header: 'Kommunkod', width: 11 },
      { header: 'Kommun', width: 22 },
      { header: 'Län', width: 20 },
      { header: 'Kommunens status', width: 12 },
      { header: 'Kommunens poäng', width: 10, numFmt: '0.0' },
      { header: 'Placering', width: 9 },
      { header: 'Kriterium', width: 22 },
      { header: 'Kriteriets namn', width: 32 },
      { header: 'Status', width: 18 },
      { header: 'Statuskod', width: 9 },
      { header: 'Vikt', width: 6 },
      { header: 'Poäng', width: 7 },
      { header: 'Skäl', width: 50, wrap: true },
      { header: 'Klick från startsidan', width: 10 },
      { header: 'Första beviset (adress)', width: 40 },
      { header: 'Utdrag', width: 60, wrap: true },
      { header: 'Skärmbild', width: 30 },
      { header: 'Antal bevis', width: 8 },
    ],
    longRows,
  );

  // Matris (wide)
  const matrix = addSheet(
    wb,
    'Matris',
    [
      { header: 'Kommunkod', width: 11 },
      { header: 'Kommun', width: 22 },
      { header: 'Län', width: 20 },
      { header: 'Poäng', width: 8, numFmt: '0.0' },
      { header: 'Placering', width: 9 },
      ...rules.map((r) => ({ header: r.id, width: 14 })),
      ...rules.map((r) => ({ header: `${r.id} (poäng)`, width: 10 })),
    ],
    results.kommuner.map((k) => {
      const byId = new Map(k.criteria.map((c) => [c.id, c]));
      return [
        k.kommunkod,
        k.namn,
        lan(k.kommunkod) || null,
        k.score,
        k.rank,
        ...rules.map((r) => {
          const c = byId.get(r.id);
          return c ? statusWord(c.status) : null;
        }),
        ...rules.map((r) => {
          const c = byId.get(r.id);
          return c ? pointsOf(k, c) : null;
        }),
      ];
    }),
  );
  results.kommuner.forEach((k, i) => {
    const byId = new Map(k.criteria.map((c) => [c.id, c]));
    rules.forEach((r, j) => {
      const c = byId.get(r.id);
      if (!c) return;
      matrix.getCell(i + 2, 6 + j).fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: STATUS_FILL[c.status] } };
    });
  });

  // Körning
  const run = results.run;
  const audited = results.kommuner.filter((k) => k.status === 'audited').length;
  const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  const facts: unknown[][] = [
    ['Körning (id)', run.id],
    ['Startad (UTC)', run.startedAt],
    ['Avslutad (UTC)', run.finishedAt],
    ['Verktyg', `${run.tool.name} ${run.tool.version}`],
    ['Regelversion', str(run.rulesVersion)],
    ['Webbläsare', str(run.browser) ?? 'ingen (inga sidor visades i webbläsare)'],
    ['User-Agent', str(run.userAgent)],
    ['Kommuner', results.kommuner.length],
    ['Granskade', audited],
    ['Ej granskade', results.kommuner.length - audited],
    [],
    ['Kriterium', 'Namn', 'Vikt'],
    ...rules.map((r) => [r.id, r.title || null, r.weight]),
    ['Summa', null, rules.filter((r) => results.run.rules.some((x) => x.id === r.id)).reduce((s, r) => s + r.weight, 0)],
  ];
  const runSheet = wb.addWorksheet('Körning');
  runSheet.columns = [{ width: 24 }, { width: 60 }, { width: 8 }];
  for (const row of facts) runSheet.addRow(row);
  runSheet.getColumn(1).font = { bold: true };
  const rulesHeader = runSheet.getRow(12);
  rulesHeader.font = { bold: true };
  rulesHeader.eachCell((cell) => (cell.fill = HEADER_FILL));

  return Buffer.from(await wb.xlsx.writeBuffer());
}

// ---------------------------------------------------------------------------------------------
// CSV

export const CSV_HEADER = [
  'kommunkod',
  'namn',
  'län',
  'kommunstatus',
  'poäng',
  'placering',
  'kriterium',
  'kriteriestatus',
  'vikt',
  'kriteriepoäng',
  'skäl',
  'bevis_url',
  'utdrag',
] as const;

/** A number as Swedish Excel reads it: decimal comma, no thousands separator. */
function decimal(n: number | null | undefined, fixed?: number): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '';
  return (fixed === undefined ? String(n) : n.toFixed(fixed)).replace('.', ',');
}

/** Quoting, the formula guard, BOM and separators are the export manifest's: one CSV dialect (report/csv.ts). */
export function buildCsv(results: Results, lan: LanLookup): string {
  const rows: Cell[][] = [];
  for (const k of results.kommuner) {
    for (const c of k.criteria) {
      const ev = c.evidence[0];
      rows.push([
        k.kommunkod,
        k.namn,
        lan(k.kommunkod),
        k.status,
        decimal(k.score, 1),
        k.rank === null ? '' : String(k.rank),
        c.id,
        c.status,
        decimal(c.weight),
        decimal(pointsOf(k, c)),
        c.reason,
        ev?.url,
        ev?.excerpt,
      ]);
    }
  }
  return toCsv([...CSV_HEADER], rows);
}

// ---------------------------------------------------------------------------------------------
// Command line

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** `granska tables --from DIR`: (re)writes results.xlsx and results.csv of a finished run. */
export function registerTablesCommand(program: Command, io: Io): void {
  program
    .command('tables')
    .description('skriv tabellerna results.xlsx och results.csv (för Excel) från en körnings results.json')
    .requiredOption('--from <mapp>', 'mappen som en granskning skrev (--out)')
    .option('--kommuner <fil>', 'CSV med kolumnen lan för kommuner som inte finns i det medföljande registret')
    .action(async (o: { from: string; kommuner?: string }) => {
      try {
        const kommuner = o.kommuner ? await loadRegistry(o.kommuner) : undefined;
        const files = await writeTables(o.from, kommuner ? { kommuner } : {});
        io.out(`Tabeller för Excel: ${shown(files.xlsx)}, ${shown(files.csv)}`);
      } catch (e) {
        if (e instanceof ResultsFileError || e instanceof RegistryError) {
          io.err(`Fel: ${e.message}`);
          throw new CommanderError(2, 'granska.tables', e.message);
        }
        throw e;
      }
    });
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}
