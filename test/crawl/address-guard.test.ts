import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from 'undici';
import { AddressGuard, classifyAddress, type AddressClass, type Resolver } from '../../src/crawl/address-guard.ts';
import { FetchFailure, Fetcher } from '../../src/crawl/fetcher.ts';
import { findFetchFailure } from '../../src/crawl/fetch-failure.ts';
import { HostScheduler } from '../../src/crawl/host-scheduler.ts';
import { startServer, type TestServer } from './servers.ts';

describe('classifyAddress', () => {
  const table: [string, AddressClass][] = [
    ['8.8.8.8', 'public'],
    ['193.183.29.10', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['169.254.1.1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['100.128.0.1', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['203.0.113.9', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::a00:1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:808:808::1', 'public'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fd00:ec2::254', 'metadata'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['2001:0:4136:e378::1', 'reserved'],
    ['2a00:1450:4001:80b::200e', 'public'],
    ['2600::1', 'public'],
    ['4000::1', 'reserved'],
    ['not-an-ip', 'reserved'],
    ['127.1', 'reserved'],
  ];
  it.each(table)('%s is %s', (ip, expected) => {
    expect(classifyAddress(ip)).toBe(expected);
  });
});

const noDns: Resolver = async (host) => {
  throw new Error(`DNS must not be used for ${host}`);
};

describe('AddressGuard.isAllowed and check', () => {
  it('allows only public addresses by default', async () => {
    const guard = new AddressGuard({ allowPrivate: false, registryHosts: ['http://127.0.0.1:4001/'], resolve: noDns });
    expect(await guard.isAllowed('8.8.8.8')).toBe(true);
    expect(await guard.isAllowed('2a00:1450:4001:80b::200e')).toBe(true);
    expect(await guard.isAllowed('127.0.0.1')).toBe(false);
    expect(await guard.isAllowed('10.0.0.1')).toBe(false);
    await expect(guard.check(new URL('http://127.0.0.1:4001/'))).rejects.toMatchObject({ code: 'blocked-address' });
    await expect(guard.check(new URL('http://[::1]/'))).rejects.toMatchObject({ code: 'blocked-address' });
    await expect(guard.check(new URL('http://8.8.8.8/'))).resolves.toBeUndefined();
  });

  it('with allowPrivate opens exactly the registry’s own addresses, on any port', async () => {
    const guard = new AddressGuard({ allowPrivate: true, registryHosts: ['http://127.0.0.1:4001/', '10.9.8.7'], resolve: noDns });
    expect(await guard.isAllowed('127.0.0.1')).toBe(true);
    expect(await guard.isAllowed('::ffff:127.0.0.1')).toBe(true);
    expect(await guard.isAllowed('10.9.8.7')).toBe(true);
    expect(await guard.isAllowed('127.0.0.2')).toBe(false);
    expect(await guard.isAllowed('10.9.8.6')).toBe(false);
    expect(await guard.isAllowed('::1')).toBe(false);
    await expect(guard.check(new URL('http://127.0.0.1:9999/x'))).resolves.toBeUndefined();
    const err = await guard.check(new URL('http://127.0.0.2:4001/')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FetchFailure);
    expect((err as FetchFailure).code).toBe('blocked-address');
    expect((err as FetchFailure).url).toBe('http://127.0.0.2:4001/');
    expect((err as FetchFailure).message).toContain('127.0.0.2');
  });

  it('never opens metadata, unspecified or multicast addresses, even when the registry names them', async () => {
    const guard = new AddressGuard({
      allowPrivate: true,
      registryHosts: ['169.254.169.254', '0.0.0.0', '224.0.0.1'],
      resolve: noDns,
    });
    for (const ip of ['169.254.169.254', '0.0.0.0', '224.0.0.1']) expect(await guard.isAllowed(ip)).toBe(false);
  });

  it('resolves registry names: localhost opens what localhost resolves to', async () => {
    const guard = new AddressGuard({ allowPrivate: true, registryHosts: ['http://localhost:4001/'] });
    expect(await guard.isAllowed('127.0.0.1')).toBe(true);
    expect(await guard.isAllowed('127.0.0.2')).toBe(false);
    await expect(guard.check(new URL('http://localhost:5/'))).resolves.toBeUndefined();
  });

  it('reports a name that does not resolve as a dns failure', async () => {
    const guard = new AddressGuard({
      allowPrivate: false,
      registryHosts: [],
      resolve: async () => {
        throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
      },
    });
    await expect(guard.check(new URL('http://finns-inte.example/'))).rejects.toMatchObject({ code: 'dns' });
  });
});

describe('AddressGuard.lookup (the check at connect time)', () => {
  const lookupAll = (guard: AddressGuard, host: string): Promise<unknown> =>
    new Promise((resolve, reject) =>
      guard.lookup(host, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
    );

  it('closes the DNS-rebinding gap: check saw a public address, the connect-time lookup gets a private one', async () => {
    let calls = 0;
    const rebinding: Resolver = async () => (calls++ === 0 ? [{ address: '93.184.216.34', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]);
    const guard = new AddressGuard({ allowPrivate: false, registryHosts: [], resolve: rebinding });
    await expect(guard.check(new URL('http://rebind.example/'))).resolves.toBeUndefined();
    await expect(lookupAll(guard, 'rebind.example')).rejects.toMatchObject({ code: 'blocked-address' });
  });

  it('hands the socket only the allowed addresses of a mixed answer', async () => {
    const mixed: Resolver = async () => [
      { address: '10.0.0.5', family: 4 },
      { address: '93.184.216.34', family: 4 },
    ];
    const guard = new AddressGuard({ allowPrivate: false, registryHosts: [], resolve: mixed });
    expect(await lookupAll(guard, 'mixed.example')).toEqual([{ address: '93.184.216.34', family: 4 }]);
    const single = await new Promise<[string, number | undefined]>((resolve, reject) =>
      guard.lookup('mixed.example', { family: 4 }, (err, address, family) => (err ? reject(err) : resolve([address as string, family]))),
    );
    expect(single).toEqual(['93.184.216.34', 4]);
  });

  describe('plugged into a real connection', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer((_req, res) => res.end('hej'));
    });
    afterAll(() => server.close());

    it('refuses to connect to localhost unless the registry names it', async () => {
      const blocked = new AddressGuard({ allowPrivate: false, registryHosts: [] });
      const agent = new Agent({ connect: { lookup: blocked.lookup } });
      const before = server.requests.length;
      const err = await agent.request({ origin: `http://localhost:${server.port}`, path: '/', method: 'GET' }).catch((e: unknown) => e);
      await agent.close();
      // undici may wrap the lookup's error; what matters is that it is the guard's refusal.
      expect(findFetchFailure(err)?.code).toBe('blocked-address');
      expect(server.requests.length).toBe(before);

      const allowed = new AddressGuard({ allowPrivate: true, registryHosts: ['localhost'] });
      const agent2 = new Agent({ connect: { lookup: allowed.lookup } });
      const res = await agent2.request({ origin: `http://localhost:${server.port}`, path: '/', method: 'GET' });
      expect(await res.body.text()).toBe('hej');
      await agent2.close();
      expect(server.requests.length).toBe(before + 1);
    });
  });
});

describe('allowPrivate end to end through the Fetcher', () => {
  let allowed: TestServer;
  let other: TestServer;
  let target: TestServer;
  let fetcher: Fetcher;

  beforeAll(async () => {
    other = await startServer((_req, res) => res.end('127.0.0.2 svarar'), { host: '127.0.0.2' });
    target = await startServer((_req, res) => res.end('127.0.0.3 svarar'), { host: '127.0.0.3' });
    allowed = await startServer((req, res) => {
      if (req.url === '/to-127-0-0-3') {
        res.writeHead(302, { location: `${target.origin}/secret` }).end();
      } else {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<p>ok</p>');
      }
    });
    const guard = new AddressGuard({ allowPrivate: true, registryHosts: [`${allowed.origin}/`] });
    fetcher = new Fetcher({ userAgent: 'granska-test', guard, scheduler: new HostScheduler(), retries: 0 });
  });
  afterAll(async () => {
    await fetcher.close();
    await Promise.all([allowed.close(), other.close(), target.close()]);
  });

  it('fetches from the address the registry names', async () => {
    const res = await fetcher.fetch({ url: `${allowed.origin}/` });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('<p>ok</p>');
  });

  it('blocks another loopback address; its server never sees a request', async () => {
    await expect(fetcher.fetch({ url: `${other.origin}/` })).rejects.toMatchObject({ code: 'blocked-address' });
    expect(other.requests).toHaveLength(0);
  });

  it('blocks a redirect from the allowed server to 127.0.0.3; that server never sees a request', async () => {
    const err = await fetcher.fetch({ url: `${allowed.origin}/to-127-0-0-3` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FetchFailure);
    expect((err as FetchFailure).code).toBe('blocked-address');
    expect((err as FetchFailure).url).toBe(`${target.origin}/secret`);
    expect((err as FetchFailure).message).toContain('127.0.0.3');
    expect(allowed.requests.map((r) => r.path)).toContain('/to-127-0-0-3');
    expect(target.requests).toHaveLength(0);
  });

  it('the Fetcher connects through the guard’s lookup: a name rebound to loopback after the check is refused', async () => {
    let calls = 0;
    const rebinding: Resolver = async () => (calls++ === 0 ? [{ address: '93.184.216.34', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]);
    const f = new Fetcher({
      userAgent: 'granska-test',
      guard: new AddressGuard({ allowPrivate: false, registryHosts: [], resolve: rebinding }),
      scheduler: new HostScheduler(),
      retries: 0,
    });
    const before = allowed.requests.length;
    const url = `http://rebind.example:${allowed.port}/`;
    const err = (await f.fetch({ url }).catch((e: unknown) => e)) as FetchFailure;
    await f.close();
    expect(calls).toBe(2); // once for check, once at connect
    expect(err).toBeInstanceOf(FetchFailure);
    expect(err.code).toBe('blocked-address');
    expect(err.url).toBe(url);
    expect(err.message).toContain(url);
    expect(allowed.requests.length).toBe(before);
  });

  it('reports a name that does not exist as dns, naming the URL', async () => {
    const f = new Fetcher({
      userAgent: 'granska-test',
      guard: new AddressGuard({
        allowPrivate: false,
        registryHosts: [],
        resolve: async () => {
          throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
        },
      }),
      scheduler: new HostScheduler(),
    });
    const err = (await f.fetch({ url: 'https://www.finns-inte.example/hemtjanst' }).catch((e: unknown) => e)) as FetchFailure;
    await f.close();
    expect(err.code).toBe('dns');
    expect(err.message).toBe('Namnet www.finns-inte.example i https://www.finns-inte.example/hemtjanst finns inte (DNS).');
  });

  it('without allowPrivate even the registry’s loopback address is refused', async () => {
    const strict = new Fetcher({
      userAgent: 'granska-test',
      guard: new AddressGuard({ allowPrivate: false, registryHosts: [`${allowed.origin}/`] }),
      scheduler: new HostScheduler(),
    });
    const before = allowed.requests.length;
    const err = (await strict.fetch({ url: `${allowed.origin}/` }).catch((e: unknown) => e)) as FetchFailure;
    await strict.close();
    expect(err.code).toBe('blocked-address');
    expect(err.message).toMatch(/--allow-private/);
    expect(allowed.requests.length).toBe(before);
  });
});
