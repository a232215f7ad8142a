/**
 * Fetch first, render only when needed: a page goes to the browser only when what plain HTTP gave
 * us is missing what a visitor's browser would show (a menu filled by script, an empty app shell).
 */
import type { PageModel } from '../page/model.ts';

export interface RenderNeed {
  reason: string;
  /**
   * Set when only the menu is missing: the empty menu's markup and the host, which pages of one
   * template share (see menu-templates.ts).
   */
  menuTemplate?: string;
}

/** Why this page needs JavaScript to show its content or links, or null when the fetched HTML is enough. */
export function renderNeed(model: PageModel): RenderNeed | null {
  const $ = model.dom;
  if (!$ || model.kind !== 'html') return null;
  const scripts = $('script').length;
  if (scripts === 0) return null;

  const emptyMenus = $('nav, [role=navigation], [id*=menu], [class*=menu], [id*=nav], [class*=navigation]')
    .toArray()
    .filter((el) => {
      const $el = $(el);
      if ($el.parents('nav, [role=navigation]').length > 0 && el.tagName !== 'nav') return false;
      return $el.find('a[href]').length === 0 && $el.text().trim().length < 20 && $el.children('button').length === 0;
    });
  if (emptyMenus.length > 0 && $('nav a[href], [role=navigation] a[href]').length < 3) {
    const markup = emptyMenus.map((el) => `${el.tagName}#${$(el).attr('id') ?? ''}.${$(el).attr('class') ?? ''}`).join('|');
    return { reason: 'menyn är tom i HTML-koden och byggs med JavaScript', menuTemplate: `${new URL(model.url).host} ${markup}` };
  }

  for (const sel of ['#app', '#root', '#__next', '[data-reactroot]', '[ng-app]', '#main-app']) {
    const el = $(sel);
    if (el.length > 0 && el.text().trim().length < 40) return { reason: 'sidans innehåll byggs med JavaScript' };
  }
  // A site without a single menu link in its HTML builds its navigation in the browser.
  if (model.links.filter((l) => !l.inMain).length === 0 && model.meta.hasMainElement) return { reason: 'sidan har inga menylänkar utan JavaScript' };
  if (model.mainText.length < 60 && model.links.length < 3) return { reason: 'sidan har nästan ingen text eller länkar utan JavaScript' };
  return null;
}
