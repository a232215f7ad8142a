/**
 * Safe HTML by construction. Every page of the report is built with the `html` tagged template:
 * an interpolation is escaped unless it is itself the output of `html` (or one of the few trusted
 * constants below), so text from a kommun website — an excerpt, a page title, a URL — can only
 * ever become text. Where an interpolation sits in a URL attribute (href, src) the template
 * accepts nothing but a `SafeUrl`, which only `httpUrl` (http and https) and `localUrl` (a
 * relative path inside the report folder) make; and it refuses an interpolation in an event
 * handler or style attribute altogether. Those are programming errors, so they throw.
 */

/** A finished piece of markup. Only this module makes one from a string. */
export class Html {
  readonly #value: string;
  constructor(value: string, key: symbol) {
    if (key !== TRUSTED) throw new Error('Html kan bara skapas av html`…`');
    this.#value = value;
  }
  toString(): string {
    return this.#value;
  }
}

/** A URL fit for href/src: http(s) or a relative path inside the report. */
export class SafeUrl {
  readonly #value: string;
  constructor(value: string, key: symbol) {
    if (key !== TRUSTED) throw new Error('SafeUrl kan bara skapas av httpUrl() eller localUrl()');
    this.#value = value;
  }
  toString(): string {
    return this.#value;
  }
}

const TRUSTED = Symbol('trusted');

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** The one escaping helper: text to HTML text or attribute value (always written in double quotes). */
export function escapeHtml(text: string): string {
  // Control characters other than tab and newlines are not allowed in HTML; show them as U+FFFD.
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\ufffd');
}

export type Interpolation = Html | SafeUrl | string | number | null | undefined | false | readonly Interpolation[];

/** Markup with every interpolation escaped (arrays are joined, null/undefined/false are empty). */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) {
    const before = strings[i]!;
    const value = values[i];
    if (/\s(?:href|src|action|formaction|srcset|poster|data)\s*=\s*"?$/i.test(before)) {
      if (!(value instanceof SafeUrl)) throw new Error(`html\`…\`: en adress i ett attribut måste vara en SafeUrl (efter "${before.slice(-40)}")`);
    } else if (/\s(?:on[a-z]+|style)\s*=\s*"?$/i.test(before)) {
      throw new Error(`html\`…\`: inga värden i händelse- eller style-attribut (efter "${before.slice(-40)}")`);
    }
    out += render(value) + strings[i + 1]!;
  }
  return new Html(out, TRUSTED);
}

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.toString();
  if (value instanceof SafeUrl) return escapeHtml(value.toString());
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** Joins pieces of markup with a separator (escaped if it is a string). */
export function join(parts: readonly Interpolation[], separator: Interpolation): Html {
  return new Html(parts.map(render).join(render(separator)), TRUSTED);
}

/**
 * Markup written by this program, never by data: the inline script and style sheet. Use only
 * with string constants.
 */
export function trustedConstant(markup: string): Html {
  return new Html(markup, TRUSTED);
}

/** A web address that may be a live link: http or https only, as the URL parser reads it. */
export function httpUrl(url: string | null | undefined): SafeUrl | null {
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  if (parsed.username || parsed.password) return null;
  return new SafeUrl(parsed.href, TRUSTED);
}

/**
 * A relative link inside the report folder, from path segments ('..' allowed only as a whole
 * segment meaning "up"). Each segment is percent-encoded, so no segment can become a scheme, a
 * query or another path.
 */
export function localUrl(...segments: string[]): SafeUrl {
  const parts = segments.map((s) => {
    if (s === '..') return s;
    if (s === '' || s === '.' || s.includes('/') || s.includes('\\')) throw new Error(`localUrl: ogiltigt sökvägsled "${s}"`);
    return encodeURIComponent(s);
  });
  // encodeURIComponent leaves no ':', '/', '?' or '#': the result is always a relative path.
  return new SafeUrl(parts.join('/'), TRUSTED);
}

/** A fragment link (#id) to an id made by `safeId`. */
export function fragmentUrl(id: string): SafeUrl {
  return new SafeUrl(`#${encodeURIComponent(id)}`, TRUSTED);
}

/** An id attribute value from data: letters, digits and - only. */
export function safeId(prefix: string, raw: string): string {
  return `${prefix}-${raw.normalize('NFD').replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'x'}`;
}
