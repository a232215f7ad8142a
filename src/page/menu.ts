/**
 * A menu that a script builds is, on most sites, the same on every page. When the crawler has
 * seen it rendered and reads a later page of the same template plain, the page gets the menu's
 * links from the rendered page (`PageRecord.menuFrom`); the judge adds them the same way, so that
 * the crawl and a later re-judging agree on the click graph.
 */
import type { PageLink, PageModel } from './model.ts';

/** `page` with the navigation links of `menuSource` that it lacks, added as navigation (not main content). */
export function withMenuOf(page: PageModel, menuSource: Pick<PageModel, 'links'>): PageModel {
  const have = new Set(page.links.map(linkKey));
  const added: PageLink[] = [];
  for (const link of menuSource.links) {
    if (link.inMain || have.has(linkKey(link))) continue;
    have.add(linkKey(link));
    added.push({ ...link, inMain: false });
  }
  return added.length === 0 ? page : { ...page, links: [...page.links, ...added] };
}

export function linkKey(link: Pick<PageLink, 'href' | 'text'>): string {
  return `${link.href}\t${link.text}`;
}
