/** Reads sitemap.xml (and sitemap indexes) into page URLs: a second way to find pages links miss. */
import * as cheerio from 'cheerio';

export interface SitemapContent {
  urls: string[];
  sitemaps: string[];
}

export function parseSitemap(xml: string): SitemapContent {
  const $ = cheerio.load(xml, { xml: true });
  const locs = (sel: string) =>
    $(sel)
      .toArray()
      .map((el) => $(el).text().trim())
      .filter((u) => /^https?:\/\//i.test(u));
  return { urls: locs('urlset > url > loc'), sitemaps: locs('sitemapindex > sitemap > loc') };
}
