/** rapport/index.html: every kommun of the run, sortable and filterable, and the criteria. */
import { NATIONAL_SCRIPT } from './assets.ts';
import type { ReportContext } from './context.ts';
import { html, localUrl, type Html } from './html.ts';
import { page } from './layout.ts';
import * as words from './words.ts';
import type { KommunResult } from '../results-schema.ts';
import { meanScore } from '../../score/score.ts';

export function renderNational(ctx: ReportContext): string {
  const { results } = ctx;
  const kommuner = [...results.kommuner].sort(byRank);
  const audited = kommuner.filter((k) => k.status === 'audited');
  const errors = kommuner.length - audited.length;
  const mean = meanScore(audited);
  const rankCount = new Map<number, number>();
  for (const k of audited) if (k.rank !== null) rankCount.set(k.rank, (rankCount.get(k.rank) ?? 0) + 1);
  const lans = [...new Set(kommuner.map((k) => ctx.lanOf(k.kommunkod)).filter((l): l is string => !!l))].sort((a, b) => a.localeCompare(b, 'sv'));
  const hasUnknownLan = kommuner.some((k) => !ctx.lanOf(k.kommunkod));
  const ruleIds = results.run.rules.map((r) => r.id);
  const totalWeight = results.run.rules.reduce((s, r) => s + r.weight, 0);

  const row = (k: KommunResult): Html => {
    const lan = ctx.lanOf(k.kommunkod);
    const shared = k.rank !== null && (rankCount.get(k.rank) ?? 0) > 1;
    const statusCell =
      k.status === 'audited'
        ? html`<td data-v="Granskad"><span class="status s-audited">Granskad</span></td>`
        : html`<td data-v="Ej granskad"><span class="status s-audit-error">Ej granskad</span><br><span class="muted">${k.reason ?? 'Webbplatsen kunde inte granskas.'}</span></td>`;
    return html`<tr data-namn="${k.namn}" data-kod="${k.kommunkod}" data-lan="${lan ?? '-'}" data-status="${k.status}">
<td class="num" data-v="${k.rank ?? ''}">${k.rank === null ? html`<span aria-hidden="true">–</span><span class="visually-hidden">ingen placering</span>` : k.rank}${shared ? html` <span class="muted">(delad)</span>` : ''}</td>
<th scope="row" data-v="${k.namn}"><a href="${localUrl(ctx.pageOf(k.kommunkod))}">${k.namn}</a></th>
<td data-v="${lan ?? ''}">${lan ?? html`<span class="muted">okänt</span>`}</td>
<td class="num" data-v="${k.score ?? ''}">${k.score === null ? html`<span aria-hidden="true">–</span><span class="visually-hidden">ingen poäng</span>` : words.score(k.score)}</td>
${statusCell}
</tr>`;
  };

  const criteriaRows = results.run.rules.map((r) => {
    const counts = { pass: 0, partial: 0, fail: 0, manual: 0 };
    for (const k of audited) {
      const c = k.criteria.find((c) => c.id === r.id);
      if (c && c.status in counts) counts[c.status as keyof typeof counts]++;
    }
    return { id: r.id, weight: r.weight, counts };
  });

  const body = html`
<p class="lead">Hur väl berättar kommunens webbplats om hemtjänst? Varje webbplats har granskats på ${ruleIds.length} kriterier: hur man hittar och ansöker om hemtjänst, vad som händer sedan, vad det kostar, vilka utförare som finns och mer. Poängen är 0–100, där varje kriterium väger olika mycket (sammanlagd vikt ${words.number(totalWeight)}).</p>
<dl class="facts">
<div><dt>Granskade kommuner</dt><dd>${audited.length}</dd></div>
<div><dt>Ej granskade</dt><dd>${errors}</dd></div>
<div><dt>Medelpoäng</dt><dd>${words.score(mean)}</dd></div>
<div><dt>Granskat</dt><dd>${words.date(results.run.startedAt)}</dd></div>
</dl>
<p>En kommun vars webbplats inte gick att granska står som <strong>Ej granskad</strong> med skälet, och har varken poäng eller placering — den räknas aldrig som 0 poäng. Välj en kommun för att se bedömningen av varje kriterium med bevis: sidan, vägen dit från startsidan och texten som hittades.</p>

<h2 id="alla">Alla kommuner</h2>
<form id="filter" class="controls no-print" role="search" aria-label="Filtrera kommunerna" hidden>
<div><label for="f-namn">Sök kommun (namn eller kod)</label><input id="f-namn" type="search" autocomplete="off" spellcheck="false"></div>
<div><label for="f-lan">Län</label><select id="f-lan"><option value="">Alla län</option>${lans.map((l) => html`<option value="${l}">${l}</option>`)}${hasUnknownLan ? html`<option value="-">Län okänt</option>` : ''}</select></div>
<div><label for="f-status">Status</label><select id="f-status"><option value="">Alla</option><option value="audited">Granskade</option><option value="error">Ej granskade</option></select></div>
</form>
<p id="antal" class="count" role="status"></p>
<table id="kommuner" class="kommuner">
<caption>${kommuner.length === 1 ? 'Resultatet för 1 kommun' : html`Resultaten för ${kommuner.length} kommuner`}, i placeringsordning<span id="sorttips" class="no-print" hidden>. Välj en kolumnrubrik för att sortera efter den</span>.</caption>
<thead><tr>
<th scope="col" class="num" data-sort="num" aria-sort="ascending">Placering</th>
<th scope="col" data-sort="text">Kommun</th>
<th scope="col" data-sort="text">Län</th>
<th scope="col" class="num" data-sort="num" data-first="descending">Poäng</th>
<th scope="col" data-sort="text">Status</th>
</tr></thead>
<tbody>
${kommuner.map(row)}
</tbody>
</table>

<h2 id="kriterier">Kriterierna</h2>
<p>Så många av de ${audited.length} granskade kommunerna fick varje bedömning. Ett uppfyllt kriterium ger hela sin vikt i poäng, ett delvis uppfyllt hälften.</p>
<table class="criteria">
<caption>Kriterierna med vikt och antal kommuner per bedömning</caption>
<thead><tr><th scope="col">Kriterium</th><th scope="col" class="num">Vikt</th><th scope="col" class="num">${words.STATUS_WORDS.pass}</th><th scope="col" class="num">${words.STATUS_WORDS.partial}</th><th scope="col" class="num">${words.STATUS_WORDS.fail}</th><th scope="col" class="num">Manuell granskning</th></tr></thead>
<tbody>
${words.catalogueSort(criteriaRows).map(
  (c) => html`<tr><th scope="row">${ctx.rule(c.id).title}${ctx.rule(c.id).description ? html`<br><span class="muted">${ctx.rule(c.id).description}</span>` : ''}</th><td class="num">${words.number(c.weight)}</td><td class="num">${c.counts.pass}</td><td class="num">${c.counts.partial}</td><td class="num">${c.counts.fail}</td><td class="num">${c.counts.manual}</td></tr>`,
)}
</tbody>
</table>
`;
  return page({
    title: 'Hemtjänstindex, delindex Information – alla kommuner',
    kicker: 'Hemtjänstindex · delindex Information',
    h1: 'Vad kommunernas webbplatser berättar om hemtjänst',
    body,
    run: results.run,
    script: NATIONAL_SCRIPT,
  });
}

function byRank(a: KommunResult, b: KommunResult): number {
  if (a.rank === null && b.rank === null) return a.namn.localeCompare(b.namn, 'sv');
  if (a.rank === null) return 1;
  if (b.rank === null) return -1;
  return a.rank - b.rank || a.namn.localeCompare(b.namn, 'sv');
}
