/**
 * Learns, per page template, whether its script-built menu is the same on every page. A page of
 * a template whose menu is empty in the HTML goes to the browser until RENDERS_TO_LEARN renders
 * have shown the same menu and left the main content as the HTML had it; later pages of that
 * template are read plain and borrow the menu (see src/page/menu.ts). A template whose menu
 * differs between pages (a menu that unfolds the current section) or whose script changes the
 * content is always rendered.
 */
import { linkKey, linksAddedByScript, type ScriptLink } from '../page/menu.ts';
import type { PageModel } from '../page/model.ts';

export const RENDERS_TO_LEARN = 2;

interface TemplateState {
  /** The first rendered page of the template, whose script-added links are borrowed. */
  sourceUrl: string;
  menu: ScriptLink[];
  renders: number;
  /** Menus differed, or the script changed the content: render every page. */
  varies: boolean;
}

export interface LearnedMenu {
  sourceUrl: string;
  menu: ScriptLink[];
  renders: number;
}

export class MenuTemplates {
  private readonly templates = new Map<string, TemplateState>();

  /** The menu to borrow for a page of this template, or null when the page must be rendered. */
  learned(template: string): LearnedMenu | null {
    const t = this.templates.get(template);
    if (!t || t.varies || t.renders < RENDERS_TO_LEARN) return null;
    return { sourceUrl: t.sourceUrl, menu: t.menu, renders: t.renders };
  }

  /** Records what rendering one page of the template changed; returns the links its script added. */
  observe(template: string, url: string, plain: PageModel, rendered: PageModel): ScriptLink[] {
    const added = linksAddedByScript(plain, rendered);
    const sameContent = plain.mainText === rendered.mainText;
    const t = this.templates.get(template);
    if (!t) {
      this.templates.set(template, { sourceUrl: url, menu: added, renders: 1, varies: !sameContent || added.length === 0 });
      return added;
    }
    t.renders++;
    // Borrowing gives this page its HTML's links plus the template's menu: the same links as
    // rendering it, when every menu link is on the rendered page and the script added no other.
    const renderedKeys = new Set(rendered.links.filter((l) => l.visible).map(linkKey));
    const menuKeys = new Set(t.menu.map(linkKey));
    const same = t.menu.every((l) => renderedKeys.has(linkKey(l))) && added.every((l) => menuKeys.has(linkKey(l)));
    if (!sameContent || !same) t.varies = true;
    return added;
  }
}
