/** Fetch first, render only when needed — in the real headless Chromium, through our own fetcher. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddressGuard } from '../../src/crawl/address-guard.ts';
import { ensureChromium } from '../../src/crawl/browser.ts';
import { FetchFailure, Fetcher } from '../../src/crawl/fetcher.ts';
import { HostScheduler } from '../../src/crawl/host-scheduler.ts';
import { renderNeed } from '../../src/crawl/render-decision.ts';
import { Renderer } from '../../src/crawl/renderer.ts';
import { extractHtml } from '../../src/page/html.ts';
import type { PageModel } from '../../src/page/model.ts';
import { startServer, type TestServer } from './servers.ts';

const needsRender = (model: PageModel) => renderNeed(model)?.reason ?? null;

const JS_MENU_PAGE = `<!doctype html><html lang="sv"><head><title>Startsida</title>
<script src="/js/menu.js" defer></script><script src="/privat/spy.js" defer></script></head>
<body><header><nav id="huvudmeny" aria-label="Huvudmeny"></nav></header>
<main><h1>Välkommen till Testby kommun</h1><p>Här hittar du information om kommunens service.</p></main></body></html>`;
const MENU_JS = `document.getElementById('huvudmeny').innerHTML =
  '<ul><li><a href="/omsorg/">Omsorg och stöd</a></li><li><a href="/omsorg/aldre/hemtjanst/">Hemtjänst</a></li><li><a href="/skola/">Skola</a></li></ul>';`;
const PLAIN_PAGE = `<!doctype html><html lang="sv"><head><title>Hemtjänst</title><script>var x = 1;</script></head>
<body><nav><a href="/">Start</a><a href="/omsorg/">Omsorg</a><a href="/skola/">Skola</a></nav>
<main><h1>Hemtjänst</h1><p>Hemtjänst är hjälp i hemmet för dig som har svårt att klara vardagen på egen hand. Du ansöker hos en biståndshandläggare.</p></main></body></html>`;

let server: TestServer;
let renderer: Renderer;
let fetcher: Fetcher;
let inFlight = 0;
let maxInFlight = 0;

beforeAll(async () => {
  server = await startServer(async (req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, 20));
    inFlight--;
    const path = req.url ?? '/';
    if (path === '/robots.txt') return res.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: *\nDisallow: /privat/\n');
    if (path === '/js/menu.js') return res.writeHead(200, { 'content-type': 'application/javascript' }).end(MENU_JS);
    if (path === '/plain') return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PLAIN_PAGE);
    if (path === '/') return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(JS_MENU_PAGE);
    res.writeHead(404).end();
  });
  const scheduler = new HostScheduler({ perHostConcurrency: 2 });
  const guard = new AddressGuard({ allowPrivate: true, registryHosts: [server.origin] });
  fetcher = new Fetcher({
    userAgent: 'granska/test (+https://example.invalid)',
    guard,
    scheduler,
    beforeHop: async (url) => {
      if (url.pathname.startsWith('/privat/')) throw new FetchFailure('disallowed', url.href);
    },
  });
  renderer = new Renderer({ executablePath: () => ensureChromium(), fetcher, userAgent: 'granska/test (+https://example.invalid)' });
});

afterAll(async () => {
  await renderer?.close();
  await fetcher?.close();
  await server?.close();
});

describe('render decision', () => {
  it('sends a page whose menu is empty until a script fills it to the browser', async () => {
    const r = await fetcher.fetch({ url: `${server.origin}/` });
    const model = extractHtml(r.body.toString('utf8'), r.finalUrl);
    expect(model.links.map((l) => l.text)).not.toContain('Hemtjänst');
    expect(needsRender(model)).toMatch(/JavaScript/);
  });

  it('reads an ordinary page with plain HTTP', async () => {
    const r = await fetcher.fetch({ url: `${server.origin}/plain` });
    expect(needsRender(extractHtml(r.body.toString('utf8'), r.finalUrl))).toBeNull();
  });
});

describe('Renderer', () => {
  it('shows the links the script builds, serving the page from the response already fetched', async () => {
    const r = await fetcher.fetch({ url: `${server.origin}/` });
    const before = server.requests.filter((q) => q.path === '/').length;
    const session = renderer.session();
    try {
      const rendered = await session.render(r);
      const model = extractHtml(rendered.html, rendered.finalUrl);
      const hemtjanst = model.links.find((l) => l.text === 'Hemtjänst');
      expect(hemtjanst?.href).toBe(`${server.origin}/omsorg/aldre/hemtjanst/`);
      expect(hemtjanst?.inMain).toBe(false); // a menu is not main content
      expect(needsRender(model)).toBeNull();
    } finally {
      await session.close();
    }
    // The browser did not fetch the page again, and its script came through our fetcher.
    expect(server.requests.filter((q) => q.path === '/').length).toBe(before);
    expect(server.requests.some((q) => q.path === '/js/menu.js' && String(q.headers['user-agent']).startsWith('granska/'))).toBe(true);
  });

  it('lets the browser fetch nothing that robots.txt forbids, and keeps the host limit', async () => {
    const r = await fetcher.fetch({ url: `${server.origin}/` });
    const session = renderer.session();
    try {
      await session.render(r);
    } finally {
      await session.close();
    }
    expect(server.requests.some((q) => q.path.startsWith('/privat/'))).toBe(false);
    expect(maxInFlight).toBeLessThanOrEqual(2);
    expect(await renderer.version()).toMatch(/\d+\.\d+/);
  });
});
