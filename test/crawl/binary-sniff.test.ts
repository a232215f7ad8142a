/**
 * Binary bytes served as text/html are told from real pages: every page of a Latin-1 site and of
 * a UTF-8 site of the fixture web (fetched over loopback as served) reads as text, the hostile
 * web's binary "page" and a real PNG do not, and UTF-16 (full of zero bytes) stays text.
 */
import iconv from 'iconv-lite';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { looksBinary, SNIFF_BYTES } from '../../src/crawl/binary-sniff.ts';
import { startFixtureWeb, type FixtureWeb } from '../../src/demo/fixture-web.ts';
import { solidPng } from '../helpers/png.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
let web: FixtureWeb;
let hostile: FixtureWeb;

beforeAll(async () => {
  web = await startFixtureWeb({ root: join(FIXTURES, 'web'), sites: ['vasterljung', 'ekebyhult'] });
  hostile = await startFixtureWeb({ root: join(FIXTURES, 'hostile'), sites: ['binarby'] });
});

afterAll(async () => {
  await web?.close();
  await hostile?.close();
});

/** Every HTML page reachable by links on the site's main host (at most `max`), with its bytes and header. */
async function crawlPages(start: string, max = 60): Promise<Array<{ url: string; body: Buffer; type: string }>> {
  const origin = new URL(start).origin;
  const queue = [start];
  const seen = new Set(queue);
  const pages: Array<{ url: string; body: Buffer; type: string }> = [];
  while (queue.length > 0 && pages.length < max) {
    const url = queue.shift()!;
    const res = await fetch(url, { redirect: 'manual' });
    const type = res.headers.get('content-type') ?? '';
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200 || !type.startsWith('text/html')) continue;
    pages.push({ url, body, type });
    for (const m of body.toString('latin1').matchAll(/href="([^"#]+)"/g)) {
      let next: URL;
      try {
        next = new URL(m[1]!.replace(/&amp;/g, '&'), url);
      } catch {
        continue;
      }
      if (next.origin !== origin || seen.has(next.href) || next.pathname.startsWith('/arkiv.php') || next.pathname.startsWith('/kalender')) continue;
      seen.add(next.href);
      queue.push(next.href);
    }
  }
  return pages;
}

describe('looksBinary', () => {
  it('reads every page of a Latin-1 site and of a UTF-8 site as text', async () => {
    for (const slug of ['vasterljung', 'ekebyhult']) {
      const site = web.sites.find((s) => s.slug === slug)!;
      const pages = await crawlPages(site.url);
      expect(pages.length, slug).toBeGreaterThan(10);
      if (slug === 'vasterljung') {
        // Latin-1 indeed: å, ä, ö as single high bytes, which must not count as binary.
        expect(pages.some((p) => /charset=iso-8859-1/i.test(p.type) && p.body.includes(0xe4))).toBe(true);
      }
      for (const p of pages) expect(looksBinary(p.body, p.type), p.url).toBe(false);
    }
  });

  it('takes the hostile web’s binary bytes served as text/html, and a PNG, for binary', async () => {
    const site = hostile.sites[0]!;
    const res = await fetch(new URL('/bilaga/rapport', site.url));
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(looksBinary(Buffer.from(await res.arrayBuffer()), res.headers.get('content-type') ?? '')).toBe(true);
    expect(looksBinary(solidPng(64, 64, [200, 30, 30]), 'text/html')).toBe(true);
  });

  it('keeps UTF-16 text (a zero byte in every other place) as text, with a BOM or a charset header', () => {
    const page = '<!doctype html><html lang="sv"><title>Hemtjänst</title><p>Äldreomsorg i Överkalix, ansök om hemtjänst.</p>'.repeat(20);
    expect(looksBinary(Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(page, 'utf-16le')]), 'text/html')).toBe(false);
    expect(looksBinary(iconv.encode(page, 'utf-16be'), 'text/html; charset=UTF-16BE')).toBe(false);
    // Without either, the same bytes are not a page the crawler could read as HTML anyway.
    expect(looksBinary(iconv.encode(page, 'utf-16le'), 'text/html')).toBe(true);
  });

  it('lets a page with a stray control byte or two pass, and looks only at the start', () => {
    const page = Buffer.from(`<!doctype html><p>Hemtjänst\u000b och\u0000 äldreomsorg</p>${'<p>Text om hemtjänst.</p>'.repeat(200)}`, 'utf8');
    expect(looksBinary(page, 'text/html; charset=utf-8')).toBe(false);
    const tailJunk = Buffer.concat([Buffer.from('<p>åäö</p>'.repeat(SNIFF_BYTES)), Buffer.alloc(10_000, 0)]);
    expect(looksBinary(tailJunk, 'text/html')).toBe(false);
    expect(looksBinary(Buffer.alloc(0), 'text/html')).toBe(false);
  });
});
