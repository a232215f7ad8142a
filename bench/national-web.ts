/**
 * A synthetic national web for the benchmark: N fictional kommun websites generated procedurally
 * in memory from a seeded PRNG (the same seed gives the same web) and served on 127.0.0.1 by plain
 * node:http, one port per host (the kommun's www and, on most sites, an e-service host).
 *
 * Sites differ in size (50–300 pages), URL style (folders, .html, Sitevision ids, WordPress
 * ?page_id=), depth of the hemtjänst page (3–5 clicks), menus built by JavaScript (an empty <nav>
 * filled by a script: the crawler must render those pages), e-services, PDFs (makePdf), an endless
 * event calendar, sitemaps, a site search, robots.txt with and without Crawl-delay (rare and small:
 * real Crawl-delay dominates wall time), and a hemtjänst section whose paragraphs are switched on
 * and off per site so that the 19 criteria pass, partly pass and fail variously.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kommun } from '../src/registry/registry.ts';
import { makePdf } from '../src/demo/pdf-writer.ts';

export interface NationalWebOptions {
  /** Number of kommun sites (default 290). */
  kommuner?: number;
  /** PRNG seed (default 2027). */
  seed?: number;
  /** Added to every response (default 0 here; the benchmark passes 50). */
  latencyMs?: number;
}

export interface NationalSite {
  kommun: Kommun;
  /** Pages of the www host (documents and generated calendar pages not counted). */
  pages: number;
  jsMenu: boolean;
  eservice: boolean;
  /** Seconds; 0 = none. */
  crawlDelay: number;
  origins: Record<string, string>;
}

export interface NationalWeb {
  sites: NationalSite[];
  kommuner: Kommun[];
  /** Requests answered so far. */
  requests(): number;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// PRNG
// ---------------------------------------------------------------------------------------------

type Rng = () => number;

function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const int = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const chance = (r: Rng, p: number): boolean => r() < p;

// ---------------------------------------------------------------------------------------------
// Words
// ---------------------------------------------------------------------------------------------

const PREFIX = ['Ek', 'Björk', 'Sjö', 'Lind', 'Berg', 'Norr', 'Sör', 'Väster', 'Öster', 'Gran', 'Tall', 'Ask', 'Al', 'Hag', 'Ljung', 'Kvarn', 'Mo', 'Å', 'Strand', 'Hög', 'Rön', 'Hassel'];
const SUFFIX = ['by', 'sala', 'vik', 'ås', 'näs', 'hult', 'berga', 'fors', 'holm', 'köping', 'mora', 'dal', 'sund', 'torp', 'ryd', 'sjö', 'boda', 'stad'];
const UTFORARE = ['Omsorgshuset', 'Trygga Händer', 'Vardagshjälpen', 'Hemma Bäst', 'Nära Omsorg', 'Solrosen Hemtjänst', 'Attendo', 'Kavat Vård', 'Linnéa Omsorg', 'Stöd i Vardagen'];
const FILLER = [
  'Kommunen arbetar för att alla invånare ska få god service och ett gott bemötande.',
  'Här hittar du information om vad som gäller och hur du kontaktar oss.',
  'Handläggningstiden varierar beroende på ärendets art och hur komplett ansökan är.',
  'Kontakta kommunens kundcenter om du har frågor om innehållet på den här sidan.',
  'Under sommaren har vissa verksamheter ändrade öppettider.',
  'Nämnden fattar beslut om verksamhetens inriktning och budget varje år.',
  'Du kan lämna dina synpunkter på kommunens verksamheter via webbplatsen.',
  'Informationen på sidan uppdateras löpande när nya beslut fattas.',
  'Vi samarbetar med föreningar, företag och grannkommuner i regionen.',
  'Avgifterna beslutas av kommunfullmäktige och räknas om varje år.',
  'Läs mer om hur kommunen hanterar dina personuppgifter enligt dataskyddsförordningen.',
  'Biblioteket erbjuder böcker, tidningar, e-medier och programverksamhet för alla åldrar.',
  'Detaljplanen visar hur mark och vatten får användas inom ett visst område.',
  'Förskolan ska vara rolig, trygg och lärorik för alla barn som deltar.',
  'Sophämtningen sker varannan vecka i villaområden och varje vecka i flerbostadshus.',
  'Motionsspåren är belysta från oktober till mars mellan klockan 6 och 22.',
  'Kommunstyrelsen leder och samordnar arbetet i kommunens förvaltningar.',
  'Företagslotsen hjälper dig som vill starta eller utveckla ett företag i kommunen.',
  'Ansökan ska vara komplett för att vi ska kunna börja handlägga ärendet.',
  'Vattnet från det kommunala nätet kontrolleras regelbundet och håller god kvalitet.',
];
const SECTIONS: Array<{ title: string; slug: string; subs: string[] }> = [
  { title: 'Förskola och skola', slug: 'forskola-och-skola', subs: ['Förskola', 'Grundskola', 'Gymnasieskola', 'Vuxenutbildning', 'Skolskjuts', 'Fritidshem', 'Modersmål', 'Elevhälsa'] },
  { title: 'Bygga, bo och miljö', slug: 'bygga-bo-och-miljo', subs: ['Bygglov', 'Detaljplaner', 'Avfall och återvinning', 'Vatten och avlopp', 'Gator och vägar', 'Miljö och hälsa', 'Energirådgivning', 'Parker'] },
  { title: 'Kultur och fritid', slug: 'kultur-och-fritid', subs: ['Bibliotek', 'Idrottsanläggningar', 'Föreningsliv', 'Kulturskola', 'Friluftsliv', 'Badplatser', 'Museum', 'Fritidsgårdar'] },
  { title: 'Kommun och politik', slug: 'kommun-och-politik', subs: ['Kommunfullmäktige', 'Kommunstyrelsen', 'Nämnder', 'Budget och ekonomi', 'Styrdokument', 'Protokoll', 'Val', 'Organisation'] },
  { title: 'Näringsliv och arbete', slug: 'naringsliv-och-arbete', subs: ['Starta företag', 'Lediga jobb', 'Upphandling', 'Turism', 'Mark för företag', 'Feriearbete'] },
];
const OMSORG_SUBS = ['Funktionsnedsättning', 'Ekonomiskt bistånd', 'Barn och familj', 'Missbruk och beroende', 'Våld i nära relationer', 'Färdtjänst', 'Bostadsanpassning'];
const ALDRE_SUBS = ['Särskilt boende', 'Dagverksamhet', 'Mötesplatser för seniorer', 'Matdistribution', 'Hälso- och sjukvård'];

function slugify(s: string): string {
  return s
    .toLowerCase()
    .replace(/[åä]/g, 'a')
    .replace(/ö/g, 'o')
    .replace(/é/g, 'e')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

// ---------------------------------------------------------------------------------------------
// Site model
// ---------------------------------------------------------------------------------------------

type UrlStyle = 'folder' | 'html' | 'sitevision' | 'wp';

interface Page {
  /** Path + query. */
  path: string;
  title: string;
  /** Parents from the start page down, as [title, path]. */
  crumbs: Array<[string, string]>;
  body: string;
  lang?: string;
  /** Plain text for the site search. */
  text: string;
}

interface Host {
  name: string;
  pages: Map<string, Page>;
  /** Served as they are: path -> [content type, body]. */
  files: Map<string, [string, Buffer | (() => Buffer)]>;
  origin: string;
  server?: http.Server;
}

interface Site {
  kommun: Kommun;
  namn: string;
  slug: string;
  style: UrlStyle;
  jsMenu: boolean;
  crawlDelay: number;
  readSpeaker: boolean;
  search: boolean;
  vaxel: string;
  kontakt: string;
  top: Array<[string, string]>;
  www: Host;
  etjanst: Host | null;
}

/** Builds every site (without ports: origins are filled in after listening). */
function buildSite(index: number, seed: number, namn: string): Site {
  const r = mulberry32(seed * 7919 + index * 104729 + 1);
  const slug = slugify(namn.replace(/ kommun$/, ''));
  const style = pick(r, ['folder', 'folder', 'html', 'sitevision', 'wp'] as const);
  let nextId = 2 + int(r, 0, 50);
  const pathFor = (parent: string, title: string): string => {
    const s = slugify(title);
    const base = parent === '/' ? '' : parent.replace(/\/$|\.html$|\.4\.[0-9a-f]+\.html$/, '');
    switch (style) {
      case 'folder':
        return `${base}/${s}/`;
      case 'html':
        return `${base}/${s}.html`;
      case 'sitevision':
        return `${base}/${s}.4.${(0x3f2a0000 + nextId++ * 7).toString(16)}.html`;
      case 'wp':
        return `/?page_id=${nextId++}`;
    }
  };
  const site: Site = {
    kommun: { kommunkod: String(7001 + index), namn, webbplats: '' },
    namn,
    slug,
    style,
    // Rare, like on the real web; with a Crawl-delay each page waits, so keep it small.
    jsMenu: chance(r, 0.12),
    crawlDelay: index % 97 === 7 ? 0.2 : 0,
    readSpeaker: chance(r, 0.5),
    search: chance(r, 0.85),
    vaxel: `0${int(r, 10, 980)}-${int(r, 10, 99)} ${int(r, 10, 99)} 00`,
    kontakt: '',
    top: [],
    www: { name: 'www', pages: new Map(), files: new Map(), origin: '' },
    etjanst: chance(r, 0.7) ? { name: 'etjanst', pages: new Map(), files: new Map(), origin: '' } : null,
  };
  const www = site.www;
  const add = (p: Omit<Page, 'text'> & { text?: string }): Page => {
    const page: Page = { ...p, text: p.text ?? `${p.title} ${p.body.replace(/<[^>]+>/g, ' ')}` };
    www.pages.set(page.path, page);
    return page;
  };
  const filler = (n: number): string => Array.from({ length: n }, () => `<p>${pick(r, FILLER)} ${pick(r, FILLER)}</p>`).join('\n');
  const linkList = (items: Array<[string, string]>): string => (items.length ? `<ul class="subpages">${items.map(([t, h]) => `<li><a href="${esc(h)}">${esc(t)}</a></li>`).join('')}</ul>` : '');
  const START: [string, string] = ['Start', '/'];

  // The care section: Omsorg och stöd > Äldreomsorg > (Bo kvar hemma >) Hemtjänst.
  const omsorg = pathFor('/', 'Omsorg och stöd');
  const aldre = pathFor(omsorg, 'Äldreomsorg');
  const extraLevels = pick(r, [0, 0, 0, 1, 1, 2]);
  let hemParent = aldre;
  const hemCrumbs: Array<[string, string]> = [START, ['Omsorg och stöd', omsorg], ['Äldreomsorg', aldre]];
  const levelPages: Array<{ title: string; path: string; crumbs: Array<[string, string]> }> = [];
  for (const title of ['Bo kvar hemma', 'Stöd i hemmet'].slice(0, extraLevels)) {
    const p = pathFor(hemParent, title);
    levelPages.push({ title, path: p, crumbs: [...hemCrumbs] });
    hemCrumbs.push([title, p]);
    hemParent = p;
  }
  const hemtjanst = pathFor(hemParent, 'Hemtjänst');
  const avgiftPage = pathFor(aldre, 'Avgifter inom äldreomsorgen');
  const larmPage = pathFor(aldre, 'Trygghetslarm');
  const anhorigPage = pathFor(aldre, 'Stöd till anhöriga');
  const synpunkter = pathFor('/', 'Synpunkter och klagomål');
  const lattlast = pathFor('/', 'Lättläst');
  const english = pathFor('/', 'In English');
  const kontakt = pathFor('/', 'Kontakta oss');
  site.kontakt = kontakt;

  // Which criteria this kommun's hemtjänst page meets.
  const f = {
    insatser: chance(r, 0.85),
    ansokan: chance(r, 0.8),
    handlaggare: chance(r, 0.65),
    etjanstAnsokan: site.etjanst !== null && chance(r, 0.6),
    pdfAnsokan: chance(r, 0.2),
    process: chance(r, 0.6),
    forenklad: chance(r, 0.3),
    overklaga: chance(r, 0.55),
    avgiftText: chance(r, 0.5),
    avgiftPdf: chance(r, 0.35),
    valfrihet: chance(r, 0.5),
    larm: chance(r, 0.6),
    brukare: chance(r, 0.45),
    synpunkter: chance(r, 0.55),
    oros: chance(r, 0.55),
    anhorig: chance(r, 0.5),
    lattlast: chance(r, 0.4),
    english: chance(r, 0.35),
    calendar: chance(r, 0.4),
    sitemap: chance(r, 0.5),
    robots: chance(r, 0.9),
  };
  const handlPhone = `0${int(r, 10, 980)}-${int(r, 10, 99)} ${int(r, 10, 99)} ${int(r, 10, 99)}`;
  const et = site.etjanst;
  const etAnsok = '/tjanst/ansok-om-hemtjanst';
  const etOros = '/tjanst/orosanmalan-vuxen';
  const etLink = (p: string): string => `{{origin:etjanst}}${p}`;

  const parts: string[] = ['<h1>Hemtjänst</h1>', `<p class="preamble">Hemtjänst är hjälp och stöd i hemmet för dig som har svårt att klara vardagen på egen hand, så att du kan bo kvar hemma i ${esc(namn.replace(/ kommun$/, ''))}.</p>`];
  if (f.insatser)
    parts.push('<h2>Det här kan hemtjänsten hjälpa dig med</h2><ul><li>Service: städning, tvätt, inköp och ärenden till apotek eller bank.</li><li>Personlig omvårdnad: hjälp med hygien och dusch, på- och avklädning och måltider.</li></ul>');
  if (f.ansokan) {
    parts.push('<h2>Så ansöker du om hemtjänst</h2><p>Du ansöker om hemtjänst hos en biståndshandläggare.');
    if (f.handlaggare) parts.push(`Ring biståndshandläggarna på telefon ${handlPhone}, vardagar klockan 8.00–9.30, eller skicka e-post till <a href="mailto:bistand@${site.slug}.se">bistand@${site.slug}.se</a>.</p>`);
    else parts.push(`Ring kommunens växel, ${site.vaxel}, och be att bli kopplad.</p>`);
  }
  if (f.etjanstAnsokan) parts.push(`<p><a class="btn" href="${etLink(etAnsok)}">E-tjänst: Ansök om hemtjänst</a></p>`);
  if (f.pdfAnsokan) parts.push('<p><a href="/dokument/ansokan-om-hemtjanst.pdf">Blankett: Ansökan om hemtjänst (pdf)</a></p>');
  if (f.process)
    parts.push('<h2>Vad händer efter att du ansökt?</h2><p>En biståndshandläggare kontaktar dig och bokar ett hembesök. Handläggaren gör en utredning av dina behov och fattar sedan ett beslut, som du får skriftligt.</p>');
  if (f.forenklad) parts.push(`<p>Har du fyllt ${pick(r, [75, 77, 80])} år kan du få hemtjänst med förenklad handläggning, utan behovsprövning, upp till tio timmar service per månad.</p>`);
  if (f.overklaga) parts.push('<h2>Om du inte är nöjd med beslutet</h2><p>Du kan överklaga beslutet till förvaltningsrätten inom tre veckor från den dag du fick del av det.</p>');
  if (f.avgiftText) parts.push(`<h2>Vad kostar hemtjänst?</h2><p>Du betalar ${int(r, 290, 420)} kronor per timme, men aldrig mer än maxtaxan, 2 604 kronor per månad. <a href="${avgiftPage}">Avgifter inom äldreomsorgen</a>.</p>`);
  else if (f.avgiftPdf) parts.push('<p>Avgiften beror på din inkomst. <a href="/dokument/taxa-aldreomsorg.pdf">Taxa för hemtjänst (pdf)</a></p>');
  if (f.valfrihet) {
    const names = [...UTFORARE].sort(() => r() - 0.5).slice(0, int(r, 2, 4));
    parts.push(`<h2>Välj utförare</h2><p>Kommunen har valfrihetssystem enligt LOV. Du väljer själv mellan kommunens hemtjänst och ${names.map((n) => `${n} AB`).join(', ')}.</p>`);
  }
  if (f.larm) parts.push(`<h2>Trygghetslarm</h2><p>Med ett trygghetslarm kan du larma dygnet runt. <a href="${larmPage}">Läs om trygghetslarm</a>.</p>`);
  if (f.brukare) parts.push(`<h2>Så tycker de äldre om hemtjänsten</h2><p>I Socialstyrelsens brukarundersökning 2025 svarade ${int(r, 78, 96)} procent att de sammantaget är nöjda med sin hemtjänst.</p>`);
  if (f.oros) {
    if (et && chance(r, 0.6)) parts.push(`<h2>Är du orolig för någon?</h2><p>Är du orolig för en äldre person kan du göra en orosanmälan. <a href="${etLink(etOros)}">E-tjänst: Orosanmälan vuxen</a>.</p>`);
    else parts.push(`<h2>Är du orolig för någon?</h2><p>Är du orolig för att en äldre person far illa kan du göra en orosanmälan till socialtjänsten på telefon ${handlPhone}.</p>`);
  }
  if (f.anhorig) parts.push(`<h2>Stöd till dig som är anhörig</h2><p>Anhörigkonsulenten ger stöd, avlösning och samtal. <a href="${anhorigPage}">Läs om stöd till anhöriga</a>.</p>`);
  if (f.synpunkter) parts.push(`<p><a href="${synpunkter}">Lämna synpunkter eller klagomål på hemtjänsten</a></p>`);
  const more: Array<[string, string]> = [];
  if (f.lattlast) more.push(['Lättläst om äldreomsorg och hemtjänst', lattlast]);
  if (f.english) more.push(['Home care – information in English', english]);
  if (more.length) parts.push(`<h2>Läs mer</h2>${linkList(more)}`);
  parts.push(filler(int(r, 0, 2)));

  const omsorgSubs = OMSORG_SUBS.slice(0, int(r, 3, OMSORG_SUBS.length));
  const aldreSubs = ALDRE_SUBS.slice(0, int(r, 2, ALDRE_SUBS.length));
  const aldreChildren: Array<[string, string]> = [[levelPages[0]?.title ?? 'Hemtjänst', levelPages[0]?.path ?? hemtjanst], ['Trygghetslarm', larmPage], ['Stöd till anhöriga', anhorigPage], ['Avgifter inom äldreomsorgen', avgiftPage]];
  for (const s of aldreSubs) aldreChildren.push([s, pathFor(aldre, s)]);
  const omsorgChildren: Array<[string, string]> = [['Äldreomsorg', aldre], ...omsorgSubs.map((s): [string, string] => [s, pathFor(omsorg, s)])];

  add({ path: omsorg, title: 'Omsorg och stöd', crumbs: [START], body: `<h1>Omsorg och stöd</h1>${filler(1)}${linkList(omsorgChildren)}` });
  add({ path: aldre, title: 'Äldreomsorg', crumbs: [START, ['Omsorg och stöd', omsorg]], body: `<h1>Äldreomsorg</h1><p>Äldreomsorgen ger stöd till dig som är äldre och behöver hjälp i vardagen.</p>${linkList(aldreChildren)}` });
  levelPages.forEach((lp, i) => {
    const child: [string, string] = [levelPages[i + 1]?.title ?? 'Hemtjänst', levelPages[i + 1]?.path ?? hemtjanst];
    add({ path: lp.path, title: lp.title, crumbs: lp.crumbs, body: `<h1>${lp.title}</h1>${filler(1)}${linkList([child])}` });
  });
  add({ path: hemtjanst, title: 'Hemtjänst', crumbs: hemCrumbs, body: parts.join('\n') });
  add({ path: avgiftPage, title: 'Avgifter inom äldreomsorgen', crumbs: [START, ['Omsorg och stöd', omsorg], ['Äldreomsorg', aldre]], body: `<h1>Avgifter inom äldreomsorgen</h1><p>Maxtaxan är 2 604 kronor per månad. Avgiften för hemtjänst beror på din inkomst.</p>${filler(1)}` });
  add({ path: larmPage, title: 'Trygghetslarm', crumbs: [START, ['Omsorg och stöd', omsorg], ['Äldreomsorg', aldre]], body: `<h1>Trygghetslarm</h1><p>Ett trygghetslarm är en larmknapp som du bär runt handleden. När du larmar får du kontakt med larmcentralen dygnet runt. Du ansöker om trygghetslarm hos biståndshandläggaren.</p>` });
  add({ path: anhorigPage, title: 'Stöd till anhöriga', crumbs: [START, ['Omsorg och stöd', omsorg], ['Äldreomsorg', aldre]], body: `<h1>Stöd till anhöriga</h1><p>Vårdar du en närstående? Anhörigstödet erbjuder samtal, avlösning och anhöriggrupper.</p>${filler(1)}` });
  for (const [t, p] of omsorgChildren.slice(1)) add({ path: p, title: t, crumbs: [START, ['Omsorg och stöd', omsorg]], body: `<h1>${esc(t)}</h1>${filler(int(r, 2, 4))}` });
  for (const [t, p] of aldreChildren.slice(4)) add({ path: p, title: t, crumbs: [START, ['Omsorg och stöd', omsorg], ['Äldreomsorg', aldre]], body: `<h1>${esc(t)}</h1>${filler(int(r, 2, 4))}` });
  add({ path: synpunkter, title: 'Synpunkter och klagomål', crumbs: [START], body: `<h1>Synpunkter och klagomål</h1><p>Lämna synpunkter, klagomål eller beröm på kommunens verksamheter.</p><form action="/tack" method="post"><label>Din synpunkt <textarea name="text"></textarea></label><button>Skicka</button></form>` });
  add({ path: kontakt, title: 'Kontakta oss', crumbs: [START], body: `<h1>Kontakta oss</h1><p>Växel: ${site.vaxel}. Kundcenter har öppet vardagar 8–16.</p>` });
  add({ path: lattlast, title: 'Lättläst', crumbs: [START], body: f.lattlast ? '<h1>Lättläst om äldreomsorg</h1><p>Är du gammal och behöver hjälp hemma? Då kan du få hemtjänst. Personal från hemtjänsten kommer hem till dig och hjälper dig.</p>' : '<h1>Lättläst</h1><p>Här kan du läsa om kommunen på lätt svenska. Kommunen har skolor, bibliotek och simhallar.</p>' });
  add({ path: english, title: 'In English', lang: 'en', crumbs: [START], body: f.english ? '<h1>Home care</h1><p>If you are elderly and need help at home you can apply for home help service (hemtjänst). A needs assessor visits you and decides what help you get.</p>' : '<h1>In English</h1><p>Welcome to the municipality. Here you find information about moving here, schools and jobs.</p>' });

  // Filler sections up to the site's size.
  const target = int(r, 50, 300);
  const fixed = www.pages.size + 3;
  const sections = SECTIONS.slice(0, int(r, 3, SECTIONS.length));
  const perSection = Math.max(4, Math.floor((target - fixed) / sections.length));
  site.top = [['Omsorg och stöd', omsorg]];
  const calendarPath = '/evenemang/kalender';
  for (const sec of sections) {
    const secPath = pathFor('/', sec.title);
    site.top.push([sec.title, secPath]);
    const subs = sec.subs.slice(0, Math.min(sec.subs.length, Math.max(2, Math.round(perSection / 6))));
    const perSub = Math.max(1, Math.floor((perSection - 1 - subs.length) / subs.length));
    const subLinks: Array<[string, string]> = [];
    for (const sub of subs) {
      const subPath = pathFor(secPath, sub);
      subLinks.push([sub, subPath]);
      const leaves: Array<[string, string]> = [];
      for (let k = 0; k < perSub; k++) {
        const t = `${sub} – ${pick(r, ['information', 'frågor och svar', 'regler', 'ansökan', 'blanketter', 'öppettider', 'kontakt', 'nyheter', 'avgifter', 'karta'])} ${k + 1}`;
        const lp = pathFor(subPath, t);
        leaves.push([t, lp]);
        let body = `<h1>${esc(t)}</h1>${filler(int(r, 2, 6))}`;
        if (chance(r, 0.04)) body += `<p><a href="/dokument/${slugify(t)}.pdf">${esc(t)} (pdf)</a></p>`;
        add({ path: lp, title: t, crumbs: [START, [sec.title, secPath], [sub, subPath]], body });
        const m = /\/dokument\/[a-z0-9-]+\.pdf/.exec(body);
        if (m) {
          const pdfText = `${t}\n${FILLER.slice(0, 8).join('\n')}`;
          www.files.set(m[0], ['application/pdf', () => makePdf(pdfText, { title: t })]);
        }
      }
      const extra = sec.slug === 'kultur-och-fritid' && f.calendar && sub === subs[0] ? `<p><a href="${calendarPath}?manad=2026-03">Evenemangskalender</a></p>` : '';
      add({ path: subPath, title: sub, crumbs: [START, [sec.title, secPath]], body: `<h1>${esc(sub)}</h1>${filler(1)}${extra}${linkList(leaves)}` });
    }
    add({ path: secPath, title: sec.title, crumbs: [START], body: `<h1>${esc(sec.title)}</h1>${filler(1)}${linkList(subLinks)}` });
  }
  // News.
  const newsPath = pathFor('/', 'Nyheter');
  const news: Array<[string, string]> = [];
  for (let k = 0; k < int(r, 3, 12); k++) {
    const t = `${pick(r, ['Nytt beslut om', 'Information om', 'Ändrade öppettider för', 'Invigning av', 'Medborgardialog om'])} ${pick(r, ['biblioteket', 'simhallen', 'skolskjutsen', 'budgeten', 'vägarbetet', 'äldreboendet', 'parken'])}`;
    const p = pathFor(newsPath, `${t} ${k}`);
    news.push([t, p]);
    add({ path: p, title: t, crumbs: [START, ['Nyheter', newsPath]], body: `<h1>${esc(t)}</h1><p class="date">2026-0${int(r, 1, 9)}-1${int(r, 0, 9)}</p>${filler(int(r, 1, 3))}` });
  }
  add({ path: newsPath, title: 'Nyheter', crumbs: [START], body: `<h1>Nyheter</h1>${linkList(news)}` });

  // Start page.
  add({
    path: '/',
    title: `Välkommen till ${namn}`,
    crumbs: [],
    body: `<h1>Välkommen till ${esc(namn)}</h1>${filler(1)}<h2>Genvägar</h2>${linkList([...(et ? [['E-tjänster', '{{origin:etjanst}}/'] as [string, string]] : []), ['Kontakta oss', kontakt], ['Nyheter', newsPath]])}<h2>Aktuellt</h2>${linkList(news.slice(0, 3))}`,
  });

  // Documents.
  if (f.avgiftPdf) www.files.set('/dokument/taxa-aldreomsorg.pdf', ['application/pdf', () => makePdf(`Taxa för hemtjänst ${new Date(2026, 0, 1).getFullYear()}\nHemtjänst kostar 356 kronor per timme.\nMaxtaxan är 2 604 kronor per månad.\fAvgiften beräknas utifrån din inkomst.`, { title: 'Taxa för hemtjänst' })]);
  if (f.pdfAnsokan) www.files.set('/dokument/ansokan-om-hemtjanst.pdf', ['application/pdf', () => makePdf('Ansökan om hemtjänst\nNamn:\nPersonnummer:\nVad behöver du hjälp med?\nSkicka blanketten till biståndshandläggarna.', { title: 'Ansökan om hemtjänst' })]);

  // robots.txt and sitemap.
  if (f.robots) {
    const lines = ['User-agent: *', 'Disallow: /intern/', 'Disallow: /tack'];
    if (site.crawlDelay) lines.push(`Crawl-delay: ${site.crawlDelay}`);
    if (f.sitemap) lines.push('Sitemap: {{origin:www}}/sitemap.xml');
    www.files.set('/robots.txt', ['text/plain; charset=utf-8', Buffer.from(lines.join('\n') + '\n')]);
  }
  if (f.sitemap) {
    www.files.set('/sitemap.xml', [
      'application/xml',
      Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${[...www.pages.keys()].map((p) => `<url><loc>{{origin:www}}${esc(p)}</loc></url>`).join('\n')}\n</urlset>\n`),
    ]);
  }
  if (f.calendar) www.files.set(calendarPath, ['calendar', Buffer.alloc(0)]);

  // The e-service host.
  if (et) {
    const services: Array<[string, string]> = [
      ['Ansök om hemtjänst', etAnsok],
      ['Orosanmälan vuxen', etOros],
      ['Ansök om bygglov', '/tjanst/bygglov'],
      ['Ansök om plats i förskola', '/tjanst/forskoleplats'],
      ['Felanmälan gata och park', '/tjanst/felanmalan'],
    ];
    const ep = (path: string, title: string, body: string): void => void et.pages.set(path, { path, title, crumbs: [], body, text: `${title} ${body.replace(/<[^>]+>/g, ' ')}` });
    ep('/', 'E-tjänster', `<h1>E-tjänster</h1>${linkList(services)}`);
    for (const [t, p] of services)
      ep(p, t, `<h1>${esc(t)}</h1><p>Logga in med BankID för att fylla i ansökan.</p><form action="${p}" method="post"><label>Namn <input name="namn"></label><label>Ärende <textarea name="arende"></textarea></label><button>Skicka</button></form>`);
    et.files.set('/robots.txt', ['text/plain; charset=utf-8', Buffer.from('User-agent: *\nAllow: /\n')]);
  }
  return site;
}

// ---------------------------------------------------------------------------------------------
// Serving
// ---------------------------------------------------------------------------------------------

function layout(site: Site, host: Host, page: Page): string {
  const nav = site.top.map(([t, h]) => `<li><a href="${esc(h)}">${esc(t)}</a></li>`).join('');
  const menu = site.jsMenu
    ? `<nav class="main-menu" id="main-menu" aria-label="Huvudmeny"></nav>\n<script>(function(){var m=${JSON.stringify(site.top)};document.getElementById('main-menu').innerHTML='<ul>'+m.map(function(x){return '<li><a href="'+x[1]+'">'+x[0]+'</a></li>';}).join('')+'</ul>';})();</script>`
    : `<nav class="main-menu" aria-label="Huvudmeny"><ul>${nav}</ul></nav>`;
  const crumbs = page.crumbs.length
    ? `<div class="breadcrumbs"><ol>${page.crumbs.map(([t, h]) => `<li><a href="${esc(h)}">${esc(t)}</a></li>`).join('')}<li>${esc(page.title)}</li></ol></div>`
    : '';
  const listen = site.readSpeaker && host.name === 'www' ? `<div class="rsbtn"><a rel="nofollow" href="https://app-eu.readspeaker.com/cgi-bin/rsent?customerid=${site.kommun.kommunkod}&amp;readid=main&amp;url=${encodeURIComponent(page.path)}">Lyssna</a></div>` : '';
  const search = site.search && host.name === 'www' ? `<form class="search" role="search" action="/sok" method="get"><label for="q">Sök på webbplatsen</label><input id="q" type="search" name="q"><button type="submit">Sök</button></form>` : '';
  const home = host.name === 'www' ? '/' : site.www.origin + '/';
  return `<!DOCTYPE html>
<html lang="${page.lang ?? 'sv'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(page.title)} - ${esc(site.namn)}</title>
<style>body{font-family:Arial,sans-serif;margin:0;color:#222}header{display:flex;gap:2em;padding:1em;align-items:center}.main-menu ul{list-style:none;display:flex;gap:1.5em;margin:0;padding:.6em 1em;background:#eef3f7}.breadcrumbs ol{list-style:none;display:flex;gap:.5em;padding:.5em 1em;margin:0}main{max-width:52em;padding:1em}footer{background:#1c3550;color:#fff;padding:1.5em 1em}footer a{color:#fff}</style>
</head>
<body>
<a href="#main">Gå direkt till innehållet</a>
<header><a href="${home}" class="logo">${esc(site.namn)}</a>${search}</header>
${menu}
${crumbs}
<main id="main">
${listen}
${page.body}
</main>
<footer>
<p>${esc(site.namn)}, Storgatan 1<br>Växel: ${site.vaxel}<br>E-post: <a href="mailto:kommunen@${site.slug}.se">kommunen@${site.slug}.se</a></p>
<ul><li><a href="${host.name === 'www' ? '' : site.www.origin}${esc(site.kontakt)}">Kontakta oss</a></li><li><a href="${host.name === 'www' ? '' : site.www.origin}/intern/">Intranät</a></li></ul>
</footer>
</body>
</html>`;
}

function calendarPage(site: Site, month: string): Page {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const norm = (yy: number, mm: number): string => {
    const d = new Date(Date.UTC(yy, mm - 1, 1));
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  };
  const prev = norm(y || 2026, (m || 3) - 1);
  const next = norm(y || 2026, (m || 3) + 1);
  const days = Array.from({ length: 5 }, (_, i) => `<li><a href="/evenemang/kalender?manad=${month}&amp;dag=${i * 6 + 1}">${i * 6 + 1} ${month}</a></li>`).join('');
  return {
    path: `/evenemang/kalender?manad=${month}`,
    title: `Evenemangskalender ${month}`,
    crumbs: [['Start', '/']],
    body: `<h1>Evenemangskalender ${esc(month)}</h1><p><a href="/evenemang/kalender?manad=${prev}">Föregående månad</a> <a href="/evenemang/kalender?manad=${next}">Nästa månad</a></p><ul>${days}</ul>`,
    text: '',
  };
}

function searchPage(site: Site, q: string): Page {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  const hits = [...site.www.pages.values()]
    .map((p) => {
      const t = p.title.toLowerCase();
      const x = p.text.toLowerCase();
      const score = words.reduce((s, w) => s + (t.includes(w) ? 10 : 0) + (x.includes(w) ? 1 : 0), 0);
      return { p, score };
    })
    .filter((h) => h.score > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, 10);
  const list = hits.length ? `<ol class="search-results">${hits.map((h) => `<li><a href="${esc(h.p.path)}">${esc(h.p.title)}</a></li>`).join('')}</ol>` : '<p>Inga träffar.</p>';
  return { path: '/sok', title: `Sökresultat för ${q}`, crumbs: [['Start', '/']], body: `<h1>Sökresultat för ”${esc(q)}”</h1><p>${hits.length} träffar</p>${list}`, text: '' };
}

function fillOrigins(text: string, site: Site): string {
  return text.replace(/\{\{origin:(www|etjanst)\}\}/g, (_, h: string) => (h === 'www' ? site.www.origin : (site.etjanst?.origin ?? site.www.origin)));
}

function handler(site: Site, host: Host, latencyMs: number, count: () => void): http.RequestListener {
  const pdfCache = new Map<string, Buffer>();
  return (req, res) => {
    count();
    const respond = (): void => {
      const url = new URL(req.url ?? '/', host.origin);
      const key = url.pathname + url.search;
      const send = (status: number, type: string, body: Buffer | string): void => {
        const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
        res.writeHead(status, { 'content-type': type, 'content-length': buf.length });
        res.end(req.method === 'HEAD' ? undefined : buf);
      };
      const html = (status: number, page: Page): void => send(status, 'text/html; charset=utf-8', fillOrigins(layout(site, host, page), site));

      const exact = host.pages.get(key);
      if (exact) return html(200, exact);
      if (host.name === 'www' && site.search && url.pathname === '/sok' && url.searchParams.has('q')) return html(200, searchPage(site, url.searchParams.get('q') ?? ''));
      const file = host.files.get(url.pathname);
      if (file) {
        const [type, body] = file;
        if (type === 'calendar') return html(200, calendarPage(site, url.searchParams.get('manad') ?? '2026-03'));
        if (typeof body === 'function') {
          let b = pdfCache.get(url.pathname);
          if (!b) pdfCache.set(url.pathname, (b = body()));
          return send(200, type, b);
        }
        return send(200, type, type.startsWith('text/') || type.includes('xml') ? fillOrigins(body.toString('utf8'), site) : body);
      }
      // CMSs ignore unknown parameters (not WordPress' ?page_id=).
      const byPath = url.search && site.style !== 'wp' ? host.pages.get(url.pathname) : undefined;
      if (byPath) return html(200, byPath);
      html(404, { path: key, title: 'Sidan hittades inte', crumbs: [['Start', '/']], body: '<h1>Sidan hittades inte</h1><p>Sidan du söker finns inte. Gå till startsidan eller använd sökfunktionen.</p>', text: '' });
    };
    if (latencyMs > 0) setTimeout(respond, latencyMs);
    else respond();
  };
}

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

/** Generates the web and serves it on 127.0.0.1 until close(). */
export async function startNationalWeb(opts: NationalWebOptions = {}): Promise<NationalWeb> {
  const n = opts.kommuner ?? 290;
  const seed = opts.seed ?? 2027;
  const latency = opts.latencyMs ?? 0;
  const nameRng = mulberry32(seed);
  const names = new Set<string>();
  const all = PREFIX.flatMap((p) => SUFFIX.map((s) => `${p}${p.endsWith(s[0]!) ? s.slice(1) : s}`));
  while (names.size < n) {
    const base = pick(nameRng, all);
    names.add(names.size >= all.length * 0.8 ? `${base}${names.size}` : base);
  }
  const sites = [...names].map((namn, i) => buildSite(i, seed, `${namn} kommun`));
  let requests = 0;
  const count = (): void => void requests++;
  const servers: http.Server[] = [];
  for (const site of sites) {
    for (const host of [site.www, site.etjanst]) {
      if (!host) continue;
      const server = http.createServer(handler(site, host, latency, count));
      server.keepAliveTimeout = 5000;
      servers.push(server);
      host.origin = await listen(server);
    }
    site.kommun.webbplats = `${site.www.origin}/`;
  }
  return {
    sites: sites.map((s) => ({
      kommun: s.kommun,
      pages: s.www.pages.size,
      jsMenu: s.jsMenu,
      eservice: s.etjanst !== null,
      crawlDelay: s.crawlDelay,
      origins: { www: s.www.origin, ...(s.etjanst ? { etjanst: s.etjanst.origin } : {}) },
    })),
    kommuner: sites.map((s) => s.kommun),
    requests: () => requests,
    close: async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}
