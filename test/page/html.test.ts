import { describe, expect, it } from 'vitest';
import { absolutize, extractHtml } from '../../src/page/html.ts';
import type { PageModel } from '../../src/page/model.ts';

const URL_ = 'https://www.exempel.se/omsorg/hemtjanst.html';

/** A kommun page with the usual global parts around the content. */
function page(content: string, opts: { head?: string; bodyStart?: string; bodyEnd?: string } = {}): string {
  return `<!doctype html>
<html lang="sv-SE">
<head><meta charset="utf-8"><title>Hemtjänst - Exempels kommun</title>${opts.head ?? ''}</head>
<body>
${opts.bodyStart ?? ''}
<div id="cookie-banner">Vi använder kakor <button>Godkänn kakor</button></div>
<header class="site-header"><a href="/" title="Till startsidan"><img src="/logo.svg" alt="Exempels kommun"></a>
  <nav><ul><li><a href="/omsorg.html">Omsorg och stöd</a></li><li><a href="/skola.html">Skola</a></li></ul></nav>
</header>
<div class="breadcrumb"><a href="/">Start</a> › <a href="/omsorg.html">Omsorg</a> › Hemtjänst</div>
${content}
<footer><p>Exempels kommun, Storgatan 1. Växel 0123-45 00 00</p><a href="/kontakt.html">Kontakta oss</a></footer>
${opts.bodyEnd ?? ''}
</body></html>`;
}

const lines = (m: PageModel) => m.mainText.split('\n');

describe('extractHtml: main content', () => {
  const content = `<h1>Hemtjänst</h1><p>Du kan få hjälp i hemmet.</p><p><a href="ansokan.html">Så ansöker du</a></p>`;

  it('takes <main> and leaves out header, navigation, breadcrumb, cookie banner and footer', () => {
    const m = extractHtml(page(`<main>${content}</main>`), URL_);
    expect(m.meta.hasMainElement).toBe(true);
    expect(lines(m)).toEqual(['Hemtjänst', 'Du kan få hjälp i hemmet.', 'Så ansöker du']);
    // The whole page still has everything a visitor can read.
    for (const s of ['Vi använder kakor', 'Omsorg och stöd', 'Start › Omsorg', 'Växel 0123-45 00 00', 'Du kan få hjälp i hemmet.']) {
      expect(m.pageText).toContain(s);
    }
    expect(m.title).toBe('Hemtjänst - Exempels kommun');
    expect(m.h1).toEqual(['Hemtjänst']);
    expect(m.lang).toBe('sv-se');
  });

  it('takes role=main', () => {
    const m = extractHtml(page(`<div role="main" class="x">${content}</div><aside>Relaterat</aside>`), URL_);
    expect(m.meta.hasMainElement).toBe(true);
    expect(lines(m)).toEqual(['Hemtjänst', 'Du kan få hjälp i hemmet.', 'Så ansöker du']);
    expect(m.pageText).toContain('Relaterat');
  });

  it('takes the article area', () => {
    const m = extractHtml(page(`<div class="wrapper"><article>${content}</article><div class="puff">Lediga jobb</div></div>`), URL_);
    expect(lines(m)).toEqual(['Hemtjänst', 'Du kan få hjälp i hemmet.', 'Så ansöker du']);
  });

  it('with several articles takes the largest one', () => {
    const m = extractHtml(page(`<article><p>Kort</p></article><article>${content}</article>`), URL_);
    expect(lines(m)).toEqual(['Hemtjänst', 'Du kan få hjälp i hemmet.', 'Så ansöker du']);
  });

  it('without any main area: the body minus header, nav, breadcrumb, cookie banner and footer, wherever they sit', () => {
    // The global parts inside a page wrapper, as many CMS themes do it, and loose text in <body>.
    const html = `<html><head><title>Hemtjänst</title></head><body>
      <div class="page-wrapper">
        <div class="cookie-consent">Kakor på webbplatsen</div>
        <header>Sidhuvud <a href="/">Start</a></header>
        <div class="nav-wrap"><nav><a href="/omsorg.html">Omsorg</a></nav></div>
        <ol class="breadcrumbs"><li><a href="/">Hem</a></li><li>Hemtjänst</li></ol>
        <div class="innehall"><h1>Hemtjänst</h1><p>Text om hemtjänst. <a href="/avgifter.html">Avgifter</a></p></div>
        <footer>Sidfot</footer>
      </div>Lös text sist</body></html>`;
    const m = extractHtml(html, URL_);
    expect(m.meta.hasMainElement).toBe(false);
    expect(lines(m)).toEqual(['Hemtjänst', 'Text om hemtjänst. Avgifter', 'Lös text sist']);
    expect(m.pageText).toContain('Sidhuvud');
    expect(m.pageText).toContain('Kakor på webbplatsen');
    const byText = Object.fromEntries(m.links.map((l) => [l.text, l.inMain]));
    expect(byText).toEqual({ Start: false, Omsorg: false, Hem: false, Avgifter: true });
  });

  it('on an old table layout takes the cell holding the heading, not the menu column or the footer row', () => {
    const html = `<html><head><title>Hemtjänst</title></head><body>
      <table width="100%"><tr><td colspan="2"><font size="5">Rävby kommun</font></td></tr>
      <tr><td width="180"><a href="/">Start</a><br><a href="/skola.html">Skola</a><br><a href="/omsorg.html">Omsorg</a></td>
      <td><h1>Hemtjänst</h1><p>Du ansöker hos biståndshandläggaren. <a href="/avgifter.html">Avgifter</a></p></td></tr>
      <tr><td colspan="2">Växel 0123-100 00</td></tr></table></body></html>`;
    const m = extractHtml(html, URL_);
    expect(lines(m)).toEqual(['Hemtjänst', 'Du ansöker hos biståndshandläggaren. Avgifter']);
    const byText = Object.fromEntries(m.links.map((l) => [l.text, l.inMain]));
    expect(byText).toEqual({ Start: false, Skola: false, Omsorg: false, Avgifter: true });
    // A table that wraps the whole page is no content column: then the body is the main content.
    const wrapped = extractHtml(`<html><body><table><tr><td><h1>Hemtjänst</h1><p>Text.</p><p><a href="/a.html">A</a></p></td></tr></table></body></html>`, URL_);
    expect(lines(wrapped)).toEqual(['Hemtjänst', 'Text.', 'A']);
  });

  it('leaves navigation and breadcrumbs inside <main> out of the main text', () => {
    const m = extractHtml(
      page(`<main><nav aria-label="Undermeny"><a href="/a.html">Undersida A</a></nav><div class="breadcrumb">Start › Hemtjänst</div>${content}</main>`),
      URL_,
    );
    expect(lines(m)).toEqual(['Hemtjänst', 'Du kan få hjälp i hemmet.', 'Så ansöker du']);
    expect(m.links.find((l) => l.text === 'Undersida A')?.inMain).toBe(false);
    expect(m.links.find((l) => l.text === 'Så ansöker du')?.inMain).toBe(true);
  });
});

describe('extractHtml: visible text (criteria.md § Visible text)', () => {
  it('drops text hidden with no way to reveal it: display:none, hidden, visibility:hidden', () => {
    const m = extractHtml(
      page(`<main><h1>Hemtjänst</h1>
        <p style="display: none">Dold med stil</p>
        <div hidden>Dold med attribut</div>
        <span style="visibility:hidden">Osynlig text</span>
        <p style="DISPLAY:NONE !important">Dold med important</p>
        <p>Synlig text</p>
        <h2 hidden>Dold rubrik</h2></main>`),
      URL_,
    );
    expect(lines(m)).toEqual(['Hemtjänst', 'Synlig text']);
    for (const s of ['Dold med stil', 'Dold med attribut', 'Osynlig text', 'Dold med important', 'Dold rubrik']) {
      expect(m.pageText).not.toContain(s);
    }
    expect(m.headings).toEqual(['Hemtjänst']);
  });

  it('keeps text that one click shows: <details>, aria-controls panels, href="#id" toggles, Bootstrap collapse', () => {
    const m = extractHtml(
      page(`<main><h1>Hemtjänst</h1>
        <details><summary>Vad kostar det?</summary><p>Maxtaxan är 2 540 kronor per månad.</p></details>
        <button aria-expanded="false" aria-controls="panel-1">Så ansöker du</button>
        <div id="panel-1" hidden><p>Kontakta en biståndshandläggare.</p></div>
        <a href="#mer">Visa mer</a>
        <div id="mer" style="display:none"><p>Du kan överklaga beslutet.</p></div>
        <button data-bs-target="#utforare">Utförare</button>
        <div class="collapse" id="utforare" style="display:none">Omsorgsbolaget AB</div>
        <div class="accordion-item"><button aria-expanded="false">Trygghetslarm</button><div class="accordion-panel" style="display:none">Larmet kostar 200 kr.</div></div>
      </main>`),
      URL_,
    );
    for (const s of [
      'Vad kostar det?',
      'Maxtaxan är 2 540 kronor per månad.',
      'Kontakta en biståndshandläggare.',
      'Du kan överklaga beslutet.',
      'Omsorgsbolaget AB',
      'Larmet kostar 200 kr.',
    ]) {
      expect(m.mainText).toContain(s);
    }
  });

  it('applies the page\'s own <style> rules with display:none to classes and ids, not to :hover or :not() selectors', () => {
    const m = extractHtml(
      page(
        `<main><h1>Hemtjänst</h1><p class="dold">Gammal text</p><p id="bort">Bortplockad</p><div class="meny">Öppnas med hover</div><p class="sr-only-x">Synlig</p></main>`,
        { head: `<style>/* tema */ .dold { display: none } #bort{visibility:hidden} .meny:not(.open) { display:none } p.sr-only-x { color: red }</style>` },
      ),
      URL_,
    );
    expect(lines(m)).toEqual(['Hemtjänst', 'Öppnas med hover', 'Synlig']);
  });

  it('does not apply rules inside @media or @supports blocks, which do not always hold', () => {
    const m = extractHtml(
      page(`<main><h1>Hemtjänst</h1><p class="no-print">Lyssna på sidan</p><p class="mobil">Ring oss</p><p class="alltid-dold">Borta</p></main>`, {
        head: `<style>@import url(x.css); @media print { .no-print { display: none } } @media (max-width: 600px) { @supports (display:grid) { .mobil { display:none } } } .alltid-dold{display:none}</style>`,
      }),
      URL_,
    );
    expect(lines(m)).toEqual(['Hemtjänst', 'Lyssna på sidan', 'Ring oss']);
  });

  it('never counts <script>, <style>, <noscript> or <template> text', () => {
    const m = extractHtml(
      page(`<main><h1>Hemtjänst</h1><script>var t = "skripttext hemtjänst";</script><style>.x{content:"stiltext"}</style>
        <noscript>Aktivera javascript</noscript><template><p>Malltext</p></template><p>Brödtext</p></main>`),
      URL_,
    );
    expect(lines(m)).toEqual(['Hemtjänst', 'Brödtext']);
    for (const s of ['skripttext', 'stiltext', 'Aktivera javascript', 'Malltext']) expect(m.pageText).not.toContain(s);
  });

  it('puts block elements on their own lines, keeps inline runs together and reads image alt text', () => {
    const m = extractHtml(
      page(`<main><h1>Hem<span>tjänst</span></h1><p>Ring <strong>0123-45 67 89</strong><br>eller mejla</p><ul><li>Städning</li><li>Tvätt</li></ul><p><img src="a.png" alt="Bild på&nbsp;personal"></p></main>`),
      URL_,
    );
    expect(lines(m)).toEqual(['Hemtjänst', 'Ring 0123-45 67 89', 'eller mejla', 'Städning', 'Tvätt', 'Bild på personal']);
  });
});

describe('extractHtml: links', () => {
  const m = extractHtml(
    page(`<main><h1>Hemtjänst</h1>
      <a href="ansokan.html#steg2">Ansök om hemtjänst</a>
      <a href="https://e-tjanster.exempel.se/oversikt/overview/123"><img src="x.png" alt="E-tjänst för ansökan"></a>
      <a href="/avgifter.pdf" aria-label="Avgifter för hemtjänst (pdf)"></a>
      <a href="/utforare.html" title="Lista över utförare"></a>
      <a href="javascript:void(0)">Skriv ut</a>
      <a href="mailto:bistand@exempel.se">Mejla oss</a>
      <a href="tel:+46123456789">Ring oss</a>
      <a href="#innehall">Till innehållet</a>
      <a href="">Tom länk</a>
      <a href="/dold.html" style="display:none">Dold länk</a>
      <details><summary>Mer</summary><a href="/i-details.html">I details</a></details>
      <map><area href="/karta.html" alt="Karta"></map>
    </main>`),
    URL_,
  );
  const find = (text: string) => m.links.find((l) => l.text === text);

  it('makes hrefs absolute and removes the fragment', () => {
    expect(find('Ansök om hemtjänst')).toEqual({ href: 'https://www.exempel.se/omsorg/ansokan.html', text: 'Ansök om hemtjänst', inMain: true, visible: true });
  });

  it('labels a link by its text, image alt, aria-label or title', () => {
    expect(find('E-tjänst för ansökan')?.href).toBe('https://e-tjanster.exempel.se/oversikt/overview/123');
    expect(find('Avgifter för hemtjänst (pdf)')?.href).toBe('https://www.exempel.se/avgifter.pdf');
    expect(find('Lista över utförare')?.href).toBe('https://www.exempel.se/utforare.html');
    // The logo link in the header: its title and the logo's alt text.
    expect(m.links.find((l) => l.href === 'https://www.exempel.se/')?.text).toBe('Till startsidan Exempels kommun');
  });

  it('drops javascript:, mailto:, tel:, fragment-only and empty links', () => {
    const texts = m.links.map((l) => l.text);
    for (const t of ['Skriv ut', 'Mejla oss', 'Ring oss', 'Till innehållet', 'Tom länk']) expect(texts).not.toContain(t);
    for (const l of m.links) expect(l.href).toMatch(/^https:\/\/[^#]+$/);
  });

  it('marks menu links as outside the main content and hidden links as not visible', () => {
    expect(m.links.find((l) => l.text === 'Omsorg och stöd')).toMatchObject({ inMain: false, visible: true });
    expect(m.links.find((l) => l.text === 'Kontakta oss')).toMatchObject({ inMain: false, visible: true });
    expect(find('Dold länk')).toMatchObject({ inMain: true, visible: false });
    expect(find('I details')).toMatchObject({ inMain: true, visible: true });
    expect(find('Karta')?.href).toBe('https://www.exempel.se/karta.html');
  });

  it('resolves relative links against <base href>', () => {
    const b = extractHtml(
      `<html><head><base href="https://www.exempel.se/sv/omsorg/"><title>x</title></head><body><main><a href="hemtjanst/avgifter">Avgifter</a><a href="../skola/">Skola</a></main></body></html>`,
      'https://www.exempel.se/4.123.html',
    );
    expect(b.links.map((l) => l.href)).toEqual(['https://www.exempel.se/sv/omsorg/hemtjanst/avgifter', 'https://www.exempel.se/sv/skola/']);
  });

  it('absolutize: http(s) only', () => {
    expect(absolutize(' /a b#x ', 'https://k.se/dir/')).toBe('https://k.se/a%20b');
    expect(absolutize('ftp://k.se/f', 'https://k.se/')).toBeNull();
    expect(absolutize('JavaScript:alert(1)', 'https://k.se/')).toBeNull();
    expect(absolutize('#top', 'https://k.se/')).toBeNull();
    expect(absolutize('//cdn.k.se/x', 'https://k.se/')).toBe('https://cdn.k.se/x');
  });
});

describe('extractHtml: forms', () => {
  it('recognises a Sitevision-like site search', () => {
    const m = extractHtml(
      page(`<main><h1>x</h1></main>`, {
        bodyStart: `<div class="sv-searchform-portlet"><form action="/sok.html" method="get"><label for="q1">Sök på webbplatsen</label><input id="q1" name="query" type="text"><button type="submit">Sök</button></form></div>`,
      }),
      URL_,
    );
    expect(m.forms).toEqual([
      {
        action: 'https://www.exempel.se/sok.html',
        method: 'get',
        fields: [{ name: 'query', type: 'text', value: '' }],
        isSearch: true,
        label: 'Sök på webbplatsen Sök',
      },
    ]);
  });

  it('recognises a WordPress search (?s=)', () => {
    const m = extractHtml(
      `<html><body><form method="get" id="searchform" action="https://www.exempel.se/"><input type="text" name="s" value=""><input type="submit" value="Sök"></form></body></html>`,
      URL_,
    );
    expect(m.forms).toHaveLength(1);
    expect(m.forms[0]).toMatchObject({ action: 'https://www.exempel.se/', method: 'get', isSearch: true });
    expect(m.forms[0]!.fields.map((f) => f.name)).toEqual(['s']);
  });

  it('recognises a role=search form whatever its field is called, with the page itself as action when none is given', () => {
    const m = extractHtml(
      `<html><body><div role="search"><form><input type="text" name="xyz123"><input type="hidden" name="lang" value="sv"></form></div></body></html>`,
      URL_,
    );
    expect(m.forms[0]).toEqual({
      action: URL_,
      method: 'get',
      fields: [
        { name: 'xyz123', type: 'text', value: '' },
        { name: 'lang', type: 'hidden', value: 'sv' },
      ],
      isSearch: true,
      label: '',
    });
  });

  it('does not take a POST form or a form without a text field for a search', () => {
    const m = extractHtml(
      `<html><body>
        <form method="POST" action="/sok"><input type="search" name="q"></form>
        <form action="/nyhetsbrev"><input type="checkbox" name="search"><button>Sök</button></form>
        <form action="/kontakt"><input type="text" name="namn"><textarea name="meddelande"></textarea></form>
      </body></html>`,
      URL_,
    );
    expect(m.forms.map((f) => [f.action, f.method, f.isSearch])).toEqual([
      ['https://www.exempel.se/sok', 'post', false],
      ['https://www.exempel.se/nyhetsbrev', 'get', false],
      ['https://www.exempel.se/kontakt', 'get', false],
    ]);
  });

  it('does not take a hidden search form for the site search', () => {
    const m = extractHtml(`<html><body><form action="/sok" style="display:none"><input name="q"></form></body></html>`, URL_);
    expect(m.forms[0]?.isSearch).toBe(false);
  });
});
