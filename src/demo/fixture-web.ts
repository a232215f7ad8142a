/**
 * The fixture web: fictional kommun websites served on 127.0.0.1 for the tests and for
 * `granska demo`. granska cannot reach real kommun sites from its tests, so every site here is
 * a folder of page fragments, a layout and a site.yaml (format: test/fixtures/web/README.md),
 * served by plain node:http, one port per host of each site.
 *
 * Besides ordinary pages the server plays the parts of a real web that a crawler must survive:
 * redirects and redirect chains, error statuses, 429 with Retry-After, pages in ISO-8859-1,
 * robots.txt and sitemaps, PDFs generated at request time, endless calendars, relative-link
 * loops, ever-growing query strings, a site search per site, and two trap listeners on
 * 127.0.0.2 and 127.0.0.3 that record any request that reaches them (the crawler must never).
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { makePdf } from './pdf-writer.ts';

// ---------------------------------------------------------------------------------------------
// Public interface
// ---------------------------------------------------------------------------------------------

export interface FixtureWebOptions {
  /** Folder holding one subfolder per site. */
  root: string;
  /** Slugs (folder names) to serve; default all. */
  sites?: string[];
  /** Added to every response, default 0. */
  latencyMs?: number;
}

export interface FixtureSite {
  slug: string;
  kommunkod: string;
  namn: string;
  lan?: string;
  /** Start URL, e.g. http://127.0.0.1:41234/ */
  url: string;
  /** Host name in site.yaml -> origin. */
  origins: Record<string, string>;
  /** The site's folder (holds site.yaml and expected.yaml). */
  dir: string;
}

export interface RequestLogEntry {
  /** Date.now() at arrival. */
  at: number;
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  site: string;
  host: string;
  method: string;
  /** Path + query. */
  path: string;
  status: number;
  /** Requests in flight on this origin when this one arrived, itself included. */
  inFlight: number;
  userAgent: string;
}

export interface FixtureWeb {
  sites: FixtureSite[];
  log: RequestLogEntry[];
  trapHits: RequestLogEntry[];
  /** Header kommunkod,namn,webbplats + one row per site. */
  registryCsv(): string;
  writeRegistry(file: string): Promise<void>;
  maxInFlight(origin: string): number;
  close(): Promise<void>;
}

/** The bundled fixture web (test/fixtures/web), served by the tests and by `granska demo`. */
export function defaultFixtureRoot(): string {
  return fileURLToPath(new URL('../../test/fixtures/web/', import.meta.url));
}

/** The slugs listed in `<root>/demo-sites.txt` (one per line, # starts a comment). */
export async function demoSiteSlugs(root: string = defaultFixtureRoot()): Promise<string[]> {
  const text = await readFile(path.join(root, 'demo-sites.txt'), 'utf8');
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}

// ---------------------------------------------------------------------------------------------
// Site definitions (site.yaml, page front matter)
// ---------------------------------------------------------------------------------------------

const RouteSchema = z
  .object({
    /** Host key of site.yaml; default the main host. */
    host: z.string().optional(),
    /** Exact path + query this route answers. */
    path: z.string().startsWith('/').optional(),
    /** Any path starting with this (any query). */
    prefix: z.string().startsWith('/').optional(),
    /** Redirect target (relative or absolute; placeholders allowed). */
    redirect: z.string().optional(),
    status: z.number().int().min(100).max(599).optional(),
    /** Seconds, sent as Retry-After with 429/503. */
    retryAfter: z.number().int().min(0).optional(),
    /** Answer with `status` this many times, then serve the path normally. */
    times: z.number().int().min(1).optional(),
    body: z.string().optional(),
    contentType: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    /**
     * calendar, repeat-path, long-query: crawler traps made of ordinary pages. The hostile ones
     * (test/fixtures/hostile): reset (connection reset mid-body), slow-headers (headers that
     * trickle and never end), endless-body (a body that trickles forever), huge (a body of
     * `count` bytes, default 2 GiB, sent as fast as the client reads), gzip-bomb (100 MB of
     * spaces in 100 kB of gzip), many-links (a page with `count` links), redirect-chain
     * (`<prefix>1` → `<prefix>2` → … → `<prefix><count>`, a page), big-robots (a robots.txt of
     * `count` bytes), binary (`count` pseudo-random bytes with the route's content type).
     */
    generator: z
      .enum(['calendar', 'repeat-path', 'long-query', 'reset', 'slow-headers', 'endless-body', 'huge', 'gzip-bomb', 'many-links', 'redirect-chain', 'big-robots', 'binary'])
      .optional(),
    /** repeat-path: the relative href every generated page links to; many-links: the links' path prefix (default /sida/). */
    link: z.string().optional(),
    /** many-links, redirect-chain, huge, big-robots, binary: how many (links, hops, bytes). */
    count: z.number().int().min(1).optional(),
  })
  .strict()
  .refine((r) => (r.path === undefined) !== (r.prefix === undefined), {
    message: 'a route needs exactly one of path or prefix',
  });
export type Route = z.infer<typeof RouteSchema>;

const SearchSchema = z
  .object({
    host: z.string().optional(),
    path: z.string().startsWith('/'),
    param: z.string(),
    style: z.enum(['sitevision', 'episerver', 'wordpress', 'drupal', 'plain', 'table', 'dl']),
    /** relevance: title hits, then number of hits; date: dated items (news) first, newest first. */
    order: z.enum(['relevance', 'date']).default('relevance'),
    pageSize: z.number().int().min(1).default(10),
  })
  .strict();
export type SearchConfig = z.infer<typeof SearchSchema>;

const SiteSchema = z
  .object({
    kommunkod: z.string().regex(/^9\d{3}$/, 'fictional kommunkod 9xxx (quote it in YAML)'),
    namn: z.string().min(1),
    /** The län, for the registry the web writes (the report's län column and filter). */
    lan: z.string().optional(),
    platform: z.string(),
    description: z.string().optional(),
    lang: z.string().default('sv'),
    /** Host keys; each is a folder of the site and gets its own port. The first is the main host. */
    hosts: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/)).min(1).default(['www']),
    /** Start path on the main host (the registry URL). */
    start: z.string().startsWith('/').default('/'),
    /** Where "Start" in generated breadcrumbs points (default: start). */
    home: z.string().startsWith('/').optional(),
    unreachable: z.boolean().default(false),
    /** Serve every host over HTTPS with a self-signed certificate (the auditor must refuse it unless --insecure). */
    tls: z.boolean().default(false),
    /** Charset of every HTML page of the site, generated ones included (a page may override). */
    charset: z.enum(['utf-8', 'iso-8859-1']).default('utf-8'),
    search: SearchSchema.optional(),
    /** auto: /sitemap.xml of the main host lists every page (unless a static file exists). */
    sitemap: z.enum(['auto', 'none']).default('none'),
    routes: z.array(RouteSchema).default([]),
  })
  .strict();
export type SiteConfig = z.infer<typeof SiteSchema>;

const CrumbSchema = z.union([z.string(), z.tuple([z.string(), z.string()])]);

const PageSchema = z
  .object({
    path: z.string().startsWith('/'),
    title: z.string(),
    breadcrumb: z.array(CrumbSchema).optional(),
    kind: z.enum(['page', 'news', 'event', 'eservice']).default('page'),
    date: z.string().optional(),
    lang: z.string().optional(),
    layout: z.boolean().default(true),
    /** Default: the site's charset. */
    charset: z.enum(['utf-8', 'iso-8859-1']).optional(),
    /** false: the charset is only in the page's <meta>, the header says just text/html. */
    charsetHeader: z.boolean().default(true),
    status: z.number().int().default(200),
    contentType: z.string().optional(),
    /** Listed by the site search. */
    search: z.boolean().default(true),
    /** Listed in the generated sitemap. */
    sitemap: z.boolean().default(true),
    /** Extra markup for <head>. */
    head: z.string().optional(),
    description: z.string().optional(),
  })
  .strict();
export type PageMeta = z.infer<typeof PageSchema>;

export interface Page {
  meta: PageMeta;
  body: string;
  file: string;
  /** The body's text for the site search (tags stripped; the title is matched separately). */
  text: string;
}

export interface StaticFile {
  file: string;
  /** A `.pdf.txt` source rendered with makePdf. */
  pdf: boolean;
}

export interface HostDef {
  key: string;
  layout: string | null;
  pages: Map<string, Page>;
  /** Pages whose path has no query, by pathname: they answer with any query, as CMSs do. */
  pagesByPathname: Map<string, Page>;
  statics: Map<string, StaticFile>;
}

export interface SiteDef {
  slug: string;
  dir: string;
  config: SiteConfig;
  hosts: Map<string, HostDef>;
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

/** Splits `---\nyaml\n---\nbody` into its front matter and body. */
export function splitFrontMatter(source: string, file: string): { data: unknown; body: string } {
  const text = source.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  if (!text.startsWith('---\n')) throw new Error(`${file}: a page must start with --- front matter`);
  const end = text.indexOf('\n---\n', 3);
  if (end < 0) throw new Error(`${file}: front matter is not closed with ---`);
  return { data: parseYaml(text.slice(4, end + 1)), body: text.slice(end + 5) };
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function walk(dir: string): Promise<string[]> {
  if (!(await exists(dir))) return [];
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}

function stripTags(html: string): string {
  return decodeEntities(
    html
      .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
      .replace(/<!--[\s\S]*?-->/g, ' ')
      .replace(/<[^>]+>/g, ' '),
  )
    .replace(/\s+/g, ' ')
    .trim();
}

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|nbsp|shy);/gi, (m, e: string) => {
    const k = e.toLowerCase();
    if (k.startsWith('#x')) return String.fromCodePoint(parseInt(k.slice(2), 16));
    if (k.startsWith('#')) return String.fromCodePoint(parseInt(k.slice(1), 10));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', shy: '' } as Record<string, string>)[k] ?? m;
  });
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

async function loadHost(siteDir: string, key: string): Promise<HostDef> {
  const hostDir = path.join(siteDir, key);
  if (!(await exists(hostDir))) throw new Error(`${hostDir}: missing folder for host ${key}`);
  const layoutFile = path.join(hostDir, 'layout.html');
  const layout = (await exists(layoutFile)) ? await readFile(layoutFile, 'utf8') : null;
  const pages = new Map<string, Page>();
  const pagesByPathname = new Map<string, Page>();
  for (const file of await walk(path.join(hostDir, 'pages'))) {
    if (!file.endsWith('.html')) continue;
    const { data, body } = splitFrontMatter(await readFile(file, 'utf8'), file);
    const parsed = PageSchema.safeParse(data);
    if (!parsed.success) throw new Error(`${file}: ${parsed.error.message}`);
    const meta = parsed.data;
    if (meta.layout && layout === null) throw new Error(`${file}: host ${key} has no layout.html`);
    const page: Page = { meta, body, file, text: stripTags(body) };
    if (pages.has(meta.path)) throw new Error(`${file}: path ${meta.path} is also served by ${pages.get(meta.path)?.file}`);
    pages.set(meta.path, page);
    if (!meta.path.includes('?')) pagesByPathname.set(meta.path, page);
  }
  const statics = new Map<string, StaticFile>();
  const staticDir = path.join(hostDir, 'static');
  for (const file of await walk(staticDir)) {
    let rel = '/' + path.relative(staticDir, file).split(path.sep).join('/');
    const pdf = rel.endsWith('.pdf.txt');
    if (pdf) rel = rel.slice(0, -'.txt'.length);
    statics.set(rel, { file, pdf });
  }
  return { key, layout, pages, pagesByPathname, statics };
}

/** Reads and validates one site folder. */
export async function loadSite(root: string, slug: string): Promise<SiteDef> {
  const dir = path.join(root, slug);
  const raw: unknown = parseYaml(await readFile(path.join(dir, 'site.yaml'), 'utf8'));
  const parsed = SiteSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${dir}/site.yaml: ${parsed.error.message}`);
  const config = parsed.data;
  const hosts = new Map<string, HostDef>();
  if (!config.unreachable) {
    for (const key of config.hosts) hosts.set(key, await loadHost(dir, key));
    for (const r of config.routes) {
      if (r.host !== undefined && !hosts.has(r.host)) throw new Error(`${dir}/site.yaml: route for unknown host ${r.host}`);
    }
    if (config.search?.host !== undefined && !hosts.has(config.search.host)) {
      throw new Error(`${dir}/site.yaml: search on unknown host ${config.search.host}`);
    }
  }
  return { slug, dir, config, hosts };
}

/** Slugs of every site folder under root (folders holding a site.yaml). */
export async function listSiteSlugs(root: string): Promise<string[]> {
  const slugs: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (entry.isDirectory() && (await exists(path.join(root, entry.name, 'site.yaml')))) slugs.push(entry.name);
  }
  return slugs.sort();
}

// ---------------------------------------------------------------------------------------------
// Serving
// ---------------------------------------------------------------------------------------------

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Hostile generators: writes the response itself (slowly, endlessly, or breaking off). */
  stream?: (res: http.ServerResponse) => void;
}

interface RunningSite {
  def: SiteDef;
  origins: Record<string, string>;
  /** 429/503 routes: how often each (route index, path) has answered so far. */
  counters: Map<string, number>;
}

const TEXT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ics': 'text/calendar; charset=utf-8',
};
const BINARY_TYPES: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};

function listen(server: http.Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** Latin-1 bytes; characters outside Latin-1 become numeric references, as old CMSs wrote them. */
function encodeLatin1(s: string): Buffer {
  return Buffer.from(
    s.replace(/[^\u0000-\u00ff]/gu, (ch) => `&#${ch.codePointAt(0)};`),
    'latin1',
  );
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export async function startFixtureWeb(opts: FixtureWebOptions): Promise<FixtureWeb> {
  const root = path.resolve(opts.root);
  const latencyMs = opts.latencyMs ?? 0;
  const slugs = opts.sites ?? (await listSiteSlugs(root));
  const defs = await Promise.all(slugs.map((slug) => loadSite(root, slug)));
  defs.sort((a, b) => a.config.kommunkod.localeCompare(b.config.kommunkod));

  const log: RequestLogEntry[] = [];
  const trapHits: RequestLogEntry[] = [];
  const inFlight = new Map<string, number>();
  const maxSeen = new Map<string, number>();
  const servers: http.Server[] = [];
  const sites: FixtureSite[] = [];

  /** Logs a request on arrival and counts it in flight on its origin until the response ends. */
  const track = (origin: string, res: http.ServerResponse, entry: Omit<RequestLogEntry, 'inFlight' | 'status' | 'at'>, into: RequestLogEntry[]): RequestLogEntry => {
    const n = (inFlight.get(origin) ?? 0) + 1;
    inFlight.set(origin, n);
    maxSeen.set(origin, Math.max(maxSeen.get(origin) ?? 0, n));
    const full: RequestLogEntry = { at: Date.now(), ...entry, status: 0, inFlight: n };
    into.push(full);
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      inFlight.set(origin, (inFlight.get(origin) ?? 1) - 1);
    };
    res.once('finish', finish);
    res.once('close', finish);
    return full;
  };

  try {
    // Trap listeners: nothing on them may ever be fetched by the crawler.
    const trapOrigins: Record<'trap2' | 'trap3', string> = { trap2: '', trap3: '' };
    for (const [key, ip] of [['trap2', '127.0.0.2'], ['trap3', '127.0.0.3']] as const) {
      const server = http.createServer((req, res) => {
        const origin = trapOrigins[key];
        const entry = track(origin, res, {
          origin,
          site: '',
          host: key,
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          userAgent: req.headers['user-agent'] ?? '',
        }, trapHits);
        entry.status = 200;
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          '<!doctype html><html lang="sv"><head><title>Hemtjänst – intern sida</title></head><body>' +
            '<main><h1>Hemtjänst</h1><p>Ansök om hemtjänst hos biståndshandläggaren, telefon 0100-00 00 00.</p>' +
            '<p>This page lives on a trap listener: a crawler that fetched it left the kommun site.</p></main></body></html>',
        );
      });
      servers.push(server);
      const port = await listen(server, ip);
      trapOrigins[key] = `http://${ip}:${port}`;
    }

    // Reachable sites first: an unreachable site's port is taken only after every server of this
    // web listens, so none of them can be given the port that was just closed.
    const ordered = [...defs.filter((d) => !d.config.unreachable), ...defs.filter((d) => d.config.unreachable)];
    for (const def of ordered) {
      const cfg = def.config;
      const origins: Record<string, string> = {};
      const mainHost = cfg.hosts[0] ?? 'www';
      if (cfg.unreachable) {
        // Bind, note the port, close: nothing listens there any more.
        const probe = http.createServer();
        const port = await listen(probe, '127.0.0.1');
        await closeServer(probe);
        for (const key of cfg.hosts) origins[key] = `http://127.0.0.1:${port}`;
        sites.push({ slug: def.slug, kommunkod: cfg.kommunkod, namn: cfg.namn, ...(cfg.lan ? { lan: cfg.lan } : {}), url: `http://127.0.0.1:${port}${cfg.start}`, origins, dir: def.dir });
        continue;
      }
      const running: RunningSite = { def, origins, counters: new Map() };
      for (const key of cfg.hosts) {
        const create = cfg.tls ? (l: http.RequestListener) => https.createServer(selfSignedCertificate(), l) as unknown as http.Server : http.createServer;
        const server = create((req, res) => {
          const origin = origins[key] ?? '';
          const entry = track(origin, res, {
            origin,
            site: def.slug,
            host: key,
            method: req.method ?? 'GET',
            path: req.url ?? '/',
            userAgent: req.headers['user-agent'] ?? '',
          }, log);
          const respond = async (): Promise<void> => {
            if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
            let reply: Reply;
            try {
              reply = await handle(running, key, req.url ?? '/', trapOrigins);
            } catch (err) {
              reply = {
                status: 500,
                headers: { 'content-type': 'text/plain; charset=utf-8' },
                body: Buffer.from(`fixture-web error: ${(err as Error).stack ?? String(err)}`),
              };
            }
            entry.status = reply.status;
            if (reply.stream) return reply.stream(res);
            res.writeHead(reply.status, { ...reply.headers, 'content-length': String(reply.body.length) });
            res.end(req.method === 'HEAD' ? undefined : reply.body);
          };
          void respond();
        });
        servers.push(server);
        const port = await listen(server, '127.0.0.1');
        origins[key] = `${cfg.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
      }
      sites.push({ slug: def.slug, kommunkod: cfg.kommunkod, namn: cfg.namn, ...(cfg.lan ? { lan: cfg.lan } : {}), url: `${origins[mainHost]}${cfg.start}`, origins, dir: def.dir });
    }
  } catch (err) {
    await Promise.all(servers.map(closeServer));
    throw err;
  }
  sites.sort((a, b) => a.kommunkod.localeCompare(b.kommunkod));

  const registryCsv = (): string =>
    ['kommunkod,namn,webbplats,lan', ...sites.map((s) => [s.kommunkod, s.namn, s.url, s.lan ?? ''].map(csvField).join(','))].join('\n') + '\n';

  return {
    sites,
    log,
    trapHits,
    registryCsv,
    writeRegistry: (file: string) => writeFile(file, registryCsv(), 'utf8'),
    maxInFlight: (origin: string) => maxSeen.get(origin.replace(/\/$/, '')) ?? 0,
    close: async () => {
      await Promise.all(servers.map(closeServer));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Request handling
// ---------------------------------------------------------------------------------------------

function fillPlaceholders(text: string, site: RunningSite, traps: Record<'trap2' | 'trap3', string>, where: string): string {
  return text.replace(/\{\{\s*(origin:[a-z0-9-]+|trap2|trap3)\s*\}\}/g, (_m, key: string) => {
    if (key === 'trap2' || key === 'trap3') return traps[key];
    const host = key.slice('origin:'.length);
    const origin = site.origins[host];
    if (origin === undefined) throw new Error(`${where}: {{${key}}} names no host of ${site.def.slug}`);
    return origin;
  });
}

function html(status: number, body: string, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8', ...headers }, body: Buffer.from(body, 'utf8') };
}

interface RenderInput {
  title: string;
  content: string;
  breadcrumb?: PageMeta['breadcrumb'];
  lang?: string;
  head?: string;
  description?: string;
  charset?: 'utf-8' | 'iso-8859-1';
  path: string;
}

function renderBreadcrumb(crumbs: PageMeta['breadcrumb']): string {
  if (!crumbs || crumbs.length === 0) return '';
  return crumbs
    .map((c) =>
      typeof c === 'string'
        ? `<li aria-current="page">${escapeHtml(c)}</li>`
        : `<li><a href="${escapeHtml(c[1])}">${escapeHtml(c[0])}</a></li>`,
    )
    .join('');
}

/** Puts a fragment into the host's layout. Unknown {{names}} are an authoring error. */
function renderInLayout(site: RunningSite, host: HostDef, input: RenderInput): string {
  const layout = host.layout;
  if (layout === null) return input.content;
  const vars: Record<string, string> = {
    title: escapeHtml(input.title),
    breadcrumb: renderBreadcrumb(input.breadcrumb),
    lang: input.lang ?? site.def.config.lang,
    head: input.head ?? '',
    description: escapeHtml(input.description ?? ''),
    charset: input.charset ?? 'utf-8',
    path: escapeHtml(input.path),
    namn: escapeHtml(site.def.config.namn),
  };
  let sawContent = false;
  const out = layout.replace(/\{\{\s*([a-zA-Z0-9:_-]+)\s*\}\}/g, (m, name: string) => {
    if (name === 'content') {
      sawContent = true;
      return '\u0000CONTENT\u0000';
    }
    if (name.startsWith('origin:') || name === 'trap2' || name === 'trap3') return m;
    const v = vars[name];
    if (v === undefined) throw new Error(`${site.def.slug}/${host.key}/layout.html: unknown placeholder {{${name}}}`);
    return v;
  });
  if (!sawContent) throw new Error(`${site.def.slug}/${host.key}/layout.html: no {{content}}`);
  return out.replace('\u0000CONTENT\u0000', () => input.content);
}

function renderPage(site: RunningSite, host: HostDef, page: Page, traps: Record<'trap2' | 'trap3', string>, status?: number): Reply {
  const m = page.meta;
  const charset = m.charset ?? site.def.config.charset;
  let text = m.layout
    ? renderInLayout(site, host, {
        title: m.title,
        content: page.body,
        breadcrumb: m.breadcrumb,
        lang: m.lang,
        head: m.head,
        description: m.description,
        charset,
        path: m.path,
      })
    : page.body;
  text = fillPlaceholders(text, site, traps, page.file);
  return encodeHtml(status ?? m.status, text, charset, m.contentType ?? 'text/html', m.charsetHeader);
}

function encodeHtml(status: number, text: string, charset: 'utf-8' | 'iso-8859-1', ctBase = 'text/html', charsetHeader = true, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'content-type': charsetHeader ? `${ctBase}; charset=${charset}` : ctBase, ...headers },
    body: charset === 'iso-8859-1' ? encodeLatin1(text) : Buffer.from(text, 'utf8'),
  };
}

function renderGenerated(site: RunningSite, host: HostDef, traps: Record<'trap2' | 'trap3', string>, input: RenderInput, status = 200): Reply {
  const charset = site.def.config.charset;
  const text = fillPlaceholders(renderInLayout(site, host, { ...input, charset }), site, traps, `${site.def.slug} (generated ${input.path})`);
  return encodeHtml(status, text, charset);
}

function homeCrumb(site: RunningSite): [string, string] {
  return ['Start', site.def.config.home ?? site.def.config.start];
}

function notFound(site: RunningSite, host: HostDef, traps: Record<'trap2' | 'trap3', string>, p: string): Reply {
  if (host.layout === null) return html(404, '<!doctype html><title>404</title><h1>404 Not Found</h1>');
  return renderGenerated(site, host, traps, {
    title: 'Sidan kunde inte hittas',
    path: p,
    breadcrumb: [homeCrumb(site), 'Sidan kunde inte hittas'],
    content:
      '<h1>Sidan kunde inte hittas</h1><p>Sidan du söker finns inte, eller så har den flyttats. ' +
      'Prova att söka eller gå till startsidan.</p>',
  }, 404);
}

const MONTHS = ['januari', 'februari', 'mars', 'april', 'maj', 'juni', 'juli', 'augusti', 'september', 'oktober', 'november', 'december'];
const EVENTS = ['Sagostund på biblioteket', 'Öppet hus i konsthallen', 'Kommunfullmäktige sammanträder', 'Seniordans i Folkets hus', 'Loppmarknad på torget', 'Konsert med kulturskolan', 'Naturvandring med guide', 'Föreläsning om släktforskning'];

function generate(site: RunningSite, host: HostDef, route: Route, url: URL, traps: Record<'trap2' | 'trap3', string>): Reply {
  const p = url.pathname + url.search;
  const base = route.prefix ?? route.path ?? '/';
  if (route.generator === 'calendar') {
    // An endless calendar: every month links to the next one, forever.
    const yr = Number.parseInt(url.searchParams.get('ar') ?? '', 10);
    const mo = Number.parseInt(url.searchParams.get('manad') ?? '', 10);
    const year = Number.isFinite(yr) ? yr : 2026;
    const month = Number.isFinite(mo) && mo >= 1 && mo <= 12 ? mo : 1;
    const next = month === 12 ? [year + 1, 1] : [year, month + 1];
    const prev = month === 1 ? [year - 1, 12] : [year, month - 1];
    const seed = (year * 12 + month) % EVENTS.length;
    const items = [0, 1, 2]
      .map((i) => {
        const ev = EVENTS[(seed + i * 3) % EVENTS.length] ?? '';
        const day = ((seed + i * 9) % 27) + 1;
        return `<li><time datetime="${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}">${day} ${MONTHS[month - 1]}</time> ${ev}</li>`;
      })
      .join('');
    const pathOnly = url.pathname;
    return renderGenerated(site, host, traps, {
      title: `Kalender ${MONTHS[month - 1]} ${year}`,
      path: p,
      breadcrumb: [homeCrumb(site), 'Kalender'],
      content:
        `<h1>Kalender – ${MONTHS[month - 1]} ${year}</h1><ul class="calendar">${items}</ul>` +
        `<nav class="calendar-nav"><a href="${pathOnly}?ar=${prev[0]}&amp;manad=${prev[1]}">Föregående månad</a> ` +
        `<a href="${pathOnly}?ar=${next[0]}&amp;manad=${next[1]}">Nästa månad</a></nav>`,
    });
  }
  if (route.generator === 'repeat-path') {
    // A relative-link bug: the link lacks its leading slash, so every page links one level deeper.
    const link = route.link ?? base.replace(/^\//, '');
    return renderGenerated(site, host, traps, {
      title: 'Evenemangsarkiv',
      path: p,
      breadcrumb: [homeCrumb(site), 'Evenemangsarkiv'],
      content:
        '<h1>Evenemangsarkiv</h1><p>Här hittar du evenemang som redan har varit.</p>' +
        `<ul><li><a href="${escapeHtml(link)}">Äldre evenemang</a></li>` +
        `<li><a href="${escapeHtml(link)}2025/">Evenemang 2025</a></li></ul>`,
    });
  }
  if (route.generator === 'long-query') {
    // Filter links that append to the current query: the URL grows without end.
    const cats = ['skola', 'omsorg', 'kultur', 'trafik'];
    const cur = url.search ? url.search.slice(1) + '&' : '';
    const page = Number.parseInt(url.searchParams.get('sida') ?? '1', 10) || 1;
    const links = cats
      .map((c) => `<li><a href="${url.pathname}?${escapeHtml(cur)}kategori=${c}">${c[0]?.toUpperCase()}${c.slice(1)}</a></li>`)
      .join('');
    return renderGenerated(site, host, traps, {
      title: 'Filtrera nyheter',
      path: p,
      breadcrumb: [homeCrumb(site), 'Nyheter'],
      content:
        `<h1>Filtrera nyheter</h1><p>Valda filter: ${escapeHtml(url.searchParams.getAll('kategori').join(', ') || 'inga')}</p>` +
        `<ul class="filter">${links}</ul><p><a href="${url.pathname}?${escapeHtml(cur)}sida=${page + 1}">Nästa sida</a></p>`,
    });
  }
  const hostile = generateHostile(site, host, route, url, traps);
  if (hostile) return hostile;
  throw new Error(`unknown generator ${String(route.generator)}`);
}

// ----- hostile generators (test/fixtures/hostile) -----

/** Calls `tick` every `ms` until the response's connection closes. */
function everyUntilClosed(res: http.ServerResponse, ms: number, tick: () => void): void {
  const timer = setInterval(tick, ms);
  res.once('close', () => clearInterval(timer));
}

let gzipBomb: Buffer | undefined;
function gzipBombBody(): Buffer {
  // 100 MB of HTML whitespace in about 100 kB: gzip members may follow one another, so one
  // compressed megabyte repeated a hundred times is a valid stream (and costs the server nothing).
  if (!gzipBomb) {
    const head = zlib.gzipSync('<!doctype html><html lang="sv"><head><title>Packad</title></head><body>');
    const member = zlib.gzipSync(Buffer.alloc(1000 * 1000, 0x20), { level: 9 });
    gzipBomb = Buffer.concat([head, ...Array.from({ length: 100 }, () => member)]);
  }
  return gzipBomb;
}

function pseudoRandomBytes(n: number): Buffer {
  const out = Buffer.alloc(n);
  let x = 0x2545f491;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function generateHostile(site: RunningSite, host: HostDef, route: Route, url: URL, traps: Record<'trap2' | 'trap3', string>): Reply | null {
  const base = route.prefix ?? route.path ?? '/';
  const empty = Buffer.alloc(0);
  const htmlType = 'text/html; charset=utf-8';
  switch (route.generator) {
    case 'reset':
      // Headers and the start of the body, then a TCP reset.
      return {
        status: 200,
        headers: {},
        body: empty,
        stream: (res) => {
          res.writeHead(200, { 'content-type': htmlType, 'content-length': '200000' });
          res.write(`<!doctype html><html lang="sv"><head><title>Avbruten</title></head><body><main><h1>Avbruten</h1><p>${'Text som aldrig blir klar. '.repeat(400)}`);
          setTimeout(() => (res.socket ? res.socket.resetAndDestroy() : res.destroy()), 30);
        },
      };
    case 'slow-headers':
      // Slowloris in reverse: a status line, then one header line at a time, never a blank line.
      return {
        status: 200,
        headers: {},
        body: empty,
        stream: (res) => {
          const socket = res.socket;
          if (!socket) return;
          socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n');
          let i = 0;
          everyUntilClosed(res, 200, () => socket.write(`X-Langsam-${i++}: a\r\n`));
        },
      };
    case 'endless-body':
      return {
        status: 200,
        headers: {},
        body: empty,
        stream: (res) => {
          res.writeHead(200, { 'content-type': htmlType });
          res.write('<!doctype html><html lang="sv"><head><title>Oändlig</title></head><body><main><h1>Oändlig</h1>');
          everyUntilClosed(res, 200, () => res.write('<p>Lite till.</p>\n'));
        },
      };
    case 'huge': {
      const total = route.count ?? 2 * 1024 * 1024 * 1024;
      return {
        status: 200,
        headers: {},
        body: empty,
        stream: (res) => {
          res.writeHead(200, { 'content-type': htmlType });
          const chunk = Buffer.from('<p>Detta svar tar aldrig slut, det fortsätter och fortsätter.</p>\n'.repeat(1000));
          let sent = 0;
          let closed = false;
          res.once('close', () => (closed = true));
          const pump = (): void => {
            while (!closed && sent < total) {
              const part = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent);
              sent += part.length;
              if (!res.write(part)) {
                res.once('drain', pump);
                return;
              }
            }
            if (!closed) res.end();
          };
          res.write('<!doctype html><html lang="sv"><head><title>Enorm</title></head><body><main>');
          pump();
        },
      };
    }
    case 'gzip-bomb':
      return { status: 200, headers: { 'content-type': htmlType, 'content-encoding': 'gzip' }, body: gzipBombBody() };
    case 'many-links': {
      const n = route.count ?? 20_000;
      const links: string[] = [];
      const to = route.link ?? '/sida/';
      for (let i = 1; i <= n; i++) links.push(`<li><a href="${to}${i}">Sida ${i}</a></li>`);
      return renderGenerated(site, host, traps, {
        title: 'Alla sidor',
        path: url.pathname + url.search,
        breadcrumb: [homeCrumb(site), 'Alla sidor'],
        content: `<h1>Alla sidor</h1><ul class="a-o">${links.join('')}</ul>`,
      });
    }
    case 'redirect-chain': {
      const n = route.count ?? 30;
      const i = Number.parseInt(url.pathname.slice(base.length), 10) || 1;
      if (i < n) return html(302, '<!doctype html><title>Flyttad</title>', { location: `${base}${i + 1}` });
      return renderGenerated(site, host, traps, { title: 'Slutet på kedjan', path: url.pathname, breadcrumb: [homeCrumb(site), 'Slut'], content: `<h1>Efter ${n} omdirigeringar</h1>` });
    }
    case 'big-robots': {
      const total = route.count ?? 5 * 1024 * 1024;
      const head = 'User-agent: *\nDisallow: /intern/\n';
      const lines: string[] = [head];
      let size = head.length;
      for (let i = 0; size < total; i++) {
        const line = `Disallow: /arkiv/gammal-sida-${i}.html\n`;
        lines.push(line);
        size += line.length;
      }
      return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from(lines.join(''), 'utf8').subarray(0, total) };
    }
    case 'binary':
      return { status: route.status ?? 200, headers: { 'content-type': route.contentType ?? htmlType }, body: pseudoRandomBytes(route.count ?? 200_000) };
    default:
      return null;
  }
}

// ----- site search -----

function readQuery(url: URL, param: string): string {
  // Decode as UTF-8; a Latin-1 form (hemtj%E4nst) gives U+FFFD, then decode the bytes as Latin-1.
  const raw = url.search.slice(1).split('&').find((kv) => kv.split('=')[0] === param);
  const value = url.searchParams.get(param) ?? '';
  if (raw !== undefined && value.includes('\uFFFD')) {
    const enc = (raw.split('=')[1] ?? '').replace(/\+/g, ' ');
    const bytes = Buffer.from(enc.replace(/%([0-9a-f]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
    return bytes.toString('latin1');
  }
  return value;
}

interface Hit {
  page: Page;
  score: number;
}

function searchPages(host: HostDef, query: string, order: SearchConfig['order']): Hit[] {
  const terms = query.normalize('NFC').toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return [];
  const hits: Hit[] = [];
  for (const page of host.pages.values()) {
    if (!page.meta.search || page.meta.status !== 200) continue;
    const title = page.meta.title.normalize('NFC').toLowerCase();
    const text = page.text.normalize('NFC').toLowerCase();
    let score = 0;
    let all = true;
    for (const t of terms) {
      const inTitle = title.includes(t);
      const count = text.split(t).length - 1;
      if (!inTitle && count === 0) all = false;
      score += (inTitle ? 10 : 0) + count;
    }
    if (all) hits.push({ page, score });
  }
  hits.sort((a, b) => {
    if (order === 'date') {
      const da = a.page.meta.date ?? '';
      const db = b.page.meta.date ?? '';
      if (da !== db) return db.localeCompare(da);
    }
    return b.score - a.score || a.page.meta.title.localeCompare(b.page.meta.title, 'sv');
  });
  return hits;
}

function excerpt(text: string, query: string): string {
  const t = query.toLowerCase().split(/\s+/)[0] ?? '';
  const i = Math.max(0, text.toLowerCase().indexOf(t));
  const start = Math.max(0, i - 60);
  const s = text.slice(start, start + 180);
  return (start > 0 ? '…' : '') + s + (start + 180 < text.length ? '…' : '');
}

function searchPage(site: RunningSite, host: HostDef, cfg: SearchConfig, url: URL, traps: Record<'trap2' | 'trap3', string>): Reply {
  const query = readQuery(url, cfg.param);
  const pageNo = Math.max(1, Number.parseInt(url.searchParams.get('page') ?? '1', 10) || 1);
  const all = query.trim() ? searchPages(host, query, cfg.order) : [];
  const shown = all.slice((pageNo - 1) * cfg.pageSize, pageNo * cfg.pageSize);
  const origin = site.origins[host.key] ?? '';
  const q = escapeHtml(query);
  const nextHref = `${cfg.path}?${cfg.param}=${encodeURIComponent(query)}&amp;page=${pageNo + 1}`;
  const more = all.length > pageNo * cfg.pageSize ? `<a class="next" href="${nextHref}">Nästa sida</a>` : '';
  const none = '<p class="no-hits">Din sökning gav inga träffar. Kontrollera stavningen eller prova ett annat ord.</p>';
  let content: string;
  const hitCount = `${all.length} träffar`;
  switch (cfg.style) {
    case 'sitevision':
      content =
        `<h1>Sök</h1><form action="${cfg.path}" method="get" role="search" class="sv-searchform"><label for="sv-q">Sök på webbplatsen</label>` +
        `<input id="sv-q" type="text" name="${cfg.param}" value="${q}"><button type="submit" name="submitButton">Sök</button></form>` +
        `<div class="sv-searchresults"><p class="sol-hits-count">Din sökning på <strong>${q}</strong> gav ${hitCount}</p>` +
        (shown.length
          ? `<ol class="sol-search-hits">${shown
              .map((h) => `<li class="sv-search-hit"><a class="sv-search-hit__title" href="${origin}${escapeHtml(h.page.meta.path)}">${escapeHtml(h.page.meta.title)}</a><p class="sv-search-hit__desc">${escapeHtml(excerpt(h.page.text, query))}</p></li>`)
              .join('')}</ol>${more}`
          : none) +
        '</div>';
      break;
    case 'episerver':
      content =
        `<h1>Sökresultat</h1><form action="${cfg.path}" method="get" role="search"><input type="search" name="${cfg.param}" value="${q}" aria-label="Sökord"><button type="submit">Sök</button></form>` +
        `<div class="search-results"><h2>${hitCount} för ”${q}”</h2>` +
        (shown.length
          ? `<ul>${shown
              .map((h) => `<li class="search-result"><h3><a href="${escapeHtml(h.page.meta.path)}">${escapeHtml(h.page.meta.title)}</a></h3><p>${escapeHtml(excerpt(h.page.text, query))}</p>${h.page.meta.date ? `<span class="date">${h.page.meta.date}</span>` : ''}</li>`)
              .join('')}</ul>${more}`
          : none) +
        '</div>';
      break;
    case 'wordpress':
      content =
        `<header class="page-header"><h1 class="page-title">Sökresultat för: <span>${q}</span></h1></header>` +
        (shown.length
          ? shown
              .map((h, i) => `<article id="post-${i + 1}" class="search-result type-${h.page.meta.kind === 'news' ? 'post' : 'page'}"><header class="entry-header"><h2 class="entry-title"><a href="${escapeHtml(h.page.meta.path)}" rel="bookmark">${escapeHtml(h.page.meta.title)}</a></h2>${h.page.meta.date ? `<div class="entry-meta"><time>${h.page.meta.date}</time></div>` : ''}</header><div class="entry-summary"><p>${escapeHtml(excerpt(h.page.text, query))}</p></div></article>`)
              .join('') + (more ? `<nav class="navigation pagination">${more}</nav>` : '')
          : `<section class="no-results not-found">${none}</section>`);
      break;
    case 'drupal':
      content =
        `<h1>Sök</h1><form action="${cfg.path}" method="get" class="search-form" role="search"><input type="search" name="${cfg.param}" value="${q}" title="Ange de termer du vill söka efter."><input type="submit" value="Sök"></form>` +
        `<h2>Sökresultat</h2>` +
        (shown.length
          ? `<ol class="search-results node_search-results">${shown
              .map((h) => `<li><h3 class="search-result__title"><a href="${escapeHtml(h.page.meta.path)}">${escapeHtml(h.page.meta.title)}</a></h3><div class="search-result__snippet-info"><p class="search-result__snippet">${escapeHtml(excerpt(h.page.text, query))}</p></div></li>`)
              .join('')}</ol>${more}`
          : none);
      break;
    case 'table':
      // Hits as rows of a table: title link, excerpt, date.
      content =
        `<h1>Sökresultat</h1><form action="${cfg.path}" method="get" role="search"><label for="sok-q">Sök</label><input id="sok-q" type="search" name="${cfg.param}" value="${q}"><button type="submit">Sök</button></form>` +
        `<p class="search-summary">${hitCount} på ”${q}”</p>` +
        (shown.length
          ? `<table class="search-results"><thead><tr><th scope="col">Sida</th><th scope="col">Utdrag</th><th scope="col">Datum</th></tr></thead><tbody>${shown
              .map((h) => `<tr><td><a href="${escapeHtml(h.page.meta.path)}">${escapeHtml(h.page.meta.title)}</a></td><td>${escapeHtml(excerpt(h.page.text, query))}</td><td>${h.page.meta.date ?? ''}</td></tr>`)
              .join('')}</tbody></table>${more}`
          : none);
      break;
    case 'dl':
      // Hits as a definition list: <dt> title link, <dd> excerpt.
      content =
        `<h1>Sök på webbplatsen</h1><form action="${cfg.path}" method="get" class="searchform"><input type="text" name="${cfg.param}" value="${q}" aria-label="Sökord"><input type="submit" value="Sök"></form>` +
        `<p>${hitCount}</p>` +
        (shown.length
          ? `<dl class="search-hits">${shown
              .map((h) => `<dt><a href="${escapeHtml(h.page.meta.path)}">${escapeHtml(h.page.meta.title)}</a></dt><dd>${escapeHtml(excerpt(h.page.text, query))}</dd>`)
              .join('')}</dl>${more}`
          : none);
      break;
    default:
      content =
        `<h1>Sök</h1><form action="${cfg.path}" method="get"><input name="${cfg.param}" value="${q}"><input type="submit" value="Sök"></form>` +
        (shown.length
          ? `<ul class="results">${shown.map((h) => `<li><a href="${escapeHtml(h.page.meta.path)}">${escapeHtml(h.page.meta.title)}</a><br>${escapeHtml(excerpt(h.page.text, query))}</li>`).join('')}</ul>${more}`
          : none);
  }
  return renderGenerated(site, host, traps, {
    title: query ? `Sök: ${query}` : 'Sök',
    path: url.pathname + url.search,
    breadcrumb: [homeCrumb(site), 'Sök'],
    content,
  });
}

// ----- static files -----

async function serveStatic(site: RunningSite, sf: StaticFile, p: string, traps: Record<'trap2' | 'trap3', string>): Promise<Reply> {
  if (sf.pdf) {
    const text = fillPlaceholders(await readFile(sf.file, 'utf8'), site, traps, sf.file);
    const title = text.split('\n')[0]?.trim();
    return { status: 200, headers: { 'content-type': 'application/pdf' }, body: makePdf(text, title ? { title } : {}) };
  }
  const ext = path.extname(p).toLowerCase();
  const textType = TEXT_TYPES[ext];
  if (textType !== undefined) {
    const text = fillPlaceholders(await readFile(sf.file, 'utf8'), site, traps, sf.file);
    return { status: 200, headers: { 'content-type': textType }, body: Buffer.from(text, 'utf8') };
  }
  return { status: 200, headers: { 'content-type': BINARY_TYPES[ext] ?? 'application/octet-stream' }, body: await readFile(sf.file) };
}

function autoSitemap(site: RunningSite, host: HostDef): Reply {
  const origin = site.origins[host.key] ?? '';
  const xmlEsc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const urls = [...host.pages.values()]
    .filter((p) => p.meta.sitemap && p.meta.status === 200)
    .map((p) => `  <url><loc>${xmlEsc(origin + p.meta.path)}</loc>${p.meta.date ? `<lastmod>${p.meta.date}</lastmod>` : ''}</url>`)
    .join('\n');
  return {
    status: 200,
    headers: { 'content-type': 'application/xml; charset=utf-8' },
    body: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls}\n</urlset>\n`, 'utf8'),
  };
}

async function handle(site: RunningSite, hostKey: string, rawUrl: string, traps: Record<'trap2' | 'trap3', string>): Promise<Reply> {
  const cfg = site.def.config;
  const host = site.def.hosts.get(hostKey);
  if (host === undefined) throw new Error(`no host ${hostKey}`);
  const mainHost = cfg.hosts[0];
  const url = new URL(rawUrl, 'http://fixture.invalid');
  const pq = url.pathname + url.search;

  // 1. Special routes of site.yaml, in order.
  for (const [i, route] of cfg.routes.entries()) {
    if ((route.host ?? mainHost) !== hostKey) continue;
    const match = route.path !== undefined ? route.path === pq || route.path === rawUrl : url.pathname.startsWith(route.prefix ?? '\u0000');
    if (!match) continue;
    if (route.times !== undefined) {
      const k = `${i} ${pq}`;
      const n = (site.counters.get(k) ?? 0) + 1;
      site.counters.set(k, n);
      if (n > route.times) continue; // done misbehaving: serve normally
    }
    if (route.generator !== undefined) return generate(site, host, route, url, traps);
    if (route.redirect !== undefined) {
      const location = fillPlaceholders(route.redirect, site, traps, `${site.def.slug}/site.yaml`);
      return html(route.status ?? 301, `<!doctype html><title>Flyttad</title><p>Sidan har flyttats till <a href="${escapeHtml(location)}">${escapeHtml(location)}</a>.</p>`, { location });
    }
    const status = route.status ?? 200;
    const headers: Record<string, string> = { ...(route.headers ?? {}) };
    if (route.retryAfter !== undefined) headers['retry-after'] = String(route.retryAfter);
    const body =
      route.body ??
      (status === 429
        ? '<!doctype html><title>429 Too Many Requests</title><h1>För många förfrågningar</h1><p>Försök igen om en stund.</p>'
        : status >= 500
          ? '<!doctype html><title>Tekniskt fel</title><h1>Ett tekniskt fel har uppstått</h1><p>Försök igen senare.</p>'
          : '');
    return {
      status,
      headers: { 'content-type': route.contentType ?? 'text/html; charset=utf-8', ...headers },
      body: Buffer.from(fillPlaceholders(body, site, traps, `${site.def.slug}/site.yaml`), 'utf8'),
    };
  }

  // 2. Exact page (path + query).
  const exact = host.pages.get(pq);
  if (exact) return renderPage(site, host, exact, traps);

  // 3. The site search.
  const search = cfg.search;
  if (search && (search.host ?? mainHost) === hostKey && url.pathname === search.path) {
    const byPath = host.pagesByPathname.get(url.pathname);
    if (url.searchParams.has(search.param) || !byPath) return searchPage(site, host, search, url, traps);
  }

  // 4. Static files.
  const sf = host.statics.get(url.pathname);
  if (sf) return serveStatic(site, sf, url.pathname, traps);

  // 5. A page by its path, whatever the query (a CMS ignores parameters it does not know).
  const byPath = host.pagesByPathname.get(url.pathname);
  if (byPath) return renderPage(site, host, byPath, traps);

  // 6. Generated sitemap.
  if (url.pathname === '/sitemap.xml' && cfg.sitemap === 'auto' && hostKey === mainHost) return autoSitemap(site, host);

  return notFound(site, host, traps, pq);
}

/** The test suite's self-signed certificate for 127.0.0.1 (test/crawl/fixtures): no CA trusts it. */
function selfSignedCertificate(): { key: Buffer; cert: Buffer } {
  const dir = fileURLToPath(new URL('../../test/crawl/fixtures/', import.meta.url));
  return { key: readFileSync(path.join(dir, 'self-signed.key')), cert: readFileSync(path.join(dir, 'self-signed.crt')) };
}
