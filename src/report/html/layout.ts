/** The frame of every report page: lang="sv", skip link, header, main, footer, inline CSS. */
import { contentSecurityPolicy, CSS } from './assets.ts';
import { html, trustedConstant, type Html, type Interpolation } from './html.ts';
import * as words from './words.ts';
import type { Results } from '../results-schema.ts';

export interface PageParts {
  title: string;
  /** Small text above the h1. */
  kicker?: Interpolation;
  crumbs?: Html;
  h1: Interpolation;
  body: Html;
  run: Results['run'];
  /** Inline script of this page (a program constant), if any. */
  script?: string;
}

export function page(p: PageParts): string {
  const script = p.script ?? null;
  const doc = html`<!doctype html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(script)}">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="${p.run.tool.name} ${p.run.tool.version}">
<title>${p.title}</title>
<style>${trustedConstant(CSS)}</style>
</head>
<body>
<a class="skip" href="#innehall">Hoppa till innehållet</a>
<header class="site">
${p.kicker ? html`<p class="kicker">${p.kicker}</p>` : ''}
${p.crumbs ?? ''}
</header>
<main id="innehall" tabindex="-1">
<h1>${p.h1}</h1>
${p.body}
</main>
${footer(p.run)}
${script ? html`<script>${trustedConstant(script)}</script>` : ''}
</body>
</html>
`;
  return doc.toString();
}

function footer(run: Results['run']): Html {
  const extra = run as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : null);
  const rulesVersion = str(extra.rulesVersion);
  const userAgent = str(extra.userAgent);
  const browser = str(extra.browser);
  return html`<footer class="site">
<p>Granskningen gjordes automatiskt av ${run.tool.name} ${run.tool.version}. Den läser webbplatsen som en besökare gör och sparar bevis för varje bedömning. Ett automatiskt resultat kan behöva granskas av en person.</p>
<dl>
<dt>Körning</dt><dd>${run.id}</dd>
<dt>Startade</dt><dd>${words.dateTime(run.startedAt)}</dd>
<dt>Klar</dt><dd>${words.dateTime(run.finishedAt)}</dd>
${rulesVersion ? html`<dt>Regelversion</dt><dd>${rulesVersion}</dd>` : ''}
${userAgent ? html`<dt>User-Agent</dt><dd>${userAgent}</dd>` : ''}
${browser ? html`<dt>Webbläsare</dt><dd>${/^\d/.test(browser) ? `Chromium ${browser}` : browser}</dd>` : ''}
</dl>
</footer>`;
}
