/**
 * rapport/<kommunkod>.html: one kommun, for its web editors and for a meeting. Score and rank,
 * an overview of every criterion, then the criteria grouped by verdict — what is missing first —
 * each with the reason, the evidence (page, click path, text, screenshot) or, when it failed,
 * where the audit looked and what the kommun could add.
 */
import type { ReportContext } from './context.ts';
import { fragmentUrl, html, httpUrl, localUrl, safeId, type Html, type Interpolation } from './html.ts';
import { page } from './layout.ts';
import * as words from './words.ts';
import { readTrail, type CriterionResult, type KommunResult, type Trail } from '../results-schema.ts';
import { candidateSentence, CANDIDATES_INTRO, wholeSiteSentence, type TrailCandidate } from '../trail-words.ts';

type Status = words.CriterionStatus;

/** Pages of a fail's trail listed before the rest are folded away. */
const TRAIL_PAGES_SHOWN = 5;

export function renderKommun(ctx: ReportContext, k: KommunResult): string {
  const audited = ctx.results.kommuner.filter((x) => x.status === 'audited').length;
  const lan = ctx.lanOf(k.kommunkod);
  const site = httpUrl(k.webbplats);
  const intro = html`<p>Kommunkod ${k.kommunkod}${lan ? html` · ${lan}` : ''} · Webbplats: ${site ? html`<a class="url" href="${site}">${k.webbplats}</a>` : html`<span class="url">${k.webbplats}</span>`}</p>`;

  const body = k.status === 'error' ? errorBody(k) : auditedBody(ctx, k, audited);
  return page({
    title: `${k.namn} – hemtjänstinformationen på webbplatsen`,
    kicker: html`Hemtjänstindex · delindex Information · granskat ${words.date(ctx.results.run.startedAt)}`,
    crumbs: html`<nav class="crumbs" aria-label="Du är här"><a href="${localUrl('index.html')}">Alla kommuner</a> › <span aria-current="page">${k.namn}</span></nav>`,
    h1: k.namn,
    body: html`${intro}${body}`,
    run: ctx.results.run,
  });
}

function errorBody(k: KommunResult): Html {
  return html`<section class="notice" aria-labelledby="ej-granskad">
<h2 id="ej-granskad">Ej granskad</h2>
<p class="reason">${k.reason ?? 'Webbplatsen kunde inte granskas.'}</p>
<p>Därför har kommunen ingen poäng och ingen placering i den här granskningen. Den räknas inte som 0 poäng. ${k.pagesFetched > 0 ? `Granskningen hann läsa ${words.plural(k.pagesFetched, 'sida', 'sidor')}.` : 'Ingen sida kunde läsas.'}</p>
</section>`;
}

function auditedBody(ctx: ReportContext, k: KommunResult, audited: number): Html {
  const criteria = words.catalogueSort(k.criteria);
  const passed = criteria.filter((c) => c.status === 'pass').length;
  const maxPoints = criteria.reduce((s, c) => s + c.weight, 0);
  const points = criteria.reduce((s, c) => s + c.points, 0);

  const overview = html`<h2 id="oversikt">Översikt</h2>
<table class="overview">
<caption>Alla ${criteria.length} kriterier med bedömning, vikt och poäng</caption>
<thead><tr><th scope="col">Kriterium</th><th scope="col">Bedömning</th><th scope="col" class="num">Vikt</th><th scope="col" class="num">Poäng</th></tr></thead>
<tbody>
${criteria.map(
  (c) => html`<tr><th scope="row"><a href="${fragmentUrl(safeId('k', c.id))}">${ctx.rule(c.id).title}</a></th><td>${badge(c.status)}</td><td class="num">${words.number(c.weight)}</td><td class="num">${words.number(c.points)}</td></tr>`,
)}
</tbody>
<tfoot><tr><th scope="row">Summa</th><td></td><td class="num">${words.number(maxPoints)}</td><td class="num">${words.number(points)}</td></tr></tfoot>
</table>`;

  const groups = words.STATUS_ORDER.map((status) => {
    const list = criteria.filter((c) => c.status === status);
    if (list.length === 0) return '';
    const id = `grupp-${status}`;
    return html`<section class="group" aria-labelledby="${id}">
<h2 id="${id}">${words.STATUS_SECTION[status]} (${list.length})</h2>
${list.map((c) => criterion(ctx, c))}
</section>`;
  });

  return html`<dl class="facts">
<div><dt>Poäng</dt><dd>${words.score(k.score)} <span class="muted">av 100</span></dd></div>
<div><dt>Placering</dt><dd>${k.rank ?? '–'} <span class="muted">av ${audited}</span></dd></div>
<div><dt>Uppfyllda kriterier</dt><dd>${passed} <span class="muted">av ${criteria.length}</span></dd></div>
<div><dt>Lästa sidor</dt><dd>${k.pagesFetched}</dd></div>
</dl>
<p>Poängen är summan av kriteriernas poäng (${words.number(points)} av ${words.number(maxPoints)}) omräknad till 0–100. Ett uppfyllt kriterium ger hela sin vikt, ett delvis uppfyllt hälften. Placeringen gäller bland de ${audited} granskade kommunerna i den här körningen; lika poäng ger samma placering.</p>
${overview}
${groups}`;
}

function badge(status: Status): Html {
  return html`<span class="status s-${status}">${words.STATUS_WORDS[status]}</span>`;
}

function criterion(ctx: ReportContext, c: CriterionResult): Html {
  const rule = ctx.rule(c.id);
  const id = safeId('k', c.id);
  const status = c.status as Status;
  const trail = readTrail(c);
  const showHint = (status === 'fail' || status === 'partial') && rule.hint;
  return html`<article class="criterion c-${status}" id="${id}" aria-labelledby="${id}-rubrik">
<h3 id="${id}-rubrik">${rule.title}</h3>
<p class="verdict">${badge(status)}<span class="weight">Vikt ${words.number(c.weight)} · ${words.number(c.points)} av ${words.number(c.weight)} poäng</span></p>
<p class="reason">${c.reason}</p>
${rule.description ? html`<p class="muted">Kriteriet: ${rule.description}</p>` : ''}
${c.evidence.length > 0 ? evidenceList(ctx, c) : ''}
${trail && (status === 'fail' || status === 'manual') ? trailOf(trail) : ''}
${showHint ? html`<div class="hint"><h4>Det här kan kommunen lägga till</h4><p>${rule.hint}</p></div>` : ''}
</article>`;
}

function evidenceList(ctx: ReportContext, c: CriterionResult): Html {
  const heading = c.evidence.length === 1 ? 'Bevis' : `Bevis (${c.evidence.length})`;
  return html`<h4>${heading}</h4>
<ul class="evidence">
${c.evidence.map((e) => {
  const shot = ctx.screenshot(e.screenshot);
  const document = (e as { document?: unknown }).document === true;
  const extra = e as { shown?: unknown; screenshotUrl?: unknown; screenshotAt?: unknown };
  // A document's evidence is pictured on the page that links to it (screenshotUrl).
  const pictured = typeof extra.screenshotUrl === 'string' && extra.screenshotUrl ? extra.screenshotUrl : e.url;
  // A search hit is pictured on the results page, a document on the page linking to it.
  const searchHit = e.path?.[0]?.startsWith('Sök:') === true;
  const marked = pictured === e.url ? 'den matchade texten' : searchHit ? 'träffen i sökresultatet' : document ? 'länken till dokumentet' : 'länken till sidan';
  const about = `Skärmbild för kriteriet ${ctx.rule(c.id).title}, sidan ${pictured}`;
  const alt = extra.shown === false ? `${about}. Det som bedömdes syntes inte på sidan när bilden togs.` : `${about}, med ${marked} inramad.`;
  const shotAt = typeof extra.screenshotAt === 'string' ? extra.screenshotAt : null;
  return html`<li>
<div class="ev-text"><dl>
<dt>Sida</dt><dd>${urlLink(e.url)}${document ? html` <span class="muted">(i ett dokument)</span>` : ''}</dd>
<dt>Väg dit</dt><dd class="path">${clickPath(e.path, e.clicks)}</dd>
${e.capturedAt ? html`<dt>Hämtad</dt><dd>${words.dateTime(e.capturedAt)}</dd>` : ''}
${e.excerpt ? html`<dt>Texten</dt><dd><blockquote class="excerpt">${e.excerpt}</blockquote></dd>` : ''}
</dl></div>
${shot ? html`<figure class="thumb"><a href="${shot.url}"><img src="${shot.url}" alt="${alt}" loading="lazy"${shot.width ? html` width="${shot.width}" height="${shot.height ?? ''}"` : ''}></a><figcaption>${shotAt ? `Skärmbild tagen ${words.dateTime(shotAt)}. ` : ''}Välj bilden för att se den i full storlek.</figcaption></figure>` : ''}
</li>`;
})}
</ul>`;
}

/** "Startsida › Omsorg › Hemtjänst (2 klick)". */
function clickPath(path: string[] | null, clicks: number | null): Interpolation {
  if (!path || (path.length === 0 && clicks !== 0)) return html`<span class="muted">${clicks === null ? 'Sidan nås inte med klick från startsidan (hittad via sökning, webbplatskarta eller en länkad sida)' : words.clicks(clicks)}</span>`;
  if (path.length === 0) return 'Startsidan';
  return html`Startsida › ${path.map((p, i) => html`${i > 0 ? ' › ' : ''}${p}`)} <span class="muted">(${words.clicks(clicks)})</span>`;
}

/** A live link for http(s); anything else (javascript:, data:, garbage) is shown as text. */
function urlLink(url: string, text?: string): Html {
  const safe = httpUrl(url);
  return safe ? html`<a class="url" href="${safe}">${text ?? url}</a>` : html`<span class="url">${text ?? url}</span>`;
}

function trailOf(trail: Trail): Html {
  const pages = trail.pagesExamined;
  const pageItem = (p: Trail['pagesExamined'][number]) => html`<li>${p.title ? html`${p.title}: ` : ''}${urlLink(p.url)} <span class="muted">(${words.clicks(p.clicks)})</span></li>`;
  const first = pages.slice(0, TRAIL_PAGES_SHOWN);
  const rest = pages.slice(TRAIL_PAGES_SHOWN);
  const search = trail.search;
  return html`<h4>Så letade granskningen</h4>
${pages.length === 0 ? html`<p>Inga sidor att undersöka för det här kriteriet.</p>` : html`<p>Granskningen undersökte ${words.plural(pages.length, 'sida', 'sidor')}:</p>
<ul class="pages">${first.map(pageItem)}</ul>
${rest.length ? html`<details><summary>Visa ${words.plural(rest.length, 'sida', 'sidor')} till</summary><ul class="pages">${rest.map(pageItem)}</ul></details>` : ''}`}
${search ? html`<p>${words.searchOutcome(search)}${search.resultsUrl ? html` Träffsidan: ${urlLink(search.resultsUrl)}` : ''}</p>
${search.hits.length ? html`<ul class="hits">${search.hits.map((h) => html`<li>${h.text ? html`${h.text}: ` : ''}${urlLink(h.url)}</li>`)}</ul>` : ''}` : ''}
${trail.notes.length ? html`<ul class="pages">${trail.notes.map((n) => html`<li>${n}</li>`)}</ul>` : ''}
${trail.wholeSite ? html`<p>${wholeSiteSentence(trail.wholeSite)}</p>` : ''}
${trail.candidates.length ? candidatesOf(trail.candidates) : ''}`;
}

/** Why the nearest pages were not enough, page by page. */
function candidatesOf(candidates: TrailCandidate[]): Html {
  const item = (c: TrailCandidate) =>
    html`<li>${c.title ? html`${c.title}: ` : ''}${urlLink(c.url)} <span class="muted">(${c.document ? 'länkat dokument, ' : ''}${words.clicks(c.clicks)})</span><br>${candidateSentence(c)}</li>`;
  return html`<p>${CANDIDATES_INTRO}</p>
<ul class="pages candidates">${candidates.map(item)}</ul>`;
}
