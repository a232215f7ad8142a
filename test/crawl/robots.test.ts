import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { FetchFailure } from '../../src/crawl/fetch-failure.ts';
import {
  crawlDelayOf,
  isAllowedBy,
  parseRobotsTxt,
  policyFromResponse,
  RobotsCache,
  ROBOTS_PARSE_LIMIT_BYTES,
  type RobotsFetch,
  type RobotsPolicy,
} from '../../src/crawl/robots.ts';

const ORIGIN = 'https://kommun.example';
const ROBOTS_URL = `${ORIGIN}/robots.txt`;

// The package on its own, to show that every case marked `deviation` really is one.
const rawRobotsParser = createRequire(import.meta.url)('robots-parser') as (
  url: string,
  body: string,
) => {
  isAllowed(url: string, ua?: string): boolean | undefined;
  getCrawlDelay(ua?: string): number | undefined;
  getSitemaps(): string[];
};

interface Case {
  robots: string;
  /** Product token or whole User-Agent; `granska` when left out. */
  agent?: string;
  /** A path is taken relative to ORIGIN. */
  url: string;
  allowed: boolean;
  /** Set when robots-parser 3 on its own answers the opposite: why the RFC disagrees with it. */
  deviation?: string;
}

const RFC_SIMPLE_EXAMPLE = [
  'User-Agent: *',
  'Disallow: *.gif$',
  'Disallow: /example/',
  'Allow: /publications/',
  '',
  'User-Agent: foobot',
  'Disallow:/',
  'Allow:/example/page.html',
  'Allow:/example/allowed.gif',
  '',
  'User-Agent: barbot',
  'User-Agent: bazbot',
  'Disallow: /example/page.html',
  '',
  'User-Agent: quxbot',
  '',
].join('\n');

/** Comment lines up to exactly `bytes` long (ASCII), each ending in a line break. */
function padding(bytes: number): string {
  const line = `# ${'x'.repeat(97)}\n`; // 100 bytes
  const whole = Math.floor(bytes / line.length);
  const rest = bytes - whole * line.length;
  return line.repeat(whole) + (rest > 0 ? `${'#'.repeat(rest - 1)}\n` : '');
}

const HEAD = 'User-agent: *\nDisallow: /privat\n';
// The rule after the padding starts past the limit and must not count.
const OVER_LIMIT = `${HEAD}${padding(ROBOTS_PARSE_LIMIT_BYTES + 10_000)}User-agent: *\nDisallow: /\n`;
// "Allow: /abcdef" starts 8 bytes before the limit; cut there it would read "Allow: /", which
// would outweigh nothing but tie with "Disallow: /" and so allow the whole site.
const HALF_LINE_HEAD = 'User-agent: *\nDisallow: /\n';
const HALF_LINE = `${HALF_LINE_HEAD}${padding(ROBOTS_PARSE_LIMIT_BYTES - 8 - HALF_LINE_HEAD.length)}Allow: /abcdef\n`;

const cases: Record<string, Case> = {
  // --- Which group applies (RFC 9309 2.2.1)
  'own group disallows': { robots: 'User-agent: granska\nDisallow: /privat', url: '/privat/a', allowed: false },
  'own group, other path': { robots: 'User-agent: granska\nDisallow: /privat', url: '/offentligt', allowed: true },
  'own group replaces *': {
    robots: 'User-agent: *\nDisallow: /\n\nUser-agent: granska\nDisallow: /admin',
    url: '/sida',
    allowed: true,
  },
  'own group replaces *, its own rule holds': {
    robots: 'User-agent: *\nDisallow: /\n\nUser-agent: granska\nDisallow: /admin',
    url: '/admin/x',
    allowed: false,
  },
  '* applies when no group names us': {
    robots: 'User-agent: otherbot\nDisallow: /\n\nUser-agent: *\nDisallow: /tmp',
    url: '/tmp/x',
    allowed: false,
  },
  "other bots' rules do not apply to us": {
    robots: 'User-agent: otherbot\nDisallow: /\n\nUser-agent: *\nDisallow: /tmp',
    url: '/sida',
    allowed: true,
  },
  'no own group and no *: no rules': { robots: 'User-agent: otherbot\nDisallow: /', url: '/x', allowed: true },
  'agent value is case-insensitive': { robots: 'User-agent: GRANSKA\nDisallow: /', url: '/x', allowed: false },
  'our token is case-insensitive': { robots: 'User-agent: granska\nDisallow: /', agent: 'Granska', url: '/x', allowed: false },
  // Decision: the value's product token is what is compared; "/1.0" is not part of a token
  // (RFC 9309 2.2.1 allows only letters, "_" and "-"), so "Granska/1.0" names us.
  'User-agent: Granska/1.0 names us': { robots: 'User-agent: Granska/1.0\nDisallow: /', url: '/x', allowed: false },
  'User-agent: "granska bot" names us (token up to the space)': {
    robots: 'User-agent: *\nAllow: /\n\nUser-agent: granska bot\nDisallow: /',
    url: '/x',
    allowed: false,
    deviation: 'robots-parser compares the whole value "granska bot", not its product token',
  },
  'granskabot is another robot': { robots: 'User-agent: granskabot\nDisallow: /', url: '/x', allowed: true },
  'granska-bot is another robot': { robots: 'User-agent: granska-bot\nDisallow: /', url: '/x', allowed: true },
  'gransk is another robot': { robots: 'User-agent: gransk\nDisallow: /', url: '/x', allowed: true },
  'the whole User-Agent header works as our token': {
    robots: 'User-agent: granska\nDisallow: /',
    agent: 'granska/0.1 (+https://github.com/hemtjanstindex/granska)',
    url: '/x',
    allowed: false,
  },
  'empty User-agent value names nobody': { robots: 'User-agent:\nDisallow: /', url: '/x', allowed: true },
  '"* text" is the * group (as in Google\'s parser)': {
    robots: 'User-agent: * alla robotar\nDisallow: /',
    url: '/x',
    allowed: false,
    deviation: 'robots-parser only knows a bare "*"',
  },

  // --- Merging and group boundaries
  'two groups for us are merged (first)': {
    robots: 'user-agent: granska\ndisallow: /foo\n\nuser-agent: otherbot\ndisallow: /\n\nuser-agent: granska\ndisallow: /baz',
    url: '/foo',
    allowed: false,
  },
  'two groups for us are merged (second)': {
    robots: 'user-agent: granska\ndisallow: /foo\n\nuser-agent: otherbot\ndisallow: /\n\nuser-agent: granska\ndisallow: /baz',
    url: '/baz',
    allowed: false,
  },
  'two groups for us are merged (neither)': {
    robots: 'user-agent: granska\ndisallow: /foo\n\nuser-agent: otherbot\ndisallow: /\n\nuser-agent: granska\ndisallow: /baz',
    url: '/qux',
    allowed: true,
  },
  'several * groups are merged': {
    robots: 'User-agent: *\nDisallow: /a\n\nUser-agent: otherbot\nDisallow: /\n\nUser-agent: *\nDisallow: /b',
    url: '/b',
    allowed: false,
  },
  'several User-agent lines share the rules': {
    robots: 'User-agent: otherbot\nUser-agent: granska\nDisallow: /x',
    url: '/x',
    allowed: false,
  },
  'blank line between User-agent lines keeps one group': {
    robots: 'User-agent: granska\n\nUser-agent: otherbot\nDisallow: /x',
    url: '/x',
    allowed: false,
  },
  'comment line between User-agent lines keeps one group': {
    robots: 'User-agent: granska\n# kommentar\nUser-agent: otherbot\nDisallow: /x',
    url: '/x',
    allowed: false,
  },
  // Decision (as Google's parser): any other record ends the run of User-agent lines, so the next
  // User-agent line starts a new group; the record itself does not end the group it is in.
  'Sitemap between User-agent lines: the next line starts a new group': {
    robots: 'User-agent: granska\nSitemap: https://kommun.example/sitemap.xml\nUser-agent: otherbot\nDisallow: /x',
    url: '/x',
    allowed: true,
  },
  'Crawl-delay under * does not pull the next group in (common kommun file)': {
    robots: 'User-agent: *\nCrawl-delay: 10\n\nUser-agent: AhrefsBot\nDisallow: /',
    url: '/omsorg',
    allowed: true,
  },
  'unknown line between User-agent lines: the next line starts a new group': {
    robots: 'User-agent: *\nHost: kommun.example\nUser-agent: otherbot\nDisallow: /',
    url: '/x',
    allowed: true,
  },
  'rules after a Sitemap line still belong to the group': {
    robots: 'User-agent: granska\nDisallow: /a\nSitemap: https://kommun.example/sitemap.xml\nDisallow: /b',
    url: '/b',
    allowed: false,
  },
  'rules after an unknown line still belong to the group': {
    robots: 'User-agent: granska\nNoindex: /a\nDisallow: /b',
    url: '/b/c',
    allowed: false,
  },
  'own group without rules at the end allows everything (RFC "quxbot")': {
    robots: `${RFC_SIMPLE_EXAMPLE}\nUser-agent: granska\n`,
    url: '/example/x',
    allowed: true,
    deviation: 'RFC 9309 2.1: the last group may have no rules and allows everything; robots-parser falls back to *',
  },
  'own group with only an empty Disallow allows everything': {
    robots: 'User-agent: *\nDisallow: /\n\nUser-agent: granska\nDisallow:',
    url: '/x',
    allowed: true,
  },

  // --- The RFC's own example (section 5.1)
  'RFC example: * blocks .gif': { robots: RFC_SIMPLE_EXAMPLE, url: '/bilder/karta.gif', allowed: false },
  'RFC example: * blocks /example/': { robots: RFC_SIMPLE_EXAMPLE, url: '/example/', allowed: false },
  'RFC example: * allows /publications/': { robots: RFC_SIMPLE_EXAMPLE, url: '/publications/a', allowed: true },
  'RFC example: foobot may read /example/page.html': {
    robots: RFC_SIMPLE_EXAMPLE,
    agent: 'foobot',
    url: '/example/page.html',
    allowed: true,
  },
  'RFC example: foobot may not read /publications/': {
    robots: RFC_SIMPLE_EXAMPLE,
    agent: 'foobot',
    url: '/publications/',
    allowed: false,
  },
  'RFC example: bazbot may not read /example/page.html': {
    robots: RFC_SIMPLE_EXAMPLE,
    agent: 'bazbot',
    url: '/example/page.html',
    allowed: false,
  },
  'RFC example: bazbot may read /example/other': {
    robots: RFC_SIMPLE_EXAMPLE,
    agent: 'bazbot',
    url: '/example/other',
    allowed: true,
  },
  'RFC example: quxbot may read everything': {
    robots: RFC_SIMPLE_EXAMPLE,
    agent: 'quxbot',
    url: '/example/x.gif',
    allowed: true,
    deviation: 'empty last group; robots-parser falls back to *',
  },

  // --- Longest match, Allow on a tie (RFC 9309 2.2.2)
  'longest match: RFC example, disallowed file': {
    robots: 'User-Agent: granska\nAllow: /example/page/\nDisallow: /example/page/disallowed.gif',
    url: '/example/page/disallowed.gif',
    allowed: false,
  },
  'longest match: RFC example, other file': {
    robots: 'User-Agent: granska\nAllow: /example/page/\nDisallow: /example/page/disallowed.gif',
    url: '/example/page/ok.gif',
    allowed: true,
  },
  'longer Disallow beats shorter Allow, order does not matter': {
    robots: 'User-agent: *\nDisallow: /privat\nAllow: /',
    url: '/privat/x',
    allowed: false,
  },
  'longer Allow beats shorter Disallow': {
    robots: 'User-agent: *\nDisallow: /omsorg\nAllow: /omsorg/hemtjanst',
    url: '/omsorg/hemtjanst/avgifter',
    allowed: true,
  },
  'equal length: Allow wins': { robots: 'User-agent: *\nDisallow: /sida\nAllow: /sida', url: '/sida', allowed: true },
  'equal length: Allow wins, other order': {
    robots: 'User-agent: *\nAllow: /sida\nDisallow: /sida',
    url: '/sida',
    allowed: true,
  },
  'a longer wildcard pattern beats a shorter plain one': {
    robots: 'User-agent: *\nAllow: /page\nDisallow: /*.html',
    url: '/page.html',
    allowed: false,
  },

  // --- Wildcards and the end anchor (RFC 9309 2.2.3)
  '* matches any characters': { robots: 'User-agent: *\nDisallow: /*.pdf', url: '/dokument/taxa.pdf', allowed: false },
  'patterns are prefixes': { robots: 'User-agent: *\nDisallow: /*.pdf', url: '/dokument/taxa.pdf.html', allowed: false },
  '* pattern, no match': { robots: 'User-agent: *\nDisallow: /*.pdf', url: '/dokument/taxa.html', allowed: true },
  '$ anchors the end': { robots: 'User-agent: *\nDisallow: /*.pdf$', url: '/taxa.pdf', allowed: false },
  '$ anchors the end, query follows': { robots: 'User-agent: *\nDisallow: /*.pdf$', url: '/taxa.pdf?v=2', allowed: true },
  'Disallow: /$ blocks only the start page': { robots: 'User-agent: *\nDisallow: /$', url: '/', allowed: false },
  'Disallow: /$ leaves other pages': { robots: 'User-agent: *\nDisallow: /$', url: '/sida', allowed: true },
  'Allow: /$ with Disallow: /': { robots: 'User-agent: *\nAllow: /$\nDisallow: /', url: '/', allowed: true },
  'Allow: /$ with Disallow: /, other page': { robots: 'User-agent: *\nAllow: /$\nDisallow: /', url: '/x', allowed: false },
  '$ inside a pattern is a plain character': { robots: 'User-agent: *\nDisallow: /a$b', url: '/a$b', allowed: false },
  '* in the middle': { robots: 'User-agent: *\nDisallow: /a/*/c', url: '/a/b/c', allowed: false },
  '* in the middle needs the rest': { robots: 'User-agent: *\nDisallow: /a/*/c', url: '/a/c', allowed: true },
  'Disallow: * blocks everything': { robots: 'User-agent: *\nDisallow: *', url: '/x', allowed: false },
  'query strings are matched': { robots: 'User-agent: *\nDisallow: /*?sok=', url: '/sok?sok=hemtjanst', allowed: false },
  'query pattern leaves the page itself': { robots: 'User-agent: *\nDisallow: /*?sok=', url: '/sok', allowed: true },
  'paths are case-sensitive': { robots: 'User-agent: *\nDisallow: /Kontakt', url: '/kontakt', allowed: true },
  'prefix match on a longer name': { robots: 'User-agent: *\nDisallow: /kontakt', url: '/kontakt-oss', allowed: false },
  // RFC 9309's grammar requires a path to start with "/" (or be empty); Google's parser and
  // robots-parser also never match it, so a stray "privat" does not block /privat.
  'pattern without leading slash matches nothing': {
    robots: 'User-agent: *\nDisallow: privat',
    url: '/privat',
    allowed: true,
  },
  'many wildcards against a long path finish': {
    robots: 'User-agent: *\nDisallow: /*a*a*a*a*a*a*a*a*a*a*a*a*b',
    url: `/${'a'.repeat(4000)}`,
    allowed: true,
  },

  // --- Empty and misplaced lines
  'empty Disallow allows everything': { robots: 'User-agent: *\nDisallow:', url: '/x', allowed: true },
  'empty Allow changes nothing': { robots: 'User-agent: *\nDisallow: /\nAllow:', url: '/x', allowed: false },
  'rules before the first group are ignored': {
    robots: 'Disallow: /\n\nUser-agent: *\nDisallow: /tmp',
    url: '/x',
    allowed: true,
  },
  'rules without any group are ignored': { robots: 'Disallow: /', url: '/x', allowed: true },
  'unknown lines are ignored': { robots: 'User-agent: *\nNoindex: /a\nDisallow: /b', url: '/a', allowed: true },
  'rule after an unknown line still counts': { robots: 'User-agent: *\nNoindex: /a\nDisallow: /b', url: '/b', allowed: false },
  // RFC 9309 requires the colon; Google accepts a space instead, we do not.
  'line without colon is ignored': { robots: 'User-agent: *\nDisallow /a\nDisallow: /b', url: '/a', allowed: true },
  'empty file allows everything': { robots: '', url: '/x', allowed: true },
  'an HTML page served as robots.txt allows everything': {
    robots: '<!doctype html>\n<html><body><p>Sidan hittades inte</p></body></html>',
    url: '/x',
    allowed: true,
  },

  // --- Comments, byte order mark, line endings, spacing
  'comment after a rule is cut off': {
    robots: 'User-agent: * # alla robotar\nDisallow: /a # inte /b',
    url: '/b',
    allowed: true,
  },
  'rule before a comment still counts': {
    robots: 'User-agent: * # alla robotar\nDisallow: /a # inte /b',
    url: '/a',
    allowed: false,
  },
  '# inside a pattern starts a comment': { robots: 'User-agent: *\nDisallow: /sida#avsnitt', url: '/sidan', allowed: false },
  'byte order mark before the first line': {
    robots: '\uFEFFUser-agent: granska\nDisallow: /',
    url: '/x',
    allowed: false,
  },
  'CR line endings': { robots: 'User-agent: *\rDisallow: /a', url: '/a', allowed: false },
  'CRLF line endings': { robots: 'User-agent: *\r\nDisallow: /a\r\n', url: '/a', allowed: false },
  'mixed line endings (blocked path)': {
    robots: 'User-agent: otherbot\r\nDisallow: /\rUser-agent: granska\nDisallow: /b\r\n',
    url: '/b',
    allowed: false,
  },
  'mixed line endings (free path)': {
    robots: 'User-agent: otherbot\r\nDisallow: /\rUser-agent: granska\nDisallow: /b\r\n',
    url: '/x',
    allowed: true,
  },
  'keys in any case, spaces and tabs around': {
    robots: '  USER-AGENT :  granska  \n\tdisallow\t:\t/a  ',
    url: '/a/b',
    allowed: false,
  },

  // --- Percent-encoding (RFC 9309 2.2.2, 2.2.3)
  'pattern %62 equals b (unreserved)': {
    robots: 'User-agent: *\nDisallow: /%62az',
    url: '/baz',
    allowed: false,
    deviation: 'robots-parser does not decode %XX of unreserved characters',
  },
  'URL %62%61%7A equals baz (RFC table)': {
    robots: 'User-agent: *\nDisallow: /foo/bar/baz',
    url: '/foo/bar/%62%61%7A',
    allowed: false,
    deviation: 'robots-parser does not decode %XX of unreserved characters in the URL',
  },
  'URL %7E equals ~': {
    robots: 'User-agent: *\nDisallow: /~anna',
    url: '/%7Eanna',
    allowed: false,
    deviation: 'robots-parser does not decode %7E',
  },
  'pattern %7e (lower case) equals ~': {
    robots: 'User-agent: *\nDisallow: /%7eanna',
    url: '/~anna',
    allowed: false,
    deviation: 'robots-parser does not decode %7E',
  },
  '%2F is not /: URL side': { robots: 'User-agent: *\nDisallow: /a/b', url: '/a%2Fb', allowed: true },
  '%2F is not /: pattern side': { robots: 'User-agent: *\nDisallow: /a%2Fb', url: '/a/b', allowed: true },
  '%2f equals %2F (hex case)': { robots: 'User-agent: *\nDisallow: /a%2fb', url: '/a%2Fb', allowed: false },
  'URL query %3A%2F%2F is not ://': {
    robots: 'User-agent: *\nDisallow: /foo/bar?baz=https://',
    url: '/foo/bar?baz=https%3A%2F%2Ffoo.bar',
    allowed: true,
  },
  'non-ASCII pattern matches the UTF-8 URL': {
    robots: 'User-agent: *\nDisallow: /äldreomsorg',
    url: `${ORIGIN}/äldreomsorg/hemtjänst`,
    allowed: false,
  },
  'non-ASCII pattern matches the encoded URL': {
    robots: 'User-agent: *\nDisallow: /äldreomsorg',
    url: '/%C3%A4ldreomsorg',
    allowed: false,
  },
  'non-ASCII pattern matches lower-case hex': {
    robots: 'User-agent: *\nDisallow: /äldreomsorg',
    url: '/%c3%a4ldreomsorg',
    allowed: false,
  },
  'encoded pattern matches the UTF-8 URL': {
    robots: 'User-agent: *\nDisallow: /%c3%a4ldre',
    url: `${ORIGIN}/äldreboende`,
    allowed: false,
  },
  'non-ASCII in the query': { robots: 'User-agent: *\nDisallow: /*?ort=Malmö', url: '/sok?ort=Malm%C3%B6', allowed: false },
  'space in a pattern': { robots: 'User-agent: *\nDisallow: /min sida', url: '/min%20sida', allowed: false },
  '%2A in a pattern is a literal *': {
    robots: 'User-agent: *\nDisallow: /fil-%2A.html',
    url: '/fil-*.html',
    allowed: false,
    deviation: 'RFC 9309 2.2.3: %2A names a literal "*"; robots-parser compares "%2A" with "*"',
  },
  '%2A in a pattern is not a wildcard': { robots: 'User-agent: *\nDisallow: /fil-%2A.html', url: '/fil-x.html', allowed: true },
  '%24 in a pattern is a literal $': {
    robots: 'User-agent: *\nDisallow: /pris-%24',
    url: '/pris-$',
    allowed: false,
    deviation: 'RFC 9309 2.2.3: %24 names a literal "$"; robots-parser compares "%24" with "$"',
  },
  "apostrophe in a query (the URL parser encodes it there)": {
    robots: "User-agent: *\nDisallow: /sok?q='hemtjanst'",
    url: "/sok?q='hemtjanst'",
    allowed: false,
    deviation: "WHATWG URL turns ' into %27 in queries only; robots-parser compares it with a literal '",
  },
  'brackets in a path': {
    robots: 'User-agent: *\nDisallow: /lista[1]',
    url: '/lista[1]',
    allowed: false,
    deviation: 'robots-parser encodes [ ] in patterns (encodeURI) but not in paths',
  },

  // --- /robots.txt itself (RFC 9309 2.2.2)
  '/robots.txt is always allowed': {
    robots: 'User-agent: *\nDisallow: /',
    url: '/robots.txt',
    allowed: true,
    deviation: 'robots-parser does not exempt /robots.txt',
  },
  '/robots.txt with a query is an ordinary URL': {
    robots: 'User-agent: *\nDisallow: /',
    url: '/robots.txt?x=1',
    allowed: false,
  },

  // --- Parsing limit (RFC 9309 2.5)
  'rules after the first 500 KiB are not read': {
    robots: OVER_LIMIT,
    url: '/sida',
    allowed: true,
    deviation: 'robots-parser has no parsing limit',
  },
  'rules inside the first 500 KiB are read': { robots: OVER_LIMIT, url: '/privat/x', allowed: false },
  'a line cut by the limit is dropped, not shortened': { robots: HALF_LINE, url: '/sida', allowed: false },
};

function absolute(url: string): string {
  return url.startsWith('/') ? ORIGIN + url : url;
}

describe('parseRobotsTxt: allow/disallow table', () => {
  it('has at least 60 cases', () => {
    expect(Object.keys(cases).length).toBeGreaterThanOrEqual(60);
  });

  it.each(Object.entries(cases))('%s', (_name, c) => {
    const rules = parseRobotsTxt(ROBOTS_URL, c.robots, c.agent ?? 'granska');
    expect(rules.isAllowed(absolute(c.url))).toBe(c.allowed);
  });

  const deviations = Object.entries(cases).filter(([, c]) => c.deviation !== undefined);
  it.each(deviations)('robots-parser on its own differs: %s', (_name, c) => {
    const raw = rawRobotsParser(ROBOTS_URL, c.robots).isAllowed(absolute(c.url), c.agent ?? 'granska');
    expect(raw).not.toBe(c.allowed);
  });

  it('reads a 5 MB file in bounded time', () => {
    const big = `${HEAD}${'Disallow: /arkiv/sida-med-ett-langt-namn-for-att-fylla-ut\n'.repeat(90_000)}`;
    expect(big.length).toBeGreaterThan(5_000_000);
    const started = performance.now();
    const rules = parseRobotsTxt(ROBOTS_URL, big, 'granska');
    expect(rules.isAllowed(`${ORIGIN}/privat`)).toBe(false);
    expect(rules.isAllowed(`${ORIGIN}/omsorg/hemtjanst`)).toBe(true);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(rules.notes().join(' ')).toMatch(/500 KiB/);
  });

  it('accepts a relative path', () => {
    const rules = parseRobotsTxt(ROBOTS_URL, 'User-agent: *\nDisallow: /privat', 'granska');
    expect(rules.isAllowed('/privat')).toBe(false);
    expect(rules.isAllowed('/sida')).toBe(true);
  });

  it('refuses a product token that has none', () => {
    expect(() => parseRobotsTxt(ROBOTS_URL, '', '/1.0')).toThrow(/product token/);
  });
});

interface DelayCase {
  robots: string;
  delay: number | undefined;
  note?: RegExp;
  /** Set when robots-parser 3 on its own gives another delay. */
  deviation?: string;
}

const delayCases: Record<string, DelayCase> = {
  'whole seconds': { robots: 'User-agent: granska\nCrawl-delay: 5', delay: 5 },
  'fraction': { robots: 'User-agent: granska\nCrawl-delay: 2.5', delay: 2.5 },
  'fraction without leading zero': { robots: 'User-agent: granska\nCrawl-delay: .5', delay: 0.5 },
  'Swedish decimal comma': {
    robots: 'User-agent: granska\nCrawl-delay: 1,5',
    delay: 1.5,
    deviation: 'robots-parser drops "1,5" (NaN)',
  },
  'zero': { robots: 'User-agent: granska\nCrawl-delay: 0', delay: 0 },
  'comment after the value': { robots: 'User-agent: granska\nCrawl-delay: 10 # sekunder', delay: 10 },
  'key in another case': { robots: 'User-agent: granska\nCRAWL-DELAY: 3', delay: 3 },
  'empty value is ignored': {
    robots: 'User-agent: granska\nCrawl-delay:',
    delay: undefined,
    deviation: 'robots-parser: Number("") is 0',
  },
  'words are ignored': { robots: 'User-agent: granska\nCrawl-delay: fem', delay: undefined, note: /"fem".*gick inte att tolka/ },
  'negative is ignored': {
    robots: 'User-agent: granska\nCrawl-delay: -3',
    delay: undefined,
    deviation: 'robots-parser keeps -3',
  },
  'hex is ignored': { robots: 'User-agent: granska\nCrawl-delay: 0x10', delay: undefined, deviation: 'robots-parser: 16' },
  'exponent is ignored': { robots: 'User-agent: granska\nCrawl-delay: 1e3', delay: undefined, deviation: 'robots-parser: 1000' },
  'Infinity is ignored': {
    robots: 'User-agent: granska\nCrawl-delay: Infinity',
    delay: undefined,
    deviation: 'robots-parser keeps Infinity',
  },
  'unit after the number is ignored': { robots: 'User-agent: granska\nCrawl-delay: 5s', delay: undefined },
  'capped at 60 seconds with a note': {
    robots: 'User-agent: granska\nCrawl-delay: 120',
    delay: 60,
    deviation: 'robots-parser has no cap',
    note: /Crawl-delay 120 sekunder.*60 sekunder/,
  },
  '* group when no group names us': { robots: 'User-agent: *\nCrawl-delay: 3', delay: 3 },
  'own group without delay does not take the * delay': {
    robots: 'User-agent: *\nDisallow: /tmp\nCrawl-delay: 3\n\nUser-agent: granska\nDisallow: /x',
    delay: undefined,
  },
  "another robot's delay is not ours": { robots: 'User-agent: otherbot\nCrawl-delay: 9', delay: undefined },
  'merged groups: the longest delay': {
    robots: 'User-agent: granska\nCrawl-delay: 2\n\nUser-agent: otherbot\nDisallow: /\n\nUser-agent: granska\nCrawl-delay: 4',
    delay: 4,
  },
  'before any group: ignored': { robots: 'Crawl-delay: 7\nUser-agent: granska\nDisallow: /x', delay: undefined },
  'belongs to the group above, not to the next User-agent line': {
    robots: 'User-agent: otherbot\nCrawl-delay: 8\nUser-agent: granska\nDisallow: /x',
    delay: undefined,
  },
  'after the rules of our group': { robots: 'User-agent: granska\nDisallow: /x\nCrawl-delay: 4', delay: 4 },
};

describe('parseRobotsTxt: Crawl-delay', () => {
  it.each(Object.entries(delayCases))('%s', (_name, c) => {
    const rules = parseRobotsTxt(ROBOTS_URL, c.robots, 'granska');
    expect(rules.crawlDelaySeconds()).toBe(c.delay);
    if (c.note) expect(rules.notes().join('\n')).toMatch(c.note);
  });

  const deviations = Object.entries(delayCases).filter(([, c]) => c.deviation !== undefined);
  it.each(deviations)('robots-parser on its own differs: %s', (_name, c) => {
    expect(rawRobotsParser(ROBOTS_URL, c.robots).getCrawlDelay('granska')).not.toBe(c.delay);
  });
});

interface SitemapCase {
  robots: string;
  base?: string;
  sitemaps: string[];
  deviation?: string;
}

const sitemapCases: Record<string, SitemapCase> = {
  'one sitemap': { robots: 'Sitemap: https://kommun.example/sitemap.xml', sitemaps: ['https://kommun.example/sitemap.xml'] },
  'anywhere in the file, inside and outside groups, any case': {
    robots: [
      'SITEMAP: https://kommun.example/a.xml',
      'User-agent: otherbot',
      'sitemap: https://kommun.example/b.xml',
      'Disallow: /',
      'Sitemap:https://cdn.kommun.example/c.xml',
    ].join('\n'),
    sitemaps: ['https://kommun.example/a.xml', 'https://kommun.example/b.xml', 'https://cdn.kommun.example/c.xml'],
  },
  // Decision: resolved against the robots.txt URL it came from instead of dropped.
  'relative value is resolved': {
    robots: 'Sitemap: /sitemap.xml',
    sitemaps: ['https://kommun.example/sitemap.xml'],
    deviation: 'robots-parser returns "/sitemap.xml" as written',
  },
  'relative value after a redirect uses the final URL': {
    robots: 'Sitemap: sitemap.xml',
    base: 'https://www.kommun.example/cms/robots.txt',
    sitemaps: ['https://www.kommun.example/cms/sitemap.xml'],
  },
  'duplicates once': {
    robots: 'Sitemap: https://kommun.example/s.xml\nSitemap: https://kommun.example/s.xml',
    sitemaps: ['https://kommun.example/s.xml'],
  },
  'not http(s) or empty: dropped': {
    robots: 'Sitemap: ftp://kommun.example/s.xml\nSitemap:\nSitemap: mailto:a@b.se',
    sitemaps: [],
    deviation: 'robots-parser keeps any value',
  },
  'duplicates once, however they are spelled': {
    robots: 'Sitemap: https://KOMMUN.example/s.xml\nSitemap: https://kommun.example:443/s.xml',
    sitemaps: ['https://kommun.example/s.xml'],
    deviation: 'robots-parser keeps both spellings',
  },
  'non-ASCII is encoded': {
    robots: 'Sitemap: https://kommun.example/webbkarta-för-äldre.xml',
    sitemaps: ['https://kommun.example/webbkarta-f%C3%B6r-%C3%A4ldre.xml'],
  },
  'beyond the parsing limit: not read': { robots: `${padding(ROBOTS_PARSE_LIMIT_BYTES + 100)}Sitemap: https://kommun.example/s.xml\n`, sitemaps: [] },
};

describe('parseRobotsTxt: Sitemap', () => {
  it.each(Object.entries(sitemapCases))('%s', (_name, c) => {
    expect(parseRobotsTxt(c.base ?? ROBOTS_URL, c.robots, 'granska').sitemaps()).toEqual(c.sitemaps);
  });

  const deviations = Object.entries(sitemapCases).filter(([, c]) => c.deviation !== undefined);
  it.each(deviations)('robots-parser on its own differs: %s', (_name, c) => {
    expect(rawRobotsParser(c.base ?? ROBOTS_URL, c.robots).getSitemaps()).not.toEqual(c.sitemaps);
  });
});

describe('policies', () => {
  const rules = parseRobotsTxt(ROBOTS_URL, 'User-agent: *\nDisallow: /privat\nCrawl-delay: 2', 'granska');
  const policies: RobotsPolicy[] = [
    { kind: 'rules', robotsUrl: ROBOTS_URL, status: 200, rules },
    { kind: 'allow-all', robotsUrl: ROBOTS_URL, status: 404, reason: 'x' },
    { kind: 'disallow-all', robotsUrl: ROBOTS_URL, status: 500, reason: 'x' },
  ];

  it('isAllowedBy and crawlDelayOf per kind', () => {
    const [ruled, open, closed] = policies as [RobotsPolicy, RobotsPolicy, RobotsPolicy];
    expect(isAllowedBy(ruled, `${ORIGIN}/privat`)).toBe(false);
    expect(isAllowedBy(ruled, `${ORIGIN}/sida`)).toBe(true);
    expect(isAllowedBy(open, `${ORIGIN}/privat`)).toBe(true);
    expect(isAllowedBy(closed, `${ORIGIN}/sida`)).toBe(false);
    expect(isAllowedBy(closed, `${ORIGIN}/robots.txt`)).toBe(true);
    expect(crawlDelayOf(ruled)).toBe(2);
    expect(crawlDelayOf(open)).toBeUndefined();
    expect(crawlDelayOf(closed)).toBeUndefined();
  });

  it('maps statuses as RFC 9309 2.3.1 says', () => {
    const kind = (status: number) => policyFromResponse(ROBOTS_URL, { status, body: '', finalUrl: ROBOTS_URL }, 'granska').kind;
    expect(kind(200)).toBe('rules');
    expect(kind(204)).toBe('rules');
    expect(kind(400)).toBe('allow-all');
    expect(kind(401)).toBe('allow-all');
    expect(kind(403)).toBe('allow-all');
    expect(kind(404)).toBe('allow-all');
    expect(kind(410)).toBe('allow-all');
    expect(kind(301)).toBe('allow-all'); // a redirect the fetcher did not follow any further
    // Decision: 429 asks us to slow down, so it counts as unreachable (as Google does).
    expect(kind(429)).toBe('disallow-all');
    expect(kind(500)).toBe('disallow-all');
    expect(kind(599)).toBe('disallow-all');
    expect(kind(600)).toBe('disallow-all');
  });
});

// ---------------------------------------------------------------------------------------------
// Fetch semantics through RobotsCache, against a real server

interface TestServer {
  origin: string;
  /** Request paths in arrival order. */
  hits: string[];
  close(): Promise<void>;
}

async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function withServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  body: (server: TestServer) => Promise<void>,
): Promise<void> {
  const server = await startServer(handler);
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

function robotsText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}

/** Follows up to `maxRedirects` redirects; past that it hands back the last 3xx, as RobotsFetch asks. */
const testFetch: RobotsFetch = async (url, maxRedirects) => {
  let current = url;
  for (let hops = 0; ; hops++) {
    const res = await fetch(current, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status <= 399 && location !== null && hops < maxRedirects) {
      await res.body?.cancel();
      current = new URL(location, current).href;
      continue;
    }
    return { status: res.status, body: await res.text(), finalUrl: current };
  }
};

describe('RobotsCache', () => {
  it('200: the rules apply', async () => {
    await withServer(
      (_req, res) => robotsText(res, 200, 'User-agent: granska\nDisallow: /privat\nCrawl-delay: 1.5\nSitemap: /sitemap.xml'),
      async ({ origin }) => {
        const cache = new RobotsCache(testFetch, 'granska/0.1 (+https://github.com/hemtjanstindex/granska)');
        const policy = await cache.policyFor(`${origin}/sida`);
        expect(policy.kind).toBe('rules');
        expect(policy.robotsUrl).toBe(`${origin}/robots.txt`);
        expect(policy.status).toBe(200);
        expect(await cache.isAllowed(`${origin}/privat/a`)).toBe(false);
        expect(await cache.isAllowed(new URL(`${origin}/omsorg`))).toBe(true);
        expect(crawlDelayOf(policy)).toBe(1.5);
        if (policy.kind === 'rules') expect(policy.rules.sitemaps()).toEqual([`${origin}/sitemap.xml`]);
      },
    );
  });

  it.each([
    [404, /robots\.txt svarade 404 \(finns inte\)/],
    [403, /robots\.txt svarade 403 \(åtkomst nekad\)/],
    [401, /robots\.txt svarade 401 \(kräver inloggning\)/],
  ])('%i: everything allowed', async (status, reason) => {
    await withServer(
      (_req, res) => robotsText(res, status, 'User-agent: *\nDisallow: /'),
      async ({ origin }) => {
        const cache = new RobotsCache(testFetch, 'granska');
        const policy = await cache.policyFor(origin);
        expect(policy).toMatchObject({ kind: 'allow-all', status });
        if (policy.kind === 'allow-all') expect(policy.reason).toMatch(reason);
        expect(await cache.isAllowed(`${origin}/x`)).toBe(true);
      },
    );
  });

  it('500: nothing allowed, with the reason in Swedish', async () => {
    await withServer(
      (_req, res) => robotsText(res, 500, 'User-agent: *\nAllow: /'),
      async ({ origin }) => {
        const cache = new RobotsCache(testFetch, 'granska');
        expect(await cache.policyFor(origin)).toEqual({
          kind: 'disallow-all',
          robotsUrl: `${origin}/robots.txt`,
          status: 500,
          reason: 'robots.txt svarade 500 (serverfel): hela webbplatsen räknas som otillåten enligt RFC 9309',
        });
        expect(await cache.isAllowed(`${origin}/x`)).toBe(false);
        expect(await cache.isAllowed(`${origin}/robots.txt`)).toBe(true);
      },
    );
  });

  it.each([503, 429])('%i: nothing allowed', async (status) => {
    await withServer(
      (_req, res) => robotsText(res, status, ''),
      async ({ origin }) => {
        const cache = new RobotsCache(testFetch, 'granska');
        expect(await cache.policyFor(origin)).toMatchObject({ kind: 'disallow-all', status });
        expect(await cache.isAllowed(`${origin}/x`)).toBe(false);
      },
    );
  });

  it('closed port: unreachable, nothing allowed', async () => {
    const server = await startServer(() => undefined);
    const origin = server.origin;
    await server.close();
    const cache = new RobotsCache(testFetch, 'granska');
    const policy = await cache.policyFor(`${origin}/sida`);
    expect(policy.kind).toBe('disallow-all');
    expect(policy.status).toBeUndefined();
    if (policy.kind === 'disallow-all') {
      expect(policy.reason).toMatch(/^robots\.txt gick inte att hämta: anslutningen nekades, ECONNREFUSED; hela webbplatsen/);
    }
    expect(await cache.isAllowed(`${origin}/sida`)).toBe(false);
  });

  it('no answer in time: unreachable, nothing allowed', async () => {
    // The handler never answers; the cache's own time limit ends the wait.
    await withServer(
      () => undefined,
      async ({ origin }) => {
        const cache = new RobotsCache(testFetch, 'granska', { timeoutMs: 300 });
        const started = performance.now();
        const policy = await cache.policyFor(origin);
        expect(performance.now() - started).toBeLessThan(5_000);
        expect(policy).toMatchObject({ kind: 'disallow-all', reason: expect.stringMatching(/svarade inte i tid/) });
      },
    );
  });

  it('redirect to another path: the rules found there apply', async () => {
    await withServer(
      (req, res) => {
        if (req.url === '/robots.txt') {
          res.writeHead(301, { location: '/cms/robots.txt' });
          res.end();
        } else {
          robotsText(res, 200, 'User-agent: *\nDisallow: /privat\nSitemap: sitemap.xml');
        }
      },
      async ({ origin, hits }) => {
        const cache = new RobotsCache(testFetch, 'granska');
        const policy = await cache.policyFor(origin);
        expect(policy).toMatchObject({ kind: 'rules', status: 200, robotsUrl: `${origin}/robots.txt` });
        expect(await cache.isAllowed(`${origin}/privat`)).toBe(false);
        expect(await cache.isAllowed(`${origin}/sida`)).toBe(true);
        if (policy.kind === 'rules') expect(policy.rules.sitemaps()).toEqual([`${origin}/cms/sitemap.xml`]);
        expect(hits).toEqual(['/robots.txt', '/cms/robots.txt']);
      },
    );
  });

  it('redirect to another host: its rules apply to the first host', async () => {
    await withServer(
      (_req, res) => robotsText(res, 200, 'User-agent: *\nDisallow: /privat'),
      async (target) => {
        await withServer(
          (_req, res) => {
            res.writeHead(302, { location: `${target.origin}/robots.txt` });
            res.end();
          },
          async ({ origin }) => {
            const cache = new RobotsCache(testFetch, 'granska');
            expect(await cache.isAllowed(`${origin}/privat`)).toBe(false);
            expect(await cache.isAllowed(`${origin}/sida`)).toBe(true);
          },
        );
      },
    );
  });

  /** /robots.txt -> /r1 -> ... -> /r{hops}, which answers 200. */
  function chain(hops: number) {
    return (req: IncomingMessage, res: ServerResponse) => {
      const step = req.url === '/robots.txt' ? 0 : Number(req.url?.slice(2));
      if (step < hops) {
        res.writeHead(307, { location: `/r${step + 1}` });
        res.end();
      } else {
        robotsText(res, 200, 'User-agent: *\nDisallow: /privat');
      }
    };
  }

  it('five redirects are followed', async () => {
    await withServer(chain(5), async ({ origin, hits }) => {
      const cache = new RobotsCache(testFetch, 'granska');
      expect(await cache.policyFor(origin)).toMatchObject({ kind: 'rules', status: 200 });
      expect(await cache.isAllowed(`${origin}/privat`)).toBe(false);
      expect(hits).toHaveLength(6);
    });
  });

  // Decision: RFC 9309 2.3.1.2 lets a crawler treat more than five redirects as "unavailable",
  // which 2.3.1.3 handles like a 4xx (everything allowed). Google does the same.
  it('six redirects: unavailable, everything allowed', async () => {
    await withServer(chain(6), async ({ origin, hits }) => {
      const cache = new RobotsCache(testFetch, 'granska');
      const policy = await cache.policyFor(origin);
      expect(policy).toMatchObject({ kind: 'allow-all', status: 307 });
      if (policy.kind === 'allow-all') expect(policy.reason).toMatch(/inom 5 omdirigeringar/);
      expect(await cache.isAllowed(`${origin}/privat`)).toBe(true);
      expect(hits).toHaveLength(6);
    });
  });

  it('redirect loop: unavailable, everything allowed', async () => {
    await withServer(
      (_req, res) => {
        res.writeHead(301, { location: '/robots.txt' });
        res.end();
      },
      async ({ origin, hits }) => {
        const cache = new RobotsCache(testFetch, 'granska');
        expect(await cache.policyFor(origin)).toMatchObject({ kind: 'allow-all', status: 301 });
        expect(hits).toHaveLength(6);
      },
    );
  });

  it('a fetcher that throws too-many-redirects counts the same', async () => {
    const throwing: RobotsFetch = async (url) => {
      throw new FetchFailure('too-many-redirects', url);
    };
    const policy = await new RobotsCache(throwing, 'granska').policyFor(ORIGIN);
    expect(policy).toMatchObject({ kind: 'allow-all', status: 0 });
  });

  it('a fetcher that throws at once counts as unreachable', async () => {
    const throwing: RobotsFetch = (url) => {
      throw new FetchFailure('dns', url);
    };
    const policy = await new RobotsCache(throwing, 'granska').policyFor(ORIGIN);
    expect(policy.kind).toBe('disallow-all');
    if (policy.kind === 'disallow-all') expect(policy.reason).toMatch(/DNS/);
  });

  it('5 MB robots.txt: the first 500 KiB are read, quickly', async () => {
    const big = `${HEAD}${'Disallow: /arkiv/sida-med-ett-langt-namn-for-att-fylla-ut\n'.repeat(90_000)}User-agent: *\nDisallow: /\n`;
    expect(big.length).toBeGreaterThan(5_000_000);
    await withServer(
      (_req, res) => robotsText(res, 200, big),
      async ({ origin }) => {
        const cache = new RobotsCache(testFetch, 'granska');
        const started = performance.now();
        const policy = await cache.policyFor(origin);
        expect(policy.kind).toBe('rules');
        expect(await cache.isAllowed(`${origin}/privat`)).toBe(false);
        expect(await cache.isAllowed(`${origin}/arkiv/sida-med-ett-langt-namn-for-att-fylla-ut`)).toBe(false);
        expect(await cache.isAllowed(`${origin}/omsorg`)).toBe(true);
        expect(performance.now() - started).toBeLessThan(10_000);
        if (policy.kind === 'rules') expect(policy.rules.notes().join(' ')).toMatch(/de första 500 KiB/);
      },
    );
  });

  it('one fetch per origin for many sequential calls', async () => {
    await withServer(
      (_req, res) => robotsText(res, 200, 'User-agent: *\nDisallow: /privat'),
      async ({ origin, hits }) => {
        const cache = new RobotsCache(testFetch, 'granska');
        for (let i = 0; i < 50; i++) {
          expect(await cache.isAllowed(`${origin}/sida/${i}`)).toBe(true);
          expect(await cache.isAllowed(`${origin}/privat/${i}`)).toBe(false);
        }
        expect(hits).toEqual(['/robots.txt']);
      },
    );
  });

  it('one fetch per origin for concurrent callers', async () => {
    await withServer(
      (_req, res) => {
        // Slow enough that all callers are waiting on the same fetch.
        setTimeout(() => robotsText(res, 200, 'User-agent: *\nDisallow: /privat'), 150);
      },
      async ({ origin, hits }) => {
        const cache = new RobotsCache(testFetch, 'granska');
        const answers = await Promise.all(
          Array.from({ length: 20 }, (_, i) => cache.isAllowed(`${origin}/${i % 2 === 0 ? 'privat' : 'sida'}/${i}`)),
        );
        expect(answers).toEqual(Array.from({ length: 20 }, (_, i) => i % 2 !== 0));
        expect(hits).toEqual(['/robots.txt']);
      },
    );
  });

  it('a failed fetch is also fetched only once', async () => {
    await withServer(
      (_req, res) => robotsText(res, 503, ''),
      async ({ origin, hits }) => {
        const cache = new RobotsCache(testFetch, 'granska');
        await Promise.all([cache.isAllowed(`${origin}/a`), cache.isAllowed(`${origin}/b`)]);
        await cache.isAllowed(`${origin}/c`);
        expect(hits).toEqual(['/robots.txt']);
      },
    );
  });

  it('each origin has its own robots.txt', async () => {
    const handler = (_req: IncomingMessage, res: ServerResponse) => robotsText(res, 200, 'User-agent: *\nDisallow: /privat');
    await withServer(handler, async (a) => {
      await withServer(handler, async (b) => {
        const cache = new RobotsCache(testFetch, 'granska');
        await cache.isAllowed(`${a.origin}/x`);
        await cache.isAllowed(`${b.origin}/x`);
        await cache.isAllowed(`${a.origin}/y`);
        expect(a.hits).toEqual(['/robots.txt']);
        expect(b.hits).toEqual(['/robots.txt']);
      });
    });
  });

  it('refuses URLs that have no robots.txt', async () => {
    const cache = new RobotsCache(testFetch, 'granska');
    await expect(cache.policyFor('mailto:info@kommun.example')).rejects.toThrow(TypeError);
    await expect(cache.isAllowed('inte en adress')).rejects.toThrow(TypeError);
  });
});
