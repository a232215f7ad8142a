import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import zlib from 'node:zlib';
import type { ServerResponse } from 'node:http';
import { AddressGuard } from '../../src/crawl/address-guard.ts';
import { FetchFailure, Fetcher, parseRetryAfter, type FetcherOptions } from '../../src/crawl/fetcher.ts';
import { HostScheduler } from '../../src/crawl/host-scheduler.ts';
import { sleep, startServer, type TestServer } from './servers.ts';

const UA = 'granska/0.1 (+https://github.com/hemtjanstindex/granska)';

function makeFetcher(extra: Partial<FetcherOptions> = {}): Fetcher {
  return new Fetcher({
    userAgent: UA,
    guard: new AddressGuard({ allowPrivate: true, registryHosts: ['127.0.0.1'] }),
    scheduler: new HostScheduler(),
    retries: 2,
    retryBaseDelayMs: 20,
    ...extra,
  });
}

async function failureOf(p: Promise<unknown>): Promise<FetchFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected the fetch to fail').toBeInstanceOf(FetchFailure);
  return err as FetchFailure;
}

/** Writes until the client goes away (or `max` chunks), honouring backpressure; resolves with the count. */
async function writeUntilClosed(res: ServerResponse, chunk: Buffer, max: number): Promise<number> {
  let closed = false;
  res.on('close', () => (closed = true));
  let written = 0;
  while (!closed && written < max) {
    written++;
    if (!res.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  if (!closed) res.end();
  return written;
}

describe('Fetcher', () => {
  let site: TestServer;
  let fetcher: Fetcher;
  const counters = new Map<string, number>();
  const bump = (key: string): number => {
    const n = (counters.get(key) ?? 0) + 1;
    counters.set(key, n);
    return n;
  };
  const html = '<!doctype html><title>Hemtjänst</title><p>Äldreomsorg i Åre och Öland</p>';
  const bomb = zlib.gzipSync(Buffer.alloc(10 * 1024 * 1024)); // ~10 KB that inflates to 10 MiB
  let bombMembersWritten: Promise<number> = Promise.resolve(0);

  beforeAll(async () => {
    site = await startServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const p = url.pathname;
      if (p === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'x-multi': ['a', 'b'] }).end(html);
      } else if (p === '/gzip') {
        res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' }).end(zlib.gzipSync(html));
      } else if (p === '/deflate') {
        res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'deflate' }).end(zlib.deflateSync(html));
      } else if (p === '/deflate-raw') {
        res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'deflate' }).end(zlib.deflateRawSync(html));
      } else if (p === '/br') {
        res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'br' }).end(zlib.brotliCompressSync(html));
      } else if (p === '/corrupt-gzip') {
        res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' }).end('<p>inte alls packat</p>');
      } else if (p === '/missing') {
        res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Sidan finns inte</h1>');
      } else if (p === '/chain/a') {
        res.writeHead(301, { location: 'b?x=1' }).end('moved');
      } else if (p === '/chain/b') {
        res.writeHead(302, { location: `${site.origin}/chain/c#frag` }).end();
      } else if (p === '/chain/c') {
        res.writeHead(307, { location: '/' }).end();
      } else if (p === '/loop/1') {
        res.writeHead(302, { location: '/loop/2' }).end();
      } else if (p === '/loop/2') {
        res.writeHead(302, { location: '/loop/1' }).end();
      } else if (p.startsWith('/hop/')) {
        res.writeHead(302, { location: `/hop/${Number(p.slice(5)) + 1}` }).end();
      } else if (p === '/to-mailto') {
        res.writeHead(302, { location: 'mailto:hemtjanst@kommun.se' }).end();
      } else if (p === '/bomb') {
        res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
        bombMembersWritten = writeUntilClosed(res, bomb, 5000); // 5000 members: 50 GiB decoded
        await bombMembersWritten;
      } else if (p === '/big-text') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(Buffer.alloc(300_000, 'a'));
      } else if (p === '/big-pdf') {
        res.writeHead(200, { 'content-type': 'application/pdf' });
        res.end(Buffer.alloc(300_000, 'p'));
      } else if (p === '/big-pdf-chunked') {
        res.writeHead(200, { 'content-type': 'application/pdf', 'transfer-encoding': 'chunked' });
        await writeUntilClosed(res, Buffer.alloc(16_384, 'p'), 20);
      } else if (p === '/trickle-headers') {
        const socket = req.socket;
        socket.write('HTTP/1.1 200 OK\r\n');
        const timer = setInterval(() => socket.write('X-Slow: 1\r\n'), 50);
        socket.on('close', () => clearInterval(timer));
      } else if (p === '/endless') {
        res.writeHead(200, { 'content-type': 'text/html' });
        const timer = setInterval(() => res.write('<p>mer</p>\n'), 20);
        res.on('close', () => clearInterval(timer));
      } else if (p === '/reset') {
        bump(p);
        res.writeHead(200, { 'content-type': 'text/html', 'content-length': '100000' });
        res.write(Buffer.alloc(1000, 'x'));
        await sleep(20);
        req.socket.resetAndDestroy();
      } else if (p === '/reset-once') {
        if (bump(p) === 1) {
          res.writeHead(200, { 'content-type': 'text/html', 'content-length': '100000' });
          res.write('<p>');
          await sleep(20);
          req.socket.resetAndDestroy();
        } else {
          res.writeHead(200, { 'content-type': 'text/html' }).end('<p>andra gången gick det</p>');
        }
      } else if (p === '/429') {
        if (bump(p) === 1) res.writeHead(429, { 'retry-after': '1' }).end('för många');
        else res.writeHead(200, { 'content-type': 'text/html' }).end('<p>välkommen tillbaka</p>');
      } else if (p === '/429-long') {
        bump(p);
        res.writeHead(429, { 'retry-after': '3600' }).end('kom tillbaka om en timme');
      } else if (p === '/503-once') {
        if (bump(p) === 1) res.writeHead(503).end('upptagen');
        else res.writeHead(200, { 'content-type': 'text/html' }).end('<p>nu</p>');
      } else if (p === '/502') {
        bump(p);
        res.writeHead(502).end('bad gateway');
      } else if (p === '/robots-blocked-target') {
        res.writeHead(200).end('should never be fetched');
      } else if (p === '/to-robots-blocked') {
        res.writeHead(302, { location: '/robots-blocked-target' }).end();
      } else {
        res.writeHead(500).end();
      }
    });
    fetcher = makeFetcher();
  });
  afterAll(async () => {
    await fetcher.close();
    await site.close();
  });

  const hits = (path: string): number => site.requests.filter((r) => r.path === path).length;

  it('fetches a page and describes the response', async () => {
    const res = await fetcher.fetch({ url: `${site.origin}/` });
    expect(res.status).toBe(200);
    expect(res.body.toString('utf8')).toBe(html);
    expect(res.contentType).toBe('text/html');
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['x-multi']).toBe('a, b');
    expect(res.finalUrl).toBe(`${site.origin}/`);
    expect(res.redirects).toEqual([]);
    expect(res.truncated).toBe(false);
    expect(new Date(res.fetchedAt).toISOString()).toBe(res.fetchedAt);
    expect(res.elapsedMs).toBeGreaterThanOrEqual(0);
    const sent = site.requests.find((r) => r.path === '/')!.headers;
    expect(sent['user-agent']).toBe(UA);
    expect(sent['accept-encoding']).toBe('gzip, deflate, br');
  });

  it.each(['/gzip', '/deflate', '/deflate-raw', '/br'])('decodes content-encoding (%s)', async (path) => {
    const res = await fetcher.fetch({ url: `${site.origin}${path}` });
    expect(res.body.toString('utf8')).toBe(html);
  });

  it('fails a body that claims gzip but is not, naming the URL', async () => {
    const f = await failureOf(fetcher.fetch({ url: `${site.origin}/corrupt-gzip` }));
    expect(f.code).toBe('http');
    expect(f.message).toContain(`${site.origin}/corrupt-gzip`);
  });

  it('returns non-2xx statuses as responses', async () => {
    const res = await fetcher.fetch({ url: `${site.origin}/missing` });
    expect(res.status).toBe(404);
    expect(res.body.toString()).toContain('Sidan finns inte');
  });

  describe('redirects', () => {
    it('follows a chain, resolving relative locations and dropping fragments', async () => {
      const res = await fetcher.fetch({ url: `${site.origin}/chain/a` });
      expect(res.status).toBe(200);
      expect(res.requestedUrl).toBe(`${site.origin}/chain/a`);
      expect(res.finalUrl).toBe(`${site.origin}/`);
      expect(res.redirects).toEqual([
        { url: `${site.origin}/chain/a`, status: 301, location: 'b?x=1' },
        { url: `${site.origin}/chain/b?x=1`, status: 302, location: `${site.origin}/chain/c#frag` },
        { url: `${site.origin}/chain/c`, status: 307, location: '/' },
      ]);
    });

    it('detects a loop', async () => {
      const f = await failureOf(fetcher.fetch({ url: `${site.origin}/loop/1` }));
      expect(f.code).toBe('too-many-redirects');
      expect(f.message).toContain('slinga');
      expect(f.message).toContain(`${site.origin}/loop/1`);
      expect(hits('/loop/1')).toBe(1);
    });

    it('gives up after 10 redirects', async () => {
      const f = await failureOf(fetcher.fetch({ url: `${site.origin}/hop/0` }));
      expect(f.code).toBe('too-many-redirects');
      expect(f.message).toMatch(/fler än 10 gånger/);
      // The start page plus 10 followed redirects; the 11th Location is not requested.
      expect(site.requests.filter((r) => r.path.startsWith('/hop/'))).toHaveLength(11);
      expect(hits('/hop/11')).toBe(0);
    });

    it('honours maxRedirects', async () => {
      const f = await failureOf(fetcher.fetch({ url: `${site.origin}/hop/100`, maxRedirects: 2 }));
      expect(f.code).toBe('too-many-redirects');
      expect(hits('/hop/103')).toBe(0);
    });

    it('refuses a redirect to something that is not http(s)', async () => {
      const f = await failureOf(fetcher.fetch({ url: `${site.origin}/to-mailto` }));
      expect(f.code).toBe('bad-url');
      expect(f.message).toContain('mailto:hemtjanst@kommun.se');
    });

    it('runs beforeHop on every hop and stops when it refuses one', async () => {
      const seen: string[] = [];
      const robotsFetcher = makeFetcher({
        beforeHop: async (url) => {
          seen.push(url.pathname);
          if (url.pathname === '/robots-blocked-target') throw new FetchFailure('disallowed', url.href);
        },
      });
      const f = await failureOf(robotsFetcher.fetch({ url: `${site.origin}/to-robots-blocked` }));
      await robotsFetcher.close();
      expect(f.code).toBe('disallowed');
      expect(seen).toEqual(['/to-robots-blocked', '/robots-blocked-target']);
      expect(hits('/robots-blocked-target')).toBe(0);
    });
  });

  describe('bad URLs', () => {
    it('rejects URLs over 2048 characters without a request', async () => {
      const before = site.requests.length;
      const f = await failureOf(fetcher.fetch({ url: `${site.origin}/${'a'.repeat(2100)}` }));
      expect(f.code).toBe('bad-url');
      expect(f.message).toContain('2048');
      expect(site.requests.length).toBe(before);
    });

    it.each(['inte en adress', 'ftp://ftp.kommun.se/fil.pdf', 'javascript:alert(1)', 'http://127.0.0.1:25/'])(
      'rejects %s',
      async (url) => {
        expect((await failureOf(fetcher.fetch({ url }))).code).toBe('bad-url');
      },
    );
  });

  describe('size limits', () => {
    it('stops a gzip bomb early, with bounded memory, keeping the first maxBytes', async () => {
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
      const t0 = performance.now();
      const res = await fetcher.fetch({ url: `${site.origin}/bomb`, maxBytes: 1024 * 1024 });
      const elapsed = performance.now() - t0;
      clearInterval(sampler);
      expect(res.truncated).toBe(true);
      expect(res.body.length).toBe(1024 * 1024);
      expect(res.body.every((b) => b === 0)).toBe(true);
      // The server wanted to send 5000 members (50 GiB decoded); the client hung up long before
      // (what it did write is mostly socket buffers).
      const written = await bombMembersWritten;
      expect(written).toBeLessThan(1500);
      expect(elapsed).toBeLessThan(5000);
      expect(peak - baseline).toBeLessThan(150 * 1024 * 1024);
    });

    it('truncates a text body over maxBytes', async () => {
      const res = await fetcher.fetch({ url: `${site.origin}/big-text`, maxBytes: 100_000 });
      expect(res.truncated).toBe(true);
      expect(res.body.length).toBe(100_000);
    });

    it('fails a non-text body over maxBytes as too-large (declared length)', async () => {
      const f = await failureOf(fetcher.fetch({ url: `${site.origin}/big-pdf`, maxBytes: 100_000 }));
      expect(f.code).toBe('too-large');
      expect(f.message).toContain(`${site.origin}/big-pdf`);
    });

    it('fails a non-text body over maxBytes as too-large (chunked, counted while reading)', async () => {
      const f = await failureOf(fetcher.fetch({ url: `${site.origin}/big-pdf-chunked`, maxBytes: 100_000 }));
      expect(f.code).toBe('too-large');
    });

    it('lets the caller choose: onTooLarge truncate for a PDF, fail for text', async () => {
      const pdf = await fetcher.fetch({ url: `${site.origin}/big-pdf`, maxBytes: 100_000, onTooLarge: 'truncate' });
      expect(pdf.truncated).toBe(true);
      expect(pdf.body.length).toBe(100_000);
      const f = await failureOf(fetcher.fetch({ url: `${site.origin}/big-text`, maxBytes: 100_000, onTooLarge: 'fail' }));
      expect(f.code).toBe('too-large');
    });
  });

  describe('time limits and retries', () => {
    it('times out on headers that trickle in forever, after retrying once', async () => {
      const f1 = makeFetcher({ retries: 1, retryBaseDelayMs: 10 });
      const t0 = performance.now();
      const f = await failureOf(f1.fetch({ url: `${site.origin}/trickle-headers`, timeoutMs: 300 }));
      const elapsed = performance.now() - t0;
      await f1.close();
      expect(f.code).toBe('timeout');
      expect(f.message).toContain(`${site.origin}/trickle-headers`);
      expect(f.message).toMatch(/0,3 sekunder/);
      expect(hits('/trickle-headers')).toBe(2);
      expect(elapsed).toBeGreaterThanOrEqual(590);
      expect(elapsed).toBeLessThan(2000);
    });

    it('times out on a body that never ends', async () => {
      const f1 = makeFetcher({ retries: 0 });
      const t0 = performance.now();
      const f = await failureOf(f1.fetch({ url: `${site.origin}/endless`, timeoutMs: 300 }));
      await f1.close();
      expect(f.code).toBe('timeout');
      expect(f.message).toMatch(/skickade inte klart/);
      expect(performance.now() - t0).toBeLessThan(1500);
    });

    it('retries a connection reset mid-body, then fails with a clear message', async () => {
      const f = await failureOf(fetcher.fetch({ url: `${site.origin}/reset` }));
      expect(f.code).toBe('connection');
      expect(f.message).toBe(`Anslutningen till ${site.origin}/reset bröts mitt i svaret (ECONNRESET) (3 försök).`);
      expect(counters.get('/reset')).toBe(3);
    });

    it('recovers when a retry succeeds', async () => {
      const res = await fetcher.fetch({ url: `${site.origin}/reset-once` });
      expect(res.status).toBe(200);
      expect(res.body.toString()).toContain('andra gången');
      expect(counters.get('/reset-once')).toBe(2);
    });

    it('fails a refused connection as a connection failure naming the URL', async () => {
      const gone = await startServer((_req, res) => res.end());
      const url = `${gone.origin}/`;
      await gone.close();
      const f = await failureOf(makeFetcher({ retries: 0 }).fetch({ url }));
      expect(f.code).toBe('connection');
      expect(f.message).toContain(url);
      expect(f.message).toContain('ECONNREFUSED');
    });

    it('honours 429 Retry-After before retrying', async () => {
      const res = await fetcher.fetch({ url: `${site.origin}/429` });
      expect(res.status).toBe(200);
      const [first, second] = site.requests.filter((r) => r.path === '/429');
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(990);
    });

    it('returns a 429 whose Retry-After is longer than maxRetryAfterMs as it is', async () => {
      const t0 = performance.now();
      const res = await fetcher.fetch({ url: `${site.origin}/429-long` });
      expect(res.status).toBe(429);
      expect(res.headers['retry-after']).toBe('3600');
      expect(counters.get('/429-long')).toBe(1);
      expect(performance.now() - t0).toBeLessThan(1000);
    });

    it('retries a 503 and returns the recovered response', async () => {
      const res = await fetcher.fetch({ url: `${site.origin}/503-once` });
      expect(res.status).toBe(200);
      expect(counters.get('/503-once')).toBe(2);
    });

    it('returns a persistent 502 after the retries', async () => {
      const res = await fetcher.fetch({ url: `${site.origin}/502` });
      expect(res.status).toBe(502);
      expect(counters.get('/502')).toBe(3);
    });
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2025-03-01T12:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Sat, 01 Mar 2025 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sat, 01 Mar 2025 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('snart', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('TLS', () => {
  let secure: TestServer;
  beforeAll(async () => {
    secure = await startServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<p>krypterat</p>'), { tls: true });
  });
  afterAll(() => secure.close());

  it('refuses a self-signed certificate with a message that suggests --insecure', async () => {
    const f1 = makeFetcher({ retries: 0 });
    const f = await failureOf(f1.fetch({ url: `${secure.origin}/` }));
    await f1.close();
    expect(f.code).toBe('tls');
    expect(f.message).toContain(`${secure.origin}/`);
    expect(f.message).toContain('självsignerat');
    expect(f.message).toContain('--insecure');
    expect(secure.requests).toHaveLength(0);
  });

  it('accepts it with insecureTls', async () => {
    const f1 = makeFetcher({ insecureTls: true });
    const res = await f1.fetch({ url: `${secure.origin}/` });
    await f1.close();
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('<p>krypterat</p>');
  });
});

describe('politeness through the scheduler', () => {
  it('never has more than 2 requests in flight at the server', async () => {
    let now = 0;
    let max = 0;
    const server = await startServer(async (_req, res) => {
      now++;
      max = Math.max(max, now);
      await sleep(40);
      now--;
      res.end('ok');
    });
    const f = makeFetcher();
    await Promise.all(Array.from({ length: 8 }, (_, i) => f.fetch({ url: `${server.origin}/${i}` })));
    await f.close();
    await server.close();
    expect(server.requests).toHaveLength(8);
    expect(max).toBe(2);
  });
});
