/**
 * Renders the pages that need JavaScript in Debian's headless Chromium. Every request the browser
 * makes goes through our own fetcher, so robots.txt, the address guard and the per-host limits hold
 * for the browser too; the page itself is served from the response we already fetched.
 */
import PQueue from 'p-queue';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { CHROMIUM_ARGS } from './browser.ts';
import type { FetchedResponse, Fetcher } from './fetcher.ts';

export interface RendererOptions {
  /** Called once, when the first page needs the browser. */
  executablePath: () => string;
  fetcher: Fetcher;
  userAgent: string;
  /** Pages rendering at once; past 2 the 2 cores saturate and more only costs memory. */
  maxPages?: number;
  timeoutMs?: number;
}

export interface Rendered {
  html: string;
  finalUrl: string;
}

export class Renderer {
  private browser?: Promise<Browser>;
  private readonly slots: PQueue;

  constructor(private readonly opts: RendererOptions) {
    this.slots = new PQueue({ concurrency: opts.maxPages ?? 2 });
  }

  private launch(): Promise<Browser> {
    this.browser ??= chromium.launch({ executablePath: this.opts.executablePath(), args: CHROMIUM_ARGS, headless: true });
    return this.browser;
  }

  async version(): Promise<string | null> {
    if (!this.browser) return null;
    return (await this.browser).version();
  }

  /** A browser context for one kommun: opened on first use, closed when its crawl ends (memory is only freed on close). */
  session(): RenderSession {
    return new RenderSession(this, this.opts);
  }

  /** @internal */
  async newContext(): Promise<BrowserContext> {
    const browser = await this.launch();
    return browser.newContext({ userAgent: this.opts.userAgent, locale: 'sv-SE', viewport: { width: 1280, height: 900 }, javaScriptEnabled: true });
  }

  /** @internal */
  inSlot<T>(task: () => Promise<T>): Promise<T> {
    return this.slots.add(task) as Promise<T>;
  }

  async close(): Promise<void> {
    if (this.browser) {
      const b = await this.browser.catch(() => null);
      this.browser = undefined;
      await b?.close().catch(() => {});
    }
  }
}

export class RenderSession {
  private context?: Promise<BrowserContext>;
  private readonly served = new Map<string, FetchedResponse>();

  constructor(
    private readonly renderer: Renderer,
    private readonly opts: RendererOptions,
  ) {}

  private async ctx(): Promise<BrowserContext> {
    this.context ??= this.renderer.newContext().then(async (context) => {
      await context.route('**/*', async (route) => {
        const request = route.request();
        const url = request.url();
        const known = this.served.get(url);
        if (known && request.isNavigationRequest()) {
          await route.fulfill({ status: known.status, headers: { 'content-type': known.headers['content-type'] ?? 'text/html' }, body: known.body }).catch(() => {});
          return;
        }
        // Pictures, fonts and media change no text or link: not fetched while crawling.
        if (['image', 'media', 'font'].includes(request.resourceType()) || request.method() !== 'GET' || !/^https?:/.test(url)) {
          await route.abort().catch(() => {});
          return;
        }
        try {
          const r = await this.opts.fetcher.fetch({ url, maxRedirects: 5, timeoutMs: this.opts.timeoutMs ?? 15_000 });
          await route.fulfill({ status: r.status, headers: { 'content-type': r.headers['content-type'] ?? '' }, body: r.body });
        } catch {
          await route.abort().catch(() => {});
        }
      });
      return context;
    });
    return this.context;
  }

  /** The DOM after scripts ran, for a page whose response we already have. */
  async render(response: FetchedResponse): Promise<Rendered> {
    this.served.set(response.finalUrl, response);
    try {
      return await this.renderer.inSlot(async () => {
        const context = await this.ctx();
        const page = await context.newPage();
        try {
          const timeout = this.opts.timeoutMs ?? 15_000;
          await page.goto(response.finalUrl, { waitUntil: 'load', timeout });
          await page.waitForLoadState('networkidle', { timeout: Math.min(timeout, 3000) }).catch(() => {});
          return { html: await page.content(), finalUrl: page.url() };
        } finally {
          await page.close().catch(() => {});
        }
      });
    } finally {
      this.served.delete(response.finalUrl);
    }
  }

  async close(): Promise<void> {
    if (this.context) {
      const c = await this.context.catch(() => null);
      this.context = undefined;
      await c?.close().catch(() => {});
    }
  }
}
