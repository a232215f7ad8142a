import { isIP } from 'node:net';
import { getDomain } from 'tldts';

/**
 * Which "site" a URL belongs to (criteria.md: the start page's registrable domain, any subdomain).
 * A bare address or localhost has no registrable domain: there each origin (host and port) is its
 * own site, which is also what lets many fixture kommuner share 127.0.0.1.
 */
export function siteKeyOf(url: string | URL): string {
  const u = typeof url === 'string' ? new URL(url) : url;
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(host) || host === 'localhost' || !host.includes('.')) return u.origin;
  return getDomain(host, { allowPrivateDomains: false }) ?? host;
}

export function sameSite(a: string | URL, b: string | URL): boolean {
  try {
    return siteKeyOf(a) === siteKeyOf(b);
  } catch {
    return false;
  }
}
