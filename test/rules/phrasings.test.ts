/**
 * How real kommun pages word things: each case is a small realistic site (a start page, a
 * hemtjänst page with a title, a main heading and main content inside the usual header, menu and
 * footer, and any pages it links to) and the status each listed criterion must get. The pages go
 * through the audit's own path: stored as a snapshot, read back, built into the site model and
 * judged by the rules of rules/. Positive cases say a phrasing must be understood; negative ones
 * that a phrasing criteria.md does not accept must not pass.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeRule } from '../../src/rules/engine.ts';
import { loadRules, type RuleSet } from '../../src/rules/loader.ts';
import type { Status } from '../../src/rules/schema.ts';
import { buildSiteModel, type SiteModel } from '../../src/rules/site-model.ts';
import { readSnapshot, SnapshotWriter } from '../../src/snapshot/store.ts';

const HOST = 'https://www.exempel.se';
const HEMTJANST = '/omsorg/aldreomsorg/hemtjanst.html';

interface PageSpec {
  /** A path on www.exempel.se, or a full URL (an e-service host). */
  url: string;
  title: string;
  h1?: string;
  main?: string;
  lang?: string;
  /** Replaces the page's header links (the menu stays). */
  header?: string;
  /** A linked document (PDF) rather than a web page: its extracted text (the first line is its title). */
  pdf?: string;
}

interface Case {
  name: string;
  /** The hemtjänst page's main content (title "Hemtjänst - Exempels kommun", h1 "Hemtjänst"); null: no such page. */
  main: string | null;
  /** Title and h1 of the hemtjänst page, when not "Hemtjänst". */
  title?: string;
  /** Other pages of the site. */
  pages?: PageSpec[];
  /** Links in the global header of every page (Teckenspråk, Lyssna…). */
  header?: string;
  /** Extra markup at the end of every page's body (scripts). */
  tail?: string;
  expect: Record<string, Status>;
}

const abs = (url: string) => (url.startsWith('http') ? url : `${HOST}${url}`);

/** A kommun page as the CMSs write it: header with menu, breadcrumb, main content, footer. */
function page(p: PageSpec, c: Case): string {
  return `<!doctype html><html lang="${p.lang ?? 'sv'}"><head><meta charset="utf-8"><title>${p.title}</title></head><body>
<header><a href="/">Exempels kommun</a>${p.header ?? c.header ?? ''}
<nav><ul><li><a href="/omsorg.html">Omsorg och stöd</a></li><li><a href="/omsorg/aldreomsorg.html">Äldreomsorg</a></li><li><a href="/bygga-bo.html">Bygga och bo</a></li><li><a href="/kontakt.html">Kontakta oss</a></li></ul></nav></header>
<nav class="breadcrumb" aria-label="Du är här"><ol><li><a href="/">Start</a></li><li>${p.h1 ?? p.title}</li></ol></nav>
<main><h1>${p.h1 ?? p.title}</h1>${p.main ?? ''}</main>
<footer><p>Exempels kommun, 123 45 Exempelstad. Växel 0123-45 00 00, kommun@exempel.se</p><p><a href="/om-webbplatsen.html">Om webbplatsen</a></p></footer>
${c.tail ?? ''}</body></html>`;
}

const cases: Case[] = [
  // ── 1. Job ads are not hemtjänst pages, and "Ansök här" on them is no application for hemtjänst ──
  {
    name: 'a job ad on the hemtjänst page: "Vill du jobba i hemtjänsten? Ansök här"',
    main: '<p>Hemtjänst är stöd i hemmet för dig som har svårt att klara vardagen.</p><p>Vill du jobba i hemtjänsten? <a href="https://e-tjanster.exempel.se/jobb/123">Ansök här</a></p>',
    expect: { 'ansokan-etjanst': 'fail', ansokan: 'fail' },
  },
  {
    name: 'a linked job page titled "Jobba i hemtjänsten" with an e-service "Ansök här"',
    main: '<p>Du ansöker om hemtjänst hos kommunen.</p><p><a href="/jobba-hos-oss/jobba-i-hemtjansten.html">Jobba i hemtjänsten</a></p>',
    pages: [
      {
        url: '/jobba-hos-oss/jobba-i-hemtjansten.html',
        title: 'Jobba i hemtjänsten - Exempels kommun',
        h1: 'Jobba i hemtjänsten',
        main: '<p>Vi söker undersköterskor till hemtjänsten. Ansök om jobbet via e-post till jobb@exempel.se.</p><p><a href="https://e-tjanster.exempel.se/rekrytering/1">Ansök här</a></p>',
      },
    ],
    expect: { 'ansokan-etjanst': 'fail', ansokan: 'partial' },
  },
  {
    name: 'a site whose only page with hemtjänst in its title is a job ad',
    main: null,
    pages: [
      { url: '/', title: 'Start', main: '<p><a href="/lediga-jobb/hemtjanst.html">Lediga jobb i hemtjänsten</a></p>' },
      {
        url: '/lediga-jobb/hemtjanst.html',
        title: 'Lediga jobb i hemtjänsten - Exempels kommun',
        main: '<p>Sök jobb som undersköterska i hemtjänsten. Du hjälper våra kunder med städning, dusch och påklädning. Ansök senast 1 maj via e-tjänsten.</p>',
      },
    ],
    expect: { 'hitta-hemtjanst': 'fail', ansokan: 'fail', insatser: 'fail' },
  },
  {
    name: 'a recruitment page under /karriar/ whose title is only "Hemtjänst"',
    main: null,
    pages: [
      { url: '/', title: 'Start', main: '<p><a href="/karriar/yrken/hemtjanst.html">Hemtjänst</a></p>' },
      { url: '/karriar/yrken/hemtjanst.html', title: 'Hemtjänst - Exempels kommun', main: '<p>Som undersköterska i hemtjänsten gör du skillnad. Ansök här via e-tjänsten.</p>' },
    ],
    expect: { 'hitta-hemtjanst': 'fail', ansokan: 'fail' },
  },

  {
    name: '"Så jobbar vi i hemtjänsten" is still a page about hemtjänst, not a job ad',
    main: null,
    pages: [
      { url: '/', title: 'Start', main: '<p><a href="/omsorg/sa-jobbar-vi-i-hemtjansten.html">Så jobbar vi i hemtjänsten</a></p>' },
      {
        url: '/omsorg/sa-jobbar-vi-i-hemtjansten.html',
        title: 'Så jobbar vi i hemtjänsten - Exempels kommun',
        main: '<p>Du ansöker om hemtjänst hos en biståndshandläggare, telefon 0123-45 12 34.</p>',
      },
    ],
    expect: { 'hitta-hemtjanst': 'pass', ansokan: 'pass' },
  },

  // ── 2. Applying, said without the word "ansöka" ──
  {
    name: '"Vill du ha hemtjänst kontaktar du en biståndshandläggare på telefon …"',
    main: '<h2>Hur får jag hemtjänst?</h2><p>Vill du ha hemtjänst kontaktar du en biståndshandläggare på telefon 0123-45 12 34.</p>',
    expect: { ansokan: 'pass', 'kontakt-handlaggare': 'pass' },
  },
  {
    name: '"För att få hemtjänst behöver du ett beslut. Ring Äldreomsorgens mottagning …"',
    main: '<p>För att få hemtjänst behöver du ett beslut. Ring Äldreomsorgens mottagning 0123-45 22 22.</p>',
    expect: { ansokan: 'pass', 'kontakt-handlaggare': 'pass' },
  },
  {
    name: 'heading "Hur får jag hjälp i hemmet?" and the handläggare\'s e-mail in the next paragraph',
    main: '<h2>Hur får jag hjälp i hemmet?</h2><p>Kontakta biståndshandläggarna, bistand@exempel.se, så berättar de hur det går till.</p>',
    expect: { ansokan: 'pass', 'kontakt-handlaggare': 'pass' },
  },
  {
    name: '"Vill du ha hemtjänst behöver du göra en ansökan" with no channel is only partial',
    main: '<h2>Vill du ha hjälp i hemmet?</h2><p>Vill du ha hemtjänst behöver du göra en ansökan.</p><h2>Hemtjänst utan biståndsbedömning</h2><p>Har du fyllt 80 år kan du få städning.</p>',
    expect: { ansokan: 'partial' },
  },
  {
    name: '"Behöver du hjälp att logga in? Ring supporten" is no application',
    main: '<p>Hemtjänst är hjälp i vardagen.</p><p>Behöver du hjälp att logga in på Mina sidor? Ring supporten på 0123-45 99 99.</p>',
    expect: { ansokan: 'fail' },
  },
  {
    name: '"Vill du ha hemtjänst, ring växeln" gives no channel',
    main: '<p>Vill du ha hemtjänst, ring kommunens växel 0123-45 00 00.</p>',
    expect: { ansokan: 'fail', 'kontakt-handlaggare': 'fail' },
  },

  // ── 3. Who takes applications ──
  {
    name: 'Biståndsavdelningen with a phone number',
    main: '<h2>Kontakt</h2><p>Biståndsavdelningen nås på telefon 0123-45 33 33, vardagar 8–10.</p>',
    expect: { 'kontakt-handlaggare': 'pass' },
  },
  {
    name: 'Kundtjänst äldreomsorg, for applications',
    main: '<p>Ring Kundtjänst äldreomsorg 0123-45 55 56 för att ansöka.</p>',
    expect: { 'kontakt-handlaggare': 'pass', ansokan: 'pass' },
  },
  {
    name: 'Vård- och omsorgsmottagningen',
    main: '<p>Frågor om hemtjänst besvaras av Vård- och omsorgsmottagningen, 0123-45 10 10.</p>',
    expect: { 'kontakt-handlaggare': 'pass' },
  },
  {
    name: 'Beställarenheten by e-mail',
    main: '<p>Beställarenheten tar emot ansökningar om hemtjänst: bestallarenheten@exempel.se.</p>',
    expect: { 'kontakt-handlaggare': 'pass', ansokan: 'pass' },
  },
  {
    name: 'only an avgiftshandläggare: no contact for applications',
    main: '<p>Frågor om din avgift? Kontakta avgiftshandläggare 0123-45 44 44.</p>',
    expect: { 'kontakt-handlaggare': 'fail' },
  },
  {
    name: '"Vill du ansöka om hemtjänst? Ring Äldrelinjen …": a line for applications',
    main: '<p>Vill du ansöka om hemtjänst? Ring Äldrelinjen på 08-123 456 78, vardagar 9–15.</p>',
    expect: { 'kontakt-handlaggare': 'pass', ansokan: 'pass' },
  },
  {
    name: '"Du ansöker om hemtjänst hos äldreenheten, telefon …"',
    main: '<p>Du ansöker om hemtjänst hos äldreenheten, telefon 0123-45 67 89.</p>',
    expect: { 'kontakt-handlaggare': 'pass', ansokan: 'pass' },
  },
  {
    name: 'Kontaktcenter given only on a linked synpunkter page is no contact for applications',
    main: '<p>Du ansöker om hemtjänst hos kommunen. Frågor? Ring växeln 0123-45 00 00.</p><p><a href="/synpunkter.html">Synpunkter och klagomål</a></p>',
    pages: [{ url: '/synpunkter.html', title: 'Synpunkter och klagomål', main: '<p>Lämna din synpunkt i formuläret, eller ring Kontaktcenter på 0123-45 11 11.</p>' }],
    expect: { 'kontakt-handlaggare': 'fail' },
  },
  {
    name: 'Kontaktcenter for questions about hemtjänst',
    main: '<p>Har du frågor om hemtjänst? Kontakta Kontaktcenter, 0123-45 11 11.</p>',
    expect: { 'kontakt-handlaggare': 'pass' },
  },
  {
    name: 'a färdtjänsthandläggare is not one either',
    main: '<p>Behöver du färdtjänst? Kontakta färdtjänsthandläggaren på 0123-45 44 45.</p>',
    expect: { 'kontakt-handlaggare': 'fail' },
  },

  // ── 4. Apply online from a page headed "Ansök" ──
  {
    name: '"Starta e-tjänsten" under the heading "Ansök digitalt", to an address that says nothing',
    main: '<h2>Ansök digitalt</h2><p>Du kan ansöka om hemtjänst digitalt.</p><p><a href="https://service.exempel.se/oversikt/overview/254">Starta e-tjänsten</a></p>',
    expect: { 'ansokan-etjanst': 'pass', ansokan: 'pass' },
  },
  {
    name: 'an Open ePlatform address (/oversikt/flow/) is an e-service',
    main: '<p>Du kan ansöka om hemtjänst här: <a href="https://service.exempel.se/oversikt/flow/88">Ansökan om hemtjänst och andra insatser</a>.</p>',
    expect: { 'ansokan-etjanst': 'pass' },
  },
  {
    name: '"Starta e-tjänsten" under "Ansök om bostadsanpassningsbidrag" is no application for hemtjänst',
    main: '<p>Hemtjänst är hjälp i hemmet.</p><h2>Ansök om bostadsanpassningsbidrag</h2><p><a href="https://service.exempel.se/oversikt/overview/12">Starta e-tjänsten</a></p>',
    expect: { 'ansokan-etjanst': 'fail' },
  },
  {
    name: 'under "Ansök om hemtjänst", an e-service for booking a call is no application e-service',
    main: '<h2>Ansök om hemtjänst</h2><p>Ring en biståndshandläggare på 0123-45 12 34.</p><p><a href="https://service.exempel.se/oversikt/overview/77">Boka telefontid</a></p>',
    expect: { 'ansokan-etjanst': 'fail', ansokan: 'pass' },
  },

  {
    name: 'the linked Färdtjänst page\'s e-service "Ansök om färdtjänst" is no application for hemtjänst',
    main: '<p>Hemtjänst är hjälp i hemmet. Läs också om <a href="/omsorg/fardtjanst.html">färdtjänst</a>.</p>',
    pages: [{ url: '/omsorg/fardtjanst.html', title: 'Färdtjänst', main: '<p>Färdtjänst är resor med taxi.</p><p><a href="https://e-tjanster.exempel.se/fardtjanst">Ansök om färdtjänst</a></p>' }],
    expect: { 'ansokan-etjanst': 'fail' },
  },
  {
    name: 'one e-service for hemtjänst, trygghetslarm and färdtjänst is an application e-service',
    main: '<p><a href="https://e-tjanster.exempel.se/aldre">Ansök om hemtjänst, trygghetslarm eller färdtjänst</a></p>',
    expect: { 'ansokan-etjanst': 'pass' },
  },

  // ── 5. What happens after applying ──
  {
    name: '"Handläggaren kommer hem till dig … Därefter beslutar handläggaren"',
    main: '<p>Handläggaren kommer hem till dig för att prata om vad du behöver hjälp med. Därefter beslutar handläggaren om du har rätt till hemtjänst.</p>',
    expect: { 'handlaggning-process': 'pass' },
  },
  {
    name: '"bokar tid för ett personligt möte i din bostad … ett skriftligt besked"',
    main: '<p>Du och biståndshandläggaren bokar tid för ett personligt möte i din bostad. Sedan får du ett skriftligt besked.</p>',
    expect: { 'handlaggning-process': 'pass' },
  },
  {
    name: '"ta reda på vilka behov … Du får hem beslutet"',
    main: '<p>Biståndshandläggaren ska ta reda på vilka behov av stöd du har. Du får hem beslutet med posten.</p>',
    expect: { 'handlaggning-process': 'pass' },
  },
  {
    name: '"Tillsammans med handläggaren görs en behovsprövning … ett skriftligt beslut"',
    main: '<p>Tillsammans med handläggaren görs en behovsprövning. Du får sedan ett skriftligt beslut.</p>',
    expect: { 'handlaggning-process': 'pass' },
  },
  {
    name: '"ingen behovsprövning" for service is no investigation',
    main: '<p>För dig som är 80 år eller äldre görs ingen behovsprövning av städning och tvätt.</p>',
    expect: { 'handlaggning-process': 'fail', 'forenklad-handlaggning': 'pass' },
  },
  {
    name: 'the staff coming home, and an investigation that does not happen, are no process',
    main: '<p>Är du 75 år eller äldre kan du få städning utan att en biståndshandläggare först prövar ditt behov.</p><p>Det är kommunens egen personal som kommer hem till dig.</p><p>Kommunfullmäktige beslutar om avgifterna.</p>',
    expect: { 'handlaggning-process': 'fail' },
  },

  // ── 6. Hemtjänst without needs assessment ──
  {
    name: '"Om du är 68 år … kan du ansöka via vår förenklade ansökan" (definite form)',
    main: '<p>Om du är 68 år eller äldre kan du ansöka via vår förenklade ansökan om vissa hemtjänstinsatser.</p>',
    expect: { 'forenklad-handlaggning': 'pass' },
  },
  {
    name: '"Är du 75+ kan du få serviceinsatser utan behovsprövning"',
    main: '<p>Är du 75+ kan du få serviceinsatser utan behovsprövning.</p>',
    expect: { 'forenklad-handlaggning': 'pass' },
  },
  {
    name: '"Har du fyllt 80 år behöver du inte ansöka om bistånd för städning"',
    main: '<p>Har du fyllt 80 år behöver du inte ansöka om bistånd för städning och tvätt, det räcker att anmäla behovet.</p>',
    expect: { 'forenklad-handlaggning': 'pass' },
  },
  {
    name: '"Från och med det år du fyller 75 … genom förenklat beslut"',
    main: '<p>Från och med det år du fyller 75 kan du få hemtjänst genom förenklat beslut.</p>',
    expect: { 'forenklad-handlaggning': 'pass' },
  },
  {
    name: '"ingen biståndsprövning" for those 80 or older',
    main: '<p>För dig som är 80 eller äldre görs ingen biståndsprövning av service som städning och inköp.</p>',
    expect: { 'forenklad-handlaggning': 'pass' },
  },
  {
    name: '"utan biståndsbedömning" without who may have it is partial',
    main: '<p>Vissa serviceinsatser, till exempel städning och tvätt, kan du få utan biståndsbedömning.</p>',
    expect: { 'forenklad-handlaggning': 'partial' },
  },
  {
    name: '"Kommunen använder sig inte av förenklad biståndsbedömning" is no förenklad handläggning',
    main: '<p>Kommunen använder sig inte av förenklad biståndsbedömning utan alla ansökningar om insatser ska behovsbedömas, även för dig som är över 75 år.</p>',
    expect: { 'forenklad-handlaggning': 'fail' },
  },
  {
    name: '"behöver inte ansöka på nytt när du byter utförare" is no förenklad handläggning',
    main: '<p>Du som är 65 år eller äldre och har hemtjänst behöver inte ansöka på nytt när du byter utförare.</p>',
    expect: { 'forenklad-handlaggning': 'fail' },
  },

  // ── 7. What hemtjänst can include ──
  {
    name: '"handlar om", "behandlas" and "Mina ärenden" are no service',
    main: '<p>Hemtjänst handlar om att du ska kunna bo kvar hemma. Vi hjälper dig med hygien och måltider. Se dina ärenden på Mina sidor. Dina personuppgifter behandlas enligt GDPR.</p>',
    expect: { insatser: 'partial' },
  },
  {
    name: '"handla mat, uträtta ärenden på banken" and "på- och avklädning"',
    main: '<p>Hemtjänsten kan hjälpa dig att handla mat och uträtta ärenden på banken, och med på- och avklädning.</p>',
    expect: { insatser: 'pass' },
  },
  {
    name: 'klädvård and läkemedel',
    main: '<ul><li>Klädvård</li><li>Hjälp att ta läkemedel</li></ul>',
    expect: { insatser: 'pass' },
  },

  {
    name: '"städning av kök och toalett" is service only',
    main: '<p>Hemtjänsten kan hjälpa dig med städning av kök och toalett.</p>',
    expect: { insatser: 'partial' },
  },

  // ── 8. Fee calculator ──
  {
    name: 'a link "Beräkna din avgift"',
    main: '<p>Du betalar en avgift för hemtjänsten. <a href="/omsorg/berakna.html">Beräkna din avgift</a></p>',
    expect: { avgifter: 'pass' },
  },
  {
    name: 'a link "Räkna ut vad hemtjänsten kostar"',
    main: '<p>Avgiften beror på din inkomst. <a href="/omsorg/rakna.html">Räkna ut vad hemtjänsten kostar</a></p>',
    expect: { avgifter: 'pass' },
  },
  {
    name: 'a link "Avgiftsberäkning" to a page with a form that calculates',
    main: '<p>Du betalar en avgift. <a href="/omsorg/avgiftsberakning.html">Avgiftsberäkning</a></p>',
    pages: [
      {
        url: '/omsorg/avgiftsberakning.html',
        title: 'Avgiftsberäkning',
        main: '<form method="post" action="/omsorg/avgiftsberakning.html"><label>Inkomst <input name="inkomst"></label><label>Hyra <input name="hyra"></label><button>Räkna</button></form>',
      },
    ],
    expect: { avgifter: 'pass' },
  },
  {
    name: 'a link "Avgiftsberäkning" to a page that only explains how the fee is set is no calculator',
    main: '<p>Du betalar en avgift. <a href="/omsorg/avgiftsberakning.html">Avgiftsberäkning</a></p>',
    pages: [{ url: '/omsorg/avgiftsberakning.html', title: 'Avgiftsberäkning', main: '<p>Avgiften beräknas utifrån din inkomst och dina utgifter för boende.</p>' }],
    expect: { avgifter: 'partial' },
  },

  // ── 9. Choice of provider ──
  {
    name: '"All hemtjänst utförs av kommunen"',
    main: '<p>All hemtjänst i Exempel utförs av kommunen.</p>',
    expect: { valfrihet: 'pass' },
  },
  {
    name: '"Hemtjänsten bedrivs helt i kommunal regi"',
    main: '<p>Hemtjänsten bedrivs helt i kommunal regi.</p>',
    expect: { valfrihet: 'pass' },
  },
  {
    name: '"Kommunen har inte infört LOV"',
    main: '<p>Kommunen har inte infört LOV inom hemtjänsten.</p>',
    expect: { valfrihet: 'pass' },
  },
  {
    name: '"Det är kommunen som utför hemtjänsten"',
    main: '<p>I Exempel är det kommunen som utför hemtjänsten.</p>',
    expect: { valfrihet: 'pass' },
  },
  {
    name: '"utförs av kommunen eller av en privat utförare" is a choice, not a sole provider',
    main: '<p>Hemtjänsten utförs av kommunen eller av en privat utförare som du väljer.</p>',
    expect: { valfrihet: 'partial' },
  },
  {
    name: 'providers named as the national companies are, without "AB"',
    main: '<p>Du kan välja mellan kommunens hemtjänst och Attendo eller Humana. Du väljer utförare när du fått ditt beslut.</p>',
    expect: { valfrihet: 'pass' },
  },
  {
    name: 'one company named without AB is not a list of providers',
    main: '<p>Du kan välja utförare, till exempel Vardaga.</p>',
    expect: { valfrihet: 'partial' },
  },
  {
    name: '"Utföraren kommer överens med dig om tider" says nothing about choice',
    main: '<p>Utföraren kommer överens med dig om tider.</p>',
    expect: { valfrihet: 'fail' },
  },
  {
    name: 'a link to Valfrihetswebben',
    main: '<p>Du kan välja utförare. <a href="https://valfrihetswebben.se/x">Jämförelse av utförare på Valfrihetswebben</a></p>',
    expect: { valfrihet: 'pass' },
  },
  {
    name: 'file sizes "(pdf, 180 kB)" are no provider names (patterns ignore case: kB is not AB)',
    main: '<p>I Exempel finns valfrihetssystem (LOV) i hemtjänsten. Du väljer mellan kommunens hemtjänst och privata utförare som kommunen har godkänt.</p><ul><li><a href="/dok/taxor-2026.pdf">Taxor och avgifter 2026 (pdf, 180 kB)</a></li><li><a href="/dok/resultat-2025.pdf">Resultat brukarundersökning 2025 (pdf, 240 kB)</a></li></ul>',
    expect: { valfrihet: 'partial' },
  },
  {
    name: 'a link "Öppna jämförelser" is no comparison of providers',
    main: '<p><a href="https://www.socialstyrelsen.se/oppna-jamforelser">Öppna jämförelser</a></p>',
    expect: { valfrihet: 'fail' },
  },

  // ── 10. Trygghetslarm ──
  {
    name: '"en knapp som du bär runt handleden"',
    main: '<p>Trygghetslarmet är en knapp som du bär runt handleden. Om du behöver hjälp trycker du på knappen.</p>',
    expect: { trygghetslarm: 'pass' },
  },
  {
    name: '"Med ett trygghetslarm kan du larma personal om du behöver akut hjälp"',
    main: '<p>Med ett trygghetslarm kan du larma personal om du behöver akut hjälp i hemmet.</p>',
    expect: { trygghetslarm: 'pass' },
  },
  {
    name: 'personlarm',
    main: '<p>Ett personlarm gör att du kan larma hemtjänsten dygnet runt.</p>',
    expect: { trygghetslarm: 'pass' },
  },
  {
    name: '"Larmet bär du runt halsen eller på armen"',
    main: '<p>Trygghetslarm</p><p>Larmet bär du runt halsen eller på armen, och det fungerar i hela bostaden.</p>',
    expect: { trygghetslarm: 'pass' },
  },
  {
    name: 'trygghetslarm named among the decisions one can appeal, on a linked page, is no description',
    main: '<p>Hemtjänst är hjälp i hemmet.</p><p><a href="/omsorg/overklaga.html">Om du inte är nöjd med ett beslut</a></p>',
    pages: [
      {
        url: '/omsorg/overklaga.html',
        title: 'Om du inte är nöjd med ett beslut - Exempels kommun',
        main: '<p>Har du fått avslag på en ansökan inom äldreomsorgen, helt eller delvis? Då har du rätt att överklaga.</p><p>Det gäller till exempel beslut om hemtjänst, trygghetslarm eller vård- och omsorgsboende.</p>',
      },
    ],
    expect: { trygghetslarm: 'fail' },
  },
  {
    name: 'a trygghetslarm fee in a fee table is no description',
    main: '<h2>Avgifter</h2><table><tr><th>Insats</th><th>Avgift</th></tr><tr><td>Hemtjänst, per timme</td><td>330 kr</td></tr><tr><td>Trygghetslarm</td><td>310 kr per månad</td></tr></table>',
    expect: { trygghetslarm: 'fail' },
  },
  {
    name: '"Trygghetslarm kostar 250 kr … du ansöker hos biståndshandläggaren" says how to get it',
    main: '<h2>Trygghetslarm</h2><p>Trygghetslarm kostar 250 kr i månaden. Du ansöker om trygghetslarm hos biståndshandläggaren.</p>',
    expect: { trygghetslarm: 'pass' },
  },
  {
    name: 'trygghetslarm only in passing',
    main: '<p>Nattpatrullen gör tillsynsbesök och åker också ut när någon har larmat med sitt trygghetslarm.</p>',
    expect: { trygghetslarm: 'fail' },
  },

  // ── 11. Survey results ──
  {
    name: '"Socialstyrelsen skickar en enkät till alla som har hemtjänst" mentions the survey',
    main: '<p>Under våren skickar Socialstyrelsen en enkät till alla som har hemtjänst. Dina svar är viktiga för oss.</p>',
    expect: { brukarundersokning: 'partial' },
  },
  {
    name: '"Socialstyrelsens undersökning … 88 procent … är nöjda"',
    main: '<p>Socialstyrelsens undersökning om äldreomsorgen: 88 procent av de som har hemtjänst är nöjda.</p>',
    expect: { brukarundersokning: 'pass' },
  },
  {
    name: '"9 av 10" in the national survey',
    main: '<p>I Socialstyrelsens årliga enkät svarade 9 av 10 att de känner sig trygga med hemtjänsten.</p>',
    expect: { brukarundersokning: 'pass' },
  },
  {
    name: 'a link to Äldreguiden whose words do not name the survey',
    main: '<p><a href="https://www.socialstyrelsen.se/statistik-och-data/aldreguiden">Se hur äldre i kommunen tycker om hemtjänsten</a></p>',
    expect: { brukarundersokning: 'pass' },
  },
  {
    name: 'a link to Kolada',
    main: '<p>Vill du veta hur hemtjänsten i Exempel står sig? <a href="https://www.kolada.se/verktyg/jamforelse">Kvalitet i hemtjänsten</a></p>',
    expect: { brukarundersokning: 'pass' },
  },
  {
    name: 'a "Jämför utförare" link to Äldreguiden is no survey result',
    main: '<p>Du kan välja utförare. <a href="https://aldreguiden.example/jamfor-utforare?kommun=1">Jämför utförare</a> i Äldreguiden.</p>',
    expect: { brukarundersokning: 'fail', valfrihet: 'pass' },
  },
  {
    name: 'the survey mentioned without results',
    main: '<p>Kommunen deltar varje år i Socialstyrelsens undersökning bland äldre med hemtjänst.</p>',
    expect: { brukarundersokning: 'partial' },
  },

  // ── 12. Synpunkter and klagomål ──
  {
    name: 'a mailto address for synpunkter',
    main: '<p>Har du synpunkter på hemtjänsten? Mejla <a href="mailto:synpunkter@exempel.se">synpunkter@exempel.se</a>.</p>',
    expect: { 'synpunkter-klagomal': 'pass' },
  },
  {
    name: 'a mailto link whose text is not the address',
    main: '<p>Är du missnöjd med hemtjänsten eller vill lämna ett klagomål? <a href="mailto:aldreomsorg@exempel.se">Skicka e-post till äldreomsorgen</a>.</p>',
    expect: { 'synpunkter-klagomal': 'pass' },
  },
  {
    name: 'a phone number for klagomål',
    main: '<p>Vill du klaga på hemtjänsten kan du ringa enhetschefen på 0123-45 77 77.</p>',
    expect: { 'synpunkter-klagomal': 'pass' },
  },
  {
    name: 'a link "Säg vad du tycker"',
    main: '<p><a href="/tyck.html">Säg vad du tycker om hemtjänsten</a></p>',
    expect: { 'synpunkter-klagomal': 'pass', brukarundersokning: 'fail' },
  },
  {
    name: 'a "Tyck till om sidan" box under the text, and Synpunkter in the footer only',
    main: '<p>Hemtjänst är hjälp i hemmet.</p><div class="feedback"><p>Var sidan till hjälp? Lämna synpunkter på sidan i formuläret.</p><a href="/tyck-till-om-sidan.html">Tyck till om sidan</a></div>',
    header: '<a href="/synpunkter-och-klagomal.html">Synpunkter och klagomål</a>',
    expect: { 'synpunkter-klagomal': 'partial' },
  },

  // ── 13. Orosanmälan ──
  {
    name: 'one e-service "Orosanmälan – barn och vuxna"',
    main: '<p>Är du orolig för någon? <a href="/oro-etjanst.html">Orosanmälan (e-tjänst)</a></p>',
    pages: [{ url: '/oro-etjanst.html', title: 'Orosanmälan – barn och vuxna', main: '<form method="post"><input name="namn"><input name="oro"></form>' }],
    expect: { orosanmalan: 'pass' },
  },
  {
    name: 'an e-service "Orosanmälan vuxna"',
    main: '<p><a href="https://e-tjanster.exempel.se/oro">Orosanmälan vuxna och äldre</a></p>',
    expect: { orosanmalan: 'pass' },
  },
  {
    name: 'only an e-service for children',
    main: '<p><a href="https://e-tjanster.exempel.se/oro-barn">Orosanmälan barn och unga</a></p>',
    expect: { orosanmalan: 'fail' },
  },
  {
    name: 'an e-service for children whose page sends adults elsewhere',
    main: '<p><a href="/oro-barn.html">Gör en orosanmälan</a></p>',
    pages: [{ url: '/oro-barn.html', title: 'Orosanmälan', h1: 'Orosanmälan om barn', main: '<p>Här anmäler du oro för ett barn. Gäller det en vuxen person, kontakta vuxenenheten.</p><form method="post"><input name="namn"><input name="oro"></form>' }],
    expect: { orosanmalan: 'fail' },
  },
  {
    name: '"Anmäl oro för en äldre: ring …"',
    main: '<p>Anmäl oro för en äldre person: ring socialtjänsten 0123-45 66 66.</p>',
    expect: { orosanmalan: 'partial' },
  },

  // ── 14. Anhörigstöd ──
  {
    name: 'växelvård and anhörigträffar',
    main: '<p>Som närstående kan du få växelvård och delta i anhörigträffar.</p>',
    expect: { anhorigstod: 'pass' },
  },
  {
    name: '"stöd till dig som är närstående"',
    main: '<p>Kommunen erbjuder stöd till dig som är närstående till någon med hemtjänst.</p>',
    expect: { anhorigstod: 'pass' },
  },
  {
    name: '"en anhörig kan ansöka för din räkning" is no anhörigstöd',
    main: '<p>Du ansöker själv, men en anhörig kan ansöka för din räkning.</p>',
    expect: { anhorigstod: 'fail' },
  },

  // ── 15. Other languages and sign language ──
  {
    name: 'a "Teckenspråk" link in the header and Äldreomsorg in the menu',
    main: '<p>Hemtjänst är hjälp i hemmet.</p>',
    header: '<a href="/teckensprak.html">Teckenspråk</a>',
    pages: [{ url: '/teckensprak.html', title: 'Teckenspråk', main: '<p>Här finns filmer om kommunen på svenskt teckenspråk: om skolan och om sophämtning.</p>' }],
    expect: { 'andra-sprak': 'fail' },
  },
  {
    name: 'a sign-language page about hemtjänst',
    main: '<p>Hemtjänst är hjälp i hemmet.</p>',
    pages: [{ url: '/teckensprak.html', title: 'Teckenspråk', h1: 'Information på teckenspråk', main: '<p>I filmen berättar vi på teckenspråk om äldreomsorgen: vad hemtjänst är och hur du ansöker.</p>' }],
    expect: { 'andra-sprak': 'pass' },
  },
  {
    name: 'an English page about moving here, linked as "Other languages", keeping the Swedish menu',
    main: '<p>Hemtjänst är hjälp i hemmet.</p>',
    header: '<a href="/languages.html">Other languages</a>',
    pages: [{ url: '/languages.html', title: 'Other languages', lang: 'en', main: '<p>Welcome to Exempel. Moving here? Schools and jobs.</p>' }],
    expect: { 'andra-sprak': 'fail' },
  },
  {
    name: 'a Spanish page about help at home for older people',
    main: '<p>Hemtjänst är hjälp i hemmet.</p>',
    pages: [{ url: '/es.html', title: 'Información en español', lang: 'es', main: '<p>Ayuda a domicilio para personas mayores.</p>' }],
    expect: { 'andra-sprak': 'pass' },
  },
  {
    name: 'a Finnish page on kotipalvelu',
    main: '<p>Hemtjänst är hjälp i hemmet.</p>',
    pages: [{ url: '/suomeksi.html', title: 'Suomeksi', lang: 'fi', main: '<p>Jos tarvitset apua kotona, voit hakea kotipalvelua.</p>' }],
    expect: { 'andra-sprak': 'pass' },
  },
  {
    name: 'a Turkish page on evde bakım',
    main: '<p>Hemtjänst är hjälp i hemmet.</p>',
    pages: [{ url: '/turkce.html', title: 'Türkçe', lang: 'tr', main: '<p>Yaşlılar için evde bakım hizmeti.</p>' }],
    expect: { 'andra-sprak': 'pass' },
  },
  {
    name: 'a Google Translate widget only',
    main: '<p>Hemtjänst är hjälp i hemmet.</p>',
    header: '<div id="google_translate_element"></div>',
    expect: { 'andra-sprak': 'partial' },
  },
  {
    name: 'class="notranslate" is no translation widget',
    main: '<p>Hemtjänst är hjälp i hemmet. Ring <span class="notranslate">0123-45 12 34</span>.</p>',
    expect: { 'andra-sprak': 'fail' },
  },

  // ── 15b. Easy-to-read ──
  {
    name: 'a lättläst PDF "Hemtjänst – lättläst" linked from the hemtjänst page: a document, one level lower',
    main: '<p>Hemtjänst är hjälp i hemmet.</p><ul><li><a href="/download/hemtjanst-lattlast.pdf">Hemtjänst – lättläst (pdf)</a></li></ul>',
    pages: [{ url: '/download/hemtjanst-lattlast.pdf', title: 'Hemtjänst – lättläst', pdf: 'Hemtjänst – lättläst\nExempels kommun\n\nHemtjänst betyder att personal kommer hem till dig och hjälper dig.\nDe kan hjälpa dig att städa och tvätta.' }],
    expect: { lattlast: 'partial' },
  },

  // ── 16. Read aloud ──
  {
    name: 'a button "Starta uppläsning"',
    main: '<p><button class="js-talande">Starta uppläsning</button></p><p>Hemtjänst är hjälp i hemmet.</p>',
    expect: { lyssna: 'pass' },
  },
  {
    name: 'the Browsealoud script',
    main: '<p>Hemtjänst är hjälp i hemmet.</p>',
    tail: '<script src="https://www.browsealoud.com/plus/scripts/3.1.0/ba.js"></script>',
    expect: { lyssna: 'pass' },
  },
  {
    name: 'a link "Lyssna på vår podd om äldreomsorg" is a recording, not read-aloud',
    main: '<p>Hemtjänst är hjälp i hemmet.</p><p><a href="https://podcast.example/avsnitt-4">Lyssna på vår podd om äldreomsorg</a></p>',
    expect: { lyssna: 'fail' },
  },
  {
    name: 'no read-aloud, and a class "pressuttalande" is none',
    main: '<p class="pressuttalande">Hemtjänst är hjälp i hemmet.</p><p>Lyssningsstunder och bokuppläsning på träffpunkten varje tisdag.</p>',
    expect: { lyssna: 'fail' },
  },
  // ── 17. Found by the blind fixture sites bergsmala, ravsjo and lovsta ──
  {
    name: 'biståndshandläggaren named for trygghetslarm, but the numbers nearby are the anhörigkonsulent\'s and the enhetschef\'s',
    main: '<p><b>Trygghetslarm</b><br>Den som bor ensam och känner sig otrygg kan få ett trygghetslarm installerat i hemmet. Trygghetslarm söker du hos biståndshandläggaren.<br><br><b>Anhörigstöd</b><br>Vårdar du någon i familjen? Kommunens anhörigkonsulent kan erbjuda samtalsstöd och avlösning. Ring 0680-412 35.<br><br><b>Synpunkter</b><br>Har du synpunkter på hemtjänsten? Hör av dig till enhetschefen för hemtjänsten, tel 0680-412 40.</p>',
    expect: { 'kontakt-handlaggare': 'fail', anhorigstod: 'pass', 'synpunkter-klagomal': 'pass' },
  },
  {
    name: 'an anhörigkonsulent listed before the biståndshandläggare: the handläggare\'s number still counts',
    main: '<h2>Kontakt</h2><p>Anhörigkonsulent Eva Berg, 0680-412 35.</p><p>Biståndshandläggare Anna Ström, 0680-412 25.</p>',
    expect: { 'kontakt-handlaggare': 'pass' },
  },
  {
    name: '"Gör en orosanmälan. Ring socialtjänstens mottagning för vuxna …" is no contact for applications',
    main: '<p>Hemtjänst är hjälp i hemmet.</p><h2>Är du orolig för någon?</h2><p>Om du är orolig för en äldre person kan du göra en orosanmälan. Ring socialtjänstens mottagning för vuxna på 0491-76 45 50.</p>',
    expect: { 'kontakt-handlaggare': 'fail', orosanmalan: 'partial' },
  },
  {
    name: 'a Kolada link "Resultat från brukarundersökningen i hemtjänsten (Kolada)" (undersökningen is no search link)',
    main: '<p>Hemtjänst är hjälp i hemmet.</p><ul><li><a href="https://www.kolada.se/verktyg/fri-sokning/?kpis=U21468&amp;municipals=0000">Resultat från brukarundersökningen i hemtjänsten (Kolada)</a></li></ul>',
    expect: { brukarundersokning: 'pass' },
  },
  {
    name: 'a link "Sök på webbplatsen" to a search for brukarundersökning is no result',
    main: '<p>Hemtjänst är hjälp i hemmet.</p><p><a href="/sok.html?q=brukarundersokning">Sök på webbplatsen</a></p>',
    expect: { brukarundersokning: 'fail' },
  },
];

let root: string;
let rules: RuleSet;
let seq = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'granska-phrasings-'));
  rules = await loadRules();
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Stores the case's pages as a snapshot, as the crawler does, reads it back and builds the site model. */
async function siteOf(c: Case): Promise<SiteModel> {
  const specs: PageSpec[] = [];
  const own = (c.pages ?? []).map((p) => abs(p.url));
  if (!own.includes(abs('/'))) specs.push({ url: '/', title: 'Startsida - Exempels kommun', h1: 'Välkommen till Exempels kommun', main: `<p><a href="${HEMTJANST}">Hemtjänst</a></p>` });
  if (c.main !== null) specs.push({ url: HEMTJANST, title: c.title ?? 'Hemtjänst - Exempels kommun', h1: c.title ?? 'Hemtjänst', main: c.main });
  specs.push(...(c.pages ?? []));
  const kod = String(++seq).padStart(4, '0');
  const w = await SnapshotWriter.create(root, kod);
  for (const p of specs) {
    const url = abs(p.url);
    const contentType = p.pdf !== undefined ? 'application/pdf' : 'text/html; charset=utf-8';
    w.addPage(
      {
        url,
        finalUrl: url,
        redirects: [],
        status: 200,
        contentType,
        headers: { 'content-type': contentType },
        fetchedAt: '2025-03-01T10:00:00.000Z',
        depth: 0,
        path: [],
        discoveredVia: url === abs('/') ? 'start' : 'link',
        readWith: 'fetch',
        kind: p.pdf !== undefined ? 'pdf' : 'html',
        hostRole: url.startsWith(HOST) ? 'kommun' : 'eservice',
      },
      Buffer.from(p.pdf !== undefined ? `%PDF-1.4 ${p.pdf}` : page(p, c), 'utf8'),
      p.pdf !== undefined ? 'pdf' : 'html',
      p.pdf,
    );
  }
  await w.finish({
    kommunkod: kod,
    namn: 'Exempel',
    webbplats: abs('/'),
    startUrl: abs('/'),
    status: 'audited',
    reason: null,
    startedAt: '2025-03-01T10:00:00.000Z',
    finishedAt: '2025-03-01T10:05:00.000Z',
    pagesFetched: specs.length,
    pagesRendered: 0,
    eserviceHosts: [],
    skipped: [],
    robots: [],
    userAgent: 'granska-test',
    notes: [],
  });
  const snapshot = await readSnapshot(root, kod);
  expect(snapshot).not.toBeNull();
  return buildSiteModel(snapshot!, rules.definitions);
}

describe.each(cases)('$name', (c) => {
  it.each(Object.entries(c.expect))('%s is %s', async (id, want) => {
    const rule = rules.rules.find((r) => r.id === id);
    expect(rule, `no rule ${id}`).toBeDefined();
    const outcome = judgeRule(rule!, await siteOf(c));
    expect(outcome.status, `${outcome.reason}\n${outcome.evidence.map((e) => `${e.url}: ${e.excerpt}`).join('\n')}`).toBe(want);
  });
});
