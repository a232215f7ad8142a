/**
 * Renders the pages that need JavaScript in Debian's headless Chromium. Every request the browser
 * makes goes through our own fetcher, so robots.txt, the address guard and the per-host limits hold
 * for the browser too; the page itself is served from the response we already fetched.
 */
import PQueue from 'p-queue';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS } from './browser.ts';
import type { FetchedResponse, Fetcher } from './fetcher.ts';

export interface RendererOptions {
  /** Called once, when the first page needs the browser. */
  executablePath: () => string;
  fetcher: Fetcher;
  userAgent: string;
  /** Pages rendering at once; past 2 the 2 cores saturate and more only costs memory. */
  maxPages?: number;
  /**
   * Pages of `assets` sessions (screenshots) open at once, apart from the crawl's: they spend most
   * of their time waiting on the per-host politeness, and must not hold up the crawl. Default 4
   * (measured on the benchmark: 2 left both cores partly idle; 6 gained nothing over 4).
   */
  maxAssetPages?: number;
  timeoutMs?: number;
}

export interface SessionOptions {
  /**
   * Load stylesheets, images and fonts too, so that the page looks like the page (evidence
   * screenshots). Still every request through the fetcher; audio and video stay blocked.
   */
  assets?: boolean;
}

export interface Rendered {
  html: string;
  finalUrl: string;
}

export class Renderer {
  private browser?: Promise<Browser>;
  private readonly slots: PQueue;
  private readonly assetSlots: PQueue;

  constructor(private readonly opts: RendererOptions) {
    this.slots = new PQueue({ concurrency: opts.maxPages ?? 2 });
    this.assetSlots = new PQueue({ concurrency: opts.maxAssetPages ?? 4 });
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
  session(options: SessionOptions = {}): RenderSession {
    return new RenderSession(this, this.opts, options);
  }

  /** @internal */
  async newContext(): Promise<BrowserContext> {
    const browser = await this.launch();
    return browser.newContext({ userAgent: this.opts.userAgent, locale: 'sv-SE', viewport: { width: 1280, height: 900 }, javaScriptEnabled: true });
  }

  /** @internal */
  inSlot<T>(task: () => Promise<T>, pool: 'crawl' | 'assets' = 'crawl'): Promise<T> {
    return (pool === 'assets' ? this.assetSlots : this.slots).add(task) as Promise<T>;
  }

  async close(): Promise<void> {
    if (this.browser) {
      const b = await this.browser.catch(() => null);
      this.browser = undefined;
      await b?.close().catch(() => {});
    }
  }
}

const CACHED_TYPES = new Set(['stylesheet', 'script', 'image', 'font']);
const ASSET_CACHE_BYTES = 16 * 1024 * 1024;

export class RenderSession {
  private context?: Promise<BrowserContext>;
  private readonly served = new Map<string, FetchedResponse>();
  /**
   * Style sheets, scripts, pictures and fonts already fetched in this session, as a browser's
   * cache keeps them: the pages of one site share most of them.
   */
  private readonly assets = new Map<string, { status: number; contentType: string; body: Buffer }>();
  private assetBytes = 0;

  constructor(
    private readonly renderer: Renderer,
    private readonly opts: RendererOptions,
    private readonly options: SessionOptions = {},
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
        // Pictures, fonts and media change no text or link: not fetched while crawling (a screenshot needs all but media).
        const skipped = this.options.assets ? ['media'] : ['image', 'media', 'font'];
        if (skipped.includes(request.resourceType()) || request.method() !== 'GET' || !/^https?:/.test(url)) {
          await route.abort().catch(() => {});
          return;
        }
        const cached = this.assets.get(url);
        if (cached) {
          await route.fulfill({ status: cached.status, headers: { 'content-type': cached.contentType }, body: cached.body }).catch(() => {});
          return;
        }
        try {
          const accept = this.options.assets ? request.headers()['accept'] : undefined;
          const r = await this.opts.fetcher.fetch({ url, maxRedirects: 5, timeoutMs: this.opts.timeoutMs ?? 15_000, ...(accept ? { accept } : {}) });
          const contentType = r.headers['content-type'] ?? '';
          if (r.status === 200 && CACHED_TYPES.has(request.resourceType()) && this.assetBytes + r.body.length <= ASSET_CACHE_BYTES) {
            this.assets.set(url, { status: r.status, contentType, body: r.body });
            this.assetBytes += r.body.length;
          }
          await route.fulfill({ status: r.status, headers: { 'content-type': contentType }, body: r.body });
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

  /** `task` in one of the renderer's slots (the evidence pool for an `assets` session). */
  inSlot<T>(task: () => Promise<T>): Promise<T> {
    return this.renderer.inSlot(task, this.options.assets ? 'assets' : 'crawl');
  }

  /**
   * A page of this session's context, kept by the caller across visits and closed by it; its
   * requests go through the fetcher like every other.
   */
  async newPage(): Promise<Page> {
    return (await this.ctx()).newPage();
  }

  async close(): Promise<void> {
    this.assets.clear();
    this.assetBytes = 0;
    if (this.context) {
      const c = await this.context.catch(() => null);
      this.context = undefined;
      await c?.close().catch(() => {});
    }
  }
}
