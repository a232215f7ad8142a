/**
 * Reads an HTML page the way a visitor sees it: visible text, main content apart from the global
 * header/navigation/footer, links with their labels, and forms. Parsed once; everything the rules
 * need is derived from this one parse.
 */
import * as cheerio from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import { normalizeBlock, normalizeInline } from './text.ts';
import type { PageForm, PageLink, PageModel } from './model.ts';

type Doc = cheerio.CheerioAPI;

const DROPPED = 'script, style, noscript, template, head, svg, iframe, object, embed, canvas';
const BLOCK_TAGS = new Set([
  'address', 'article', 'aside', 'blockquote', 'br', 'dd', 'details', 'dialog', 'div', 'dl', 'dt',
  'fieldset', 'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header',
  'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'summary', 'table', 'tr', 'td', 'th', 'ul',
  'option', 'button', 'label', 'caption', 'tbody', 'thead',
]);
/** What is not "main content" when a page has no <main>: criteria.md's global parts. */
const GLOBAL_PARTS =
  'header, nav, footer, [role=banner], [role=navigation], [role=contentinfo], [role=search], ' +
  '[class*=breadcrumb], [id*=breadcrumb], [class*=brodsmul], [aria-label*=rödsmul], ' +
  '[class*=cookie], [id*=cookie], [class*=consent], [id*=consent], [class*=skip-link], [class*=skiplink]';
/** Inside the main area, navigation and breadcrumbs are still not content. */
const NON_CONTENT_IN_MAIN =
  'nav, [role=navigation], [class*=breadcrumb], [id*=breadcrumb], [aria-label*=rödsmul], [class*=cookie], [id*=cookie]';
const MAIN_CANDIDATES = ['main', '[role=main]', '#main-content', '#maincontent', '#content-main', '#main', '#content', '.main-content', '.page-content', 'article'];

const SEARCH_FIELD = /^(q|query|s|search|searchtext|search_query|searchquery|sok|soktext|sokord|fras|term|keys|keyword|k|text|ord)$/i;

export function extractHtml(html: string, url: string): PageModel {
  const $ = cheerio.load(html);
  const base = baseUrl($, url);
  const lang = ($('html').attr('lang') ?? '').trim().toLowerCase() || undefined;
  const title = normalizeInline($('head > title').first().text() || $('title').first().text());
  const ogType = ($('meta[property="og:type"]').attr('content') ?? '').toLowerCase() || undefined;

  // Scripts and templates stay in the DOM (a rule may look for a read-aloud script), but no text
  // or link inside them is something a visitor sees.
  const hidden = hiddenElements($, html);
  for (const el of $(DROPPED).toArray()) hidden.add(el);

  const main = findMain($);
  const mainSet = new Set<AnyNode>();
  // Walked by hand: cheerio's find() on an element with many children is quadratic (domutils
  // removeSubsets), and a hostile page may have hundreds of thousands.
  if (main) for (const el of descendants(main)) mainSet.add(el);
  const excludedInMain = new Set<AnyNode>();
  // Without a main area, the global parts may sit anywhere (often inside a page wrapper).
  const globals = new Set<AnyNode>();
  if (main) {
    for (const el of $(NON_CONTENT_IN_MAIN).toArray()) {
      if (!hasAncestor(el, main)) continue;
      excludedInMain.add(el);
      for (const d of descendants(el)) excludedInMain.add(d);
    }
  } else {
    // No main area: the content is the body without its global parts.
    for (const el of $(GLOBAL_PARTS).toArray()) {
      globals.add(el);
      for (const d of descendants(el)) globals.add(d);
    }
    for (const el of $('body *').toArray()) if (!globals.has(el)) mainSet.add(el);
  }
  const inMain = (el: AnyNode): boolean => mainSet.has(el) && !excludedInMain.has(el);

  const bodyRoot = $('body').get(0) ?? $.root().get(0);
  const pageText = bodyRoot ? visibleText(bodyRoot, hidden) : '';
  const mainText = normalizeBlock(main ? visibleText(main, hidden, excludedInMain) : bodyRoot ? visibleText(bodyRoot, hidden, globals) : '');

  const h1 = $('h1')
    .toArray()
    .filter((el) => !isHidden(el, hidden))
    .map((el) => normalizeInline($(el).text()))
    .filter(Boolean);
  const headings = $('h1, h2, h3, h4')
    .toArray()
    .filter((el) => !isHidden(el, hidden))
    .map((el) => normalizeInline($(el).text()))
    .filter(Boolean);

  const breadcrumb = breadcrumbOf($);

  const links: PageLink[] = [];
  for (const el of $('a[href], area[href]').toArray()) {
    const href = absolutize($(el).attr('href') ?? '', base);
    if (!href) continue;
    const $el = $(el);
    const label = normalizeInline(
      [$el.text(), $el.attr('aria-label'), $el.attr('title'), $el.find('img[alt]').attr('alt'), (el as Element).tagName === 'area' ? $el.attr('alt') : undefined].filter(Boolean).join(' '),
    );
    links.push({ href, text: label, inMain: inMain(el), visible: !isHidden(el, hidden) });
  }

  const forms = extractForms($, base, hidden);

  return {
    url,
    kind: 'html',
    lang,
    title,
    h1,
    headings,
    breadcrumb,
    mainText,
    pageText: normalizeBlock(pageText),
    links,
    forms,
    meta: {
      ogType,
      hasMainElement: Boolean(main),
    },
    dom: $,
  };
}

/** The crumbs of the breadcrumb trail, from the start page to this page. */
function breadcrumbOf($: Doc): string[] {
  const trail = $('[class*=breadcrumb], [id*=breadcrumb], [class*=brodsmul], [aria-label*=rödsmul], [aria-label*=readcrumb]').first();
  if (trail.length === 0) return [];
  const items = trail.find('li').toArray();
  const crumbs = items.length > 0 ? items.map((li) => $(li).text()) : trail.text().split(/[›>»|/]/);
  return crumbs.map(normalizeInline).filter(Boolean);
}

function baseUrl($: Doc, url: string): string {
  const href = $('base[href]').attr('href');
  if (!href) return url;
  try {
    return new URL(href, url).href;
  } catch {
    return url;
  }
}

/** Absolute http(s) URL without fragment, or null for javascript:, mailto:, tel: and junk. */
export function absolutize(href: string, base: string): string | null {
  const trimmed = href.trim();
  if (!trimmed || trimmed.startsWith('#')) return null;
  try {
    const u = new URL(trimmed, base);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    u.hash = '';
    return u.href;
  } catch {
    return null;
  }
}

function findMain($: Doc): Element | undefined {
  for (const selector of MAIN_CANDIDATES) {
    const found = $(selector).toArray() as Element[];
    if (found.length === 0) continue;
    // Several articles (a news list) are not one main area; take the largest text.
    return found.reduce((a, b) => ($(b).text().length > $(a).text().length ? b : a));
  }
  return tableLayoutMain($);
}

/**
 * Old sites lay pages out in tables: menu column, content column, footer row, and none of the
 * elements that name them. The cell that holds the page's heading is the content; the whole
 * body is not (its menu column would make every menu page "linked from the main content").
 */
function tableLayoutMain($: Doc): Element | undefined {
  const h1 = $('h1').first().get(0);
  if (!h1) return undefined;
  const cell = $(h1).closest('td').get(0) as Element | undefined;
  if (!cell) return undefined;
  const bodyLength = $('body').text().replace(/\s+/g, ' ').length;
  const cellLength = $(cell).text().replace(/\s+/g, ' ').length;
  // A cell that holds (nearly) the whole page is the page wrapper, not a content column.
  return cellLength < 0.9 * bodyLength ? cell : undefined;
}

/**
 * Elements hidden with no way to reveal them. Hidden elements that a control opens (aria-controls,
 * href="#id", data-target, an accordion button next to them, <details>) stay visible: one click
 * shows them, and criteria.md counts them.
 */
function hiddenElements($: Doc, rawHtml: string): Set<AnyNode> {
  const revealable = new Set<string>();
  $('[aria-controls]').each((_, el) => {
    for (const id of ($(el).attr('aria-controls') ?? '').split(/\s+/)) if (id) revealable.add(id);
  });
  $('a[href^="#"], [data-target], [data-bs-target], [data-toggle-target]').each((_, el) => {
    const ref = $(el).attr('href') ?? $(el).attr('data-target') ?? $(el).attr('data-bs-target') ?? $(el).attr('data-toggle-target') ?? '';
    if (ref.startsWith('#') && ref.length > 1) revealable.add(ref.slice(1));
  });

  const cssHidden = hiddenSelectorsFromStyles(rawHtml);
  const hidden = new Set<AnyNode>();
  const candidates: Element[] = [
    ...($('[hidden], [style], input[type=hidden]').toArray() as Element[]),
    ...cssHidden.flatMap((sel) => {
      try {
        return $(sel).toArray() as Element[];
      } catch {
        return [];
      }
    }),
  ];
  for (const el of candidates) {
    if (el.tagName === 'input' && $(el).attr('type') === 'hidden') {
      hidden.add(el);
      continue;
    }
    const style = ($(el).attr('style') ?? '').replace(/\s+/g, '').toLowerCase();
    const hiddenByAttr = $(el).attr('hidden') !== undefined;
    const hiddenByStyle = /display:none|visibility:hidden/.test(style);
    const hiddenByCss = cssHidden.some((sel) => {
      try {
        return $(el).is(sel);
      } catch {
        return false;
      }
    });
    if (!hiddenByAttr && !hiddenByStyle && !hiddenByCss) continue;
    if (isRevealable($, el, revealable)) continue;
    hidden.add(el);
  }
  return hidden;
}

function isRevealable($: Doc, el: Element, revealable: Set<string>): boolean {
  const id = $(el).attr('id');
  if (id && revealable.has(id)) return true;
  if ($(el).closest('details').length > 0) return true;
  // Accordion markup: a toggle button right before the panel, or inside the same wrapper.
  const prev = $(el).prev();
  if (prev.is('button, [role=button], [aria-expanded]') || prev.find('button[aria-expanded], [role=button][aria-expanded]').length > 0) return true;
  const cls = ($(el).attr('class') ?? '').toLowerCase();
  return /accordion|collapse|expand|toggle|panel|tab-pane|dropdown|submenu|sub-menu/.test(cls) && $(el).parent().find('button, [aria-expanded]').length > 0;
}

/** Simple `.class`/`#id` selectors that a page's own <style> blocks hide. Enough for fixtures and typical CMS output. */
function hiddenSelectorsFromStyles(html: string): string[] {
  const out: string[] = [];
  const styleBlocks = html.match(/<style[^>]*>[\s\S]*?<\/style>/gi) ?? [];
  for (const block of styleBlocks) {
    const css = withoutAtRules(block.replace(/<\/?style[^>]*>/gi, '').replace(/\/\*[\s\S]*?\*\//g, ''));
    for (const rule of css.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
      const decl = (rule[2] ?? '').replace(/\s+/g, '').toLowerCase();
      if (!/display:none|visibility:hidden/.test(decl)) continue;
      for (const sel of (rule[1] ?? '').split(',')) {
        const s = sel.trim();
        // Pseudo-classes like :hover or :not(.open) mean it opens on interaction.
        if (/^[.#][\w-]+$/.test(s) || /^[a-z]+[.#][\w-]+$/i.test(s)) out.push(s);
      }
    }
  }
  return out;
}

/**
 * The CSS without its at-rules: a rule inside @media (print, small screens…) or @supports does not
 * always apply, and read naively its inner rules would look like top-level ones.
 */
function withoutAtRules(css: string): string {
  let out = '';
  let i = 0;
  while (i < css.length) {
    const at = css.indexOf('@', i);
    if (at === -1) {
      out += css.slice(i);
      break;
    }
    out += css.slice(i, at);
    let j = at;
    while (j < css.length && css[j] !== '{' && css[j] !== ';') j++;
    if (css[j] !== '{') {
      i = j + 1; // @import …; @charset …;
      continue;
    }
    let depth = 0;
    for (; j < css.length; j++) {
      if (css[j] === '{') depth++;
      else if (css[j] === '}' && --depth === 0) break;
    }
    i = j + 1;
  }
  return out;
}

/** Every element below `root` (not root itself), in document order. */
function descendants(root: AnyNode): Element[] {
  const out: Element[] = [];
  const stack: AnyNode[] = [...((root as Element).children ?? [])].reverse() as AnyNode[];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type !== 'tag' && node.type !== 'script' && node.type !== 'style') continue;
    out.push(node as Element);
    const children = (node as Element).children ?? [];
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as AnyNode);
  }
  return out;
}

function hasAncestor(el: AnyNode, ancestor: AnyNode): boolean {
  for (let cur = el.parent as AnyNode | null; cur; cur = cur.parent as AnyNode | null) if (cur === ancestor) return true;
  return false;
}

function isHidden(el: AnyNode, hidden: Set<AnyNode>): boolean {
  let cur: AnyNode | null = el;
  while (cur) {
    if (hidden.has(cur)) return true;
    cur = cur.parent as AnyNode | null;
  }
  return false;
}

function visibleText(root: AnyNode, hidden: Set<AnyNode>, skip?: Set<AnyNode>): string {
  const parts: string[] = [];
  const walk = (node: AnyNode): void => {
    if (hidden.has(node) || skip?.has(node)) return;
    if (node.type === 'text') {
      parts.push((node as unknown as { data: string }).data);
      return;
    }
    if (node.type !== 'tag' && node.type !== 'root') return;
    const el = node as Element;
    const block = node.type === 'tag' && BLOCK_TAGS.has(el.tagName);
    if (block) parts.push('\n');
    if (node.type === 'tag' && el.tagName === 'img') {
      const alt = el.attribs?.alt;
      if (alt) parts.push(` ${alt} `);
    }
    for (const child of el.children ?? []) walk(child as AnyNode);
    if (block) parts.push('\n');
    else if (node.type === 'tag' && (el.tagName === 'td' || el.tagName === 'th')) parts.push(' ');
  };
  walk(root);
  return parts.join('');
}

function extractForms($: Doc, base: string, hidden: Set<AnyNode>): PageForm[] {
  const forms: PageForm[] = [];
  for (const el of $('form').toArray()) {
    const $f = $(el);
    const method = ($f.attr('method') ?? 'get').toLowerCase() === 'post' ? 'post' : 'get';
    let action: string | null = base;
    const rawAction = $f.attr('action');
    if (rawAction !== undefined && rawAction.trim() !== '' && !rawAction.trim().startsWith('#')) action = absolutize(rawAction, base);
    if (!action) continue;
    const fields = $f
      .find('input, select, textarea')
      .toArray()
      .map((f) => {
        const $i = $(f);
        const tag = (f as Element).tagName;
        const type = tag === 'input' ? ($i.attr('type') ?? 'text').toLowerCase() : tag;
        return { name: $i.attr('name') ?? '', type, value: $i.attr('value') ?? '' };
      })
      .filter((f) => f.name !== '');
    const textFields = fields.filter((f) => f.type === 'text' || f.type === 'search' || f.type === 'textarea');
    const label = normalizeInline(
      [$f.attr('aria-label'), $f.find('label').text(), $f.find('input[placeholder]').attr('placeholder'), $f.find('button, input[type=submit]').text(), $f.find('input[type=submit]').attr('value')]
        .filter(Boolean)
        .join(' '),
    );
    const roleSearch = $f.is('[role=search]') || $f.closest('[role=search], search').length > 0;
    const searchish =
      roleSearch ||
      textFields.some((f) => SEARCH_FIELD.test(f.name) || f.type === 'search') ||
      /sök|search/i.test(`${action} ${label} ${$f.attr('id') ?? ''} ${$f.attr('class') ?? ''}`);
    forms.push({
      action,
      method,
      fields,
      isSearch: method === 'get' && textFields.length >= 1 && searchish && !isHidden(el, hidden),
      label,
    });
  }
  return forms;
}
