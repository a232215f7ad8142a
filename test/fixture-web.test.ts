// The fixture web itself: the server that plays the kommun websites every other test (and the
// demo) audits, and the sites' expected.yaml files that say what the auditor must conclude.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import * as cheerio from 'cheerio';
import {
  defaultFixtureRoot,
  demoSiteSlugs,
  listSiteSlugs,
  loadSite,
  startFixtureWeb,
  type FixtureSite,
  type FixtureWeb,
} from '../src/demo/fixture-web.ts';

const ROOT = defaultFixtureRoot();

/** The criteria of /work/shared/criteria.md (v1): id, weight, and whether a partial level exists. */
const CRITERIA: Record<string, { weight: number; partial: boolean }> = {
  'hitta-hemtjanst': { weight: 3, partial: true },
  'sok-hemtjanst': { weight: 2, partial: false },
  ansokan: { weight: 3, partial: true },
  'ansokan-etjanst': { weight: 2, partial: true },
  'kontakt-handlaggare': { weight: 2, partial: false },
  'handlaggning-process': { weight: 2, partial: true },
  'forenklad-handlaggning': { weight: 2, partial: true },
  overklaga: { weight: 1, partial: false },
  insatser: { weight: 2, partial: true },
  avgifter: { weight: 2, partial: true },
  valfrihet: { weight: 2, partial: true },
  trygghetslarm: { weight: 1, partial: false },
  brukarundersokning: { weight: 2, partial: true },
  'synpunkter-klagomal': { weight: 1, partial: true },
  orosanmalan: { weight: 2, partial: true },
  anhorigstod: { weight: 1, partial: false },
  lattlast: { weight: 1, partial: true },
  'andra-sprak': { weight: 1, partial: true },
  lyssna: { weight: 1, partial: false },
};
const IDS = Object.keys(CRITERIA);

interface Expected {
  status: 'audited' | 'error';
  reason?: string;
  criteria?: Record<string, { status: string; why: string }>;
}

async function readExpected(slug: string): Promise<Expected> {
  return parseYaml(await readFile(path.join(ROOT, slug, 'expected.yaml'), 'utf8')) as Expected;
}

function score(e: Expected): number | null {
  if (e.status !== 'audited' || !e.criteria) return null;
  let got = 0;
  let total = 0;
  for (const [id, { weight }] of Object.entries(CRITERIA)) {
    const st = e.criteria[id]?.status;
    total += weight;
    got += st === 'pass' ? weight : st === 'partial' ? weight / 2 : 0;
  }
  return Math.round((1000 * got) / total) / 10;
}

let web: FixtureWeb;
const site = (slug: string): FixtureSite => {
  const s = web.sites.find((x) => x.slug === slug);
  if (!s) throw new Error(`no site ${slug}`);
  return s;
};
const www = (slug: string): string => site(slug).origins.www ?? '';

beforeAll(async () => {
  web = await startFixtureWeb({ root: ROOT });
});
afterAll(async () => {
  await web?.close();
});

describe('fixture web server', () => {
  it('starts every site, one port per host, and lists them in the registry CSV', async () => {
    const slugs = await listSiteSlugs(ROOT);
    expect(slugs.length).toBeGreaterThanOrEqual(9);
    expect(web.sites.map((s) => s.slug).sort()).toEqual(slugs);
    const csv = web.registryCsv().trim().split('\n');
    expect(csv[0]).toBe('kommunkod,namn,webbplats,lan');
    expect(csv).toHaveLength(slugs.length + 1);
    for (const s of web.sites) {
      expect(s.kommunkod).toMatch(/^9\d{3}$/);
      expect(csv).toContain(`${s.kommunkod},${s.namn},${s.url},${s.lan}`);
      expect(s.lan).toMatch(/ län$/);
      expect(s.url.startsWith('http://127.0.0.1:')).toBe(true);
    }
    const ports = web.sites.filter((s) => s.slug !== 'odmark').flatMap((s) => Object.values(s.origins));
    expect(new Set(ports).size).toBe(ports.length);
    expect(Object.keys(site('ekebyhult').origins)).toEqual(['www', 'etjanst']);
  });

  it('answers the start page of every reachable site (after redirects)', async () => {
    for (const s of web.sites) {
      if (s.slug === 'odmark') continue;
      const r = await fetch(s.url);
      expect(r.status, s.slug).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    }
  });

  it('replaces {{origin:host}}, {{trap2}} and {{trap3}} placeholders', async () => {
    const html = await (await fetch(`${www('ekebyhult')}/omsorg-och-stod/aldreomsorg/hemtjanst.4.3f2a91c1713.html`)).text();
    expect(html).not.toContain('{{');
    expect(html).toContain(`href="${site('ekebyhult').origins.etjanst}/oversikt/overview/214"`);
    const robots = await (await fetch(`${www('ekebyhult')}/robots.txt`)).text();
    expect(robots).toContain(`Sitemap: ${www('ekebyhult')}/sitemap.xml`);
    const v = Buffer.from(await (await fetch(`${www('vasterljung')}/sida.php?id=210`)).arrayBuffer()).toString('latin1');
    expect(v).toMatch(/href="http:\/\/127\.0\.0\.2:\d+\/pensionarer\/"/);
    const r = await fetch(`${www('vasterljung')}/gamla/aldreomsorg.php`, { redirect: 'manual' });
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toMatch(/^http:\/\/127\.0\.0\.3:\d+\/aldreomsorg\/$/);
  });

  it('wraps page fragments in the site layout, unless a page opts out', async () => {
    const html = await (await fetch(`${www('ekebyhult')}/omsorg-och-stod/aldreomsorg/hemtjanst.4.3f2a91c1713.html`)).text();
    const $ = cheerio.load(html);
    expect($('title').text()).toBe('Hemtjänst - Ekebyhult kommun');
    expect($('nav.sol-main-nav a').first().text()).toBe('Omsorg och stöd');
    expect($('.sol-breadcrumbs li a').map((_, a) => $(a).text()).get()).toEqual(['Start', 'Omsorg och stöd', 'Äldreomsorg']);
    expect($('.sol-breadcrumbs li[aria-current=page]').text()).toBe('Hemtjänst');
    expect($('main h1').text()).toBe('Hemtjänst');
    expect($('footer').text()).toContain('Synpunkter och klagomål');
    expect($('#sol-cookie button').map((_, b) => $(b).text()).get()).toEqual(['Godkänn alla kakor', 'Endast nödvändiga']);
    // The archived page of Västerljung brings its own HTML.
    const old = Buffer.from(await (await fetch(`${www('vasterljung')}/sida.php?id=214`)).arrayBuffer()).toString('latin1');
    expect(old).not.toContain('id="sidhuvud"');
    expect(old).toContain('<h1>Så överklagar du ett beslut om hemtjänst</h1>');
  });

  it('serves ISO-8859-1 pages as Latin-1 bytes, with the charset in the header or only in <meta>', async () => {
    const r = await fetch(`${www('vasterljung')}/sida.php?id=210`);
    expect(r.headers.get('content-type')).toBe('text/html; charset=iso-8859-1');
    const bytes = Buffer.from(await r.arrayBuffer());
    expect(bytes.includes(Buffer.from('Hemtj\xe4nst', 'latin1'))).toBe(true);
    expect(bytes.includes(Buffer.from('Hemtjänst', 'utf8'))).toBe(false);
    expect(new TextDecoder('utf-8').decode(bytes)).not.toContain('Hemtjänst');
    expect(new TextDecoder('iso-8859-1').decode(bytes)).toContain('<title>Hemtjänst - Västerljungs kommun</title>');
    // An en dash is not Latin-1: it becomes a numeric character reference.
    expect(new TextDecoder('iso-8859-1').decode(bytes)).toContain('måndag&#8211;fredag');

    const meta = await fetch(`${www('vasterljung')}/sida.php?id=214`);
    expect(meta.headers.get('content-type')).toBe('text/html');
    const metaText = new TextDecoder('iso-8859-1').decode(await meta.arrayBuffer());
    expect(metaText).toContain('<meta charset="iso-8859-1">');
    expect(metaText).toContain('Överklagandet ska ha kommit in');

    // Generated pages of a Latin-1 site are Latin-1 too.
    const gen = await fetch(`${www('vasterljung')}/finns-inte`);
    expect(gen.status).toBe(404);
    expect(gen.headers.get('content-type')).toBe('text/html; charset=iso-8859-1');
  });

  it('follows redirects: a start URL that redirects and a 301 chain', async () => {
    const s = site('sjovalla');
    const first = await fetch(s.url, { redirect: 'manual' });
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe('/start/');
    const a = await fetch(`${www('sjovalla')}/aldreomsorg/hemtjanst.aspx`, { redirect: 'manual' });
    expect(a.status).toBe(301);
    expect(a.headers.get('location')).toBe('/omsorg/hemtjanst/');
    const b = await fetch(`${www('sjovalla')}/omsorg/hemtjanst/`, { redirect: 'manual' });
    expect(b.status).toBe(301);
    expect(b.headers.get('location')).toBe('/omsorg-och-hjalp/aldre/hemtjanst/');
    const end = await fetch(`${www('sjovalla')}/aldreomsorg/hemtjanst.aspx`);
    expect(end.status).toBe(200);
    expect(end.url).toBe(`${www('sjovalla')}/omsorg-och-hjalp/aldre/hemtjanst/`);
  });

  it('answers 429 with Retry-After once, then the page', async () => {
    const own = await startFixtureWeb({ root: ROOT, sites: ['sjovalla'] });
    try {
      const url = `${own.sites[0]?.origins.www}/omsorg-och-hjalp/aldre/trygghetslarm/`;
      const r1 = await fetch(url);
      expect(r1.status).toBe(429);
      expect(r1.headers.get('retry-after')).toBe('2');
      const r2 = await fetch(url);
      expect(r2.status).toBe(200);
      expect(await r2.text()).toContain('<h1>Trygghetslarm</h1>');
      expect(own.log.map((e) => e.status)).toEqual([429, 200]);
    } finally {
      await own.close();
    }
  });

  it('serves robots.txt as each site says (Disallow, Crawl-delay, 500, 404)', async () => {
    expect(await (await fetch(`${www('ekebyhult')}/robots.txt`)).text()).toContain('Disallow: /intern/');
    expect(await (await fetch(`${www('vasterljung')}/robots.txt`)).text()).toContain('Crawl-delay: 1');
    expect(await (await fetch(`${www('storbrunn')}/robots.txt`)).text()).toContain('Disallow: /sok.html');
    expect((await fetch(`${www('fjallmora')}/robots.txt`)).status).toBe(500);
    expect((await fetch(`${site('ekebyhult').origins.etjanst}/robots.txt`)).status).toBe(404);
  });

  it('generates sitemaps, PDFs and 404 pages', async () => {
    const sm = await (await fetch(`${www('norrhed')}/sitemap.xml`)).text();
    expect(sm).toContain(`<loc>${www('norrhed')}/omsorg-och-stod/hemtjanst</loc>`);
    const pdf = await fetch(`${www('sjovalla')}/globalassets/omsorg/avgifter-inom-aldreomsorgen-2026.pdf`);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const bytes = Buffer.from(await pdf.arrayBuffer());
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const nf = await fetch(`${www('ekebyhult')}/finns-inte.html`);
    expect(nf.status).toBe(404);
    expect(await nf.text()).toContain('Sidan kunde inte hittas');
    const broken = await fetch(`${www('storbrunn')}/driftinformation.html`);
    expect(broken.status).toBe(500);
  });

  it('serves a site search that lists hits in the site layout', async () => {
    const e = cheerio.load(await (await fetch(`${www('ekebyhult')}/sok.html?query=hemtj%C3%A4nst`)).text());
    expect(e('nav.sol-main-nav').length).toBe(1);
    const eHits = e('.sol-search-hits a').map((_, a) => e(a).attr('href')).get();
    expect(eHits[0]).toBe(`${www('ekebyhult')}/omsorg-och-stod/aldreomsorg/hemtjanst.4.3f2a91c1713.html`);

    // Lillmora sorts by date: six news items push the hemtjänst page out of the first five.
    const l = cheerio.load(await (await fetch(`${www('lillmora')}/?s=hemtj%C3%A4nst`)).text());
    const lHits = l('article.search-result h2 a').map((_, a) => l(a).attr('href')).get();
    expect(lHits.length).toBeGreaterThan(6);
    expect(lHits.slice(0, 5)).not.toContain('/?page_id=43');
    expect(lHits).toContain('/?page_id=43');

    // Norrhed's unlinked hemtjänst page is found; a Latin-1 encoded query works too.
    const n = cheerio.load(await (await fetch(`${www('norrhed')}/search/node?keys=hemtj%E4nst`)).text());
    expect(n('.search-results a').map((_, a) => n(a).attr('href')).get().slice(0, 2)).toContain('/omsorg-och-stod/hemtjanst');

    const none = await (await fetch(`${www('hoglunda')}/sok/?searchQuery=zzzxq`)).text();
    expect(none).toContain('Din sökning gav inga träffar');
  });

  it('has a search form on every site that has a search, and none on Västerljung or Rävsjö', async () => {
    for (const s of web.sites) {
      if (s.slug === 'odmark') continue;
      const $ = cheerio.load(await (await fetch(s.url)).text());
      const forms = $('form[method=get]').filter((_, f) => $(f).find('input[type=search], input[type=text]').length > 0);
      if (s.slug === 'vasterljung' || s.slug === 'ravsjo') expect(forms.length, s.slug).toBe(0);
      else expect(forms.length, s.slug).toBeGreaterThan(0);
    }
  });

  it('runs an endless calendar, a repeated-path loop and an ever-growing query', async () => {
    let url = `${www('ekebyhult')}/kalender?ar=2026&manad=11`;
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const r = await fetch(url);
      expect(r.status).toBe(200);
      const $ = cheerio.load(await r.text());
      const next = $('a').filter((_, a) => $(a).text() === 'Nästa månad').attr('href');
      expect(next).toBeTruthy();
      seen.add(url);
      url = new URL(next ?? '', url).href;
    }
    expect(seen.size).toBe(30);
    expect(url).toContain('ar=2029');

    let rp = `${www('lillmora')}/evenemang/arkiv/`;
    for (let i = 0; i < 5; i++) {
      const $ = cheerio.load(await (await fetch(rp)).text());
      rp = new URL($('a').filter((_, a) => $(a).text() === 'Äldre evenemang').attr('href') ?? '', rp).href;
    }
    expect(new URL(rp).pathname).toBe('/evenemang/arkiv/' + 'evenemang/arkiv/'.repeat(5));

    let lq = `${www('vasterljung')}/arkiv.php`;
    for (let i = 0; i < 5; i++) {
      const $ = cheerio.load(new TextDecoder('iso-8859-1').decode(await (await fetch(lq)).arrayBuffer()));
      const next = new URL($('ul.filter a').first().attr('href') ?? '', lq).href;
      expect(next.length).toBeGreaterThan(lq.length);
      lq = next;
    }
    expect(new URL(lq).searchParams.getAll('kategori')).toHaveLength(5);
  });

  it('records every request that reaches a trap listener', async () => {
    const own = await startFixtureWeb({ root: ROOT, sites: ['vasterljung'] });
    try {
      const origin = own.sites[0]?.origins.www ?? '';
      const page = new TextDecoder('iso-8859-1').decode(await (await fetch(`${origin}/sida.php?id=210`)).arrayBuffer());
      expect(own.trapHits).toHaveLength(0);
      const trap2 = /href="(http:\/\/127\.0\.0\.2:\d+\/pensionarer\/)"/.exec(page)?.[1] ?? '';
      await (await fetch(trap2, { headers: { 'user-agent': 'granska-test' } })).text();
      await (await fetch(`${origin}/gamla/aldreomsorg.php`)).text(); // follows the redirect into trap3
      expect(own.trapHits.map((h) => [h.host, h.path, h.status])).toEqual([
        ['trap2', '/pensionarer/', 200],
        ['trap3', '/aldreomsorg/', 200],
      ]);
      expect(own.trapHits[0]?.userAgent).toBe('granska-test');
      expect(own.log.every((e) => e.host === 'www')).toBe(true);
    } finally {
      await own.close();
    }
  });

  it('counts requests in flight per origin and delays responses by latencyMs', async () => {
    const own = await startFixtureWeb({ root: ROOT, sites: ['kvarntrask', 'norrhed'], latencyMs: 150 });
    try {
      const k = own.sites.find((s) => s.slug === 'kvarntrask')?.origins.www ?? '';
      const n = own.sites.find((s) => s.slug === 'norrhed')?.origins.www ?? '';
      const t0 = Date.now();
      await Promise.all(['/', '/omsorg-och-stod/', '/omsorg-och-stod/hemtjanst/', '/kontakt/', '/fritid/'].map(async (p) => (await fetch(k + p)).text()));
      expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
      expect(own.maxInFlight(k)).toBe(5);
      for (const p of ['/', '/kontakt']) await (await fetch(n + p)).text();
      expect(own.maxInFlight(n)).toBe(1);
      expect(own.maxInFlight('http://127.0.0.1:1')).toBe(0);
      expect(own.log).toHaveLength(7);
      const entry = own.log.find((e) => e.path === '/omsorg-och-stod/hemtjanst/');
      expect(entry).toMatchObject({ origin: k, site: 'kvarntrask', host: 'www', method: 'GET', status: 200 });
      expect(Math.max(...own.log.filter((e) => e.origin === k).map((e) => e.inFlight))).toBe(5);
    } finally {
      await own.close();
    }
  });

  it('gives an unreachable kommun a URL that refuses connections', async () => {
    const s = site('odmark');
    await expect(fetch(s.url)).rejects.toThrow();
  });

  it('writes the registry to a file', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(path.join(tmpdir(), 'granska-fixture-'));
    try {
      const file = path.join(dir, 'kommuner.csv');
      await web.writeRegistry(file);
      expect(await readFile(file, 'utf8')).toBe(web.registryCsv());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('fixture sites', () => {
  it('serve every page they define, with no placeholder left, and no broken internal link but the intended ones', async () => {
    // Broken on purpose: a dead link and a page that answers 500 (Storbrunn).
    const intended = new Set(['storbrunn /gamla-sidan.html 404', 'storbrunn /driftinformation.html 500']);
    const problems: string[] = [];
    for (const slug of await listSiteSlugs(ROOT)) {
      const def = await loadSite(ROOT, slug);
      if (def.config.unreachable) continue;
      const s = site(slug);
      const origins = new Set(Object.values(s.origins));
      const status = new Map<string, number>();
      const check = async (url: string): Promise<number> => {
        const known = status.get(url);
        if (known !== undefined) return known;
        let r = await fetch(url, { redirect: 'manual' });
        let cur = url;
        for (let hop = 0; hop < 5 && r.status >= 300 && r.status < 400; hop++) {
          cur = new URL(r.headers.get('location') ?? '', cur).href;
          if (!origins.has(new URL(cur).origin)) break; // leaves the site (trap): not followed
          r = await fetch(cur, { redirect: 'manual' });
        }
        await r.arrayBuffer();
        const st = r.status === 429 ? 200 : r.status;
        status.set(url, st);
        return st;
      };
      for (const [hostKey, host] of def.hosts) {
        for (const page of host.pages.values()) {
          const url = (s.origins[hostKey] ?? '') + page.meta.path;
          const r = await fetch(url);
          const charset = page.meta.charset ?? def.config.charset;
          const text = new TextDecoder(charset).decode(await r.arrayBuffer());
          if (r.status !== 200 && r.status !== 429) problems.push(`${slug} ${page.meta.path} answers ${r.status}`);
          if (text.includes('{{')) problems.push(`${slug} ${page.meta.path} has a placeholder left`);
          if (page.meta.layout && page.meta.kind !== 'eservice' && hostKey === 'www' && !/<h1[\s>]/.test(page.body)) problems.push(`${slug} ${page.meta.path} has no <h1>`);
          const $ = cheerio.load(text);
          for (const a of $('a[href]').toArray()) {
            const href = $(a).attr('href') ?? '';
            if (/^(mailto:|tel:|#|javascript:)/.test(href)) continue;
            const target = new URL(href, url);
            target.hash = '';
            if (!origins.has(target.origin)) continue;
            if (target.pathname.startsWith('/intern/')) continue; // disallowed by robots.txt, exists anyway
            const st = await check(target.href);
            if (st >= 400 && !intended.has(`${slug} ${target.pathname} ${st}`)) problems.push(`${slug} ${page.meta.path} links to ${target.pathname}${target.search}: ${st}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('have 15–40 pages on their main host', async () => {
    for (const slug of await listSiteSlugs(ROOT)) {
      const def = await loadSite(ROOT, slug);
      if (def.config.unreachable) continue;
      const n = def.hosts.get(def.config.hosts[0] ?? 'www')?.pages.size ?? 0;
      expect(n, slug).toBeGreaterThanOrEqual(15);
      expect(n, slug).toBeLessThanOrEqual(40);
    }
  });

  it('each have an expected.yaml naming all 19 criteria with valid statuses, or an error with a reason', async () => {
    for (const slug of await listSiteSlugs(ROOT)) {
      const e = await readExpected(slug);
      expect(['audited', 'error'], slug).toContain(e.status);
      if (e.status === 'error') {
        expect(e.reason, slug).toMatch(/\S{10,}/);
        expect(e.criteria, slug).toBeUndefined();
        continue;
      }
      expect(Object.keys(e.criteria ?? {}).sort(), slug).toEqual([...IDS].sort());
      for (const [id, c] of Object.entries(e.criteria ?? {})) {
        const allowed = ['pass', 'fail', 'manual', ...(CRITERIA[id]?.partial ? ['partial'] : [])];
        expect(allowed, `${slug} ${id}`).toContain(c.status);
        expect(c.why, `${slug} ${id}`).toMatch(/\S{4,}/);
      }
    }
  });

  it('cover every criterion with a pass, a fail and (where defined) a partial; sok-hemtjanst also with a manual', async () => {
    const seen = new Map<string, Set<string>>(IDS.map((id) => [id, new Set<string>()]));
    const statuses = new Set<string>();
    for (const slug of await listSiteSlugs(ROOT)) {
      const e = await readExpected(slug);
      statuses.add(e.status);
      for (const [id, c] of Object.entries(e.criteria ?? {})) seen.get(id)?.add(c.status);
    }
    for (const [id, { partial }] of Object.entries(CRITERIA)) {
      const got = seen.get(id) ?? new Set();
      expect([...got].sort(), id).toEqual(expect.arrayContaining(partial ? ['fail', 'partial', 'pass'] : ['fail', 'pass']));
    }
    expect([...(seen.get('sok-hemtjanst') ?? [])]).toContain('manual');
    expect([...statuses].sort()).toEqual(['audited', 'error']);
    expect(Object.values(CRITERIA).reduce((a, c) => a + c.weight, 0)).toBe(33);
  });

  it('name an existing, mixed demo web of five sites with one error kommun', async () => {
    const slugs = await demoSiteSlugs(ROOT);
    expect(slugs).toHaveLength(5);
    const all = await listSiteSlugs(ROOT);
    const scores: Array<number | null> = [];
    for (const slug of slugs) {
      expect(all).toContain(slug);
      scores.push(score(await readExpected(slug)));
    }
    expect(scores.filter((s) => s === null)).toHaveLength(1);
    const numbers = scores.filter((s): s is number => s !== null);
    expect(new Set(numbers).size).toBe(4);
    expect(Math.max(...numbers) - Math.min(...numbers)).toBeGreaterThan(40);
  });
});
