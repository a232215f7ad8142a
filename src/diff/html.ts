/**
 * The diff as one HTML page (granska diff --html FILE): Swedish, lang="sv", every table with a
 * caption and th scope, every piece of text escaped by the report's `html` template, evidence
 * links only for http(s) addresses. Self-contained: no scripts, no external files.
 */
import { html, httpUrl, trustedConstant, type Html } from '../report/html/html.ts';
import { dateTime, number, score, STATUS_WORDS } from '../report/html/words.ts';
import type { CriterionChange, KommunDiff, KommunOnce, RunDiff, RunSide } from './diff.ts';
import { isEmptyDiff } from './diff.ts';
import { KIND_WORDS, kommunStatusText } from './text.ts';

const STYLE = trustedConstant(`<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;line-height:1.45;margin:0;color:#1b1b1b;background:#fff}
main{max-width:72rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;width:100%}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border:1px solid #b9c0c8;padding:.35rem .5rem;text-align:left;vertical-align:top}
thead th{background:#e8edf3}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.up{color:#0b6b2b}.down{color:#a4141b}
ul.urls{margin:0;padding-left:1.1rem}
a{color:#0b4f9c;overflow-wrap:anywhere}
dl.runs{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dl.runs dt{font-weight:600}dl.runs dd{margin:0}
</style>`);

const delta = (n: number | null): Html => {
  if (n === null) return html`–`;
  const cls = n > 0 ? 'up' : n < 0 ? 'down' : '';
  const text = n > 0 ? `+${number(n, 1)}` : number(n, 1);
  return cls ? html`<span class="${cls}">${text}</span>` : html`${text}`;
};

const status = (s: CriterionChange['oldStatus']): string => (s === null ? '–' : STATUS_WORDS[s] ?? s);
const rank = (n: number | null): string => (n === null ? '–' : String(n));

function urls(list: string[]): Html {
  if (list.length === 0) return html`inget bevis`;
  return html`<ul class="urls">${list.map((u) => {
    const safe = httpUrl(u);
    return safe ? html`<li><a href="${safe}">${u}</a></li>` : html`<li>${u}</li>`;
  })}</ul>`;
}

function runFacts(label: string, s: RunSide): Html {
  const parts = [`körning ${s.id}`, `klar ${dateTime(s.finishedAt)}`, `granska ${s.toolVersion}`];
  if (s.rulesVersion) parts.push(`regler ${s.rulesVersion}`);
  return html`<dt>${label}</dt><dd>${s.source} (${parts.join(', ')})</dd>`;
}

function rulesTable(d: RunDiff): Html | null {
  const rows = [
    ...d.rules.added.map((r) => ({ kind: KIND_WORDS.added, id: r.id, title: r.title, weight: `${r.weight}` })),
    ...d.rules.removed.map((r) => ({ kind: KIND_WORDS.removed, id: r.id, title: r.title, weight: `${r.weight}` })),
    ...d.rules.weightChanged.map((r) => ({ kind: 'ändrad vikt', id: r.id, title: r.title, weight: `${r.oldWeight} → ${r.newWeight}` })),
  ];
  if (rows.length === 0) return null;
  return html`<h2 id="kriterier">Kriterier som ändrats mellan körningarna</h2>
<table>
<caption>Kriterier som bara finns i den ena körningen eller har fått en annan vikt</caption>
<thead><tr><th scope="col">Kriterium</th><th scope="col">Namn</th><th scope="col">Ändring</th><th scope="col">Vikt</th></tr></thead>
<tbody>${rows.map((r) => html`<tr><th scope="row">${r.id}</th><td>${r.title}</td><td>${r.kind}</td><td class="num">${r.weight}</td></tr>`)}</tbody>
</table>`;
}

function scoreTable(changed: KommunDiff[]): Html | null {
  if (changed.length === 0) return null;
  return html`<h2 id="kommuner">Kommuner med ändrat resultat</h2>
<table>
<caption>Poäng (0–100) och placering före och efter, för de kommuner vars resultat ändrats</caption>
<thead><tr><th scope="col">Kommun</th><th scope="col">Kommunkod</th><th scope="col">Poäng före</th><th scope="col">Poäng efter</th><th scope="col">Ändring</th><th scope="col">Placering före → efter</th><th scope="col">Status</th></tr></thead>
<tbody>${changed.map(
    (k) => html`<tr><th scope="row">${k.namn}</th><td>${k.kommunkod}</td><td class="num">${score(k.oldScore)}</td><td class="num">${score(k.newScore)}</td><td class="num">${delta(k.delta)}</td><td>${rank(k.oldRank)} → ${rank(k.newRank)}</td><td>${
      k.oldStatus === k.newStatus ? kommunStatusText(k.newStatus) : `${kommunStatusText(k.oldStatus)} → ${kommunStatusText(k.newStatus)}`
    }</td></tr>`,
  )}</tbody>
</table>`;
}

function kommunCriteria(k: KommunDiff): Html {
  const notes: Html[] = [];
  if (k.oldStatus === 'error') notes.push(html`<p>Före: ej granskad${k.oldReason ? ` (${k.oldReason})` : ''}.</p>`);
  if (k.newStatus === 'error') notes.push(html`<p>Efter: ej granskad${k.newReason ? ` (${k.newReason})` : ''}.</p>`);
  if (notes.length) notes.push(html`<p>Kriterierna jämförs bara när kommunen är granskad i båda körningarna.</p>`);
  const table =
    k.criteria.length === 0
      ? null
      : html`<table>
<caption>${k.kommunkod} ${k.namn}: kriterier med ändrad status</caption>
<thead><tr><th scope="col">Kriterium</th><th scope="col">Ändring</th><th scope="col">Status före</th><th scope="col">Status efter</th><th scope="col">Bevis före</th><th scope="col">Bevis efter</th></tr></thead>
<tbody>${k.criteria.map(
          (c) => html`<tr><th scope="row">${c.id}${c.title ? html`<br><span>${c.title}</span>` : null}</th><td>${KIND_WORDS[c.kind]}</td><td>${status(c.oldStatus)}</td><td>${status(c.newStatus)}</td><td>${
            c.kind === 'added' ? '–' : urls(c.oldUrls)
          }</td><td>${c.kind === 'removed' ? '–' : urls(c.newUrls)}</td></tr>`,
        )}</tbody>
</table>`;
  return html`<h3>${k.kommunkod} ${k.namn}</h3>${notes}${table}`;
}

function onceTable(title: string, id: string, list: KommunOnce[]): Html | null {
  if (list.length === 0) return null;
  return html`<h2 id="${id}">${title}</h2>
<table>
<caption>${title}</caption>
<thead><tr><th scope="col">Kommun</th><th scope="col">Kommunkod</th><th scope="col">Poäng</th><th scope="col">Status</th></tr></thead>
<tbody>${list.map(
    (k) => html`<tr><th scope="row">${k.namn}</th><td>${k.kommunkod}</td><td class="num">${score(k.score)}</td><td>${k.status === 'audited' ? 'granskad' : `ej granskad${k.reason ? ` (${k.reason})` : ''}`}</td></tr>`,
  )}</tbody>
</table>`;
}

export function diffHtml(d: RunDiff): string {
  const withCriteria = d.changed.filter((k) => k.criteria.length > 0 || k.oldStatus === 'error' || k.newStatus === 'error');
  const nCriteria = d.changed.reduce((s, k) => s + k.criteria.length, 0);
  const body = isEmptyDiff(d)
    ? html`<p>Inga skillnader: samma kriterier och samma resultat för alla ${d.unchanged} kommuner.</p>`
    : html`<p>${d.changed.length} ${d.changed.length === 1 ? 'kommun' : 'kommuner'} med ändrat resultat, ${d.unchanged} oförändrade, ${nCriteria} ${nCriteria === 1 ? 'ändrat kriterium' : 'ändrade kriterier'}.</p>
${rulesTable(d)}
${scoreTable(d.changed)}
${withCriteria.length ? html`<h2 id="andrade-kriterier">Ändrade kriterier</h2>${withCriteria.map(kommunCriteria)}` : null}
${onceTable('Bara i den gamla körningen', 'bara-gamla', d.onlyOld)}
${onceTable('Bara i den nya körningen', 'bara-nya', d.onlyNew)}`;
  return `<!doctype html>
${html`<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Jämförelse av två körningar – granska</title>
${STYLE}
</head>
<body>
<main>
<h1>Jämförelse av två körningar</h1>
<dl class="runs">${runFacts('Före', d.old)}${runFacts('Efter', d.new)}</dl>
${body}
</main>
</body>
</html>`}
`;
}
