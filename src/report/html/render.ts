/**
 * Writes DIR/rapport/: index.html (every kommun) and <kommunkod>.html (one per kommun), from
 * DIR/results.json alone — written at the end of every audit and re-made by
 * `granska report --from DIR`. The folder only links to itself and to DIR/evidence/, so it works
 * from file://, zipped or mailed.
 */
import { createHash } from 'node:crypto';
import { open, readdir, realpath, rm, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { loadRegistry } from '../../registry/registry.ts';
import { DEFAULT_RULES_DIR, loadRules, type RuleSet } from '../../rules/loader.ts';
import { writeFileAtomic } from '../../util/atomic-write.ts';
import { readResults } from '../read-results.ts';
import type { Results } from '../results-schema.ts';
import type { ReportContext, RuleText, Screenshot } from './context.ts';
import { localUrl } from './html.ts';
import { renderKommun } from './kommun.ts';
import { renderNational } from './national.ts';

export const REPORT_FOLDER = 'rapport';

export interface HtmlReportOptions {
  /** The rules that judged the run (for descriptions and hints); default: load `rulesDir`. */
  rules?: RuleSet;
  /** Where to load the rules from when `rules` is not given; default rules/. */
  rulesDir?: string;
  /** The kommuner of the run with their län (the registry the audit read); the bundled registry fills in the rest. */
  kommuner?: Array<{ kommunkod: string; lan?: string | undefined }>;
  /** Warnings (rules that could not be read, screenshots missing). */
  log?: (line: string) => void;
}

export interface HtmlReportFiles {
  dir: string;
  index: string;
  kommuner: string[];
}

export async function writeHtmlReport(dir: string, opts: HtmlReportOptions = {}): Promise<HtmlReportFiles> {
  const log = opts.log ?? (() => {});
  const { results } = await readResults(dir);
  const ctx = await buildContext(dir, results, opts, log);
  const out = join(dir, REPORT_FOLDER);

  const written = new Set<string>(['index.html']);
  await writeFileAtomic(join(out, 'index.html'), renderNational(ctx));
  const kommuner: string[] = [];
  for (const k of results.kommuner) {
    const name = ctx.pageOf(k.kommunkod);
    written.add(name);
    await writeFileAtomic(join(out, name), renderKommun(ctx, k));
    kommuner.push(join(out, name));
  }
  // Pages of kommuner that are no longer in the run would mislead; only .html files of ours go.
  for (const name of await readdir(out)) {
    if (name.endsWith('.html') && !written.has(name)) await rm(join(out, name), { force: true });
  }
  return { dir: out, index: join(out, 'index.html'), kommuner };
}

/** writeHtmlReport for the end of an audit: results.json is written, so a failed report is a warning. */
export async function writeHtmlReportOrWarn(dir: string, opts: HtmlReportOptions, log: (line: string) => void): Promise<HtmlReportFiles | null> {
  try {
    const files = await writeHtmlReport(dir, { ...opts, log });
    log(`Rapport: ${join(files.dir, 'index.html')}`);
    return files;
  } catch (e) {
    log(`Varning: rapporten (${join(dir, REPORT_FOLDER)}) kunde inte skrivas: ${(e as Error).message}. Skriv den igen med: granska report --from ${dir}`);
    return null;
  }
}

async function buildContext(dir: string, results: Results, opts: HtmlReportOptions, log: (line: string) => void): Promise<ReportContext> {
  const rules = await rulesFor(opts, log);
  const runRules = new Map(results.run.rules.map((r) => [r.id, r as { id: string; title?: unknown }]));
  const ruleText = (id: string): RuleText => {
    const rule = rules?.rules.find((r) => r.id === id);
    const fromRun = runRules.get(id);
    const title = rule?.title ?? (typeof fromRun?.title === 'string' ? fromRun.title : id);
    return { title, ...(rule?.description ? { description: rule.description.trim() } : {}), ...(rule?.hint ? { hint: rule.hint.trim() } : {}) };
  };

  const lan = new Map<string, string>();
  try {
    for (const k of await loadRegistry()) if (k.lan) lan.set(k.kommunkod, k.lan);
  } catch {
    // The bundled registry is part of the program; without it län shows as unknown.
  }
  for (const k of opts.kommuner ?? []) if (k.lan) lan.set(k.kommunkod, k.lan);

  const pages = pageNames(results.kommuner.map((k) => k.kommunkod));
  const screenshots = await checkScreenshots(dir, results, log);

  return {
    results,
    lanOf: (kod) => lan.get(kod) ?? null,
    rule: ruleText,
    pageOf: (kod) => pages.get(kod) ?? 'index.html',
    screenshot: (path) => (path ? (screenshots.get(path) ?? null) : null),
  };
}

async function rulesFor(opts: HtmlReportOptions, log: (line: string) => void): Promise<RuleSet | null> {
  if (opts.rules) return opts.rules;
  try {
    return await loadRules(opts.rulesDir ?? DEFAULT_RULES_DIR);
  } catch (e) {
    log(`Varning: regelfilerna kunde inte läsas (${(e as Error).message.split('\n')[0]}); rapporten visar kriteriernas namn men inte beskrivningar och råd.`);
    return null;
  }
}

/** kommunkod → file name; a code that is not a plain name (or is "index") gets a hashed name. */
function pageNames(codes: string[]): Map<string, string> {
  const names = new Map<string, string>();
  const used = new Set<string>(['index.html']);
  for (const kod of codes) {
    if (names.has(kod)) continue;
    const base = /^[0-9A-Za-z_-]{1,40}$/.test(kod) && kod.toLowerCase() !== 'index' ? kod : `kommun-${createHash('sha256').update(kod).digest('hex').slice(0, 12)}`;
    let name = `${base}.html`;
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${base}-${n}.html`;
    used.add(name.toLowerCase());
    names.set(kod, name);
  }
  return names;
}

/**
 * Every screenshot path of results.json that is a plain relative path to an image inside DIR
 * and exists there. Anything else (absolute, "..", a URL, missing) is left out of the pages.
 */
async function checkScreenshots(dir: string, results: Results, log: (line: string) => void): Promise<Map<string, Screenshot>> {
  const found = new Map<string, Screenshot>();
  const paths = new Set<string>();
  for (const k of results.kommuner) for (const c of k.criteria) for (const e of c.evidence) if (typeof e.screenshot === 'string' && e.screenshot) paths.add(e.screenshot);
  if (paths.size === 0) return found;
  const root = await realpath(dir);
  let missing = 0;
  for (const p of paths) {
    const segments = plainImagePath(p);
    if (!segments) continue;
    const file = join(dir, ...segments);
    try {
      const real = await realpath(file);
      const rel = relative(root, real);
      if (rel.startsWith('..') || rel.startsWith(sep)) continue;
      if (!(await stat(real)).isFile()) continue;
      found.set(p, { url: localUrl('..', ...segments), ...(await pngSize(real)) });
    } catch {
      missing++;
    }
  }
  if (missing > 0) log(`Varning: ${missing} skärmbilder som results.json nämner finns inte i ${dir}; rapporten visas utan dem.`);
  return found;
}

function plainImagePath(p: string): string[] | null {
  if (p.length > 1000 || p.includes('\\') || p.includes('\0') || p.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(p)) return null;
  if (!/\.(png|jpe?g|webp)$/i.test(p)) return null;
  const segments = p.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return null;
  return segments;
}

/** Width and height from a PNG's IHDR, so the page does not jump while images load. */
async function pngSize(file: string): Promise<{ width?: number; height?: number }> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(24);
    const { bytesRead } = await fh.read(buf, 0, 24, 0);
    if (bytesRead < 24 || buf.readUInt32BE(0) !== 0x89504e47 || buf.toString('latin1', 12, 16) !== 'IHDR') return {};
    const width = buf.readUInt32BE(16);
    const height = buf.readUInt32BE(20);
    return width > 0 && height > 0 && width < 100_000 && height < 100_000 ? { width, height } : {};
  } finally {
    await fh.close();
  }
}
