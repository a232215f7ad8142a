/**
 * Loads rules/ : every `<id>.yaml` is a criterion, `_definitions.yaml` holds the shared terms.
 * Every problem is reported with its file and line, all at once, so that the index team can fix
 * a rule file without reading code.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as cheerio from 'cheerio';
import { isMap, isNode, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { compilePattern } from '../page/text.ts';
import { labelParts } from './labels.ts';
import { DefinitionsSchema, RuleSchema, type Definitions, type Rule } from './schema.ts';

export const DEFAULT_RULES_DIR = resolve(fileURLToPath(new URL('../../rules', import.meta.url)));
const DEFINITIONS_FILE = '_definitions.yaml';

export interface RuleProblem {
  file: string;
  line?: number;
  message: string;
}

export interface RuleSet {
  dir: string;
  rules: Rule[];
  definitions: Definitions;
  /** sha256 over the rule files: which rules judged a run. */
  version: string;
}

export class RulesError extends Error {
  constructor(readonly problems: RuleProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

export function formatProblem(p: RuleProblem): string {
  return `${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`;
}

interface ParsedFile {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

export async function loadRules(dir = DEFAULT_RULES_DIR): Promise<RuleSet> {
  const { ruleSet, problems } = await checkRules(dir);
  if (!ruleSet || problems.length > 0) throw new RulesError(problems);
  return ruleSet;
}

/** Validates every file in dir; returns the rule set only when there is no problem. */
export async function checkRules(dir = DEFAULT_RULES_DIR): Promise<{ ruleSet?: RuleSet; problems: RuleProblem[] }> {
  const problems: RuleProblem[] = [];
  const shown = (file: string) => relative(process.cwd(), join(dir, file)) || file;
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.ya?ml$/i.test(n)).sort();
  } catch {
    return { problems: [{ file: dir, message: 'mappen med regler finns inte eller går inte att läsa' }] };
  }
  if (!names.includes(DEFINITIONS_FILE)) problems.push({ file: shown(DEFINITIONS_FILE), message: 'filen med gemensamma definitioner saknas' });

  const hash = createHash('sha256');
  const parsed: ParsedFile[] = [];
  for (const name of names) {
    const text = await readFile(join(dir, name), 'utf8');
    hash.update(name).update('\0').update(text).update('\0');
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true });
    for (const err of doc.errors) {
      problems.push({ file: shown(name), line: err.linePos?.[0]?.line, message: `YAML-fel: ${err.message.split('\n')[0]}` });
    }
    if (doc.errors.length === 0) parsed.push({ file: name, doc, lines });
  }

  let definitions: Definitions | undefined;
  const defsFile = parsed.find((p) => p.file === DEFINITIONS_FILE);
  if (defsFile) {
    definitions = validate(DefinitionsSchema, defsFile, shown(defsFile.file), problems);
    if (definitions) {
      checkPatterns(definitions, defsFile, shown(defsFile.file), definitions.patterns, problems);
      // Each named pattern on its own line, used or not.
      for (const [name, body] of Object.entries(definitions.patterns)) {
        try {
          compilePattern(expandMacros(body, definitions.patterns));
        } catch (e) {
          problems.push({ file: shown(defsFile.file), line: lineOf(defsFile, ['patterns', name]), message: `patterns.${name}: ogiltigt mönster "${body}": ${(e as Error).message}` });
        }
      }
      for (const name of Object.keys(definitions.labels ?? {})) {
        if (!(name in definitions.patterns)) problems.push({ file: shown(defsFile.file), line: lineOf(defsFile, ['labels', name]), message: `labels.${name}: det finns inget mönster ${name} under patterns` });
      }
    }
  }

  const rules: Rule[] = [];
  const seen = new Map<string, string>();
  for (const p of parsed) {
    if (p.file === DEFINITIONS_FILE || p.file.startsWith('_')) continue;
    const rule = validate(RuleSchema, p, shown(p.file), problems);
    // Patterns and selectors are checked even when the schema is not met: every problem at once.
    if (definitions) checkPatterns(p.doc.toJS(), p, shown(p.file), definitions.patterns, problems);
    if (!rule) continue;
    const expected = basename(p.file).replace(/\.ya?ml$/i, '');
    if (rule.id !== expected) problems.push({ file: shown(p.file), line: lineOf(p, ['id']), message: `id "${rule.id}" stämmer inte med filnamnet; döp filen till ${rule.id}.yaml eller ändra id` });
    const earlier = seen.get(rule.id);
    if (earlier) problems.push({ file: shown(p.file), line: lineOf(p, ['id']), message: `id "${rule.id}" finns redan i ${earlier}; varje kriterium ska ha ett eget id` });
    seen.set(rule.id, shown(p.file));
    // The trail of a fail names each part of a rule; unnamed parts are named from what they look for.
    labelParts([rule.pass, rule.partial], definitions?.labels ?? {});
    rules.push(rule);
  }
  if (rules.length === 0 && problems.length === 0) problems.push({ file: dir, message: 'inga regelfiler hittades' });

  if (problems.length > 0 || !definitions) return { problems };
  return { ruleSet: { dir, rules, definitions, version: `sha256:${hash.digest('hex')}` }, problems };
}

function validate<T>(schema: z.ZodType<T>, p: ParsedFile, shownName: string, problems: RuleProblem[]): T | undefined {
  const r = schema.safeParse(p.doc.toJS());
  if (r.success) return r.data;
  for (const issue of r.error.issues) {
    const path = issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k));
    const where = path.length ? `${path.join('.')}: ` : '';
    let message = issue.message;
    let line = lineOf(p, path);
    // A condition's issues are re-raised as custom ones (schema.ts), but they keep their keys.
    const keys = (issue as { keys?: unknown }).keys;
    if (Array.isArray(keys) && keys.length > 0) {
      message = `okänd nyckel ${keys.map((k) => `"${String(k)}"`).join(', ')} (stavfel?)`;
      // Point at the unknown key itself, not at the map that holds it.
      line = lineOf(p, [...path, String(keys[0])]) ?? line;
    }
    if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) message = 'saknas';
    problems.push({ file: shownName, line, message: `${where}${message}` });
  }
  return undefined;
}

/**
 * The line of the deepest part of the path that exists in the YAML document: a key's own line
 * (so an unknown or misspelt key is found where it is written), a sequence item's line, and for a
 * missing key the line of the key that should hold it.
 */
function lineOf(p: ParsedFile, path: Array<string | number>): number | undefined {
  const line = (offset: number) => p.lines.linePos(offset).line;
  for (let n = path.length; n >= 0; n--) {
    if (n > 0) {
      const parent = n === 1 ? p.doc.contents : p.doc.getIn(path.slice(0, n - 1), true);
      if (isMap(parent)) {
        const pair = parent.items.find((it) => isScalar(it.key) && String(it.key.value) === String(path[n - 1]));
        if (pair && isNode(pair.key) && pair.key.range) return line(pair.key.range[0]);
        continue;
      }
    }
    const node = n === 0 ? p.doc.contents : p.doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return line(node.range[0]);
  }
  return undefined;
}

const PATTERN_KEYS = new Set(['nearUnless', 'list', 'breadcrumb', 'text', 'near', 'unless', 'href', 'target', 'count', 'title', 'heading', 'url', 'lang', 'linkText', 'aboutText', 'alsoHeading', 'notUrl', 'notTitle', 'notOgType', 'notBreadcrumb']);

/** Every pattern must compile once its {macros} are expanded; every selector must parse. */
function checkPatterns(value: unknown, p: ParsedFile, shownName: string, macros: Record<string, string>, problems: RuleProblem[], path: Array<string | number> = []): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkPatterns(v, p, shownName, macros, problems, [...path, i]));
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, v] of Object.entries(value)) {
    const here = [...path, key];
    // A rule's own title (top level) is a name, not a pattern.
    if (typeof v === 'string' && PATTERN_KEYS.has(key) && path.length > 0 && path[0] !== 'reasons') {
      try {
        compilePattern(expandMacros(v, macros));
      } catch (e) {
        problems.push({ file: shownName, line: lineOf(p, here), message: `${here.join('.')}: ogiltigt mönster "${v}": ${(e as Error).message}` });
      }
    } else if (typeof v === 'string' && (key === 'element' || key === 'notElement')) {
      try {
        cheerio.load('<p></p>')(v);
      } catch (e) {
        problems.push({ file: shownName, line: lineOf(p, here), message: `${here.join('.')}: ogiltig CSS-selektor "${v}": ${(e as Error).message}` });
      }
    } else if (key !== 'patterns') {
      checkPatterns(v, p, shownName, macros, problems, here);
    }
  }
}

export class UnknownMacroError extends Error {}

/** Replaces {name} with the named pattern of _definitions.yaml; {2,3}-style quantifiers stay. */
export function expandMacros(pattern: string, macros: Record<string, string>): string {
  return pattern.replace(/\{([a-z][a-z0-9-]*)\}/g, (_, name: string) => {
    const body = macros[name];
    if (body === undefined) throw new UnknownMacroError(`okänt namngivet mönster {${name}}; finns: ${Object.keys(macros).map((m) => `{${m}}`).join(', ')}`);
    return `(?:${expandMacros(body, macros)})`;
  });
}
