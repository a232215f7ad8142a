import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Agent } from 'undici';
import { HostScheduler } from '../../src/crawl/host-scheduler.ts';
import { sleep, startServer, type TestServer } from './servers.ts';

/** A server that holds each request for `holdMs` and records concurrency as the server sees it. */
async function slowServer(holdMs: number, shared?: { now: number; max: number }) {
  const seen = { now: 0, max: 0 };
  const server = await startServer(async (_req, res) => {
    seen.now++;
    seen.max = Math.max(seen.max, seen.now);
    if (shared) {
      shared.now++;
      shared.max = Math.max(shared.max, shared.now);
    }
    await sleep(holdMs);
    seen.now--;
    if (shared) shared.now--;
    res.end('ok');
  });
  return { server, seen };
}

describe('HostScheduler', () => {
  const agent = new Agent({ connections: 50 });
  const get = async (origin: string, path = '/'): Promise<string> => {
    const res = await agent.request({ origin, path, method: 'GET' });
    return res.body.text();
  };
  const servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  afterAll(() => agent.close());

  it('never has more than perHostConcurrency requests in flight at one server', async () => {
    const { server, seen } = await slowServer(60);
    servers.push(server);
    const scheduler = new HostScheduler({ perHostConcurrency: 2, globalConcurrency: 24 });
    const bodies = await Promise.all(Array.from({ length: 10 }, (_, i) => scheduler.run(server.origin, () => get(server.origin, `/${i}`))));
    expect(bodies).toEqual(Array(10).fill('ok'));
    expect(server.requests).toHaveLength(10);
    expect(seen.max).toBe(2);
    expect(scheduler.stats(server.origin)).toMatchObject({ started: 10, maxInFlight: 2, inFlight: 0, queued: 0 });
  });

  it('caps the total across origins at globalConcurrency', async () => {
    const shared = { now: 0, max: 0 };
    const made = await Promise.all([slowServer(60, shared), slowServer(60, shared), slowServer(60, shared)]);
    servers.push(...made.map((m) => m.server));
    const scheduler = new HostScheduler({ perHostConcurrency: 2, globalConcurrency: 3 });
    await Promise.all(made.flatMap(({ server }) => Array.from({ length: 4 }, () => scheduler.run(server.origin, () => get(server.origin)))));
    expect(shared.max).toBe(3);
    for (const { seen } of made) expect(seen.max).toBeLessThanOrEqual(2);
  });

  it('with a crawl delay runs one at a time and spaces the starts, as the server sees them', async () => {
    const { server, seen } = await slowServer(10);
    servers.push(server);
    const scheduler = new HostScheduler({ perHostConcurrency: 2 });
    scheduler.setCrawlDelay(server.origin, 0.2);
    await Promise.all(Array.from({ length: 4 }, () => scheduler.run(server.origin, () => get(server.origin))));
    const arrivals = server.requests.map((r) => r.at);
    expect(arrivals).toHaveLength(4);
    for (let i = 1; i < arrivals.length; i++) {
      // 200 ms + 50 ms margin between starts; a few ms of slack for the trip to the server.
      expect(arrivals[i]! - arrivals[i - 1]!).toBeGreaterThanOrEqual(240);
    }
    expect(seen.max).toBe(1);
  });

  it('starts nothing on a paused origin until the pause is over, other origins go on', async () => {
    const paused = await slowServer(5);
    const free = await slowServer(5);
    servers.push(paused.server, free.server);
    const scheduler = new HostScheduler();
    const t0 = performance.now();
    scheduler.pause(paused.server.origin, 300);
    await Promise.all([
      scheduler.run(paused.server.origin, () => get(paused.server.origin)),
      scheduler.run(free.server.origin, () => get(free.server.origin)),
    ]);
    expect(paused.server.requests[0]!.at - t0).toBeGreaterThanOrEqual(295);
    expect(free.server.requests[0]!.at - t0).toBeLessThan(250);
  });

  it('a pause set by a running request holds back the requests queued behind it', async () => {
    const { server } = await slowServer(5);
    servers.push(server);
    const scheduler = new HostScheduler({ perHostConcurrency: 1 });
    let pausedAt = 0;
    await Promise.all([
      scheduler.run(server.origin, async () => {
        const body = await get(server.origin, '/first');
        pausedAt = performance.now();
        scheduler.pause(server.origin, 250); // as the fetcher does on a 429 with Retry-After
        return body;
      }),
      scheduler.run(server.origin, () => get(server.origin, '/second')),
    ]);
    const second = server.requests.find((r) => r.path === '/second')!;
    expect(second.at - pausedAt).toBeGreaterThanOrEqual(245);
  });

  it('passes a task’s rejection through and frees its slot', async () => {
    const scheduler = new HostScheduler({ perHostConcurrency: 1 });
    await expect(scheduler.run('http://a.example', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(scheduler.run('http://a.example', async () => 42)).resolves.toBe(42);
    expect(scheduler.stats('http://a.example/any/path')).toMatchObject({ started: 2, inFlight: 0 });
  });
});
