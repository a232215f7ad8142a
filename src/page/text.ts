/**
 * Text normalisation and Swedish-aware pattern compilation, shared by extraction and rules.
 */

const INVISIBLE = /[\u00AD\u200B-\u200D\u2060\uFEFF]/g;
const SPACES = /[\s\u00A0\u2000-\u200A\u202F\u205F\u3000]+/g;

/** NFC, no soft hyphens or zero-width characters, one space for any run of white space. */
export function normalizeInline(text: string): string {
  return text.normalize('NFC').replace(INVISIBLE, '').replace(SPACES, ' ').trim();
}

/** Like normalizeInline but keeps line breaks (block boundaries), collapsing blank runs. */
export function normalizeBlock(text: string): string {
  return text
    .normalize('NFC')
    .replace(INVISIBLE, '')
    .split('\n')
    .map((line) => line.replace(SPACES, ' ').trim())
    .filter((line) => line.length > 0)
    .join('\n');
}

/** For loose comparisons of names and terms: lower case, no diacritics (Höganäs ~ hoganas). */
export function foldDiacritics(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().trim();
}

// JavaScript's \b only knows ASCII word characters, so "\bälder" would never match. Rule authors
// write \b and get a boundary that knows å, ä and ö.
const UNICODE_BOUNDARY = '(?:(?<=[\\p{L}\\p{N}])(?![\\p{L}\\p{N}])|(?<![\\p{L}\\p{N}])(?=[\\p{L}\\p{N}]))';

/** Compiles a rule pattern: case-insensitive, Unicode, NFC, with a Swedish-aware \b. */
export function compilePattern(source: string, flags = ''): RegExp {
  const rewritten = source.normalize('NFC').replace(/\\\\|\\b/g, (m) => (m === '\\b' ? UNICODE_BOUNDARY : m));
  const all = new Set(['i', 'u', ...flags]);
  return new RegExp(rewritten, [...all].join(''));
}

/** An excerpt of about `radius` characters either side of [start, end), cut at word boundaries. */
export function excerptAround(text: string, start: number, end: number, radius = 120): string {
  let from = Math.max(0, start - radius);
  let to = Math.min(text.length, end + radius);
  if (from > 0) {
    const space = text.indexOf(' ', from);
    if (space !== -1 && space < start) from = space + 1;
  }
  if (to < text.length) {
    const space = text.lastIndexOf(' ', to);
    if (space > end) to = space;
  }
  const body = text.slice(from, to).replace(/\s*\n\s*/g, ' … ').trim();
  return `${from > 0 ? '…' : ''}${body}${to < text.length ? '…' : ''}`;
}
