/**
 * The words a person reads for a condition: its own `label`, or one derived from what it looks
 * for. The search trail of a fail lists, per candidate page, which parts of a rule the page has
 * and which it lacks, so every part needs a name a kommun's web editor understands.
 */
import type { Condition, Scope } from './schema.ts';

/** Labels of the named patterns of _definitions.yaml: `{phone}` reads "telefonnummer". */
export type PatternLabels = Record<string, string>;

/**
 * The parts a rule's condition is reported by: the items of a top-level all, any or samePage, or
 * the condition itself. A label on the combinator makes it one part: the author chose one name.
 */
export function topLevelParts(cond: Condition): Condition[] {
  if (cond.label) return [cond];
  if ('all' in cond) return cond.all;
  if ('any' in cond) return cond.any;
  if ('samePage' in cond) return cond.samePage;
  return [cond];
}

/**
 * Gives every top-level part of the rule's conditions a label, derived where the rule file has
 * none (done by the loader, which knows the labels of the named patterns).
 */
export function labelParts(conds: Array<Condition | undefined>, patterns: PatternLabels): void {
  for (const cond of conds) {
    if (!cond) continue;
    for (const part of topLevelParts(cond)) if (!part.label) part.label = shortened(labelOf(part, patterns));
  }
}

export function labelOf(cond: Condition, patterns: PatternLabels = {}): string {
  return cond.label ?? derived(cond, patterns);
}

/**
 * A part the trail judges once for the whole site rather than page by page: clicks and search
 * have no page of their own, and a condition with a scope of its own looks at other pages than
 * the rule's candidates.
 */
export function isSiteWide(cond: Condition, ruleScope: Scope): boolean {
  if ('clicks' in cond || 'search' in cond) return true;
  if ('scope' in cond && cond.scope && cond.scope !== ruleScope) return true;
  const children = 'all' in cond ? cond.all : 'any' in cond ? cond.any : 'samePage' in cond ? cond.samePage : 'not' in cond ? [cond.not] : [];
  return children.some((c) => isSiteWide(c, ruleScope));
}

function derived(cond: Condition, patterns: PatternLabels): string {
  const each = (list: Condition[]) => list.map((c) => labelOf(c, patterns));
  if ('all' in cond) return listed(each(cond.all), 'och');
  if ('samePage' in cond) return `${listed(each(cond.samePage), 'och')} på samma sida`;
  if ('any' in cond) return listed(each(cond.any), 'eller');
  if ('not' in cond) return `inte ${labelOf(cond.not, patterns)}`;
  if ('clicks' in cond) return `en hemtjänstsida högst ${cond.clicks.max} klick från startsidan`;
  if ('search' in cond) return `en hemtjänstsida bland de ${cond.search.top} första träffarna i webbplatsens sökning`;
  // element before text: an element condition may carry a text pattern of its own.
  if ('element' in cond) return cond.text ? `en knapp eller ett element med ${words(cond.text, patterns)}` : `elementet ${quoted(cond.element)}`;
  if ('text' in cond) return cond.near ? `${words(cond.text, patterns)} nära ${words(cond.near, patterns)}` : words(cond.text, patterns);
  if ('count' in cond) return `minst ${cond.min} olika: ${words(cond.count, patterns)}`;
  if ('list' in cond) return `en lista med minst ${cond.min} punkter under rubriken ${words(cond.list, patterns)}`;
  if ('link' in cond) return linkLabel(cond.link, patterns);
  return pageLabel(cond.page, patterns);
}

function linkLabel(link: Extract<Condition, { link: unknown }>['link'], patterns: PatternLabels): string {
  const to = { eservice: 'länk till en e-tjänst', document: 'länk till ett dokument (PDF, Word)', page: 'länk till en sida', any: 'länk' }[link.to ?? 'any'];
  const what = [
    link.text ? `med texten ${words(link.text, patterns)}` : '',
    link.href ? `med adressen ${words(link.href, patterns)}` : '',
    link.target ? `till en sida om ${words(link.target, patterns)}` : '',
  ].filter(Boolean);
  return [to, ...what].join(' ');
}

function pageLabel(page: Extract<Condition, { page: unknown }>['page'], patterns: PatternLabels): string {
  const said = [
    page.title ? `titeln ${words(page.title, patterns)}` : '',
    page.heading ? `rubriken ${words(page.heading, patterns)}` : '',
    page.url ? `adressen ${words(page.url, patterns)}` : '',
    page.lang ? `språket ${words(page.lang, patterns)}` : '',
    page.breadcrumb ? `brödsmulan ${words(page.breadcrumb, patterns)}` : '',
  ].filter(Boolean);
  return `en sida med ${listed(said, 'och')}`;
}

const SHOWN_WORDS = 3;

/**
 * A pattern in words: each named pattern by its label, plain words quoted, the first few of them;
 * the pattern's own source, shortened, only when it has no plain word at all.
 */
export function words(pattern: string, patterns: PatternLabels = {}): string {
  const items: string[] = [];
  let skipped = false;
  for (const alt of alternatives(pattern)) {
    const macro = /^\{([a-z][a-z0-9-]*)\}$/.exec(alt);
    const plain = alt.replace(/\\b|\^|\$/g, '').trim();
    if (macro) items.push(patterns[macro[1]!] ?? macro[1]!);
    else if (/^[\p{L}\p{N}][\p{L}\p{N} .'-]*$/u.test(plain)) items.push(quoted(plain));
    else skipped = true;
  }
  if (items.length === 0) return quoted(pattern.length > 40 ? `${pattern.slice(0, 39)}…` : pattern);
  if (items.length > SHOWN_WORDS || skipped) return `${items.slice(0, SHOWN_WORDS).join(', ')} m.fl.`;
  return listed(items, 'eller');
}

/** The top-level alternatives of a regular expression (a | inside parentheses or a class stays). */
function alternatives(pattern: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inClass = false;
  let from = 0;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') i++;
    else if (inClass) inClass = ch !== ']';
    else if (ch === '[') inClass = true;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === '|' && depth === 0) {
      out.push(pattern.slice(from, i));
      from = i + 1;
    }
  }
  out.push(pattern.slice(from));
  return out;
}

const MAX_LABEL = 100;

function shortened(label: string): string {
  return label.length > MAX_LABEL ? `${label.slice(0, MAX_LABEL - 1)}…` : label;
}

function quoted(s: string): string {
  return `”${s}”`;
}

/** "a", "a eller b", "a, b eller c". */
function listed(items: string[], conjunction: 'och' | 'eller'): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}
