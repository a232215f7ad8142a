/**
 * A menu built by script: rendered until the crawler has seen it is the same on every page of the
 * template, then borrowed; a menu that differs per page is rendered every time. Real Chromium,
 * real servers, the real audit.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RENDERS_TO_LEARN } from '../../src/crawl/menu-templates.ts';
import { loadRules } from '../../src/rules/loader.ts';
import { buildSiteModel } from '../../src/rules/site-model.ts';
import { readSnapshot } from '../../src/snapshot/store.ts';
import type { PageRecord } from '../../src/snapshot/types.ts';
import { runCli } from '../helpers/cli.ts';
import { startServer, type TestServer } from './servers.ts';

// Words the crawler looks for: it stops when no link left looks relevant.
const SECTIONS = ['omsorg', 'hjalp', 'stod', 'avgifter', 'anhoriga', 'seniorer'];

/** Every page: an empty nav filled by script; the main content links to the other sections' pages. */
function site(menuScript: (path: string) => string) {
  return (req: { url?: string }, res: import('node:http').ServerResponse) => {
    const path = req.url ?? '/';
    if (path === '/robots.txt') return res.writeHead(404).end();
    if (path === '/menu.js') return res.writeHead(200, { 'content-type': 'application/javascript' }).end(menuScript(''));
    const section = SECTIONS.find((s) => path.startsWith(`/${s}/`));
    if (path !== '/' && !section) return res.writeHead(404).end();
    const title = section ? `Om ${section}` : 'Startsida';
    const links = SECTIONS.filter((s) => s !== section)
      .map((s) => `<li><a href="/${s}/">Läs om ${s}</a></li>`)
      .join('');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html lang="sv"><head><title>${title}</title></head>
<body><header><nav id="huvudmeny" aria-label="Huvudmeny"></nav></header>
<main><h1>${title}</h1><p>Här står det mer om ${section ?? 'kommunen'} för dig som bor i kommunen.</p><ul>${links}</ul></main>
<script>${menuScript(path)}</script></body></html>`);
  };
}

const SAME_MENU = () =>
  `document.getElementById('huvudmeny').innerHTML = '<ul><li><a href="/">Start</a></li><li><a href="/omsorg/">Omsorg och stöd</a></li><li><a href="/omsorg/aldre/">Äldreomsorg</a></li></ul>';`;
/** A menu that unfolds the current section, as many CMS menus do. */
const UNFOLDING_MENU = (path: string) =>
  `document.getElementById('huvudmeny').innerHTML = '<ul><li><a href="/">Start</a></li><li><a href="${path}undersida/">Mer i ${path}</a></li></ul>';`;

let same: TestServer;
let unfolding: TestServer;
let out: string;
let pagesOf: (kod: string) => Promise<PageRecord[]>;

beforeAll(async () => {
  same = await startServer(site(SAME_MENU));
  unfolding = await startServer(site(UNFOLDING_MENU));
  out = await mkdtemp(join(tmpdir(), 'granska-menu-'));
  const registry = join(out, 'kommuner.csv');
  await writeFile(registry, `kommunkod,namn,webbplats\n9301,Sammeny kommun,${same.origin}/\n9302,Fällmeny kommun,${unfolding.origin}/\n`);
  const run = await runCli(['audit', '--kommuner', registry, '--out', join(out, 'run'), '--allow-private', '--no-screenshots', '--quiet']);
  expect(run.code, run.stderr).toBe(0);
  pagesOf = async (kod) => (await readSnapshot(join(out, 'run', 'snapshots'), kod))!.pages.filter((p) => p.kind === 'html');
}, 120_000);

afterAll(async () => {
  await same?.close();
  await unfolding?.close();
  if (out) await rm(out, { recursive: true, force: true });
});

describe('a menu built by script', () => {
  it('is rendered until it has proved the same, then borrowed by the other pages of the template', async () => {
    const pages = await pagesOf('9301');
    expect(pages.length).toBeGreaterThan(SECTIONS.length);
    const rendered = pages.filter((p) => p.readWith === 'browser');
    const borrowed = pages.filter((p) => p.menuFrom);
    // Pages in flight together may all render before the template is learned.
    expect(rendered.length).toBeGreaterThanOrEqual(RENDERS_TO_LEARN);
    expect(rendered.length).toBeLessThan(pages.length);
    expect(borrowed.length).toBe(pages.length - rendered.length);
    for (const p of borrowed) {
      expect(p.readWith).toBe('fetch');
      expect(rendered.map((r) => r.finalUrl)).toContain(p.menuFrom);
      expect(p.renderReason).toMatch(/menyn var densamma på \d+ sidor/);
    }
  });

  it('gives the borrowing pages the menu links when judged, as the crawl had them', async () => {
    const snapshot = (await readSnapshot(join(out, 'run', 'snapshots'), '9301'))!;
    const site = await buildSiteModel(snapshot, (await loadRules()).definitions);
    const borrowing = site.pages.find((p) => p.record.menuFrom)!;
    const menu = borrowing.model.links.filter((l) => !l.inMain).map((l) => l.text);
    expect(menu).toEqual(expect.arrayContaining(['Omsorg och stöd', 'Äldreomsorg']));
    // The crawl followed the menu link that only the script shows.
    expect(snapshot.pages.some((p) => p.url.endsWith('/omsorg/aldre/'))).toBe(true);
  });

  it('is rendered on every page when it differs from page to page', async () => {
    const pages = await pagesOf('9302');
    const sectionPages = pages.filter((p) => SECTIONS.some((s) => new URL(p.finalUrl).pathname === `/${s}/`));
    expect(sectionPages.length).toBe(SECTIONS.length);
    expect(pages.every((p) => p.readWith === 'browser' && !p.menuFrom)).toBe(true);
  });
});
