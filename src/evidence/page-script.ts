/**
 * The code that runs inside the kommun's page while a screenshot is taken: close or hide the
 * cookie dialog, find the element the verdict was judged on (revealing a collapsed panel), mark it.
 *
 * Kept as plain JavaScript in a string: functions handed to the browser must survive the TypeScript
 * transform untouched. It defines `window.__granskaEvidence` and touches nothing else until called.
 */
export const PAGE_SCRIPT = String.raw`
(() => {
  if (window.__granskaEvidence) return;
  const MARK = 'data-granska-target';
  const OVERLAY_ID = 'granska-evidence-outline';
  const COLOR = '#d6007e';
  const COOKIE_WORDS = /cookie|kakor|kaka|samtycke|consent/i;
  // "Only necessary" or a refusal: never a button that accepts more on the kommun's behalf.
  const REFUSE = /neka|avvisa|avböj|reject|decline|deny|refuse/i;
  const NECESSARY = /nödvändig|necessary|essential/i;
  const ONLY = /endast|bara|enbart|only/i;
  const MORE = /alla|\ball\b|statistik|analys|marknadsf|annons|personanpass|tredje part|third/i;
  const onlyNecessary = (t) =>
    REFUSE.test(t) || (NECESSARY.test(t) && (ONLY.test(t) || !MORE.test(t))) || /(endast|bara|enbart)\s+(funktionella|tekniska)/i.test(t);
  const CONSENT_SELECTOR = [
    '[id*="cookie" i]', '[class*="cookie" i]', '[id*="consent" i]', '[class*="consent" i]',
    '[id*="cmp" i]', '.cmpbox', '[id*="kakor" i]', '[class*="kakor" i]', '[id*="kaka" i]',
    '[id*="cookiebot" i]', '#CybotCookiebotDialog', '[id^="onetrust" i]', '[class*="onetrust" i]',
    '[id^="sp_message" i]', '[id*="gdpr" i]', '[class*="gdpr" i]',
    '[role="dialog"]', '[role="alertdialog"]', '[aria-modal="true"]', 'dialog[open]',
  ].join(',');
  const CLICKABLE = 'button, [role="button"], a, input[type="button"], input[type="submit"]';
  const MAIN = 'main, [role="main"], article, #main, #content, #main-content, .main-content';

  const loose = (s) => String(s || '').normalize('NFC').toLowerCase().replace(/[\s\u00ad\u200b]+/g, '');
  const inline = (s) => String(s || '').normalize('NFC').replace(/\s+/g, ' ').trim();

  function visible(el) {
    if (!el || !el.isConnected) return false;
    if (typeof el.checkVisibility === 'function' && !el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  }
  function label(el) {
    return inline([el.textContent, el.getAttribute('aria-label'), el.getAttribute('title'), el.value, el.getAttribute('alt')].filter(Boolean).join(' '));
  }
  function fixedOrSticky(el) {
    for (let e = el; e && e !== document.documentElement; e = e.parentElement) {
      const p = getComputedStyle(e).position;
      if (p === 'fixed' || p === 'sticky') return e;
    }
    return null;
  }
  function hide(el) {
    el.style.setProperty('display', 'none', 'important');
    el.setAttribute('data-granska-hidden', 'consent');
  }
  function holdsContent(el) {
    return !!(el.querySelector('main, [role="main"], h1') || el.matches('main, [role="main"], body, html'));
  }

  /** Visible consent dialogs and bars, outermost first. */
  function consentContainers() {
    const found = [];
    for (const el of document.querySelectorAll(CONSENT_SELECTOR)) {
      if (!visible(el) || holdsContent(el)) continue;
      const floating = fixedOrSticky(el) || el.matches('[role="dialog"], [role="alertdialog"], [aria-modal="true"], dialog');
      // A cookie-named box inside the article (a video placeholder, the cookie policy itself) is content.
      if (!floating && el.closest(MAIN)) continue;
      const text = inline(el.textContent);
      if (text.length > 4000) continue;
      if (!COOKIE_WORDS.test(text + ' ' + el.id + ' ' + (typeof el.className === 'string' ? el.className : ''))) continue;
      if (!el.querySelector(CLICKABLE) && !floating) continue;
      found.push(el);
    }
    return found.filter((el) => !found.some((o) => o !== el && o.contains(el)));
  }

  /** Picks the "only necessary" button (marked for a real click); null when there is none. */
  function markNecessaryButton() {
    const containers = consentContainers();
    const pool = [];
    for (const c of containers) pool.push(...c.querySelectorAll(CLICKABLE));
    if (pool.length === 0) {
      // A banner with unusual markup: a button whose surroundings talk about cookies.
      for (const b of document.querySelectorAll(CLICKABLE)) {
        let ctx = b.parentElement;
        for (let i = 0; i < 3 && ctx && ctx.parentElement && !COOKIE_WORDS.test(ctx.textContent || ''); i++) ctx = ctx.parentElement;
        if (ctx && COOKIE_WORDS.test(ctx.textContent || '') && inline(ctx.textContent).length < 4000 && !holdsContent(ctx)) pool.push(b);
      }
    }
    for (const b of pool) {
      const text = label(b);
      if (!text || text.length > 80 || !visible(b)) continue;
      if (b.tagName === 'A' && /^https?:/.test(b.getAttribute('href') || '')) continue; // a link away, e.g. "Läs mer"
      if (onlyNecessary(text)) {
        b.setAttribute('data-granska-consent', 'necessary');
        return text;
      }
    }
    return null;
  }

  /** Hides what still covers the page: consent containers, and fixed overlays over most of the viewport. */
  function hideConsent() {
    const hidden = [];
    for (const el of consentContainers()) {
      hide(el);
      hidden.push(el.id || el.className || el.tagName);
    }
    const vw = window.innerWidth, vh = window.innerHeight;
    for (const el of document.body ? document.body.querySelectorAll('*') : []) {
      if (el.id === OVERLAY_ID) continue;
      const s = getComputedStyle(el);
      if (s.position !== 'fixed' && s.position !== 'sticky') continue;
      if (!visible(el) || holdsContent(el)) continue;
      const r = el.getBoundingClientRect();
      const w = Math.max(0, Math.min(r.right, vw) - Math.max(r.left, 0));
      const h = Math.max(0, Math.min(r.bottom, vh) - Math.max(r.top, 0));
      if (w * h < 0.5 * vw * vh) continue;
      const text = inline(el.textContent);
      // A backdrop (hardly any text) or a dialog about cookies.
      if (text.length < 60 || COOKIE_WORDS.test(text)) {
        hide(el);
        hidden.push(el.id || el.className || el.tagName);
      }
    }
    if (hidden.length) {
      for (const root of [document.documentElement, document.body]) {
        if (root && getComputedStyle(root).overflowY === 'hidden') root.style.setProperty('overflow', 'visible', 'important');
      }
    }
    return hidden;
  }

  function inMain(el) {
    return !!el.closest(MAIN) && !el.closest('nav, header, footer, [role="navigation"], [role="banner"], [role="contentinfo"]');
  }

  function sameUrl(a, b) {
    try {
      const x = new URL(a, location.href), y = new URL(b, location.href);
      x.hash = ''; y.hash = '';
      const strip = (u) => decodeURI(u.href).replace(/\/$/, '');
      return strip(x) === strip(y);
    } catch (e) {
      return false;
    }
  }

  /** The deepest elements whose text contains the wanted text. */
  function deepestWithText(root, want) {
    const skip = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'HEAD', 'TITLE']);
    const out = [];
    const walk = (el) => {
      if (skip.has(el.tagName) || el.hasAttribute('data-granska-hidden') || el.id === OVERLAY_ID) return false;
      if (!loose(el.textContent).includes(want)) return false;
      let deeper = false;
      for (const child of el.children) if (walk(child)) deeper = true;
      if (!deeper) out.push(el);
      return true;
    };
    walk(root);
    return out;
  }

  function scoreByExcerpt(el, excerpt) {
    if (!excerpt) return 0;
    const block = el.closest('p, li, td, th, dd, dt, h1, h2, h3, h4, h5, h6, section, div') || el;
    const text = loose(block.textContent);
    let score = 0;
    for (const w of inline(excerpt).toLowerCase().split(/[^\p{L}\p{N}]+/u)) if (w.length >= 4 && text.includes(w)) score++;
    return score;
  }

  /** Tries to show a hidden element the way a visitor would: open <details>, click the panel's button. */
  function reveal(el) {
    for (let e = el; e; e = e.parentElement) {
      if (e.tagName === 'DETAILS' && !e.open) e.open = true;
    }
    if (visible(el)) return true;
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      const hiddenHere = e.hidden || getComputedStyle(e).display === 'none' || e.getAttribute('aria-hidden') === 'true';
      if (!hiddenHere) continue;
      if (e.id) {
        const id = CSS.escape(e.id);
        const controls = document.querySelectorAll('[aria-controls~="' + e.id.replace(/"/g, '\\"') + '"], [data-target="#' + id + '"], [data-bs-target="#' + id + '"], [data-toggle-target="#' + id + '"], a[href="#' + id + '"]');
        for (const c of controls) {
          if (!visible(c)) continue;
          c.click();
          break;
        }
        if (visible(el)) return true;
      }
      // An accordion whose button names no panel: the collapsed toggle just before it (<h3><button aria-expanded="false">).
      const prev = e.previousElementSibling;
      const toggle = prev && (prev.matches('[aria-expanded="false"]') ? prev : prev.querySelector('[aria-expanded="false"]'));
      if (toggle && visible(toggle)) {
        toggle.click();
        if (visible(el)) return true;
      }
    }
    return visible(el);
  }

  function rank(list, excerpt, wantText) {
    return list
      .map((el, i) => ({ el, i, vis: visible(el), main: inMain(el), text: wantText ? loose(label(el)).includes(wantText) : false, ex: scoreByExcerpt(el, excerpt) }))
      .sort((a, b) => (b.vis - a.vis) || (b.text - a.text) || (b.main - a.main) || (b.ex - a.ex) || (a.i - b.i));
  }

  function choose(ranked) {
    for (const c of ranked.slice(0, 6)) {
      if (c.vis) return { el: c.el, revealed: false };
      if (reveal(c.el)) return { el: c.el, revealed: true };
    }
    return null;
  }

  function find(spec) {
    for (const old of document.querySelectorAll('[' + MARK + ']')) old.removeAttribute(MARK);
    const wantText = loose(spec.text);
    let hit = null, how = null;
    if (spec.href && !sameUrl(spec.href, location.href)) {
      const links = [...document.querySelectorAll('a[href], area[href]')].filter((a) => sameUrl(a.href, spec.href));
      hit = choose(rank(links, spec.excerpt, wantText));
      how = 'href';
    }
    if (!hit && spec.selector) {
      let list = [];
      try { list = [...document.querySelectorAll(spec.selector)]; } catch (e) { list = []; }
      hit = choose(rank(list.filter((el) => !el.closest('[data-granska-hidden]')), spec.excerpt, wantText));
      how = 'selector';
    }
    if (!hit && wantText && document.body) {
      let list = deepestWithText(document.body, wantText);
      if (list.length === 0) {
        list = [...document.body.querySelectorAll('[aria-label], [title], [alt], input[value]')].filter((el) => loose(label(el)).includes(wantText) && !el.closest('[data-granska-hidden]'));
      }
      hit = choose(rank(list, spec.excerpt, ''));
      how = 'text';
    }
    if (!hit) return { found: false };
    hit.el.setAttribute(MARK, '1');
    return { found: true, how, revealed: hit.revealed, tag: hit.el.tagName.toLowerCase(), text: inline(label(hit.el)).slice(0, 200) };
  }

  /** Scrolls the marked element to the middle of the viewport (its top, when it is taller). */
  function scrollToMark() {
    const el = document.querySelector('[' + MARK + ']');
    if (!el) { window.scrollTo(0, 0); return false; }
    document.documentElement.style.setProperty('scroll-behavior', 'auto', 'important');
    el.scrollIntoView({ block: 'center', inline: 'nearest', behavior: 'instant' });
    const r = el.getBoundingClientRect();
    if (r.height > window.innerHeight * 0.8) window.scrollBy(0, r.top - 80);
    return true;
  }

  /**
   * Draws the outline: a frame just outside the element's box (one per line for a link that wraps),
   * tinted inside, in a fixed layer multiplied onto the page: dark text under it stays readable,
   * and the page's layout is not touched.
   */
  function outline() {
    const el = document.querySelector('[' + MARK + ']');
    const old = document.getElementById(OVERLAY_ID);
    if (old) old.remove();
    if (!el) return null;
    const r = el.getBoundingClientRect();
    let parts = [r];
    if (getComputedStyle(el).display === 'inline') {
      const lines = [...el.getClientRects()].filter((q) => q.width > 1 && q.height > 1);
      if (lines.length > 1) parts = lines;
    }
    const pad = 3, border = 4;
    const layer = document.createElement('div');
    layer.id = OVERLAY_ID;
    layer.setAttribute('aria-hidden', 'true');
    const set = (node, props) => { for (const k in props) node.style.setProperty(k, props[k], 'important'); };
    set(layer, { position: 'fixed', left: '0', top: '0', width: '100vw', height: '100vh', margin: '0', padding: '0', border: '0',
      'pointer-events': 'none', 'z-index': '2147483647', 'mix-blend-mode': 'multiply', display: 'block', background: 'transparent', overflow: 'visible' });
    for (const q of parts) {
      const frame = document.createElement('div');
      set(frame, { position: 'absolute', left: (q.left - pad - border) + 'px', top: (q.top - pad - border) + 'px',
        width: (q.width + 2 * (pad + border)) + 'px', height: (q.height + 2 * (pad + border)) + 'px', 'box-sizing': 'border-box',
        border: border + 'px solid ' + COLOR, 'border-radius': '3px', background: 'rgba(214, 0, 126, 0.10)', margin: '0', padding: '0', display: 'block' });
      layer.appendChild(frame);
    }
    document.documentElement.appendChild(layer);
    return { x: r.left, y: r.top, width: r.width, height: r.height, lines: parts.length };
  }

  function clear() {
    const old = document.getElementById(OVERLAY_ID);
    if (old) old.remove();
    for (const el of document.querySelectorAll('[' + MARK + ']')) el.removeAttribute(MARK);
  }

  window.__granskaEvidence = { markNecessaryButton, hideConsent, find, scrollToMark, outline, clear };
})();
`;
