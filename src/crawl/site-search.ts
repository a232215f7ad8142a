/**
 * Uses a site's own search as a visitor would: find its search form, fill in the word, submit it,
 * read the result list. Search URLs differ from site to site; none is assumed.
 */
import type { PageForm, PageModel } from '../page/model.ts';
import { normalizeUrl } from '../util/url.ts';

const QUERY_FIELD = /^(q|query|s|search|searchtext|search_query|searchquery|sok|soktext|sokord|fras|term|keys|keyword|k|text|ord|searchstring|sq)$/i;
const PAGINATION = /^(nästa|föregående|next|previous|prev|«|»|‹|›|\d+|sida \d+|visa fler|fler träffar|\.\.\.|…)$/i;

export function findSearchForm(models: PageModel[]): { form: PageForm; page: string } | null {
  for (const model of models) {
    const forms = model.forms.filter((f) => f.isSearch);
    if (forms.length > 0) return { form: forms[0]!, page: model.url };
  }
  return null;
}

/** The URL a browser would GET when the form is submitted with `query` in its text field. */
export function searchUrl(form: PageForm, query: string): string {
  const u = new URL(form.action);
  const textFields = form.fields.filter((f) => f.type === 'text' || f.type === 'search' || f.type === 'textarea');
  const target = textFields.find((f) => f.type === 'search') ?? textFields.find((f) => QUERY_FIELD.test(f.name)) ?? textFields[0];
  // A GET form replaces the action's query with its own fields.
  u.search = '';
  for (const f of form.fields) {
    if (f === target) u.searchParams.append(f.name, query);
    else if (f.type === 'hidden') u.searchParams.append(f.name, f.value);
  }
  return u.href;
}

/**
 * The hits of a result page, in order: the links inside a result list when the page marks one,
 * else the links of its main content; pagination, sorting and the search page itself left out.
 */
export function extractHits(model: PageModel, resultsUrl: string, query: string): Array<{ url: string; text: string }> {
  const $ = model.dom;
  const results = new URL(resultsUrl);
  // The parameters that carry the query: a link with one of them is pagination or sorting.
  const queryKeys = [...results.searchParams].filter(([, v]) => v.toLowerCase() === query.toLowerCase()).map(([k]) => k);
  const isResultLink = (href: string, text: string): boolean => {
    try {
      const u = new URL(href);
      // Same page as the search: pagination, sorting, or the empty search form. On sites where
      // every page lives at one path (WordPress ?page_id=), only the query tells them apart.
      if (u.origin === results.origin && u.pathname === results.pathname && (!u.search || queryKeys.some((k) => u.searchParams.has(k)))) return false;
    } catch {
      return false;
    }
    return text.trim().length > 0 && !PAGINATION.test(text.trim());
  };
  let ordered: Array<{ url: string; text: string }> = [];
  if ($) {
    const containers = $('[class*=result], [id*=result], [class*=hit], [id*=hit], [class*=traff], [id*=traff], [class*=träff], [class*=search-list], [class*=searchlist]')
      .toArray()
      .filter((el) => $(el).find('a[href]').length > 0);
    // The outermost list-like container: its links in document order.
    const outer = containers.filter((el) => !containers.some((other) => other !== el && $(other).find(el).length > 0));
    for (const el of outer) {
      for (const a of $(el).find('a[href]').toArray()) {
        const href = normalizeUrl($(a).attr('href') ?? '', resultsUrl);
        const text = $(a).text().replace(/\s+/g, ' ').trim();
        if (href && isResultLink(href, text)) ordered.push({ url: href, text });
      }
    }
  }
  if (ordered.length === 0) {
    ordered = model.links.filter((l) => l.inMain && l.visible && isResultLink(l.href, l.text)).map((l) => ({ url: l.href, text: l.text }));
  }
  const seen = new Set<string>();
  return ordered.filter((h) => (seen.has(h.url) ? false : (seen.add(h.url), true)));
}
