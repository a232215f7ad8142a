/** URL identity for the crawl and the click graph: no fragment, lower-case host, no default port, no tracking parameters. */
const TRACKING = /^(utm_[a-z]+|fbclid|gclid|mc_[a-z]+|_ga|sessionid|jsessionid|phpsessid|sid)$/i;

export function normalizeUrl(input: string, base?: string): string | null {
  let u: URL;
  try {
    u = base ? new URL(input, base) : new URL(input);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  u.hash = '';
  u.hostname = u.hostname.toLowerCase();
  u.pathname = u.pathname.replace(/;jsessionid=[^/?]*/i, '');
  const kept = [...u.searchParams].filter(([k]) => !TRACKING.test(k));
  if (kept.length !== [...u.searchParams].length) {
    u.search = '';
    for (const [k, v] of kept) u.searchParams.append(k, v);
  }
  return u.href;
}

export function originOf(url: string): string {
  return new URL(url).origin;
}

/** A URL with percent-escapes decoded (åäö in paths), for matching words; the raw URL when it does not decode. */
export function decodeForMatching(url: string): string {
  try {
    return decodeURI(url);
  } catch {
    return url;
  }
}
