/**
 * Learns, per page template, whether its script-built menu is the same on every page. A page of
 * a template whose menu is empty in the HTML goes to the browser until RENDERS_TO_LEARN renders
 * have shown the same menu links and left the main content as the HTML had it; later pages of
 * that template are read plain and borrow the menu (see src/page/menu.ts). A template whose menu
 * differs between pages (a menu that unfolds the current section) or whose script changes the
 * content is always rendered.
 */
import { linkKey } from '../page/menu.ts';
import type { PageModel } from '../page/model.ts';

export const RENDERS_TO_LEARN = 2;

interface TemplateState {
  /** The first rendered page of the template: its menu is the one borrowed. */
  sourceUrl: string;
  sourceLinks: PageModel['links'];
  menu: string;
  renders: number;
  /** Menus differed, or the script changed the content: render every page. */
  varies: boolean;
}

export interface LearnedMenu {
  sourceUrl: string;
  sourceLinks: PageModel['links'];
  renders: number;
}

export class MenuTemplates {
  private readonly templates = new Map<string, TemplateState>();

  /** The menu to borrow for a page of this template, or null when the page must be rendered. */
  learned(template: string): LearnedMenu | null {
    const t = this.templates.get(template);
    if (!t || t.varies || t.renders < RENDERS_TO_LEARN) return null;
    return { sourceUrl: t.sourceUrl, sourceLinks: t.sourceLinks, renders: t.renders };
  }

  /** Records what rendering one page of the template changed. */
  observe(template: string, url: string, plain: PageModel, rendered: PageModel): void {
    const menu = scriptMenu(plain, rendered);
    const sameContent = plain.mainText === rendered.mainText;
    const t = this.templates.get(template);
    if (!t) {
      const sourceLinks = rendered.links.filter((l) => !l.inMain);
      this.templates.set(template, { sourceUrl: url, sourceLinks, menu, renders: 1, varies: !sameContent || menu === '' });
      return;
    }
    t.renders++;
    if (!sameContent || menu !== t.menu) t.varies = true;
  }
}

/** The navigation links the script added, as one comparable string. */
function scriptMenu(plain: PageModel, rendered: PageModel): string {
  const before = new Set(plain.links.map(linkKey));
  return rendered.links
    .filter((l) => !l.inMain && !before.has(linkKey(l)))
    .map(linkKey)
    .sort()
    .join('\n');
}
