/**
 * The budget guard: once a hemtjänst page is found and no queued link looks like anything a
 * criterion asks for, a kommun's crawl stops; until then any link may lead there. Real servers,
 * the real audit.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Frontier } from '../../src/crawl/frontier.ts';
import { readSnapshot } from '../../src/snapshot/store.ts';
import { runCli } from '../helpers/cli.ts';
import { startServer, type TestServer } from './servers.ts';

const IRRELEVANT = ['bygglov', 'skola', 'bibliotek', 'parkering', 'kultur', 'trafik', 'idrott', 'avfall'];

const page = (title: string, body: string) =>
  `<!doctype html><html lang="sv"><head><title>${title}</title></head><body><header><nav><a href="/">Start</a></nav></header><main><h1>${title}</h1>${body}</main></body></html>`;

/**
 * `hub`: the hemtjänst page lies behind a link that says nothing of elderly care ("Invånare").
 * `sitemap`: and the sitemap names it, so the crawl meets it before the way to it.
 */
function site(hub: boolean, sitemap = false, viaAldre = false) {
  return (req: { url?: string; headers: { host?: string } }, res: import('node:http').ServerResponse) => {
    const path = req.url ?? '/';
    const send = (html: string) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    if (path === '/robots.txt') return res.writeHead(404).end();
    if (path === '/sitemap.xml' && sitemap)
      return res
        .writeHead(200, { 'content-type': 'application/xml' })
        .end(`<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${(viaAldre ? ['/aldre/', '/hemtjanst/'] : ['/hemtjanst/']).map((p) => `<url><loc>http://${req.headers.host}${p}</loc></url>`).join('')}</urlset>`);
    // viaAldre: Invånare › Äldre › Hemtjänst, and the sitemap gives Äldre and Hemtjänst before Invånare is read.
    if (path === '/invanare/' && viaAldre) return send(page('Invånare', `<ul><li><a href="/aldre/">Äldre</a></li></ul>`));
    if (path === '/aldre/' && viaAldre) return send(page('Äldre', `<ul><li><a href="/hemtjanst/">Hemtjänst</a></li></ul>`));
    const others = IRRELEVANT.map((w) => `<li><a href="/${w}/">Om ${w}</a></li>`).join('');
    if (path === '/') return send(page('Startsida', `<ul>${others}<li><a href="${hub ? '/invanare/' : '/hemtjanst/'}">${hub ? 'Invånare' : 'Hemtjänst'}</a></li></ul>`));
    if (path === '/invanare/') return send(page('Invånare', `<ul><li><a href="/hemtjanst/">Hemtjänst</a></li></ul>`));
    if (path === '/hemtjanst/') return send(page('Hemtjänst', '<p>Hemtjänst är stöd i hemmet.</p><p><a href="/hemtjanst/mer/">Läs mer</a></p>'));
    if (path === '/hemtjanst/mer/') return send(page('Mer om stödet', '<p>Så går det till.</p>'));
    const w = IRRELEVANT.find((x) => path === `/${x}/`);
    if (w) return send(page(`Om ${w}`, `<ul>${IRRELEVANT.map((x) => `<li><a href="/${w}/${x}/">${x} i ${w}</a></li>`).join('')}</ul>`));
    if (IRRELEVANT.some((x) => path.startsWith(`/${x}/`))) return send(page('Undersida', '<p>Text.</p>'));
    res.writeHead(404).end();
  };
}

let direct: TestServer;
let viaHub: TestServer;
let mapped: TestServer;
let mappedDeep: TestServer;
let out: string;

async function audit(name: string, extra: string[]): Promise<string> {
  const registry = join(out, `${name}.csv`);
  await writeFile(registry, `kommunkod,namn,webbplats\n9401,Direkt kommun,${direct.origin}/\n9402,Navby kommun,${viaHub.origin}/\n9403,Kartby kommun,${mapped.origin}/\n9404,Djupkarta kommun,${mappedDeep.origin}/\n`);
  const dir = join(out, name);
  const run = await runCli(['audit', '--kommuner', registry, '--out', dir, '--allow-private', '--no-render', '--quiet', ...extra]);
  expect(run.code, run.stderr).toBe(0);
  return dir;
}

let byDefault: string;
let exhaustive: string;

beforeAll(async () => {
  direct = await startServer(site(false));
  viaHub = await startServer(site(true));
  mapped = await startServer(site(true, true));
  mappedDeep = await startServer(site(true, true, true));
  out = await mkdtemp(join(tmpdir(), 'granska-stop-'));
  byDefault = await audit('default', []);
  exhaustive = await audit('exhaustive', ['--exhaustive']);
}, 120_000);

afterAll(async () => {
  await direct?.close();
  await viaHub?.close();
  await mapped?.close();
  await mappedDeep?.close();
  if (out) await rm(out, { recursive: true, force: true });
});

const snap = async (dir: string, kod: string) => (await readSnapshot(join(dir, 'snapshots'), kod))!;
/** The hitta-hemtjanst verdict of a kommun in the run's results.json. */
async function hittaOf(dir: string, kod: string): Promise<{ status: string; evidence: Array<{ clicks: number }> }> {
  const results = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as { kommuner: Array<{ kommunkod: string; criteria: Array<{ id: string; status: string; evidence: Array<{ clicks: number }> }> }> };
  return results.kommuner.find((k) => k.kommunkod === kod)!.criteria.find((c) => c.id === 'hitta-hemtjanst')!;
}
const paths = (s: Awaited<ReturnType<typeof snap>>) => s.pages.map((p) => new URL(p.finalUrl).pathname);

describe('stopping a crawl when more pages cannot change a verdict', () => {
  it('stops once the hemtjänst page and what it links to are fetched and nothing relevant is left, and says so', async () => {
    const s = await snap(byDefault, '9401');
    expect(paths(s)).toEqual(expect.arrayContaining(['/', '/hemtjanst/', '/hemtjanst/mer/']));
    // The start page's irrelevant links may be in flight when the guard decides; their subpages never are.
    expect(paths(s).filter((p) => p.split('/').length > 3 && !p.startsWith('/hemtjanst/'))).toEqual([]);
    expect(s.summary.notes.join(' ')).toMatch(/Genomsökningen stannade efter \d+ sidor: inga fler länkar såg ut att handla om äldreomsorg/);
  });

  it('follows any link until a hemtjänst page is found', async () => {
    const s = await snap(byDefault, '9402');
    expect(paths(s)).toEqual(expect.arrayContaining(['/invanare/', '/hemtjanst/', '/hemtjanst/mer/']));
  });

  it('does not stop at a hemtjänst page found only through the sitemap: the way to it by clicks may still be unfetched', async () => {
    const s = await snap(byDefault, '9403');
    expect(paths(s)).toEqual(expect.arrayContaining(['/invanare/', '/hemtjanst/']));
    const hitta = await hittaOf(byDefault, '9403');
    expect(hitta.status).toBe('pass');
    expect(hitta.evidence[0]!.clicks).toBe(2);
  });

  it('stops once a page read from the sitemap turns out to be linked on the way to the hemtjänst page', async () => {
    const s = await snap(byDefault, '9404');
    expect(paths(s)).toEqual(expect.arrayContaining(['/invanare/', '/aldre/', '/hemtjanst/']));
    // Reachability passes through /aldre/, read before anything linked to it: the irrelevant subpages are never needed.
    expect(paths(s).filter((p) => p.split('/').length > 3 && !p.startsWith('/hemtjanst/'))).toEqual([]);
    expect(s.summary.notes.join(' ')).toMatch(/Genomsökningen stannade efter \d+ sidor/);
    const hitta = await hittaOf(byDefault, '9404');
    expect(hitta.status).toBe('pass');
    expect(hitta.evidence[0]!.clicks).toBe(3);
  });

  it('fetches to the budget with --exhaustive', async () => {
    const s = await snap(exhaustive, '9401');
    expect(s.pages.length).toBeGreaterThan(IRRELEVANT.length * IRRELEVANT.length);
    expect(s.summary.notes.join(' ')).not.toMatch(/inga fler länkar/);
  });
});

describe('Frontier', () => {
  it('lets a better link to a queued page take its place, with its relevance', () => {
    const f = new Frontier();
    f.push({ url: 'https://x.se/a', score: -40, depth: -1, path: [], via: 'sitemap', text: '' });
    f.push({ url: 'https://x.se/b', score: 5, depth: 1, path: ['B'], via: 'link', text: 'B' });
    expect(f.relevantLeft).toBe(0);
    expect(f.improve({ url: 'https://x.se/a', score: 50, depth: 2, path: ['Omsorg', 'Äldre'], via: 'link', text: 'Äldre', relevant: true })).toBe(true);
    expect(f.relevantLeft).toBe(1);
    // A weaker way does not replace it.
    expect(f.improve({ url: 'https://x.se/a', score: 1, depth: 3, path: [], via: 'link', text: '' })).toBe(false);
    const first = f.pop()!;
    expect(first).toMatchObject({ url: 'https://x.se/a', path: ['Omsorg', 'Äldre'], via: 'link' });
    expect(f.relevantLeft).toBe(0);
    expect(f.pop()!.url).toBe('https://x.se/b');
    expect(f.isQueued('https://x.se/a')).toBe(false);
  });
});
