/**
 * The kommun registry: which kommuner to audit and where their websites are. The default is the
 * bundled data/kommuner.csv (all 290); the index team can pass its own CSV, often saved from
 * Excel, so the parser is forgiving about format (BOM, `;`, CRLF) but strict about content,
 * and every problem is reported in Swedish with the file and the row a spreadsheet shows.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export interface Kommun {
  kommunkod: string;
  namn: string;
  kortnamn?: string;
  lanskod?: string;
  lan?: string;
  webbplats: string;
  /** Further columns of the file, under their header as written. */
  extra?: Record<string, string>;
}

export interface RegistryProblem {
  /** 1-based row as a spreadsheet shows it (the header is row 1). */
  line?: number;
  message: string;
}

export class RegistryError extends Error {
  override name = 'RegistryError';
  /** The file the problem is in; `--only` or `--url` when the problem is in that option. */
  readonly file: string;
  /** Row of the first problem (1-based, the header is row 1). */
  readonly line?: number;
  /** Every problem found (at most MAX_PROBLEMS); the message lists them all. */
  readonly problems: RegistryProblem[];
  constructor(message: string, file: string, line?: number, problems?: RegistryProblem[]) {
    super(message);
    this.file = file;
    if (line !== undefined) this.line = line;
    this.problems = problems ?? [{ ...(line !== undefined ? { line } : {}), message }];
  }
}

const MAX_PROBLEMS = 20;
const REQUIRED_COLUMNS = ['kommunkod', 'namn', 'webbplats'] as const;
const OPTIONAL_COLUMNS = ['kortnamn', 'lanskod', 'lan'] as const;
type KnownColumn = (typeof REQUIRED_COLUMNS)[number] | (typeof OPTIONAL_COLUMNS)[number];
const KNOWN_COLUMNS: readonly string[] = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS];

const DEFAULT_REGISTRY = fileURLToPath(new URL('../../data/kommuner.csv', import.meta.url));

/** Lower case without diacritics, so "Län" and "lan", "Höganäs" and "hoganas" compare equal. */
function fold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[\s\u00a0_-]+/g, ' ')
    .trim();
}

// ---------------------------------------------------------------------------------------------
// CSV (RFC 4180, with the liberties Excel takes)

interface CsvRecord {
  fields: string[];
  /** Row as a spreadsheet numbers it: a quoted newline does not start a new row. */
  row: number;
  /** Line in a text editor where the record starts. */
  line: number;
}

function detectDelimiter(text: string): { delimiter: string; skipFirstLine: boolean } {
  const firstLines = text.split(/\r\n|\n|\r/);
  const first = firstLines.find((l) => l.trim() !== '') ?? '';
  // Excel honours (and sometimes writes) a "sep=;" line before the header.
  const sep = /^sep=(.)\s*$/i.exec(first);
  if (sep?.[1]) return { delimiter: sep[1], skipFirstLine: true };
  const counts = new Map<string, number>([[',', 0], [';', 0], ['\t', 0]]);
  let inQuotes = false;
  for (const c of first) {
    if (c === '"') inQuotes = !inQuotes;
    else if (!inQuotes && counts.has(c)) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let best = ',';
  for (const [d, n] of counts) if (n > (counts.get(best) ?? 0)) best = d;
  return { delimiter: best, skipFirstLine: false };
}

function parseCsv(text: string, delimiter: string, fileName: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let fieldQuoted = false;
  let inQuotes = false;
  let quoteRow = 0;
  let line = 1;
  let row = 1;
  let recordLine = 1;
  let recordRow = 1;

  const endRecord = () => {
    fields.push(field);
    records.push({ fields, row: recordRow, line: recordLine });
    fields = [];
    field = '';
    fieldQuoted = false;
  };

  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else if (c === '\r' || c === '\n') {
        if (c === '\r' && text[i + 1] === '\n') i++;
        field += '\n';
        line++;
      } else field += c;
      continue;
    }
    if (c === '"' && !fieldQuoted && field.trim() === '') {
      inQuotes = true;
      fieldQuoted = true;
      quoteRow = recordRow;
      field = '';
    } else if (c === delimiter) {
      fields.push(field);
      field = '';
      fieldQuoted = false;
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      row++;
      recordLine = line;
      recordRow = row;
    } else field += c;
  }
  if (inQuotes) {
    throw new RegistryError(
      `${fileName}, rad ${quoteRow}: ett citattecken (") öppnas men stängs aldrig, så resten av filen ` +
        'blir ett enda värde. Lägg till det avslutande citattecknet eller ta bort det inledande.',
      fileName,
      quoteRow,
    );
  }
  if (fields.length > 0 || field !== '' || fieldQuoted) endRecord();
  return records;
}

function isBlank(record: CsvRecord): boolean {
  return record.fields.every((f) => f.trim() === '');
}

// ---------------------------------------------------------------------------------------------
// Decoding

function decode(input: string | Buffer, fileName: string): string {
  if (typeof input === 'string') return input.replace(/^\ufeff/, '');
  if (
    (input[0] === 0xff && input[1] === 0xfe) ||
    (input[0] === 0xfe && input[1] === 0xff)
  ) {
    throw new RegistryError(
      `${fileName}: filen är sparad som UTF-16 ("Unicode-text"), inte som UTF-8. ` +
        'Spara den som UTF-8: i Excel väljer du Spara som → "CSV UTF-8 (kommaavgränsad)".',
      fileName,
      1,
    );
  }
  try {
    // TextDecoder drops a UTF-8 BOM by itself.
    return new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch {
    return reportInvalidUtf8(input, fileName);
  }
}

/** Finds the rows with bytes that are not UTF-8 and explains how to save the file properly. */
function reportInvalidUtf8(input: Buffer, fileName: string): never {
  const lossy = new TextDecoder('utf-8').decode(input);
  const { delimiter } = detectDelimiter(lossy);
  let records: CsvRecord[];
  try {
    records = parseCsv(lossy, delimiter, fileName);
  } catch {
    records = [];
  }
  const bad = records.filter((r) => r.fields.some((f) => f.includes('\ufffd')));
  const first = bad[0];
  const row = first?.row ?? 1;
  const sample = first?.fields.find((f) => f.includes('\ufffd'))?.replace(/\ufffd/g, '?');
  // Å, Ä, Ö in Windows-1252 are single bytes 0xC5, 0xC4, 0xD6 (and å ä ö 0xE5 0xE4 0xF6).
  const looksAnsi = /[\xc4\xc5\xd6\xe4\xe5\xf6\xe9]/.test(input.toString('latin1'));
  const more = bad.length > 1 ? ` (${bad.length} rader berörs)` : '';
  throw new RegistryError(
    `${fileName}, rad ${row}: filen är inte sparad som UTF-8` +
      (sample !== undefined ? ` – tecknen i "${sample.trim()}" går inte att läsa` : '') +
      more +
      '. ' +
      (looksAnsi ? 'Den ser ut att vara sparad med Windows-teckenkodning (ANSI/Windows-1252). ' : '') +
      'Spara filen som UTF-8: i Excel väljer du Spara som → "CSV UTF-8 (kommaavgränsad)", ' +
      'i Anteckningar väljer du kodningen UTF-8.',
    fileName,
    row,
  );
}

// ---------------------------------------------------------------------------------------------
// Registry rows

function checkUrl(value: string): { ok: true } | { ok: false; message: string } {
  if (/\s/.test(value)) {
    return { ok: false, message: `webbplatsen "${value}" innehåller mellanslag. Ta bort dem.` };
  }
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const looksLikeHost = /^[\p{L}\p{N}.-]+\.[\p{L}]{2,}(?::\d+)?(?:[/?#].*)?$/u.test(value);
  if ((!url || !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) && looksLikeHost) {
    const suggestion = new URL(`https://${value}`).href;
    return {
      ok: false,
      message: `webbplatsen "${value}" saknar https:// i början. Skriv hela adressen, till exempel ${suggestion}`,
    };
  }
  if (!url) {
    return {
      ok: false,
      message: `webbplatsen "${value}" är ingen giltig webbadress. Skriv hela adressen, till exempel https://www.kommun.se/`,
    };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return {
      ok: false,
      message: `webbplatsen "${value}" måste börja med https:// (eller http://), inte ${url.protocol}//.`,
    };
  }
  if (!url.hostname) {
    return { ok: false, message: `webbplatsen "${value}" saknar värdnamn. Skriv till exempel https://www.kommun.se/` };
  }
  return { ok: true };
}

function formatProblems(fileName: string, problems: RegistryProblem[], truncated: boolean): string {
  const head =
    problems.length === 1 && !truncated
      ? `${fileName} har ett fel, rätta det och försök igen:`
      : `${fileName} har ${truncated ? 'fler än ' + MAX_PROBLEMS : problems.length} fel, rätta dem och försök igen:`;
  const lines = problems.map((p) => `  ${p.line !== undefined ? `rad ${p.line}: ` : ''}${p.message}`);
  if (truncated) lines.push(`  … och fler. Rätta dessa först; de övriga visas när du kör igen.`);
  return [head, ...lines].join('\n');
}

/**
 * Parses a registry CSV. Header columns kommunkod, namn and webbplats are required (any case);
 * kortnamn, lanskod and lan are recognised; other columns land in `extra`. Throws a
 * RegistryError listing every problem found (up to 20), each with its row.
 */
export function parseRegistryCsv(text: string | Buffer, fileName: string): Kommun[] {
  const decoded = decode(text, fileName);
  const { delimiter, skipFirstLine } = detectDelimiter(decoded);
  let records = parseCsv(decoded, delimiter, fileName);
  if (skipFirstLine) {
    const sepIndex = records.findIndex((r) => !isBlank(r));
    records = records.filter((_, i) => i !== sepIndex);
  }
  records = records.filter((r) => !isBlank(r));

  const header = records[0];
  if (!header) {
    throw new RegistryError(
      `${fileName} är tom. Den ska ha en rubrikrad med kommunkod, namn och webbplats och därunder en rad per kommun.`,
      fileName,
    );
  }
  const headerNames = header.fields.map((h) => h.trim());
  const folded = headerNames.map(fold);
  const columnIndex = new Map<string, number>();
  const problems: RegistryProblem[] = [];
  folded.forEach((name, i) => {
    if (name === '') return;
    if (columnIndex.has(name)) {
      problems.push({
        line: header.row,
        message: `kolumnen "${headerNames[i]}" finns två gånger i rubrikraden. Ta bort eller byt namn på den ena.`,
      });
    } else columnIndex.set(name, i);
  });
  const missing = REQUIRED_COLUMNS.filter((c) => !columnIndex.has(c));
  if (missing.length > 0) {
    const found = headerNames.filter((h) => h !== '');
    const delimiterWord = delimiter === ';' ? 'semikolon' : delimiter === '\t' ? 'tabb' : 'komma';
    throw new RegistryError(
      `${fileName}, rad ${header.row}: rubrikraden saknar ${missing.length === 1 ? 'kolumnen' : 'kolumnerna'} ` +
        `${missing.join(', ')}. Hittade kolumner: ${found.length > 0 ? found.map((f) => `"${f}"`).join(', ') : 'inga'} ` +
        `(avgränsade med ${delimiterWord}). Första raden ska innehålla rubrikerna kommunkod, namn och webbplats.`,
      fileName,
      header.row,
    );
  }
  const idx = (c: KnownColumn): number | undefined => columnIndex.get(c);
  const extraColumns = folded
    .map((name, i) => ({ name, i }))
    .filter(({ name, i }) => name !== '' && !KNOWN_COLUMNS.includes(name) && columnIndex.get(name) === i);

  const kommuner: Kommun[] = [];
  const seenCodes = new Map<string, number>();
  let truncated = false;
  const problem = (line: number, message: string) => {
    if (problems.length >= MAX_PROBLEMS) truncated = true;
    else problems.push({ line, message });
  };

  for (const record of records.slice(1)) {
    const { fields, row } = record;
    const where = record.line !== row ? ` (rad ${record.line} i en textredigerare)` : '';
    // Excel pads rows with empty trailing cells; only real extra values are an error.
    const overflow = fields.slice(headerNames.length);
    if (fields.length < headerNames.length || overflow.some((f) => f.trim() !== '')) {
      const sep = delimiter === ';' ? 'semikolon' : delimiter === '\t' ? 'tabbar' : 'kommatecken';
      problem(
        row,
        `raden har ${fields.length} värden men rubrikraden har ${headerNames.length}${where}. ` +
          `Kontrollera att det finns ett värde för varje kolumn och att värden som själva innehåller ${sep} står inom citattecken.`,
      );
      continue;
    }
    const get = (c: KnownColumn): string => {
      const i = idx(c);
      return i === undefined ? '' : (fields[i] ?? '').trim();
    };
    const kommunkod = get('kommunkod');
    const namn = get('namn');
    const webbplats = get('webbplats');
    let rowOk = true;
    for (const [column, value] of [['kommunkod', kommunkod], ['namn', namn], ['webbplats', webbplats]] as const) {
      if (value === '') {
        problem(row, `${column} är tom${where}. Fyll i ${column} eller ta bort raden.`);
        rowOk = false;
      }
    }
    if (kommunkod !== '' && !/^\d{4}$/.test(kommunkod)) {
      rowOk = false;
      if (/^\d{3}$/.test(kommunkod)) {
        problem(
          row,
          `kommunkoden "${kommunkod}" har bara tre siffror${where}; den ska ha fyra (0${kommunkod}?). ` +
            'Excel tar ofta bort en inledande nolla: formatera kolumnen som text och skriv koden med nollan.',
        );
      } else {
        problem(
          row,
          `kommunkoden "${kommunkod}" ska vara fyra siffror, som SCB:s kommunkoder (till exempel 0114 eller 1982)${where}.`,
        );
      }
    }
    if (webbplats !== '') {
      const check = checkUrl(webbplats);
      if (!check.ok) {
        problem(row, check.message + where);
        rowOk = false;
      }
    }
    if (/^\d{4}$/.test(kommunkod)) {
      const earlier = seenCodes.get(kommunkod);
      if (earlier !== undefined) {
        problem(
          row,
          `kommunkoden ${kommunkod} finns redan på rad ${earlier}${where}. Varje kommun ska stå på en rad; ta bort den ena.`,
        );
        rowOk = false;
      } else seenCodes.set(kommunkod, row);
    }
    if (!rowOk) continue;

    const kommun: Kommun = { kommunkod, namn, webbplats };
    for (const c of OPTIONAL_COLUMNS) {
      const v = get(c);
      if (v !== '') kommun[c] = v;
    }
    if (extraColumns.length > 0) {
      const extra: Record<string, string> = {};
      for (const { i } of extraColumns) extra[headerNames[i] as string] = (fields[i] ?? '').trim();
      kommun.extra = extra;
    }
    kommuner.push(kommun);
  }

  if (problems.length > 0) {
    throw new RegistryError(formatProblems(fileName, problems, truncated), fileName, problems[0]?.line, problems);
  }
  if (kommuner.length === 0) {
    throw new RegistryError(
      `${fileName} har en rubrikrad men inga kommuner. Lägg till en rad per kommun under rubrikraden.`,
      fileName,
    );
  }
  return kommuner;
}

function displayPath(absolute: string): string {
  const rel = path.relative(process.cwd(), absolute);
  return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? absolute : rel;
}

/** Reads a registry CSV; without a file, the bundled registry of all 290 kommuner. */
export async function loadRegistry(file?: string): Promise<Kommun[]> {
  const target = file ?? DEFAULT_REGISTRY;
  const shown = file ?? displayPath(DEFAULT_REGISTRY);
  let body: Buffer;
  try {
    body = await readFile(target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? `Filen ${shown} finns inte. Kontrollera sökvägen och filnamnet.`
        : code === 'EISDIR'
          ? `${shown} är en mapp, inte en fil. Ange sökvägen till CSV-filen.`
          : code === 'EACCES' || code === 'EPERM'
            ? `Filen ${shown} får inte läsas (behörighet saknas).`
            : `Filen ${shown} kunde inte läsas (${code ?? 'okänt fel'}).`;
    throw new RegistryError(message, shown);
  }
  return parseRegistryCsv(body, shown);
}

// ---------------------------------------------------------------------------------------------
// --only

/** The forms a kommun may be called by, folded: "höganäs", "höganäs kommun", "falu", "falun". */
function nameForms(k: Kommun): string[] {
  const forms = new Set<string>();
  for (const n of [k.namn, k.kortnamn]) {
    if (!n) continue;
    const f = fold(n);
    forms.add(f);
    forms.add(stripSuffix(f));
  }
  return [...forms];
}

function stripSuffix(folded: string): string {
  return folded.replace(/^region /, '').replace(/ (kommun|stad)$/, '').trim();
}

function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] as number;
      prev[j] = Math.min(up + 1, (prev[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] as number;
}

function label(k: Kommun): string {
  return `${k.kortnamn ?? k.namn} (${k.kommunkod})`;
}

/**
 * The kommuner named by `--only`. Each term is a kommunkod (four digits; three digits are read
 * with the leading zero Excel drops) or a name: case, å/ä/ö and a "kommun"/"stad" suffix do
 * not matter. A term that equals a name picks that kommun; otherwise a term that is the start of
 * exactly one name picks it ("upplands v" → Upplands Väsby); a start shared by several names
 * ("upplands") is refused with the candidates, since auditing the wrong kommun costs more than
 * retyping. Terms may also be given comma-separated in one string. The result keeps the order
 * of the registry, each kommun once. Unknown or ambiguous terms → RegistryError (file "--only").
 */
export function selectKommuner(all: Kommun[], only: string[]): Kommun[] {
  const terms = only
    .flatMap((t) => t.split(/[,;]/))
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (terms.length === 0) return [...all];

  const chosen = new Set<Kommun>();
  const problems: RegistryProblem[] = [];
  for (const term of terms) {
    const code = /^\d{3}$/.test(term) ? `0${term}` : term;
    const byCode = all.filter((k) => k.kommunkod === code);
    if (byCode.length > 0) {
      byCode.forEach((k) => chosen.add(k));
      continue;
    }
    if (/^\d+$/.test(term)) {
      problems.push({
        message: `ingen kommun i registret har kommunkoden "${term}". Kommunkoder har fyra siffror, till exempel 0114 eller 1982.`,
      });
      continue;
    }
    const t = stripSuffix(fold(term));
    const exact = all.filter((k) => nameForms(k).includes(t) || nameForms(k).includes(fold(term)));
    if (exact.length > 0) {
      exact.forEach((k) => chosen.add(k));
      continue;
    }
    const prefix = t === '' ? [] : all.filter((k) => nameForms(k).some((f) => f.startsWith(t)));
    if (prefix.length === 1) {
      chosen.add(prefix[0] as Kommun);
      continue;
    }
    if (prefix.length > 1) {
      const shown = prefix.slice(0, 8).map(label).join(', ');
      problems.push({
        message:
          `"${term}" passar flera kommuner: ${shown}${prefix.length > 8 ? ' med flera' : ''}. ` +
          'Skriv hela namnet eller kommunkoden.',
      });
      continue;
    }
    const closest = all
      .map((k) => ({
        k,
        d: Math.min(...nameForms(k).map((f) => levenshtein(t, f))),
      }))
      .sort((a, b) => a.d - b.d)
      .slice(0, 3)
      .map(({ k }) => label(k));
    problems.push({
      message:
        `hittade ingen kommun som heter "${term}". ` +
        (closest.length > 0 ? `Närmast: ${closest.join(', ')}. ` : '') +
        'Skriv namnet som i registret eller använd kommunkoden.',
    });
  }
  if (problems.length > 0) {
    const message =
      problems.length === 1
        ? `--only: ${problems[0]?.message}`
        : ['--only har ' + problems.length + ' fel:', ...problems.map((p) => `  ${p.message}`)].join('\n');
    throw new RegistryError(message, '--only', undefined, problems);
  }
  return all.filter((k) => chosen.has(k));
}

// ---------------------------------------------------------------------------------------------
// --url

/**
 * A stand-in kommun for auditing a single site (`--url`). Its code is "url-" and a short hash of
 * the host (and port) without "www.", so repeated runs on the same site line up; its name is the host.
 * A bare "www.kommun.se" is read as https://www.kommun.se/.
 */
export function kommunFromUrl(url: string): Kommun {
  const value = url.trim();
  const hasScheme = /^[a-z][a-z0-9+.-]*:/i.test(value) && !/^[^/:]+:\d+(\/|$)/.test(value);
  let parsed: URL;
  try {
    parsed = new URL(hasScheme ? value : `https://${value}`);
  } catch {
    throw new RegistryError(
      `--url: "${url}" är ingen giltig webbadress. Skriv hela adressen, till exempel https://www.kommun.se/`,
      '--url',
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new RegistryError(
      `--url: "${url}" måste börja med https:// (eller http://), inte ${parsed.protocol}//.`,
      '--url',
    );
  }
  if (!parsed.hostname || /\s/.test(value)) {
    throw new RegistryError(
      `--url: "${url}" är ingen giltig webbadress. Skriv hela adressen, till exempel https://www.kommun.se/`,
      '--url',
    );
  }
  // The port is part of the identity: two local test sites differ only in it.
  const host = parsed.host.replace(/^www\./, '');
  const hash = createHash('sha256').update(host).digest('hex').slice(0, 8);
  return { kommunkod: `url-${hash}`, namn: parsed.hostname, webbplats: parsed.href };
}
