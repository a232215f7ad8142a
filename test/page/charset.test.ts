import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { decodeHtml, resolveCharsetLabel } from '../../src/page/charset.ts';
import { AddressGuard } from '../../src/crawl/address-guard.ts';
import { Fetcher } from '../../src/crawl/fetcher.ts';
import { HostScheduler } from '../../src/crawl/host-scheduler.ts';
import { startServer, type TestServer } from '../crawl/servers.ts';

const SWEDISH = 'Hemtjänst för äldre i Åre, Öland och Överkalix – kostnad 300 €';
const latin1 = (s: string): Buffer => iconv.encode(s, 'windows-1252');

describe('decodeHtml', () => {
  it('uses the charset from the Content-Type header', () => {
    const body = latin1(`<p>${SWEDISH}</p>`);
    const out = decodeHtml(body, 'text/html; charset=ISO-8859-1');
    expect(out).toEqual({ text: `<p>${SWEDISH}</p>`, charset: 'windows-1252', source: 'header' });
  });

  it('reads a quoted charset parameter', () => {
    expect(decodeHtml(latin1('<p>åäö</p>'), 'text/html; charset="latin1"').text).toBe('<p>åäö</p>');
  });

  it('finds <meta charset> in the first 1024 bytes', () => {
    const out = decodeHtml(latin1(`<!doctype html><html><head><meta charset="iso-8859-1"><title>${SWEDISH}</title>`), 'text/html');
    expect(out.source).toBe('meta');
    expect(out.charset).toBe('windows-1252');
    expect(out.text).toContain(`<title>${SWEDISH}</title>`);
  });

  it('finds <meta http-equiv="Content-Type" content="…charset=…">', () => {
    const page = `<HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=windows-1252"></HEAD><BODY>${SWEDISH}`;
    const out = decodeHtml(latin1(page));
    expect(out.source).toBe('meta');
    expect(out.text).toContain(SWEDISH);
  });

  it('ignores a meta charset inside a comment and one past the first 1024 bytes', () => {
    const commented = latin1(`<!-- <meta charset="utf-16be"> --><meta charset="iso-8859-1"><p>åäö`);
    expect(decodeHtml(commented)).toMatchObject({ source: 'meta', charset: 'windows-1252', text: expect.stringContaining('åäö') });
    const late = Buffer.from(`${' '.repeat(1100)}<meta charset="iso-8859-1"><p>åäö</p>`, 'utf8');
    expect(decodeHtml(late)).toMatchObject({ source: 'default', charset: 'utf-8', text: expect.stringContaining('åäö') });
  });

  it('lets the header win over meta', () => {
    const body = Buffer.from('<meta charset="iso-8859-1"><p>åäö</p>', 'utf8');
    expect(decodeHtml(body, 'text/html;charset=utf-8')).toMatchObject({ source: 'header', text: expect.stringContaining('åäö') });
  });

  it('lets a BOM win over the header, and strips it', () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<p>åäö</p>', 'utf8')]);
    expect(decodeHtml(body, 'text/html; charset=iso-8859-1')).toEqual({ text: '<p>åäö</p>', charset: 'utf-8', source: 'bom' });
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<p>åäö</p>', 'utf16le')]);
    expect(decodeHtml(utf16)).toEqual({ text: '<p>åäö</p>', charset: 'utf-16le', source: 'bom' });
  });

  it('treats a meta that says utf-16 as utf-8 (it was readable as ASCII)', () => {
    expect(decodeHtml(Buffer.from('<meta charset="utf-16"><p>åäö</p>', 'utf8'))).toMatchObject({ charset: 'utf-8', text: '<meta charset="utf-16"><p>åäö</p>' });
  });

  it('skips an unknown header label and goes on to meta', () => {
    expect(decodeHtml(latin1('<meta charset="latin1"><p>åäö'), 'text/html; charset=x-nonsense')).toMatchObject({ source: 'meta', text: '<meta charset="latin1"><p>åäö' });
  });

  it('defaults to UTF-8', () => {
    expect(decodeHtml(Buffer.from(`<p>${SWEDISH}</p>`, 'utf8'))).toEqual({ text: `<p>${SWEDISH}</p>`, charset: 'utf-8', source: 'default' });
  });

  it('falls back to windows-1252 for undeclared bytes that are not UTF-8', () => {
    expect(decodeHtml(latin1(`<p>${SWEDISH}</p>`))).toEqual({ text: `<p>${SWEDISH}</p>`, charset: 'windows-1252', source: 'default' });
  });

  it('maps labels the WHATWG way', () => {
    for (const label of ['ISO-8859-1', 'latin1', 'us-ascii', 'ascii', 'cp1252', ' Windows-1252 ']) {
      expect(resolveCharsetLabel(label)).toBe('windows-1252');
    }
    expect(resolveCharsetLabel('UTF8')).toBe('utf-8');
    expect(resolveCharsetLabel('iso-8859-15')).toBe('iso-8859-15');
    expect(resolveCharsetLabel('nonsense')).toBeUndefined();
  });
});

describe('Latin-1 pages fetched from a real server', () => {
  let server: TestServer;
  let fetcher: Fetcher;
  beforeAll(async () => {
    server = await startServer((req, res) => {
      if (req.url === '/header') {
        res.writeHead(200, { 'content-type': 'text/html; charset=iso-8859-1' }).end(latin1(`<h1>${SWEDISH}</h1>`));
      } else {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(latin1(`<html><head><meta http-equiv="content-type" content="text/html; charset=iso-8859-1"></head><h1>${SWEDISH}</h1>`));
      }
    });
    fetcher = new Fetcher({
      userAgent: 'granska-test',
      guard: new AddressGuard({ allowPrivate: true, registryHosts: [server.origin] }),
      scheduler: new HostScheduler(),
    });
  });
  afterAll(async () => {
    await fetcher.close();
    await server.close();
  });

  it.each([
    ['/header', 'header'],
    ['/meta', 'meta'],
  ])('decodes åäö right (%s)', async (path, source) => {
    const res = await fetcher.fetch({ url: `${server.origin}${path}` });
    const out = decodeHtml(res.body, res.headers['content-type']);
    expect(out.source).toBe(source);
    expect(out.text).toContain(`<h1>${SWEDISH}</h1>`);
  });
});
