/**
 * robots.txt per RFC 9309.
 *
 * robots-parser 3 is kept as the matcher: its pattern matching (`*`, `$`, longest match, Allow on a
 * tie) is a port of Google's reference code. Its reading of the file is not used, because it departs
 * from the RFC in several places; this module reads the lines itself, picks our group, and hands
 * robots-parser a one-group file with patterns already normalised. The departures fixed here:
 *
 *  1. robots-parser compares the whole user-agent value ("granska bot" never equals "granska");
 *     we compare the product token the value starts with, as Google's reference parser does.
 *  2. A group for us without rules (the RFC's "quxbot" example) falls back to `*` in robots-parser;
 *     the RFC says it allows everything.
 *  3. robots-parser does not decode %XX of unreserved characters (%62 = b, %7E = ~), which
 *     RFC 9309 section 2.2.2 requires.
 *  4. %2A and %24 in a pattern do not match a literal `*` or `$` in the URL (RFC 9309 section 2.2.3).
 *  5. Patterns and URLs are encoded differently: robots-parser runs encodeURI over patterns only
 *     (`[` `]`), and the WHATWG URL parser encodes `'` in queries only.
 *  6. /robots.txt is not implicitly allowed.
 *  7. No parsing limit; we read the first 500 KiB (section 2.5) and drop a line cut in half.
 *  8. Crawl-delay goes through Number(): "" becomes 0, "0x10" 16, "-3" and "Infinity" pass.
 *  9. Sitemap values are returned as written, relative or not.
 * 10. Leniency, not RFC: only a bare `*` is the global group; Google's parser also takes "* text".
 */

import { createRequire } from 'node:module';
import { findFetchFailure } from './fetch-failure.ts';

interface RobotsParserMatcher {
  isAllowed(url: string, ua?: string): boolean | undefined;
}
// robots-parser is CommonJS whose typings declare an ES default export; under NodeNext that
// types the default import as the module object, so it is loaded through require instead.
const robotsParser = createRequire(import.meta.url)('robots-parser') as (url: string, contents: string) => RobotsParserMatcher;

/** RFC 9309 section 2.5: the limit must be at least 500 KiB; we read exactly that much. */
export const ROBOTS_PARSE_LIMIT_BYTES = 500 * 1024;
/** RFC 9309 section 2.3.1.2: follow at least five consecutive redirects. */
export const ROBOTS_MAX_REDIRECTS = 5;
/** Longer delays would make a single kommun take hours; the cap is reported as a note. */
export const MAX_CRAWL_DELAY_SECONDS = 60;
const DEFAULT_FETCH_TIMEOUT_MS = 30_000;

export interface RobotsRules {
  isAllowed(url: string): boolean;
  crawlDelaySeconds(): number | undefined;
  sitemaps(): string[];
  /** Things a person reading the report should know about how the file was read (Swedish). */
  notes(): string[];
}

export type RobotsPolicy =
  | { kind: 'rules'; robotsUrl: string; status: number; rules: RobotsRules }
  /** `status` is 0 when a fetcher gave up on a redirect chain without handing over the last answer. */
  | { kind: 'allow-all'; robotsUrl: string; status: number; reason: string }
  | { kind: 'disallow-all'; robotsUrl: string; status?: number; reason: string };

export interface RobotsResponse {
  status: number;
  body: string;
  finalUrl: string;
}

/**
 * Fetches robots.txt for an origin; may throw on network failure. Follows at most `maxRedirects`
 * redirects. When the chain is longer, return the last 3xx response (or throw a FetchFailure with
 * code 'too-many-redirects'); both count as "unavailable". The body may be cut after
 * ROBOTS_PARSE_LIMIT_BYTES: nothing after that is read, so a large file must not be an error.
 */
export type RobotsFetch = (url: string, maxRedirects: number) => Promise<RobotsResponse>;

// ---------------------------------------------------------------------------------------------
// Reading the file

interface Group {
  agents: string[];
  rules: { allow: boolean; pattern: string }[];
  crawlDelays: string[];
}

interface ParsedFile {
  groups: Group[];
  sitemaps: string[];
  truncatedFromBytes: number | undefined;
}

/** The product token is what a user-agent value starts with: letters, "_" and "-" (RFC 9309 2.2.1). */
function leadingToken(value: string): string {
  return /^[A-Za-z_-]*/.exec(value)?.[0] ?? '';
}

function toProductToken(productToken: string): string {
  const token = leadingToken(productToken.trim());
  if (token === '') {
    throw new Error(`robots: product token must start with a letter, "_" or "-": ${JSON.stringify(productToken)}`);
  }
  return token.toLowerCase();
}

/** `*`, also with text after a space, as Google's reference parser reads it. */
function isGlobalAgent(value: string): boolean {
  return value === '*' || /^\*\s/.test(value);
}

/** The first 500 KiB of the UTF-8 file, without a final line that the cut went through. */
function limitBody(body: string): { text: string; originalBytes: number | undefined } {
  // A UTF-16 unit is at most three UTF-8 bytes, so a short string needs no counting.
  if (body.length < ROBOTS_PARSE_LIMIT_BYTES / 3) return { text: body, originalBytes: undefined };
  // A UTF-16 unit is at least one UTF-8 byte, so this many units always cover the limit.
  const head = Buffer.from(body.slice(0, ROBOTS_PARSE_LIMIT_BYTES), 'utf8');
  // `>=` because the fetcher may already have cut the body at exactly the limit.
  if (head.length < ROBOTS_PARSE_LIMIT_BYTES) return { text: body, originalBytes: undefined };
  const originalBytes = body.length > ROBOTS_PARSE_LIMIT_BYTES ? Buffer.byteLength(body, 'utf8') : head.length;
  let text = head.subarray(0, ROBOTS_PARSE_LIMIT_BYTES).toString('utf8');
  // A half line can turn "Allow: /privat/offentligt" into "Allow: /", so it is dropped.
  const lastBreak = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'));
  text = lastBreak >= 0 ? text.slice(0, lastBreak) : '';
  return { text, originalBytes };
}

function readFile(body: string): ParsedFile {
  const withoutBom = body.startsWith('\uFEFF') ? body.slice(1) : body;
  const { text, originalBytes } = limitBody(withoutBom);

  const groups: Group[] = [];
  const sitemaps: string[] = [];
  let current: Group | undefined;
  // True while consecutive User-agent lines are adding agents to `current`.
  let readingAgents = false;

  for (const rawLine of text.split(/\r\n|\r|\n/)) {
    const hash = rawLine.indexOf('#');
    const line = hash >= 0 ? rawLine.slice(0, hash) : rawLine;
    const colon = line.indexOf(':');
    // Blank lines, comments and lines without a colon leave the groups as they are.
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === '') continue;

    if (key === 'user-agent') {
      if (!current || !readingAgents) {
        current = { agents: [], rules: [], crawlDelays: [] };
        groups.push(current);
      }
      current.agents.push(value);
      readingAgents = true;
      continue;
    }
    // Any other record ends the run of User-agent lines but not the group: rules after it still
    // belong to the group (RFC 9309 2.2.4). Whether a User-agent line after, say, a Crawl-delay
    // joins the group above is not settled by the RFC; like Google's reference parser we start a
    // new group, because kommun files often read "User-agent: *, Crawl-delay: 10, User-agent:
    // AhrefsBot, Disallow: /", and joining would shut every robot out of the whole site.
    readingAgents = false;
    switch (key) {
      case 'allow':
      case 'disallow':
        // RFC 9309 2.2.2: rules before the first User-agent line belong to no group.
        // An empty value matches nothing, but the group still counts as ours.
        if (current && value !== '') current.rules.push({ allow: key === 'allow', pattern: value });
        break;
      case 'crawl-delay':
        current?.crawlDelays.push(value);
        break;
      case 'sitemap':
        if (value !== '') sitemaps.push(value);
        break;
      default:
        break;
    }
  }
  return { groups, sitemaps, truncatedFromBytes: originalBytes };
}

/** RFC 9309 2.2.1: merge every group naming us; the `*` groups only when none does. */
function selectGroups(groups: Group[], token: string): Group[] {
  const specific = groups.filter((g) => g.agents.some((a) => !isGlobalAgent(a) && leadingToken(a).toLowerCase() === token));
  if (specific.length > 0) return specific;
  return groups.filter((g) => g.agents.some(isGlobalAgent));
}

// ---------------------------------------------------------------------------------------------
// Percent-encoding (RFC 9309 2.2.2 and 2.2.3)

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
// Reserved characters (RFC 3986) kept as they are; their %XX forms are not equivalent to them.
// `#` cannot occur (comments, fragments), `'` is left out because the WHATWG URL parser encodes
// it in queries but not in paths, and `[` `]` because robots-parser encodes them in patterns
// only; these three are compared in encoded form on both sides.
const KEPT_RESERVED = new Set([':', '/', '?', '@', '!', '&', '(', ')', '+', ',', ';', '=']);

function percentByte(byte: number): string {
  return '%' + byte.toString(16).toUpperCase().padStart(2, '0');
}

function isHex(ch: string | undefined): boolean {
  return ch !== undefined && /^[0-9A-Fa-f]$/.test(ch);
}

/**
 * One canonical form for URL paths and patterns, so that equivalent spellings compare equal:
 * %XX of unreserved characters decoded, other %XX upper-cased, everything outside ASCII and
 * unsafe ASCII encoded as UTF-8. In a pattern `*` and a final `$` stay operators; in a path they
 * are data, written %2A and %24 so that a pattern can name them only in that form.
 */
function canonical(input: string, kind: 'path' | 'pattern'): string {
  let out = '';
  for (let i = 0; i < input.length; ) {
    const ch = input[i] as string;
    if (ch === '%' && isHex(input[i + 1]) && isHex(input[i + 2])) {
      const byte = Number.parseInt(input.slice(i + 1, i + 3), 16);
      const decoded = String.fromCharCode(byte);
      out += UNRESERVED.test(decoded) ? decoded : percentByte(byte);
      i += 3;
      continue;
    }
    const codePoint = input.codePointAt(i) as number;
    const width = codePoint > 0xffff ? 2 : 1;
    i += width;
    if (codePoint >= 0x80) {
      for (const byte of Buffer.from(String.fromCodePoint(codePoint), 'utf8')) out += percentByte(byte);
    } else if (UNRESERVED.test(ch) || KEPT_RESERVED.has(ch)) {
      out += ch;
    } else if (ch === '*' && kind === 'pattern') {
      out += '*';
    } else if (ch === '$' && kind === 'pattern' && i === input.length) {
      out += '$';
    } else {
      out += percentByte(codePoint);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rules

// robots-parser only answers for URLs on the origin of its robots.txt; this one is never fetched.
const MATCHER_ORIGIN = 'http://robots.invalid';

function isRobotsTxtPath(url: URL): boolean {
  return url.pathname === '/robots.txt' && url.search === '';
}

function parseCrawlDelay(raw: string): number | undefined {
  // Swedish writers use a decimal comma; "1,5" means 1.5 seconds.
  if (!/^(\d+([.,]\d*)?|[.,]\d+)$/.test(raw)) return undefined;
  const seconds = Number(raw.replace(',', '.'));
  return Number.isFinite(seconds) ? seconds : undefined;
}

function resolveSitemap(value: string, base: string): string | undefined {
  try {
    const url = new URL(value, base);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    url.hash = '';
    return url.href;
  } catch {
    return undefined;
  }
}

/**
 * Reads robots.txt `body` fetched from `robotsUrl` (after redirects: the URL it came from, which
 * relative Sitemap values are resolved against). `productToken` may be the whole User-Agent
 * header; only its first word ("granska") is used.
 */
export function parseRobotsTxt(robotsUrl: string, body: string, productToken: string): RobotsRules {
  const token = toProductToken(productToken);
  const file = readFile(body);
  const selected = selectGroups(file.groups, token);
  const notes: string[] = [];

  if (file.truncatedFromBytes !== undefined) {
    const kib = Math.round(file.truncatedFromBytes / 1024);
    notes.push(
      `robots.txt är ${kib} KiB; bara de första 500 KiB lästes och resten räknas inte (RFC 9309 tillåter den gränsen).`,
    );
  }

  const lines = [`User-agent: ${token}`];
  for (const group of selected) {
    for (const rule of group.rules) {
      lines.push(`${rule.allow ? 'Allow' : 'Disallow'}: ${canonical(rule.pattern, 'pattern')}`);
    }
  }
  const matcher = lines.length > 1 ? robotsParser(`${MATCHER_ORIGIN}/robots.txt`, lines.join('\n')) : undefined;

  let crawlDelay: number | undefined;
  for (const group of selected) {
    for (const raw of group.crawlDelays) {
      const seconds = parseCrawlDelay(raw);
      if (seconds === undefined) {
        notes.push(`Crawl-delay "${raw}" i robots.txt gick inte att tolka och räknas inte.`);
        continue;
      }
      // Merged groups can disagree; the longest delay is the polite reading.
      crawlDelay = crawlDelay === undefined ? seconds : Math.max(crawlDelay, seconds);
    }
  }
  if (crawlDelay !== undefined && crawlDelay > MAX_CRAWL_DELAY_SECONDS) {
    notes.push(
      `Crawl-delay ${crawlDelay} sekunder i robots.txt är för långt; granska väntar ${MAX_CRAWL_DELAY_SECONDS} sekunder mellan anropen.`,
    );
    crawlDelay = MAX_CRAWL_DELAY_SECONDS;
  }

  const sitemapSet = new Set<string>();
  for (const value of file.sitemaps) {
    const resolved = resolveSitemap(value, robotsUrl);
    if (resolved !== undefined) sitemapSet.add(resolved);
  }
  const sitemaps = [...sitemapSet];

  return {
    isAllowed(url: string): boolean {
      let parsed: URL;
      try {
        parsed = new URL(url, robotsUrl);
      } catch {
        return false;
      }
      if (isRobotsTxtPath(parsed)) return true;
      if (!matcher) return true;
      const path = canonical(parsed.pathname + parsed.search, 'path');
      // robots-parser answers undefined for a URL it cannot place; refusing is the safe side.
      return matcher.isAllowed(MATCHER_ORIGIN + path, token) === true;
    },
    crawlDelaySeconds: () => crawlDelay,
    sitemaps: () => [...sitemaps],
    notes: () => [...notes],
  };
}

// ---------------------------------------------------------------------------------------------
// Policies

function isRobotsTxtUrl(url: string): boolean {
  try {
    return isRobotsTxtPath(new URL(url));
  } catch {
    return false;
  }
}

/** `url` should be on the policy's origin; only its path and query are looked at. */
export function isAllowedBy(policy: RobotsPolicy, url: string): boolean {
  switch (policy.kind) {
    case 'rules':
      return policy.rules.isAllowed(url);
    case 'allow-all':
      return true;
    case 'disallow-all':
      // RFC 9309 2.2.2: /robots.txt itself is always allowed, also when it could not be read.
      return isRobotsTxtUrl(url);
  }
}

export function crawlDelayOf(policy: RobotsPolicy): number | undefined {
  return policy.kind === 'rules' ? policy.rules.crawlDelaySeconds() : undefined;
}

const CLIENT_ERROR_WORDS: Record<number, string> = {
  400: 'felaktig begäran',
  401: 'kräver inloggning',
  403: 'åtkomst nekad',
  404: 'finns inte',
  410: 'borttagen',
};

const UNREACHABLE = 'hela webbplatsen räknas som otillåten enligt RFC 9309';
const UNAVAILABLE = 'filen räknas som saknad och allt är tillåtet enligt RFC 9309';

/** Turns an HTTP answer for robots.txt into a policy (RFC 9309 section 2.3.1). */
export function policyFromResponse(robotsUrl: string, response: RobotsResponse, productToken: string): RobotsPolicy {
  const { status } = response;
  if (status >= 200 && status <= 299) {
    return { kind: 'rules', robotsUrl, status, rules: parseRobotsTxt(response.finalUrl || robotsUrl, response.body, productToken) };
  }
  if (status >= 300 && status <= 399) {
    // Section 2.3.1.2: after more than five redirects the file MAY be taken as unavailable,
    // which section 2.3.1.3 treats like a 4xx. Google does the same.
    return {
      kind: 'allow-all',
      robotsUrl,
      status,
      reason: `robots.txt nåddes inte inom ${ROBOTS_MAX_REDIRECTS} omdirigeringar (senaste svar ${status}): ${UNAVAILABLE}`,
    };
  }
  if (status === 429) {
    // The RFC's 4xx rule would let us crawl everything right after the server asked us to slow
    // down; like Google we read 429 as a server that cannot take more.
    return {
      kind: 'disallow-all',
      robotsUrl,
      status,
      reason: 'robots.txt svarade 429 (för många anrop): hela webbplatsen räknas som otillåten, så att granska inte belastar servern',
    };
  }
  if (status >= 400 && status <= 499) {
    const words = CLIENT_ERROR_WORDS[status] ?? 'klientfel';
    return { kind: 'allow-all', robotsUrl, status, reason: `robots.txt svarade ${status} (${words}): ${UNAVAILABLE}` };
  }
  if (status >= 500 && status <= 599) {
    return { kind: 'disallow-all', robotsUrl, status, reason: `robots.txt svarade ${status} (serverfel): ${UNREACHABLE}` };
  }
  return {
    kind: 'disallow-all',
    robotsUrl,
    status,
    reason: `robots.txt svarade med den okända statuskoden ${status}: hela webbplatsen räknas som otillåten för säkerhets skull`,
  };
}

const NETWORK_ERROR_WORDS: Record<string, string> = {
  ECONNREFUSED: 'anslutningen nekades',
  ECONNRESET: 'anslutningen bröts',
  ENOTFOUND: 'namnet finns inte i DNS',
  EAI_AGAIN: 'DNS svarade inte',
  ETIMEDOUT: 'anslutningen tog för lång tid',
  EHOSTUNREACH: 'servern går inte att nå',
  ENETUNREACH: 'nätverket går inte att nå',
  UND_ERR_CONNECT_TIMEOUT: 'anslutningen tog för lång tid',
  UND_ERR_SOCKET: 'anslutningen bröts',
};

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

class RobotsTimeout extends Error {}

/** Turns a failed fetch into a policy: unreachable means disallow all (RFC 9309 2.3.1.4). */
export function policyFromError(robotsUrl: string, error: unknown): RobotsPolicy {
  const failure = findFetchFailure(error);
  if (failure?.code === 'too-many-redirects') {
    return {
      kind: 'allow-all',
      robotsUrl,
      status: 0,
      reason: `robots.txt nåddes inte inom ${ROBOTS_MAX_REDIRECTS} omdirigeringar: ${UNAVAILABLE}`,
    };
  }
  const name = error instanceof Error ? error.name : '';
  if (error instanceof RobotsTimeout || failure?.code === 'timeout' || name === 'TimeoutError') {
    return { kind: 'disallow-all', robotsUrl, reason: `robots.txt svarade inte i tid: ${UNREACHABLE}` };
  }
  let detail: string;
  if (failure) {
    detail = failure.message.replace(/\.$/, '');
  } else {
    const code = errorCode(error);
    const words = code !== undefined ? NETWORK_ERROR_WORDS[code] : undefined;
    detail = words !== undefined ? `${words}, ${code}` : (code ?? (error instanceof Error ? error.message : String(error)));
  }
  return { kind: 'disallow-all', robotsUrl, reason: `robots.txt gick inte att hämta: ${detail}; ${UNREACHABLE}` };
}

export interface RobotsCacheOptions {
  /** Safety net over the fetcher's own timeouts; a fetch slower than this counts as unreachable. */
  timeoutMs?: number;
}

/** robots.txt per origin, fetched once per run; callers asking at the same time share the fetch. */
export class RobotsCache {
  private readonly fetchRobots: RobotsFetch;
  private readonly productToken: string;
  private readonly timeoutMs: number;
  private readonly policies = new Map<string, Promise<RobotsPolicy>>();

  constructor(fetch: RobotsFetch, productToken: string, options: RobotsCacheOptions = {}) {
    this.fetchRobots = fetch;
    this.productToken = toProductToken(productToken);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  }

  /** Rejects (TypeError) for a URL that is not http(s); every other failure becomes a policy. */
  policyFor(url: string | URL): Promise<RobotsPolicy> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (error) {
      return Promise.reject(error);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      return Promise.reject(new TypeError(`robots: only http and https URLs have a robots.txt: ${parsed.href}`));
    }
    const origin = parsed.origin;
    let policy = this.policies.get(origin);
    if (!policy) {
      policy = this.load(`${origin}/robots.txt`);
      this.policies.set(origin, policy);
    }
    return policy;
  }

  async isAllowed(url: string | URL): Promise<boolean> {
    const href = typeof url === 'string' ? url : url.href;
    return isAllowedBy(await this.policyFor(href), href);
  }

  private async load(robotsUrl: string): Promise<RobotsPolicy> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new RobotsTimeout()), this.timeoutMs);
      });
      // The call sits inside the try so that a fetch throwing synchronously is a network error too.
      const response = await Promise.race([this.fetchRobots(robotsUrl, ROBOTS_MAX_REDIRECTS), timeout]);
      return policyFromResponse(robotsUrl, response, this.productToken);
    } catch (error) {
      return policyFromError(robotsUrl, error);
    } finally {
      clearTimeout(timer);
    }
  }
}
