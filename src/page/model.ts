import type { CheerioAPI } from 'cheerio';

/** A link as a visitor sees it. */
export interface PageLink {
  /** Absolute http(s) URL without fragment. */
  href: string;
  /** Link text, image alt, aria-label and title, normalised. */
  text: string;
  /** In the page's main content (not header, navigation, breadcrumb, footer). */
  inMain: boolean;
  /** Not hidden with no way to reveal it. */
  visible: boolean;
}

export interface PageForm {
  action: string;
  method: 'get' | 'post';
  fields: Array<{ name: string; type: string; value: string }>;
  /** A GET form with a text field that looks like a site search. */
  isSearch: boolean;
  label: string;
}

/** What one fetched page or document says, derived from its body. */
export interface PageModel {
  url: string;
  kind: 'html' | 'pdf' | 'docx';
  lang?: string;
  title: string;
  h1: string[];
  headings: string[];
  /** The breadcrumb's crumbs (Start, Omsorg, Hemtjänst); empty when the page has none. */
  breadcrumb: string[];
  /** Visible text of the main content, blocks separated by newlines. */
  mainText: string;
  /** Visible text of the whole page. */
  pageText: string;
  links: PageLink[];
  forms: PageForm[];
  meta: { ogType?: string; hasMainElement?: boolean };
  /** The parsed DOM, for element conditions (HTML only). */
  dom?: CheerioAPI;
}

/** A document (PDF, Word) as a page model: its text is all main content. */
export function documentModel(url: string, kind: 'pdf' | 'docx', text: string): PageModel {
  const firstLine = text.split('\n').find((l) => l.trim().length > 0)?.trim() ?? '';
  return {
    url,
    kind,
    title: firstLine.slice(0, 200),
    h1: [],
    headings: [],
    breadcrumb: [],
    mainText: text,
    pageText: text,
    links: [],
    forms: [],
    meta: {},
  };
}
