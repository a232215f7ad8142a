/**
 * How the audit fetches robots.txt: through the same polite, guarded Fetcher as every page (the
 * address guard and the per-host limits hold for robots.txt too), at most `maxRedirects` hops
 * (RFC 9309 section 2.3.1.2: five), the first 600 KiB (the parser reads 500 KiB of it).
 */
import type { Fetcher } from './fetcher.ts';
import type { RobotsFetch } from './robots.ts';

/** Read past the RFC's 500 KiB parse limit, so that the parser can drop a line cut in half. */
const ROBOTS_MAX_BYTES = 600 * 1024;

export function robotsFetchThrough(fetcher: Fetcher, opts: { timeoutMs?: number } = {}): RobotsFetch {
  return async (url, maxRedirects) => {
    const r = await fetcher.fetch({
      url,
      maxRedirects,
      maxBytes: ROBOTS_MAX_BYTES,
      onTooLarge: 'truncate',
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      accept: 'text/plain,*/*;q=0.5',
    });
    return { status: r.status, body: r.body.toString('utf8'), finalUrl: r.finalUrl };
  };
}
