import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeRule, pointsFor, type Outcome } from '../../src/rules/engine.ts';
import { loadRules, type RuleSet } from '../../src/rules/loader.ts';
import { RuleSchema } from '../../src/rules/schema.ts';
import { buildSiteModel, isHemtjanstPage, type SiteModel } from '../../src/rules/site-model.ts';
import { informationScore, rankByScore } from '../../src/score/score.ts';
import { readSnapshot, SnapshotWriter } from '../../src/snapshot/store.ts';
import type { CrawlSummary, PageRecord, SearchAttempt, Skipped } from '../../src/snapshot/types.ts';

const HOST = 'https://www.exempel.se';
const u = (path: string) => `${HOST}${path}`;

let root: string;
let rules: RuleSet;
let seq = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'granska-engine-'));
  rules = await loadRules();
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface PageSpec {
  url: string;
  /** HTML body; for documents, the extracted text. */
  html?: string;
  pdfText?: string;
  via?: PageRecord['discoveredVia'];
  finalUrl?: string;
  redirects?: PageRecord['redirects'];
}

/** A kommun page: global header menu, breadcrumb, main content and footer. */
function html(o: { title: string; h1?: string; main?: string; menu?: Array<[string, string]> }): string {
  const menu = (o.menu ?? []).map(([href, text]) => `<li><a href="${href}">${text}</a></li>`).join('');
  return `<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>${o.title}</title></head><body>
<header><a href="/">Exempels kommun</a><nav><ul>${menu}</ul></nav></header>
<main><h1>${o.h1 ?? o.title}</h1>${o.main ?? ''}</main>
<footer><p>Exempels kommun, växel 0123-45 00 00, kommun@exempel.se</p></footer>
</body></html>`;
}

/** A start page linking to the given pages from its menu. */
function start(menu: Array<[string, string]>): PageSpec {
  return { url: u('/'), via: 'start', html: html({ title: 'Startsida - Exempels kommun', h1: 'Välkommen till Exempels kommun', menu }) };
}

/** Writes a snapshot with SnapshotWriter, reads it back and builds the site model. */
async function site(pages: PageSpec[], summary: Partial<CrawlSummary> = {}): Promise<SiteModel> {
  const kod = String(++seq).padStart(4, '0');
  const w = await SnapshotWriter.create(root, kod);
  for (const p of pages) {
    const isPdf = p.pdfText !== undefined;
    const record = {
      url: p.url,
      finalUrl: p.finalUrl ?? p.url,
      redirects: p.redirects ?? [],
      status: 200,
      contentType: isPdf ? 'application/pdf' : 'text/html; charset=utf-8',
      headers: { 'content-type': isPdf ? 'application/pdf' : 'text/html; charset=utf-8' },
      fetchedAt: '2025-03-01T10:00:00.000Z',
      depth: 0,
      path: [],
      discoveredVia: p.via ?? (isPdf ? 'document' : 'link'),
      readWith: 'fetch' as const,
      kind: isPdf ? ('pdf' as const) : ('html' as const),
      hostRole: 'kommun' as const,
    };
    if (isPdf) w.addPage(record, Buffer.from(`%PDF-1.4 ${p.url}`), 'pdf', p.pdfText);
    else w.addPage(record, Buffer.from(p.html ?? '', 'utf8'), 'html');
  }
  await w.finish({
    kommunkod: kod,
    namn: 'Exempel',
    webbplats: u('/'),
    startUrl: u('/'),
    status: 'audited',
    reason: null,
    startedAt: '2025-03-01T10:00:00.000Z',
    finishedAt: '2025-03-01T10:05:00.000Z',
    pagesFetched: pages.length,
    pagesRendered: 0,
    eserviceHosts: [],
    skipped: [],
    robots: [],
    userAgent: 'granska-test',
    notes: [],
    ...summary,
  });
  const snapshot = await readSnapshot(root, kod);
  expect(snapshot).not.toBeNull();
  expect(snapshot!.pages).toHaveLength(pages.length);
  return buildSiteModel(snapshot!, rules.definitions);
}

function judge(id: string, s: SiteModel): Outcome {
  const rule = rules.rules.find((r) => r.id === id);
  if (!rule) throw new Error(`no rule ${id}`);
  return judgeRule(rule, s);
}

/** A site whose start page links to one hemtjänst page with this main content (and these extra pages). */
async function hemtjanstSite(main: string, extra: PageSpec[] = []): Promise<SiteModel> {
  return site([
    start([['/omsorg/hemtjanst.html', 'Hemtjänst']]),
    { url: u('/omsorg/hemtjanst.html'), html: html({ title: 'Hemtjänst - Exempels kommun', h1: 'Hemtjänst', main }) },
    ...extra,
  ]);
}

describe('site model', () => {
  it('finds the hemtjänst page, its click depth and path, and the one-hop scope of its main content', async () => {
    const s = await site([
      start([['/omsorg.html', 'Omsorg och stöd']]),
      { url: u('/omsorg.html'), html: html({ title: 'Omsorg och stöd', main: '<a href="/omsorg/hemtjanst.html">Hemtjänst</a>' }) },
      {
        url: u('/omsorg/hemtjanst.html'),
        html: html({ title: 'Hemtjänst', menu: [['/bygglov.html', 'Bygglov']], main: '<p>Text</p><a href="/omsorg/avgifter.html">Avgifter</a><a href="/taxa.pdf">Taxa (pdf)</a>' }),
      },
      { url: u('/omsorg/avgifter.html'), html: html({ title: 'Avgifter inom äldreomsorgen', main: '<a href="/annat.html">Annat</a>' }) },
      { url: u('/annat.html'), html: html({ title: 'Annat' }) },
      { url: u('/bygglov.html'), html: html({ title: 'Bygglov' }) },
      { url: u('/taxa.pdf'), pdfText: 'Taxa för äldreomsorg' },
    ]);
    expect(s.start?.record.url).toBe(u('/'));
    expect(s.hemtjanstPages.map((p) => p.record.url)).toEqual([u('/omsorg/hemtjanst.html')]);
    expect(s.hemtjanstPages[0]!.clicks).toBe(2);
    expect(s.hemtjanstPages[0]!.path).toEqual(['Omsorg och stöd', 'Hemtjänst']);
    // One hop from the main content: not the menu's Bygglov, not the page two hops away.
    expect(s.hemtjanstScope.map((p) => p.record.url).sort()).toEqual([u('/omsorg/avgifter.html'), u('/omsorg/hemtjanst.html'), u('/taxa.pdf')]);
    expect(s.resolve(u('/taxa.pdf#sida=2'))?.isDocument).toBe(true);
  });

  it('does not take a news item about hemtjänst under /nyheter/ for a hemtjänst page', async () => {
    const s = await site([
      start([['/nyheter/2025/ny-hemtjanst.html', 'Nyhet: ny hemtjänst']]),
      {
        url: u('/nyheter/2025/ny-hemtjanst.html'),
        html: html({ title: 'Hemtjänsten får nya elbilar - Exempels kommun', h1: 'Hemtjänsten får nya elbilar', main: '<p>Du kan överklaga beslut om hemtjänst. Maxtaxan är 2 540 kronor per månad.</p>' }),
      },
    ]);
    expect(s.pages).toHaveLength(2);
    expect(s.hemtjanstPages).toEqual([]);
    expect(isHemtjanstPage(s.pages[1]!.model, s.patterns)).toBe(false);
    expect(judge('overklaga', s).status).toBe('fail');
    expect(judge('avgifter', s).status).toBe('fail');
    expect(judge('hitta-hemtjanst', s).status).toBe('fail');
  });

  it('takes "Hjälp i hemmet" for a hemtjänst page only when the page is about hemtjänst', async () => {
    const s = await site([
      start([
        ['/hjalp-i-hemmet.html', 'Hjälp i hemmet'],
        ['/stod-i-hemmet.html', 'Stöd i hemmet'],
      ]),
      { url: u('/hjalp-i-hemmet.html'), html: html({ title: 'Hjälp i hemmet', main: '<p>Med hemtjänst får du hjälp med vardagen.</p>' }) },
      { url: u('/stod-i-hemmet.html'), html: html({ title: 'Stöd i hemmet', main: '<p>Boendestöd för personer med psykisk funktionsnedsättning.</p>' }) },
    ]);
    expect(s.hemtjanstPages.map((p) => p.record.url)).toEqual([u('/hjalp-i-hemmet.html')]);
  });
});

describe('content criteria: pass / partial / fail', () => {
  it('ansokan', async () => {
    const pass = await hemtjanstSite('<p>Du ansöker om hemtjänst hos en biståndshandläggare. Ring 0123-45 67 89.</p>');
    const o = judge('ansokan', pass);
    expect(o).toMatchObject({ id: 'ansokan', status: 'pass', weight: 3, points: 3 });
    expect(o.evidence[0]).toMatchObject({ url: u('/omsorg/hemtjanst.html'), clicks: 1, path: ['Hemtjänst'], capturedAt: '2025-03-01T10:00:00.000Z' });
    expect(o.evidence[0]!.excerpt).toContain('Du ansöker om hemtjänst hos en biståndshandläggare');
    expect(o.evidence[0]!.snapshot).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(o.trail).toBeUndefined();

    const partial = await hemtjanstSite('<p>Hemtjänst är hjälp i vardagen. För att få hemtjänst behöver du ansöka.</p>');
    expect(judge('ansokan', partial)).toMatchObject({ status: 'partial', points: 1.5, reason: 'Sidorna säger att man behöver ansöka, men inte hur eller var' });

    const fail = await hemtjanstSite('<p>Hemtjänst är hjälp i vardagen för dig som bor hemma.</p>');
    const f = judge('ansokan', fail);
    expect(f).toMatchObject({ status: 'fail', points: 0, evidence: [] });
    expect(f.trail?.pagesExamined.map((p) => p.url)).toEqual([u('/omsorg/hemtjanst.html')]);
  });

  it('ansokan passes with an apply sentence and an e-service link in the scope', async () => {
    const s = await hemtjanstSite('<p>Hemtjänst är hjälp i vardagen. Du behöver ansöka.</p><p><a href="https://e-tjanster.exempel.se/ansokan-hemtjanst">Till tjänsten</a></p>');
    expect(judge('ansokan', s).status).toBe('pass');
  });

  it('avgifter, and an amount only in a linked PDF is one level lower', async () => {
    expect(judge('avgifter', await hemtjanstSite('<p>Maxtaxan för hemtjänst är 2 540 kronor per månad.</p>')).status).toBe('pass');
    expect(judge('avgifter', await hemtjanstSite('<p>Du betalar en avgift för hemtjänst.</p>')).status).toBe('partial');
    expect(judge('avgifter', await hemtjanstSite('<p>Hemtjänst är hjälp i vardagen.</p>')).status).toBe('fail');

    const doc = await hemtjanstSite('<p>Hemtjänst är hjälp i vardagen.</p><p><a href="/dokument/taxor-2025.pdf">Läs mer (pdf)</a></p>', [
      { url: u('/dokument/taxor-2025.pdf'), pdfText: 'Taxor 2025\nHemtjänst kostar 450 kronor per timme, högst 2 540 kronor per månad.' },
    ]);
    const o = judge('avgifter', doc);
    expect(o.status).toBe('partial');
    expect(o.points).toBe(1);
    expect(o.reason).toBe('Sidorna anger vad hemtjänst kostar i kronor (eller har en avgiftskalkylator), men bara i ett länkat dokument (PDF/Word), vilket räknas en nivå lägre');
    expect(o.evidence[0]).toMatchObject({ url: u('/dokument/taxor-2025.pdf'), document: true, clicks: 2 });
    expect(o.evidence[0]!.excerpt).toContain('450 kronor');
  });

  it('a PDF that is not linked from the hemtjänst page does not count', async () => {
    const s = await site([
      start([
        ['/omsorg/hemtjanst.html', 'Hemtjänst'],
        ['/dokument/taxor-2025.pdf', 'Taxor'],
      ]),
      { url: u('/omsorg/hemtjanst.html'), html: html({ title: 'Hemtjänst', main: '<p>Hemtjänst är hjälp i vardagen.</p>' }) },
      { url: u('/dokument/taxor-2025.pdf'), pdfText: 'Hemtjänst kostar 450 kronor per timme.' },
    ]);
    expect(judge('avgifter', s).status).toBe('fail');
  });

  it('a rule without a partial level fails when its evidence is only in a document', async () => {
    const s = await hemtjanstSite('<p>Hemtjänst är hjälp i vardagen.</p><p><a href="/dokument/info.pdf">Mer information (pdf)</a></p>', [
      { url: u('/dokument/info.pdf'), pdfText: 'Är du missnöjd med beslutet kan du överklaga det till förvaltningsrätten.' },
    ]);
    const o = judge('overklaga', s);
    expect(o.status).toBe('fail');
    expect(o.reason).toMatch(/^Sidorna om hemtjänst säger inte hur man överklagar ett beslut\. .*bara i ett länkat dokument/);
    expect(o.evidence[0]?.document).toBe(true);
  });

  it('brukarundersokning: survey results in a linked PDF are full points ("or linked")', async () => {
    const s = await hemtjanstSite('<p>Hemtjänst är hjälp i vardagen.</p><p><a href="/dokument/vad-tycker-de-aldre-2024.pdf">Vad tycker de äldre om äldreomsorgen? (pdf)</a></p>', [
      { url: u('/dokument/vad-tycker-de-aldre-2024.pdf'), pdfText: 'Brukarundersökning hemtjänst 2024\nI brukarundersökningen svarade 92 % att de är nöjda med hemtjänsten.' },
    ]);
    const o = judge('brukarundersokning', s);
    expect(o).toMatchObject({ status: 'pass', points: 2 });
    expect(o.evidence[0]).toMatchObject({ url: u('/dokument/vad-tycker-de-aldre-2024.pdf'), document: true });

    const mentioned = await hemtjanstSite('<p>Varje år gör Socialstyrelsen en brukarundersökning bland dem som har hemtjänst.</p>');
    expect(judge('brukarundersokning', mentioned).status).toBe('partial');
  });

  it('insatser', async () => {
    expect(judge('insatser', await hemtjanstSite('<p>Hemtjänst kan vara städning, tvätt och inköp, men också hjälp med personlig hygien och påklädning.</p>')).status).toBe('pass');
    expect(judge('insatser', await hemtjanstSite('<p>Hemtjänst kan vara städning, tvätt och inköp.</p>')).status).toBe('partial');
    expect(judge('insatser', await hemtjanstSite('<p>Hemtjänst kan vara hjälp med dusch och påklädning.</p>')).status).toBe('partial');
    expect(judge('insatser', await hemtjanstSite('<p>Hemtjänst är hjälp i vardagen.</p>')).status).toBe('fail');
  });

  it('valfrihet', async () => {
    const listed = await hemtjanstSite('<p>Du kan välja utförare.</p><ul><li>Omsorgsbolaget AB</li><li>Hemtjänst Norr HB</li></ul>');
    const o = judge('valfrihet', listed);
    expect(o.status).toBe('pass');
    expect(o.evidence[0]!.excerpt).toBe('2 träffar: Omsorgsbolaget AB; Hemtjänst Norr HB');

    const only = await hemtjanstSite('<p>I Exempels kommun är kommunen den enda utföraren av hemtjänst.</p>');
    expect(judge('valfrihet', only).status).toBe('pass');

    const partial = await hemtjanstSite('<p>Enligt lagen om valfrihetssystem (LOV) kan du välja vilken utförare som ska ge dig hemtjänst.</p>');
    expect(judge('valfrihet', partial).status).toBe('partial');

    // One provider name is not a list.
    const one = await hemtjanstSite('<p>Hemtjänsten utförs av Omsorgsbolaget AB.</p>');
    expect(judge('valfrihet', one).status).not.toBe('pass');

    expect(judge('valfrihet', await hemtjanstSite('<p>Hemtjänst är hjälp i vardagen.</p>')).status).toBe('fail');
  });

  it('orosanmalan: an e-service passes, phone only is partial, children only fails', async () => {
    const pass = await hemtjanstSite('<p>Är du orolig för en äldre person? <a href="https://e-tjanster.exempel.se/oro-vuxen">Gör en orosanmälan om vuxen</a></p>');
    const o = judge('orosanmalan', pass);
    expect(o.status).toBe('pass');
    expect(o.evidence[0]!.highlight).toEqual({ text: 'Gör en orosanmälan om vuxen', href: 'https://e-tjanster.exempel.se/oro-vuxen' });

    const phone = await hemtjanstSite('<p>Om du är orolig för en äldre person kan du göra en orosanmälan. Ring socialtjänsten på 0123-45 67 89.</p>');
    expect(judge('orosanmalan', phone).status).toBe('partial');

    const children = await hemtjanstSite('<p>Orosanmälan om barn: ring socialtjänsten på 0123-45 67 89.</p><p><a href="https://e-tjanster.exempel.se/oro-barn">Orosanmälan om barn och unga</a></p>');
    expect(judge('orosanmalan', children).status).toBe('fail');
  });

  it('kontakt-handlaggare: the switchboard alone fails, the assessors\' number passes', async () => {
    const vaxel = await hemtjanstSite('<p>Vill du ansöka om hemtjänst? Ring kommunens växel 0123-45 00 00 och be att få tala med en biståndshandläggare.</p>');
    const f = judge('kontakt-handlaggare', vaxel);
    expect(f.status).toBe('fail');
    expect(f.reason).toBe('Sidorna ger inget telefonnummer eller e-post till biståndshandläggare (kommunens växel räknas inte)');

    const direct = await hemtjanstSite('<p>Biståndshandläggarna nås på telefon 0123-45 67 89 eller bistand@exempel.se.</p>');
    const p = judge('kontakt-handlaggare', direct);
    expect(p.status).toBe('pass');
    expect(p.evidence[0]!.highlight?.text).toBe('0123-45 67 89');
  });

  it('a phrase on a page not linked from the hemtjänst page does not count', async () => {
    const pages = (hemtjanstMain: string, hemtjanstMenu: Array<[string, string]> = []): PageSpec[] => [
      start([
        ['/omsorg/hemtjanst.html', 'Hemtjänst'],
        ['/bygglov.html', 'Bygglov'],
      ]),
      { url: u('/omsorg/hemtjanst.html'), html: html({ title: 'Hemtjänst', menu: hemtjanstMenu, main: hemtjanstMain }) },
      { url: u('/bygglov.html'), html: html({ title: 'Bygglov', main: '<p>Du kan överklaga beslutet om bygglov inom tre veckor.</p>' }) },
    ];
    expect(judge('overklaga', await site(pages('<p>Hemtjänst är hjälp i vardagen.</p>'))).status).toBe('fail');
    // A link in the menu of the hemtjänst page is not its main content.
    expect(judge('overklaga', await site(pages('<p>Hemtjänst är hjälp i vardagen.</p>', [['/bygglov.html', 'Bygglov']]))).status).toBe('fail');
    // Linked from the main content: one hop, in scope.
    const linked = judge('overklaga', await site(pages('<p>Läs om <a href="/bygglov.html">att överklaga</a>.</p>')));
    expect(linked.status).toBe('pass');
  });
});

describe('hitta-hemtjanst: clicks from the start page', () => {
  /** start → p1 → … → p(n-1) → hemtjänst page: n clicks. */
  async function chain(n: number): Promise<SiteModel> {
    const pages: PageSpec[] = [start([['/steg1.html', 'Steg 1']])];
    for (let i = 1; i < n; i++) {
      const next = i === n - 1 ? '/omsorg/hemtjanst.html' : `/steg${i + 1}.html`;
      pages.push({ url: u(`/steg${i}.html`), html: html({ title: `Steg ${i}`, main: `<a href="${next}">${i === n - 1 ? 'Hemtjänst' : `Steg ${i + 1}`}</a>` }) });
    }
    pages.push({ url: u('/omsorg/hemtjanst.html'), html: html({ title: 'Hemtjänst' }) });
    return site(pages);
  }

  it('passes at 3 clicks with the click path as evidence', async () => {
    const o = judge('hitta-hemtjanst', await chain(3));
    expect(o.status).toBe('pass');
    expect(o.evidence[0]).toMatchObject({ url: u('/omsorg/hemtjanst.html'), clicks: 3, path: ['Steg 1', 'Steg 2', 'Hemtjänst'] });
    expect(o.evidence[0]!.excerpt).toBe('3 klick från startsidan: Steg 1 › Steg 2 › Hemtjänst');
  });

  it('is partial at 4 and 5 clicks and fails at 6', async () => {
    expect(judge('hitta-hemtjanst', await chain(4)).status).toBe('partial');
    expect(judge('hitta-hemtjanst', await chain(5))).toMatchObject({ status: 'partial', points: 1.5 });
    const six = judge('hitta-hemtjanst', await chain(6));
    expect(six.status).toBe('fail');
    expect(six.reason).toContain('ligger 6 klick från startsidan');
  });

  it('counts menu links, and a redirect is not a click', async () => {
    const s = await site([
      start([['/gamla-hemtjanst', 'Hemtjänst']]),
      {
        url: u('/gamla-hemtjanst'),
        finalUrl: u('/omsorg/hemtjanst.html'),
        redirects: [{ url: u('/gamla-hemtjanst'), status: 301, location: '/omsorg/hemtjanst.html' }],
        html: html({ title: 'Hemtjänst' }),
      },
    ]);
    expect(judge('hitta-hemtjanst', s).evidence[0]).toMatchObject({ clicks: 1, path: ['Hemtjänst'] });
  });

  it('fails when the hemtjänst page is only reachable through the sitemap, yet it counts for the content criteria', async () => {
    const s = await site([
      start([['/om-kommunen.html', 'Om kommunen']]),
      { url: u('/om-kommunen.html'), html: html({ title: 'Om kommunen' }) },
      { url: u('/omsorg/hemtjanst.html'), via: 'sitemap', html: html({ title: 'Hemtjänst', main: '<p>Du kan överklaga beslutet.</p>' }) },
    ]);
    const o = judge('hitta-hemtjanst', s);
    expect(o.status).toBe('fail');
    expect(o.reason).toBe('Ingen hemtjänstsida nås med högst fem klick från startsidan (Hemtjänstsidan hittades bara via sökning eller webbplatskarta, inte via länkar från startsidan)');
    expect(s.hemtjanstPages[0]!.clicks).toBeNull();
    expect(judge('overklaga', s).status).toBe('pass');
  });
});

describe('sok-hemtjanst', () => {
  const search = (s: Partial<SearchAttempt>): Partial<CrawlSummary> => ({ search: { outcome: 'done', query: 'hemtjänst', hits: [], ...s } });
  const pages = (): PageSpec[] => [
    start([['/omsorg/hemtjanst.html', 'Hemtjänst']]),
    { url: u('/omsorg/hemtjanst.html'), html: html({ title: 'Hemtjänst' }) },
    { url: u('/sok.html?query=hemtj%C3%A4nst'), via: 'search', html: html({ title: 'Sök', main: '<p>Hemtjänst</p>' }) },
  ];

  it('is manual when robots.txt disallows the search', async () => {
    const s = await site(pages(), search({ outcome: 'disallowed', formPage: u('/'), resultsUrl: u('/sok.html?query=hemtj%C3%A4nst') }));
    const o = judge('sok-hemtjanst', s);
    expect(o.status).toBe('manual');
    expect(o.points).toBe(0);
    expect(o.reason).toContain('robots.txt');
    expect(o.trail?.search?.outcome).toBe('disallowed');
  });

  it('fails when the site has no search form', async () => {
    const o = judge('sok-hemtjanst', await site(pages(), search({ outcome: 'no-form' })));
    expect(o.status).toBe('fail');
    expect(o.reason).toContain('ingen sökfunktion');
  });

  it('passes when a hemtjänst page is among the first five hits, fails when it is sixth', async () => {
    const other = (i: number) => ({ url: u(`/annat${i}.html`), text: `Annat ${i}` });
    const hit = { url: u('/omsorg/hemtjanst.html'), text: 'Hemtjänst' };
    const fifth = judge('sok-hemtjanst', await site(pages(), search({ hits: [other(1), other(2), other(3), other(4), hit] })));
    expect(fifth.status).toBe('pass');
    expect(fifth.evidence[0]!.url).toBe(u('/omsorg/hemtjanst.html'));
    const sixth = judge('sok-hemtjanst', await site(pages(), search({ hits: [other(1), other(2), other(3), other(4), other(5), hit] })));
    expect(sixth.status).toBe('fail');
  });

  it('keeps the search result page out of the pages judged', async () => {
    const s = await site(pages());
    expect(s.pages.map((p) => p.record.url)).toEqual([u('/'), u('/omsorg/hemtjanst.html')]);
  });
});

describe('a hemtjänst page blocked by robots.txt', () => {
  it('makes the content criteria manual when no hemtjänst page could be read', async () => {
    const skipped: Skipped[] = [{ url: u('/4.1234.html'), reason: 'robots.txt förbjuder sidan', from: u('/'), text: 'Hemtjänst' }];
    const s = await site([start([['/4.1234.html', 'Hemtjänst']])], { skipped });
    expect(s.hemtjanstPages).toEqual([]);
    const byId = Object.fromEntries(rules.rules.map((r) => [r.id, judgeRule(r, s)]));
    const contentIds = rules.rules.filter((r) => r.scope === 'hemtjanst' || r.scope === 'hemtjanst-pages').map((r) => r.id);
    expect(contentIds).toHaveLength(15);
    for (const id of contentIds) {
      expect(byId[id]!.status, id).toBe('manual');
      expect(byId[id]!.reason, id).toContain(u('/4.1234.html'));
    }
    // Site-wide criteria are still judged.
    expect(byId['hitta-hemtjanst']!.status).toBe('fail');
    expect(byId['lattlast']!.status).toBe('fail');
  });

  it('is a plain fail when what robots.txt blocked is not about hemtjänst', async () => {
    const skipped: Skipped[] = [{ url: u('/4.999.html'), reason: 'robots.txt förbjuder sidan', text: 'Bygglov' }];
    const s = await site([start([['/4.999.html', 'Bygglov']])], { skipped });
    const o = judge('ansokan', s);
    expect(o.status).toBe('fail');
    expect(o.trail?.notes[0]).toBe('Ingen hemtjänstsida hittades, varken via länkar, webbplatskarta eller sökning');
  });
});

describe('the trail of a fail: why the candidate pages were not enough', () => {
  /** A rule of this test's own, judged as the loader would hand it over. */
  function testRule(over: Partial<Record<string, unknown>> = {}) {
    return RuleSchema.parse({
      id: 'prov',
      weight: 2,
      title: 'Prov',
      description: 'Prov',
      scope: 'hemtjanst',
      pass: {
        all: [
          { text: 'ring oss', label: 'ett nummer att ringa' },
          { text: '\\d+ kronor', near: 'avgift', label: 'belopp i kronor nära ordet avgift' },
          { clicks: { max: 3 } },
        ],
      },
      partial: { any: [{ link: { text: 'kalkylator' }, label: 'länk till en avgiftskalkylator' }, { text: 'maxtaxa' }] },
      reasons: { pass: 'p', partial: 'd', fail: 'f' },
      ...over,
    });
  }

  it('says, page by page, which parts of the rule hold (all: A ja, B nej) and judges clicks once for the site', async () => {
    const s = await hemtjanstSite('<p>Ring oss om hemtjänst.</p><p><a href="/omsorg/mer.html">Mer om hemtjänst</a></p>', [
      { url: u('/omsorg/mer.html'), html: html({ title: 'Mer om hemtjänst i Exempel', h1: 'Mer', main: '<p>Om vardagen.</p>' }) },
    ]);
    const o = judgeRule(testRule(), s);
    expect(o.status).toBe('fail');
    // The page that holds most parts first; a part without a label is named by its pattern.
    expect(o.trail?.candidates).toEqual([
      { url: u('/omsorg/hemtjanst.html'), title: 'Hemtjänst - Exempels kommun', clicks: 1, has: ['ett nummer att ringa'], lacks: ['belopp i kronor nära ordet avgift'] },
      { url: u('/omsorg/mer.html'), title: 'Mer om hemtjänst i Exempel', clicks: 2, has: [], lacks: ['ett nummer att ringa', 'belopp i kronor nära ordet avgift'] },
    ]);
    expect(o.trail?.wholeSite).toEqual({ has: ['en hemtjänstsida högst 3 klick från startsidan'], lacks: [] });
  });

  it('reports every alternative of an any as missing, and the real rules by their labels', async () => {
    const s = await hemtjanstSite('<p>Hemtjänst är hjälp i vardagen. Frågor? Ring växeln 0123-45 00 00.</p>');
    const o = judge('avgifter', s);
    expect(o.status).toBe('fail');
    expect(o.trail?.candidates).toEqual([
      {
        url: u('/omsorg/hemtjanst.html'),
        title: 'Hemtjänst - Exempels kommun',
        clicks: 1,
        has: [],
        // Not also "ordet avgift, taxa eller kostnad": the partial form of what a pass asks.
        lacks: ['belopp i kronor nära ordet avgift, taxa eller kostnad', 'länk till en avgiftskalkylator'],
      },
    ]);
    expect(o.trail?.wholeSite).toBeUndefined();
  });

  it('lists a partial-only part as lacking when the page already holds every pass part it could', async () => {
    // Only "ordet avgift" is missing of what is page-local to the partial; no pass part is page-local here.
    const s = await hemtjanstSite('<p>Hemtjänst är hjälp i vardagen.</p>');
    const rule = testRule();
    const o = judgeRule({ ...rule, pass: { clicks: { max: 0 } } as typeof rule.pass }, s);
    expect(o.status).toBe('fail');
    expect(o.trail?.candidates?.[0]?.lacks).toEqual(['länk till en avgiftskalkylator', '”maxtaxa”']);
  });

  it('on a site-wide rule lists the pages that hold a part, and the hemtjänst pages, not every page', async () => {
    const s = await site([
      start([
        ['/omsorg/hemtjanst.html', 'Hemtjänst'],
        ['/bygglov.html', 'Bygglov'],
        ['/lattlast/kommunen.html', 'Lättläst'],
      ]),
      { url: u('/omsorg/hemtjanst.html'), html: html({ title: 'Hemtjänst - Exempels kommun', h1: 'Hemtjänst', main: '<p>Hjälp i vardagen.</p>' }) },
      { url: u('/bygglov.html'), html: html({ title: 'Bygglov', main: '<p>Så söker du bygglov.</p>' }) },
      { url: u('/lattlast/kommunen.html'), html: html({ title: 'Lättläst: kommunen', h1: 'Kommunen på lätt svenska', main: '<h2>Skolan</h2><p>Text.</p>' }) },
    ]);
    const o = judge('lattlast', s);
    expect(o.status).toBe('partial'); // lättläst, but not about hemtjänst: no trail
    expect(o.trail).toBeUndefined();

    const none = await site([
      start([
        ['/omsorg/hemtjanst.html', 'Hemtjänst'],
        ['/bygglov.html', 'Bygglov'],
      ]),
      { url: u('/omsorg/hemtjanst.html'), html: html({ title: 'Hemtjänst - Exempels kommun', h1: 'Hemtjänst', main: '<p>Hjälp i vardagen.</p>' }) },
      { url: u('/bygglov.html'), html: html({ title: 'Bygglov', main: '<p>Så söker du bygglov.</p>' }) },
    ]);
    const f = judge('lattlast', none);
    expect(f.status).toBe('fail');
    expect(f.trail?.candidates).toEqual([
      { url: u('/omsorg/hemtjanst.html'), title: 'Hemtjänst - Exempels kommun', clicks: 1, has: ['en rubrik om hemtjänst eller äldreomsorg'], lacks: ['en sida märkt som lättläst'] },
    ]);
  });

  it('marks a linked document, which has what the rule asks but counts one level lower', async () => {
    const s = await hemtjanstSite('<p>Hemtjänst är hjälp i vardagen.</p><p><a href="/dokument/info.pdf">Mer information (pdf)</a></p>', [
      { url: u('/dokument/info.pdf'), pdfText: 'Är du missnöjd med beslutet om hemtjänst kan du överklaga det till förvaltningsrätten.' },
    ]);
    const o = judge('overklaga', s);
    expect(o.status).toBe('fail');
    expect(o.trail?.candidates?.map((c) => [c.url, c.document ?? false, c.has, c.lacks])).toEqual([
      [u('/dokument/info.pdf'), true, ['hur man överklagar ett beslut om hemtjänst eller bistånd'], []],
      [u('/omsorg/hemtjanst.html'), false, [], ['hur man överklagar ett beslut om hemtjänst eller bistånd']],
    ]);
  });

  it('keeps results.json small: at most 10 candidate pages', async () => {
    const links = Array.from({ length: 14 }, (_, i) => `<li><a href="/omsorg/sida${i}.html">Sida ${i}</a></li>`).join('');
    const extra = Array.from({ length: 14 }, (_, i) => ({ url: u(`/omsorg/sida${i}.html`), html: html({ title: `Sida ${i}` }) }));
    const o = judge('overklaga', await hemtjanstSite(`<ul>${links}</ul>`, extra));
    expect(o.status).toBe('fail');
    expect(o.trail?.pagesExamined).toHaveLength(15);
    expect(o.trail?.candidates).toHaveLength(10);
    expect(o.trail?.candidates?.[0]?.url).toBe(u('/omsorg/hemtjanst.html'));
  });

  it('says what the site lacks for a site-wide rule, and leaves out what could not be judged', async () => {
    const steps: PageSpec[] = [start([['/steg1.html', 'Steg 1']])];
    for (let i = 1; i < 6; i++) steps.push({ url: u(`/steg${i}.html`), html: html({ title: `Steg ${i}`, main: `<a href="${i === 5 ? '/omsorg/hemtjanst.html' : `/steg${i + 1}.html`}">Vidare</a>` }) });
    steps.push({ url: u('/omsorg/hemtjanst.html'), html: html({ title: 'Hemtjänst' }) });
    const six = judge('hitta-hemtjanst', await site(steps));
    expect(six.status).toBe('fail');
    expect(six.trail?.candidates).toBeUndefined();
    expect(six.trail?.wholeSite).toEqual({ has: [], lacks: ['en hemtjänstsida högst 3 klick från startsidan', 'en hemtjänstsida högst 5 klick från startsidan'] });

    const forbidden = await site([start([['/omsorg/hemtjanst.html', 'Hemtjänst']]), { url: u('/omsorg/hemtjanst.html'), html: html({ title: 'Hemtjänst' }) }], {
      search: { outcome: 'disallowed', query: 'hemtjänst', hits: [], formPage: u('/') },
    });
    const manual = judge('sok-hemtjanst', forbidden);
    expect(manual.status).toBe('manual');
    expect(manual.trail?.wholeSite).toBeUndefined();
    expect(manual.trail?.candidates).toBeUndefined();
  });
});

describe('score', () => {
  it('pointsFor: weight, half the weight, or nothing', () => {
    expect(pointsFor('pass', 3)).toBe(3);
    expect(pointsFor('partial', 3)).toBe(1.5);
    for (const s of ['fail', 'manual', 'error'] as const) expect(pointsFor(s, 3)).toBe(0);
  });

  it('informationScore = 100 × Σ points / Σ weight with one decimal', () => {
    expect(informationScore([{ points: 3, weight: 3 }, { points: 2, weight: 2 }])).toBe(100);
    // 4 of 33 points: 12.1212… → 12.1
    expect(informationScore([{ points: 3, weight: 3 }, { points: 1, weight: 2 }, { points: 0, weight: 28 }])).toBe(12.1);
    // 2 of 3: 66.666… → 66.7
    expect(informationScore([{ points: 1, weight: 1 }, { points: 1, weight: 1 }, { points: 0, weight: 1 }])).toBe(66.7);
    // 16.5 of 33 → 50
    expect(informationScore([{ points: 16.5, weight: 33 }])).toBe(50);
    expect(informationScore([])).toBe(0);
  });

  it('scores a judged kommun from the rules\' weights', async () => {
    const s = await hemtjanstSite('<p>Du ansöker om hemtjänst hos en biståndshandläggare. Ring 0123-45 67 89. Du kan överklaga beslutet. Du betalar en avgift.</p>');
    const outcomes = rules.rules.map((r) => judgeRule(r, s));
    expect(outcomes.reduce((t, o) => t + o.weight, 0)).toBe(33);
    const byId = Object.fromEntries(outcomes.map((o) => [o.id, o]));
    expect(byId['hitta-hemtjanst']!.status).toBe('pass');
    expect(byId['ansokan']!.status).toBe('pass');
    expect(byId['kontakt-handlaggare']!.status).toBe('pass');
    expect(byId['overklaga']!.status).toBe('pass');
    expect(byId['avgifter']!.status).toBe('partial');
    const points = outcomes.reduce((t, o) => t + o.points, 0);
    expect(informationScore(outcomes)).toBe(Math.round((1000 * points) / 33) / 10);
  });

  it('rankByScore: competition ranks with ties (1, 2, 2, 4), no rank without a score', () => {
    const a = { id: 'a', score: 80 };
    const b = { id: 'b', score: 90.5 };
    const c = { id: 'c', score: 80 };
    const d = { id: 'd', score: null };
    const e = { id: 'e', score: 0 };
    const f = { id: 'f', score: 70 };
    const ranks = rankByScore([a, b, c, d, e, f]);
    expect(ranks.get(b)).toBe(1);
    expect(ranks.get(a)).toBe(2);
    expect(ranks.get(c)).toBe(2);
    expect(ranks.get(f)).toBe(4);
    expect(ranks.get(e)).toBe(5);
    expect(ranks.has(d)).toBe(false);
    expect(ranks.size).toBe(5);
  });
});
