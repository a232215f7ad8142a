/**
 * `granska export`: the evidence of a finished run, packed for people who were not there.
 *
 * - `--criterion orosanmalan`: one criterion for every kommun. X/<kommunkod>-<namn>/ holds the
 *   criterion's screenshots, evidence.json (status, points, reason, excerpts, URLs, click paths,
 *   the search trail of a fail), README.txt and index.html in Swedish; X/<criterion>.csv is the
 *   manifest, one row per kommun.
 * - `--kommun 9001` (code or name, as `--only`): every criterion of one kommun, one folder per
 *   criterion, manifest X/<kommunkod>-<namn>.csv with one row per criterion.
 * - Both: the criterion for the chosen kommuner only.
 *
 * Every export holds proveniens.json (tool, rules, browser, User-Agent, run, times, and the sha256
 * of the results.json it came from) and a README.txt. `--zip` writes X.zip instead of the folder.
 * The export is assembled beside its target and moved into place when complete; a folder that
 * holds an earlier granska export is replaced, any other non-empty folder is refused.
 */
import type { Archiver, ArchiverOptions } from 'archiver';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { RegistryError, selectKommuner, type Kommun } from '../registry/registry.ts';
import { readResults } from '../report/read-results.ts';
import { TrailSchema, type CriterionResult, type KommunResult, type Results, type Trail } from '../report/results-schema.ts';
import { candidateSentence, CANDIDATES_INTRO, wholeSiteSentence } from '../report/trail-words.ts';
import { toCsv, type Cell } from '../report/csv.ts';
import { readProvenance, type Provenance } from './provenance.ts';
import { temporaryNameOf } from '../util/atomic-write.ts';

/**
 * archiver 7 (installed) is a CommonJS function; @types/archiver 8 describes archiver 8's classes.
 * Loaded through require so that both shapes work.
 */
type ArchiverModule = ((format: 'zip', options?: ArchiverOptions) => Archiver) | { ZipArchive: new (options?: ArchiverOptions) => Archiver };
const archiverModule = createRequire(import.meta.url)('archiver') as ArchiverModule;
function zipArchive(options: ArchiverOptions): Archiver {
  return typeof archiverModule === 'function' ? archiverModule('zip', options) : new archiverModule.ZipArchive(options);
}

export class ExportInputError extends Error {
  override name = 'ExportInputError';
}

export interface ExportOptions {
  /** The run folder (granska audit --out), or its results.json. */
  from: string;
  /** Folder to write, or with `zip` the .zip file (".zip" is added when missing). Default: DIR/export/<what>. */
  out?: string;
  criterion?: string;
  /** Codes or names, comma-separated, as `--only`. */
  kommun?: string;
  zip?: boolean;
  /** The command line as typed, for proveniens.json. */
  command?: string;
  log?: (line: string) => void;
}

export interface ExportOutcome {
  /** The folder or .zip written. */
  path: string;
  mode: 'criterion' | 'kommun';
  /** Rows of the manifest (= subfolders). */
  rows: number;
  screenshots: number;
  warnings: string[];
}

export const STATUS_WORDS: Record<string, string> = {
  pass: 'Uppfyllt',
  partial: 'Delvis uppfyllt',
  fail: 'Ej uppfyllt',
  manual: 'Kräver manuell granskning',
  error: 'Kunde inte granskas',
};

/** Named as in results.csv (src/report/tables.ts) where the two overlap. */
export const MANIFEST_HEADER = ['kommunkod', 'namn', 'kriterium', 'kriteriestatus', 'bedömning', 'kriteriepoäng', 'vikt', 'bevis_url', 'klick', 'klickväg', 'utdrag', 'skärmbild', 'antal_belägg', 'skäl'];

interface Item {
  /** Subfolder of the export. */
  folder: string;
  kommun: KommunResult;
  criterion: CriterionResult;
}

export async function runExport(opts: ExportOptions): Promise<ExportOutcome> {
  const { file: resultsFile, results } = await readResults(opts.from);
  const runDir = dirname(resultsFile);
  const criterionIds = criterionIdsOf(results);
  const titles = new Map(results.run.rules.map((r) => [r.id, typeof (r as { title?: unknown }).title === 'string' ? String((r as { title?: unknown }).title) : r.id]));

  if (!opts.criterion && !opts.kommun) {
    throw new ExportInputError('Ange vad som ska exporteras: --criterion <id> (ett kriterium för alla kommuner) eller --kommun <kod eller namn> (alla kriterier för en kommun).');
  }
  if (opts.criterion && !criterionIds.includes(opts.criterion)) {
    throw new ExportInputError(`Det finns inget kriterium "${opts.criterion}" i granskningen. Kriterierna är: ${criterionIds.join(', ')}.`);
  }
  const kommuner = opts.kommun ? chooseKommuner(results, opts.kommun) : results.kommuner;
  if (!opts.criterion && kommuner.length !== 1) {
    throw new ExportInputError(`--kommun utan --criterion exporterar alla kriterier för en kommun, men "${opts.kommun}" valde ${kommuner.length}: ${kommuner.map((k) => `${k.kommunkod} ${k.namn}`).join(', ')}. Ange en kommun, eller lägg till --criterion.`);
  }

  const mode: ExportOutcome['mode'] = opts.criterion ? 'criterion' : 'kommun';
  const items: Item[] = [];
  if (opts.criterion) {
    for (const k of kommuner) items.push({ folder: kommunFolder(k), kommun: k, criterion: criterionOf(k, opts.criterion) });
  } else {
    const k = kommuner[0]!;
    for (const id of criterionIds) items.push({ folder: id, kommun: k, criterion: criterionOf(k, id) });
  }
  const name = opts.criterion ? (opts.kommun && kommuner.length === 1 ? `${opts.criterion}-${kommunFolder(kommuner[0]!)}` : opts.criterion) : kommunFolder(kommuner[0]!);
  const target = resolve(opts.out ?? join(runDir, 'export', name));
  const writer = opts.zip ? await ZipWriter.open(target.endsWith('.zip') ? target : `${target}.zip`) : await FolderWriter.open(target);

  const provenance = await readProvenance(runDir);
  const warnings: string[] = [];
  let screenshots = 0;
  const rows: Cell[][] = [];
  try {
    for (const item of items) {
      const copied = await copyScreenshots(item, runDir, writer, warnings);
      screenshots += copied.count;
      const title = titles.get(item.criterion.id) ?? item.criterion.id;
      const evidence = item.criterion.evidence.map((e, i) => ({ ...e, screenshot: copied.local[i] ?? null, ...(e.screenshot ? { screenshotSource: e.screenshot } : {}), ...(copied.sha[i] ? { screenshotSha256: copied.sha[i] } : {}) }));
      const trail = trailOf(item.criterion);
      const doc = {
        kommun: { kommunkod: item.kommun.kommunkod, namn: item.kommun.namn, webbplats: item.kommun.webbplats, status: item.kommun.status, score: item.kommun.score, rank: item.kommun.rank, reason: item.kommun.reason },
        criterion: { id: item.criterion.id, title, weight: item.criterion.weight },
        status: item.criterion.status,
        statusText: STATUS_WORDS[item.criterion.status] ?? item.criterion.status,
        points: item.criterion.points,
        weight: item.criterion.weight,
        reason: item.criterion.reason,
        evidence,
        ...(trail.raw !== undefined ? { trail: trail.raw } : {}),
        run: { id: results.run.id, startedAt: results.run.startedAt, finishedAt: results.run.finishedAt },
      };
      await writer.write(`${item.folder}/evidence.json`, `${JSON.stringify(doc, null, 2)}\n`);
      await writer.write(`${item.folder}/README.txt`, readmeText(item, title, copied.local, trail.parsed, provenance));
      await writer.write(`${item.folder}/index.html`, indexHtml(item, title, copied.local, trail.parsed, provenance));

      const first = item.criterion.evidence[0];
      const firstShot = copied.local.find((s) => s);
      rows.push([
        item.kommun.kommunkod,
        item.kommun.namn,
        item.criterion.id,
        item.criterion.status,
        STATUS_WORDS[item.criterion.status] ?? item.criterion.status,
        item.criterion.points,
        item.criterion.weight,
        first?.url,
        first?.clicks,
        first?.path?.join(' › '),
        first?.excerpt,
        firstShot ? `${item.folder}/${firstShot}` : '',
        item.criterion.evidence.length,
        item.criterion.reason,
      ]);
    }
    const manifest = opts.criterion ? `${opts.criterion}.csv` : `${kommunFolder(kommuner[0]!)}.csv`;
    await writer.write(manifest, toCsv(MANIFEST_HEADER, rows));
    const resultsSha = `sha256:${createHash('sha256').update(await readFile(resultsFile)).digest('hex')}`;
    await writer.write(
      'proveniens.json',
      `${JSON.stringify(
        {
          beskrivning: 'Belägg ur en granskning med granska: vilket verktyg och vilka regler som bedömde, med vilken webbläsare och User-Agent, i vilken körning och när.',
          ...provenance,
          export: {
            createdAt: new Date().toISOString(),
            ...(opts.command ? { command: opts.command } : {}),
            ...(opts.criterion ? { criterion: opts.criterion } : {}),
            ...(opts.kommun ? { kommun: kommuner.map((k) => k.kommunkod) } : {}),
            manifest,
            resultsSha256: resultsSha,
          },
        },
        null,
        2,
      )}\n`,
    );
    await writer.write('README.txt', topReadme(mode, opts.criterion ? titles.get(opts.criterion) ?? opts.criterion : null, kommuner, manifest, rows.length, provenance));
    const path = await writer.finish();
    for (const w of warnings) opts.log?.(`Varning: ${w}`);
    return { path, mode, rows: rows.length, screenshots, warnings };
  } catch (e) {
    await writer.abort();
    throw e;
  }
}

function criterionIdsOf(results: Results): string[] {
  const ids = results.run.rules.map((r) => r.id);
  for (const k of results.kommuner) for (const c of k.criteria) if (!ids.includes(c.id)) ids.push(c.id);
  return ids;
}

function chooseKommuner(results: Results, term: string): KommunResult[] {
  const asKommun: Kommun[] = results.kommuner.map((k) => ({ kommunkod: k.kommunkod, namn: k.namn, webbplats: k.webbplats }));
  let chosen: Kommun[];
  try {
    chosen = selectKommuner(asKommun, [term]);
  } catch (e) {
    if (e instanceof RegistryError) {
      const lines = e.problems.map((p) => p.message);
      throw new ExportInputError(lines.length === 1 ? `--kommun: ${lines[0]} (bland kommunerna i granskningen)` : ['--kommun har ' + lines.length + ' fel (bland kommunerna i granskningen):', ...lines.map((l) => `  ${l}`)].join('\n'));
    }
    throw e;
  }
  const codes = new Set(chosen.map((k) => k.kommunkod));
  const out = results.kommuner.filter((k) => codes.has(k.kommunkod));
  if (out.length === 0) throw new ExportInputError(`--kommun "${term}" valde ingen kommun i granskningen.`);
  return out;
}

/** The criterion's result; a kommun without it (a rule added after the run) gets an explicit stand-in. */
function criterionOf(k: KommunResult, id: string): CriterionResult {
  return k.criteria.find((c) => c.id === id) ?? { id, status: 'error', weight: 0, points: 0, reason: 'Kriteriet bedömdes inte för den här kommunen i granskningen', evidence: [] };
}

/** "9001-ekebyhult-kommun": the code and the name without diacritics, safe as a file name everywhere. */
export function kommunFolder(k: { kommunkod: string; namn: string }): string {
  return `${safeName(k.kommunkod)}-${slug(k.namn)}`.replace(/-$/, '');
}

export function slug(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_');
}

function trailOf(c: CriterionResult): { raw: unknown; parsed: Trail | null } {
  const raw = (c as { trail?: unknown }).trail;
  if (raw === undefined || raw === null) return { raw: undefined, parsed: null };
  const parsed = TrailSchema.safeParse(raw);
  return { raw, parsed: parsed.success ? parsed.data : null };
}

/**
 * Copies the screenshots of one criterion into its folder. `local[i]` is the file name of
 * evidence i's screenshot in the folder (null when it has none or the file is missing).
 */
async function copyScreenshots(item: Item, runDir: string, writer: Writer, warnings: string[]): Promise<{ local: Array<string | null>; sha: Array<string | null>; count: number }> {
  const local: Array<string | null> = [];
  const sha: Array<string | null> = [];
  const done = new Map<string, { name: string; sha: string } | null>();
  const used = new Set<string>();
  for (const e of item.criterion.evidence) {
    const rel = typeof e.screenshot === 'string' && e.screenshot ? e.screenshot : null;
    if (!rel) {
      local.push(null);
      sha.push(null);
      continue;
    }
    if (!done.has(rel)) {
      const src = resolve(runDir, rel);
      const inside = relative(runDir, src);
      if (isAbsolute(rel) || inside.startsWith('..') || isAbsolute(inside)) {
        warnings.push(`${item.kommun.kommunkod} ${item.criterion.id}: skärmbilden ${rel} ligger utanför granskningens mapp och togs inte med`);
        done.set(rel, null);
      } else {
        try {
          const bytes = await readFile(src);
          let name = safeName(basename(rel));
          for (let n = 2; used.has(name); n++) name = safeName(basename(rel)).replace(/(\.[^.]*)?$/, `-${n}$1`);
          used.add(name);
          await writer.write(`${item.folder}/${name}`, bytes);
          done.set(rel, { name, sha: `sha256:${createHash('sha256').update(bytes).digest('hex')}` });
        } catch {
          warnings.push(`${item.kommun.kommunkod} ${item.criterion.id}: skärmbilden ${rel} saknas`);
          done.set(rel, null);
        }
      }
    }
    const got = done.get(rel) ?? null;
    local.push(got?.name ?? null);
    sha.push(got?.sha ?? null);
  }
  return { local, sha, count: [...done.values()].filter(Boolean).length };
}

// ---------------------------------------------------------------------------------------------
// Texts

const DATE_TIME = new Intl.DateTimeFormat('sv-SE', { dateStyle: 'long', timeStyle: 'medium', timeZone: 'Europe/Stockholm' });

function when(iso: string | null | undefined): string {
  if (!iso) return 'okänd tid';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : DATE_TIME.format(d);
}

function points(n: number): string {
  return String(Math.round(n * 100) / 100).replace('.', ',');
}

function clicksText(clicks: number | null | undefined, path: string[] | null | undefined): string {
  if (clicks === null || clicks === undefined) return 'nåddes inte med klick från startsidan (hittades via webbplatskartan, sökningen eller en länk i ett dokument)';
  const n = clicks === 0 ? 'startsidan själv' : clicks === 1 ? '1 klick från startsidan' : `${clicks} klick från startsidan`;
  return path && path.length > 0 ? `${n}: ${path.join(' › ')}` : n;
}

function searchText(s: NonNullable<Trail['search']>): string {
  const outcome: Record<string, string> = {
    done: `${s.hits.length} träffar lästes`,
    'no-form': 'webbplatsen har ingen sökfunktion',
    disallowed: 'sökningen är förbjuden i robots.txt',
    failed: 'sökningen svarade inte',
  };
  return `sökning på "${s.query}": ${outcome[s.outcome] ?? s.outcome}`;
}

function provenanceLine(p: Provenance): string {
  const parts = [`${p.tool.name} ${p.tool.version}`];
  if (p.rulesVersion) parts.push(`regelversion ${p.rulesVersion}`);
  if (p.browser) parts.push(`webbläsare ${p.browser}`);
  if (p.run.id) parts.push(`körning ${p.run.id}`);
  parts.push(`${when(p.run.startedAt)} – ${when(p.run.finishedAt)}`);
  return `Granskat med ${parts.join(', ')}. User-Agent: ${p.userAgent ?? 'okänd'}.`;
}

function readmeText(item: Item, title: string, shots: Array<string | null>, trail: Trail | null, p: Provenance): string {
  const c = item.criterion;
  const k = item.kommun;
  const head = `${k.namn} (${k.kommunkod}) – ${title}`;
  const lines = [head, '='.repeat(head.length), ''];
  lines.push(`Kriterium:   ${c.id} (vikt ${points(c.weight)})`);
  lines.push(`Bedömning:   ${STATUS_WORDS[c.status] ?? c.status} – ${points(c.points)} av ${points(c.weight)} poäng`);
  lines.push(`Motivering:  ${c.reason}`);
  lines.push(`Webbplats:   ${k.webbplats}`);
  if (k.status === 'error') lines.push(`Kommunen kunde inte granskas: ${k.reason ?? 'okänt skäl'}`);
  lines.push('');
  c.evidence.forEach((e, i) => {
    lines.push(`Belägg ${i + 1}`);
    lines.push(`  Sida:        ${e.url}`);
    lines.push(`  Klick:       ${clicksText(e.clicks, e.path)}`);
    lines.push(`  Utdrag:      ${e.excerpt}`);
    lines.push(`  Skärmbild:   ${shots[i] ?? (e.screenshot ? 'saknas' : 'ingen')}`);
    lines.push(`  Hämtad:      ${when(e.capturedAt)}`);
    if (e.snapshot) lines.push(`  Ögonblicksbild: ${e.snapshot}`);
    const redirects = (e as { redirects?: Array<{ url: string; status: number; location: string }> }).redirects;
    if (Array.isArray(redirects) && redirects.length > 0) lines.push(`  Omdirigeringar: ${redirects.map((r) => `${r.url} (${r.status})`).join(' → ')} → ${e.url}`);
    lines.push('');
  });
  if (trail) {
    lines.push(c.status === 'fail' ? 'Så letade granska (inget belägg hittades)' : 'Så letade granska');
    for (const n of trail.notes) lines.push(`  ${n}`);
    if (trail.search) {
      lines.push(`  Webbplatsens ${searchText(trail.search)}${trail.search.resultsUrl ? ` (${trail.search.resultsUrl})` : ''}`);
      for (const h of trail.search.hits) lines.push(`    - ${h.text}: ${h.url}`);
    }
    lines.push(`  Sidor som granskades (${trail.pagesExamined.length}):`);
    for (const pg of trail.pagesExamined) lines.push(`    - ${pg.title || '(utan rubrik)'}, ${clicksText(pg.clicks, null)}: ${pg.url}`);
    if (trail.wholeSite) lines.push(`  ${wholeSiteSentence(trail.wholeSite)}`);
    if (trail.candidates.length) {
      lines.push(`  ${CANDIDATES_INTRO}`);
      for (const cand of trail.candidates) lines.push(`    - ${cand.title || '(utan rubrik)'}, ${candidateWhere(cand)}: ${cand.url}`, `      ${candidateSentence(cand)}`);
    }
    lines.push('');
  } else if ((c as { trail?: unknown }).trail !== undefined) {
    lines.push('Sökspåret finns i evidence.json.', '');
  }
  lines.push('Filer: evidence.json (allt ovan, maskinläsbart), index.html (samma sak att öppna i webbläsaren) och skärmbilderna.');
  lines.push(provenanceLine(p));
  return `${lines.join('\r\n')}\r\n`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

/** Only http(s) addresses become links: the URLs come from kommun websites. */
function link(url: string): string {
  return /^https?:\/\//i.test(url) ? `<a href="${esc(url)}">${esc(url)}</a>` : esc(url);
}

/** "3 klick från startsidan" or, for a document, "länkat dokument". */
function candidateWhere(c: Trail['candidates'][number]): string {
  return c.document ? 'länkat dokument' : clicksText(c.clicks, null);
}

function candidatesHtml(trail: Trail): string {
  if (trail.candidates.length === 0) return '';
  const items = trail.candidates.map((c) => `<li>${esc(c.title || '(utan rubrik)')}, ${esc(candidateWhere(c))}: ${link(c.url)}<br>${esc(candidateSentence(c))}</li>`);
  return `<h3>Varför sidorna inte räckte</h3>
<p>${esc(CANDIDATES_INTRO)}</p>
<ul>${items.join('\n')}</ul>`;
}

function indexHtml(item: Item, title: string, shots: Array<string | null>, trail: Trail | null, p: Provenance): string {
  const c = item.criterion;
  const k = item.kommun;
  const ev = c.evidence
    .map((e, i) => {
      const shot = shots[i];
      return `<section class="belagg">
<h2>Belägg ${i + 1}</h2>
<dl>
<dt>Sida</dt><dd>${link(e.url)}</dd>
<dt>Klick</dt><dd>${esc(clicksText(e.clicks, e.path))}</dd>
<dt>Utdrag</dt><dd><blockquote>${esc(e.excerpt)}</blockquote></dd>
<dt>Hämtad</dt><dd>${esc(when(e.capturedAt))}</dd>
${e.snapshot ? `<dt>Ögonblicksbild</dt><dd><code>${esc(e.snapshot)}</code></dd>` : ''}
</dl>
${shot ? `<figure><a href="${esc(encodeURI(shot))}"><img src="${esc(encodeURI(shot))}" alt="Skärmbild av ${esc(e.url)}"></a><figcaption>${esc(shot)}</figcaption></figure>` : ''}
</section>`;
    })
    .join('\n');
  let trailHtml = '';
  if (trail) {
    const search = trail.search
      ? `<p>Webbplatsens ${esc(searchText(trail.search))}${trail.search.resultsUrl ? ` (${link(trail.search.resultsUrl)})` : ''}</p>${trail.search.hits.length ? `<ul>${trail.search.hits.map((h) => `<li>${esc(h.text)}: ${link(h.url)}</li>`).join('')}</ul>` : ''}`
      : '';
    trailHtml = `<section class="spar">
<h2>${c.status === 'fail' ? 'Så letade granska (inget belägg hittades)' : 'Så letade granska'}</h2>
${trail.notes.map((n) => `<p>${esc(n)}</p>`).join('\n')}
${search}
<h3>Sidor som granskades (${trail.pagesExamined.length})</h3>
<ul>${trail.pagesExamined.map((pg) => `<li>${esc(pg.title || '(utan rubrik)')}, ${esc(clicksText(pg.clicks, null))}: ${link(pg.url)}</li>`).join('\n')}</ul>
${trail.wholeSite ? `<p>${esc(wholeSiteSentence(trail.wholeSite))}</p>` : ''}
${candidatesHtml(trail)}
</section>`;
  }
  return `<!doctype html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`${k.namn} – ${title}`)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;line-height:1.45;color:#1a1a1a}
dt{font-weight:600;margin-top:.4em}dd{margin-left:0}blockquote{margin:.2em 0;padding:.4em .8em;border-left:4px solid #0b4f6c;background:#f3f6f8}
img{max-width:100%;border:1px solid #ccc}.status{font-size:1.2em;font-weight:600}footer{margin-top:3em;font-size:.9em;color:#555}
section{border-top:1px solid #ddd;margin-top:1.5em}
</style>
</head>
<body>
<h1>${esc(k.namn)} (${esc(k.kommunkod)})<br>${esc(title)}</h1>
<p class="status">${esc(STATUS_WORDS[c.status] ?? c.status)} – ${esc(points(c.points))} av ${esc(points(c.weight))} poäng</p>
<p>${esc(c.reason)}</p>
<p>Webbplats: ${link(k.webbplats)}</p>
${k.status === 'error' ? `<p>Kommunen kunde inte granskas: ${esc(k.reason ?? 'okänt skäl')}</p>` : ''}
${ev}
${trailHtml}
<footer><p>${esc(provenanceLine(p))}</p><p>Allt på sidan finns maskinläsbart i <a href="evidence.json">evidence.json</a>.</p></footer>
</body>
</html>
`;
}

function topReadme(mode: ExportOutcome['mode'], criterionTitle: string | null, kommuner: KommunResult[], manifest: string, rows: number, p: Provenance): string {
  const lines =
    mode === 'criterion'
      ? [
          `Belägg för kriteriet ${criterionTitle ?? ''}`.trim(),
          '',
          `${manifest}: en rad per kommun (${rows} st) med bedömning, poäng, sida, klickväg, utdrag och skärmbild.`,
          'Varje kommun har en egen mapp (kommunkod-namn) med skärmbilderna, evidence.json, README.txt och index.html.',
        ]
      : [
          `Belägg för ${kommuner[0]?.namn ?? ''} (${kommuner[0]?.kommunkod ?? ''}), alla kriterier`,
          '',
          `${manifest}: en rad per kriterium (${rows} st) med bedömning, poäng, sida, klickväg, utdrag och skärmbild.`,
          'Varje kriterium har en egen mapp (kriteriets id) med skärmbilderna, evidence.json, README.txt och index.html.',
        ];
  lines.push(
    '',
    'CSV-filen är UTF-8 med semikolon som avgränsare och decimalkomma, så att den öppnas rätt i Excel med svenska inställningar.',
    'Text från webbplatserna som börjar med =, +, - eller @ har fått en apostrof först så att Excel inte läser den som en formel.',
    'proveniens.json: verktyg, regelversion, webbläsare, User-Agent, körning, tider och kontrollsumman för den results.json exporten kommer från.',
    '',
    provenanceLine(p),
  );
  return `${lines.join('\r\n')}\r\n`;
}

// ---------------------------------------------------------------------------------------------
// Where the export goes

interface Writer {
  write(rel: string, data: string | Buffer): Promise<void>;
  finish(): Promise<string>;
  abort(): Promise<void>;
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

function notWritable(target: string, e: unknown): ExportInputError {
  return new ExportInputError(`Det går inte att skriva exporten till ${shown(target)} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Välj en annan plats med --out.`);
}

/** Assembled in a sibling folder, moved into place when complete. */
class FolderWriter implements Writer {
  private constructor(
    private readonly target: string,
    private readonly tmp: string,
    private readonly replace: boolean,
  ) {}

  static async open(target: string): Promise<FolderWriter> {
    let replace = false;
    const info = await stat(target).catch(() => null);
    if (info && !info.isDirectory()) throw new ExportInputError(`${shown(target)} finns redan och är en fil, inte en mapp. Välj en annan plats med --out.`);
    if (info) {
      let entries: string[];
      try {
        entries = await readdir(target);
      } catch (e) {
        throw notWritable(target, e);
      }
      if (entries.length > 0) {
        if (!entries.includes('proveniens.json')) throw new ExportInputError(`Mappen ${shown(target)} finns redan och innehåller annat än en tidigare export från granska. Välj en ny mapp med --out.`);
        replace = true;
      }
    }
    const tmp = join(dirname(target), `.${basename(target)}.granska-${process.pid}-${Date.now()}`);
    try {
      await mkdir(tmp, { recursive: true });
    } catch (e) {
      throw notWritable(target, e);
    }
    return new FolderWriter(target, tmp, replace || Boolean(info));
  }

  async write(rel: string, data: string | Buffer): Promise<void> {
    const file = join(this.tmp, ...rel.split('/'));
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, data);
  }

  async finish(): Promise<string> {
    try {
      if (this.replace) await rm(this.target, { recursive: true, force: true });
      await rename(this.tmp, this.target);
    } catch (e) {
      await this.abort();
      throw notWritable(this.target, e);
    }
    return this.target;
  }

  async abort(): Promise<void> {
    await rm(this.tmp, { recursive: true, force: true });
  }
}

/** One .zip; its entries sit in a folder named like the file, so unzipping makes one folder. */
class ZipWriter implements Writer {
  private readonly archive = zipArchive({ zlib: { level: 9 } });
  private readonly done: Promise<void>;
  private readonly top: string;

  private constructor(
    private readonly target: string,
    private readonly tmp: string,
    stream: NodeJS.WritableStream,
  ) {
    this.top = basename(target).replace(/\.zip$/i, '');
    this.done = new Promise<void>((resolve, reject) => {
      stream.on('close', () => resolve());
      stream.on('error', reject);
      this.archive.on('error', reject);
      this.archive.on('warning', reject);
    });
    this.done.catch(() => {});
    this.archive.pipe(stream);
  }

  static async open(target: string): Promise<ZipWriter> {
    const info = await stat(target).catch(() => null);
    if (info?.isDirectory()) throw new ExportInputError(`${shown(target)} är en mapp. Ange ett filnamn för zip-filen med --out.`);
    const tmp = temporaryNameOf(target);
    try {
      await mkdir(dirname(target), { recursive: true });
      await writeFile(tmp, '');
    } catch (e) {
      throw notWritable(target, e);
    }
    return new ZipWriter(target, tmp, createWriteStream(tmp));
  }

  async write(rel: string, data: string | Buffer): Promise<void> {
    this.archive.append(typeof data === 'string' ? Buffer.from(data, 'utf8') : data, { name: `${this.top}/${rel}`, date: new Date() });
  }

  async finish(): Promise<string> {
    try {
      await this.archive.finalize();
      await this.done;
      await rename(this.tmp, this.target);
    } catch (e) {
      await this.abort();
      throw notWritable(this.target, e);
    }
    return this.target;
  }

  async abort(): Promise<void> {
    this.archive.abort();
    await rm(this.tmp, { force: true });
  }
}
