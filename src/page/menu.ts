/**
 * A menu that a script builds is, on most sites, the same on every page. When the crawler has
 * seen it rendered and reads a later page of the same template plain, the page gets the links the
 * script added on the rendered page (`PageRecord.menuFrom`, `scriptLinks`); the judge adds them the
 * same way, so that the crawl and a later re-judging agree on the click graph.
 */
import type { PageLink, PageModel } from './model.ts';

export type ScriptLink = Pick<PageLink, 'href' | 'text'>;

/** `page` with the menu links it lacks, as navigation (not main content). */
export function withMenuOf(page: PageModel, menu: ScriptLink[]): PageModel {
  const have = new Set(page.links.map(linkKey));
  const added: PageLink[] = [];
  for (const link of menu) {
    if (have.has(linkKey(link))) continue;
    have.add(linkKey(link));
    added.push({ href: link.href, text: link.text, inMain: false, visible: true });
  }
  return added.length === 0 ? page : { ...page, links: [...page.links, ...added] };
}

/** The visible navigation links of the rendered page that the HTML did not have. */
export function linksAddedByScript(plain: PageModel, rendered: PageModel): ScriptLink[] {
  const before = new Set(plain.links.map(linkKey));
  const seen = new Set<string>();
  const out: ScriptLink[] = [];
  for (const l of rendered.links) {
    const key = linkKey(l);
    if (l.inMain || !l.visible || before.has(key) || seen.has(key)) continue;
    seen.add(key);
    out.push({ href: l.href, text: l.text });
  }
  return out;
}

export function linkKey(link: ScriptLink): string {
  return `${link.href}\t${link.text}`;
}
