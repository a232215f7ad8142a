/**
 * robots.txt fetched as the audit fetches it: the real Fetcher (address guard, host scheduler,
 * redirect handling) behind robotsFetchThrough and RobotsCache, against real loopback servers.
 * RFC 9309 section 2.3.1.2: five redirects are followed and the rules found honoured; a sixth
 * makes the file unavailable, which allows everything (section 2.3.1.3).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { AddressGuard } from '../../src/crawl/address-guard.ts';
import { Fetcher } from '../../src/crawl/fetcher.ts';
import { HostScheduler } from '../../src/crawl/host-scheduler.ts';
import { robotsFetchThrough } from '../../src/crawl/robots-fetch.ts';
import { RobotsCache } from '../../src/crawl/robots.ts';
import { startServer, type TestServer } from './servers.ts';

const UA = 'granska/0.1 (+https://github.com/hemtjanstindex/granska)';
const open: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

/** /robots.txt -> /r1 -> … -> /r{hops}, which answers with rules that disallow /privat. */
function chain(hops: number) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const step = req.url === '/robots.txt' ? 0 : Number(req.url?.slice(2));
    if (step < hops) {
      res.writeHead(301, { location: `/r${step + 1}` });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('User-agent: *\nDisallow: /privat\n');
  };
}

async function setUp(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: TestServer; cache: RobotsCache }> {
  const server = await startServer(handler);
  open.push(server);
  // As the audit builds it: loopback allowed only because the registry names this server.
  const guard = new AddressGuard({ allowPrivate: true, registryHosts: [server.origin] });
  const fetcher = new Fetcher({ userAgent: UA, guard, scheduler: new HostScheduler({ perHostConcurrency: 2 }), retries: 0, timeoutMs: 5_000 });
  open.push(fetcher);
  return { server, cache: new RobotsCache(robotsFetchThrough(fetcher, { timeoutMs: 5_000 }), UA) };
}

const paths = (s: TestServer) => s.requests.map((r) => r.path);

describe('robots.txt through the real Fetcher', () => {
  it('five redirects: followed, and the rules at the end honoured', async () => {
    const { server, cache } = await setUp(chain(5));
    const policy = await cache.policyFor(`${server.origin}/sida`);
    expect(policy).toMatchObject({ kind: 'rules', status: 200, robotsUrl: `${server.origin}/robots.txt` });
    expect(await cache.isAllowed(`${server.origin}/privat/a`)).toBe(false);
    expect(await cache.isAllowed(`${server.origin}/omsorg`)).toBe(true);
    expect(paths(server)).toEqual(['/robots.txt', '/r1', '/r2', '/r3', '/r4', '/r5']);
    // Asked once, whatever is asked after.
    await cache.isAllowed(`${server.origin}/privat/b`);
    expect(paths(server)).toHaveLength(6);
    // The User-Agent the site's rules are written for.
    expect(server.requests[0]!.headers['user-agent']).toBe(UA);
  });

  it('six redirects: unavailable, so everything is allowed, and the sixth is never requested', async () => {
    const { server, cache } = await setUp(chain(6));
    const policy = await cache.policyFor(server.origin);
    expect(policy.kind).toBe('allow-all');
    if (policy.kind === 'allow-all') expect(policy.reason).toMatch(/robots\.txt nåddes inte inom 5 omdirigeringar/);
    expect(await cache.isAllowed(`${server.origin}/privat/a`)).toBe(true);
    expect(paths(server)).toEqual(['/robots.txt', '/r1', '/r2', '/r3', '/r4', '/r5']);
  });

  it('a redirect loop: unavailable as well, everything allowed', async () => {
    const { server, cache } = await setUp((req, res) => {
      res.writeHead(302, { location: req.url === '/robots.txt' ? '/r1' : '/robots.txt' });
      res.end();
    });
    expect(await cache.policyFor(server.origin)).toMatchObject({ kind: 'allow-all' });
    expect(await cache.isAllowed(`${server.origin}/privat`)).toBe(true);
    expect(paths(server)).toEqual(['/robots.txt', '/r1']);
  });

  it('a redirect to an internal address the registry does not name: not followed, the host closed', async () => {
    const trap = await startServer(chain(0), { host: '127.0.0.2' });
    open.push(trap);
    const { server, cache } = await setUp((_req, res) => {
      res.writeHead(301, { location: `${trap.origin}/robots.txt` });
      res.end();
    });
    const policy = await cache.policyFor(server.origin);
    expect(policy.kind).toBe('disallow-all');
    if (policy.kind === 'disallow-all') expect(policy.reason).toMatch(/den interna adressen 127\.0\.0\.2/);
    expect(trap.requests).toEqual([]);
  });
});
