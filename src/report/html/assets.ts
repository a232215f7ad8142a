/**
 * The report's style sheet and the national page's little script, inlined into every page so
 * that a page works from file://, alone in a mail, or with its folder zipped: no external asset.
 * A Content-Security-Policy allows exactly these (by hash) and nothing else — a second wall
 * behind the escaping.
 */
import { createHash } from 'node:crypto';

export const CSS = `
:root { color-scheme: light; --text: #1b1b1b; --muted: #4a4a4a; --line: #c9c9c9; --link: #0a4b94; --bg-soft: #f3f5f7; --focus: #b35c00; }
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
html { font-family: "Liberation Sans", Arial, Helvetica, sans-serif; font-size: 100%; line-height: 1.5; color: var(--text); background: #fff; }
body { margin: 0; }
a { color: var(--link); text-underline-offset: 0.15em; }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: 0.5rem; top: -4rem; background: #fff; color: var(--link); padding: 0.5rem 1rem; border: 2px solid var(--link); z-index: 10; }
.skip:focus { top: 0.5rem; }
header.site, main, footer.site { max-width: 72rem; margin: 0 auto; padding: 0 1rem; }
header.site { padding-top: 1.25rem; }
header.site .kicker { margin: 0; color: var(--muted); font-size: 0.95rem; }
nav.crumbs { margin: 0.5rem 0 0; font-size: 0.95rem; }
h1 { font-size: 1.9rem; line-height: 1.2; margin: 0.3rem 0 0.75rem; }
h2 { font-size: 1.45rem; margin: 2rem 0 0.75rem; padding-bottom: 0.25rem; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.15rem; margin: 0 0 0.5rem; }
h4 { font-size: 1rem; margin: 1rem 0 0.35rem; }
p { margin: 0.4rem 0 0.8rem; max-width: 60rem; }
.lead { font-size: 1.1rem; }
.muted { color: var(--muted); }
.facts { display: flex; flex-wrap: wrap; gap: 0.75rem; margin: 1rem 0; padding: 0; }
.facts > div { background: var(--bg-soft); border: 1px solid var(--line); border-radius: 6px; padding: 0.6rem 1rem; min-width: 10rem; }
.facts dt { font-size: 0.9rem; color: var(--muted); }
.facts dd { margin: 0; font-size: 1.35rem; font-weight: bold; }
.notice { border: 2px solid #8a1c1c; background: #fdf0f0; border-radius: 6px; padding: 0.75rem 1rem; margin: 1rem 0; }
.notice h2 { border: 0; margin-top: 0.25rem; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; }
caption { text-align: left; font-weight: bold; padding: 0.4rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: 0.45rem 0.6rem; text-align: left; vertical-align: top; }
thead th { background: var(--bg-soft); border-bottom: 2px solid #767676; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
th button.sort { font: inherit; font-weight: bold; color: var(--link); background: none; border: 0; padding: 0.1rem 0.2rem; margin: -0.1rem -0.2rem; cursor: pointer; text-decoration: underline; text-underline-offset: 0.15em; }
th button.sort::after { content: "↕" / ""; display: inline-block; margin-left: 0.3rem; color: var(--muted); text-decoration: none; }
th[aria-sort="ascending"] button.sort::after { content: "▲" / ""; color: var(--text); }
th[aria-sort="descending"] button.sort::after { content: "▼" / ""; color: var(--text); }
.controls { display: flex; flex-wrap: wrap; gap: 0.75rem 1.5rem; align-items: flex-end; margin: 0.5rem 0 0.75rem; padding: 0.75rem 1rem; background: var(--bg-soft); border: 1px solid var(--line); border-radius: 6px; }
.controls label { display: block; font-weight: bold; font-size: 0.95rem; margin-bottom: 0.2rem; }
.controls input, .controls select { font: inherit; padding: 0.3rem 0.4rem; border: 1px solid #6b6b6b; border-radius: 4px; background: #fff; color: var(--text); min-width: 12rem; }
.count { margin: 0.25rem 0; font-weight: bold; }
.status { display: inline-block; padding: 0.05rem 0.5rem; border-radius: 999px; border: 1px solid currentColor; font-weight: bold; font-size: 0.92rem; white-space: nowrap; }
.status::before { margin-right: 0.3rem; }
.s-pass::before { content: "✓" / ""; }
.s-partial::before { content: "◐" / ""; }
.s-fail::before { content: "✗" / ""; }
.s-manual::before { content: "?" / ""; }
.s-error::before { content: "!" / ""; }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
th .muted { font-weight: normal; }
table.kommuner tbody th { white-space: nowrap; }
.s-pass { background: #e4f2e7; color: #145222; }
.s-partial { background: #fdf2d6; color: #5f3d00; }
.s-fail { background: #fbe5e5; color: #861b1b; }
.s-manual { background: #e5ebf6; color: #1d3867; }
.s-error, .s-audit-error { background: #ececec; color: #333; }
.s-audited { background: #e4f2e7; color: #145222; }
article.criterion { border: 1px solid var(--line); border-left-width: 6px; border-radius: 6px; padding: 0.9rem 1rem; margin: 0 0 1.25rem; }
article.criterion.c-pass { border-left-color: #2f7d40; }
article.criterion.c-partial { border-left-color: #a36b00; }
article.criterion.c-fail { border-left-color: #b42323; }
article.criterion.c-manual { border-left-color: #3a5fa5; }
article.criterion.c-error { border-left-color: #6b6b6b; }
.verdict { margin: 0.2rem 0 0.6rem; }
.verdict .weight { margin-left: 0.6rem; color: var(--muted); }
.reason { font-size: 1.05rem; }
.hint { background: #fffbe8; border: 1px solid #d8c27a; border-radius: 6px; padding: 0.5rem 0.8rem; margin: 0.75rem 0; }
.hint h4 { margin-top: 0; }
ul.evidence { list-style: none; padding: 0; margin: 0.5rem 0; }
ul.evidence > li { display: flex; flex-wrap: wrap; gap: 1rem; padding: 0.75rem 0; border-top: 1px dashed var(--line); }
ul.evidence > li:first-child { border-top: 0; }
.ev-text { flex: 1 1 24rem; min-width: 0; }
.ev-text dl { margin: 0; display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 0.8rem; }
.ev-text dt { font-weight: bold; }
.ev-text dd { margin: 0; overflow-wrap: anywhere; }
blockquote.excerpt { margin: 0.5rem 0 0; padding: 0.4rem 0.8rem; border-left: 4px solid #767676; background: var(--bg-soft); white-space: pre-wrap; overflow-wrap: anywhere; }
figure.thumb { margin: 0; flex: 0 0 auto; max-width: 20rem; }
figure.thumb img { display: block; max-width: 100%; height: auto; border: 1px solid #767676; }
figure.thumb figcaption { font-size: 0.9rem; color: var(--muted); }
.path { overflow-wrap: anywhere; }
.url { overflow-wrap: anywhere; font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 0.92rem; }
ol.pages, ul.pages, ul.hits { margin: 0.3rem 0 0.6rem; padding-left: 1.4rem; }
ol.pages li, ul.pages li, ul.hits li { margin: 0.15rem 0; overflow-wrap: anywhere; }
details summary { cursor: pointer; color: var(--link); text-decoration: underline; }
table.overview td:first-child { width: 50%; }
footer.site { margin-top: 3rem; padding-top: 1rem; padding-bottom: 2rem; border-top: 1px solid var(--line); color: var(--muted); font-size: 0.92rem; }
footer.site dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 0.8rem; margin: 0.5rem 0; }
footer.site dd { margin: 0; overflow-wrap: anywhere; }
@media (max-width: 40rem) {
  .ev-text dl, footer.site dl { grid-template-columns: 1fr; }
  table.kommuner th:nth-child(3), table.kommuner td:nth-child(3) { display: none; }
}
@media print {
  @page { margin: 15mm 14mm; }
  html { font-size: 10.5pt; }
  .skip, .controls, .count, nav.crumbs, .no-print { display: none !important; }
  header.site, main, footer.site { max-width: none; padding: 0; }
  a { color: inherit; }
  th button.sort { color: inherit; text-decoration: none; }
  th button.sort::after, th[aria-sort] button.sort::after { content: none; }
  thead { display: table-header-group; }
  tr, article.criterion, ul.evidence > li, .hint, .facts, .notice { break-inside: avoid; }
  h1, h2, h3, h4 { break-after: avoid; }
  section.group { break-before: auto; }
  figure.thumb { max-width: 7cm; }
  .s-pass, .s-partial, .s-fail, .s-manual, .s-error, .s-audited, .s-audit-error { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  details > summary { color: inherit; text-decoration: none; }
}
`;

/**
 * Sort and filter of the national table. Progressive: without the script the table is complete
 * and in rank order, and the controls stay hidden (they are only shown by this script).
 */
export const NATIONAL_SCRIPT = `
(function () {
  'use strict';
  var table = document.getElementById('kommuner');
  var controls = document.getElementById('filter');
  if (!table || !controls) return;
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  rows.forEach(function (r, i) { r.setAttribute('data-i', String(i)); });
  var total = rows.length;
  var nameInput = document.getElementById('f-namn');
  var lanSelect = document.getElementById('f-lan');
  var statusSelect = document.getElementById('f-status');
  var live = document.getElementById('antal');
  var collator = new Intl.Collator('sv', { sensitivity: 'base', numeric: true });
  function fold(s) { return String(s || '').normalize('NFD').replace(/[\\u0300-\\u036f]/g, '').toLowerCase().trim(); }
  function applyFilter() {
    var q = fold(nameInput.value);
    var lan = lanSelect.value;
    var st = statusSelect.value;
    var shown = 0;
    rows.forEach(function (r) {
      var ok = (!q || fold(r.getAttribute('data-namn')).indexOf(q) !== -1 || (r.getAttribute('data-kod') || '').indexOf(q) === 0)
        && (!lan || r.getAttribute('data-lan') === lan)
        && (!st || r.getAttribute('data-status') === st);
      r.hidden = !ok;
      if (ok) shown++;
    });
    live.textContent = 'Visar ' + shown + ' av ' + total + (total === 1 ? ' kommun.' : ' kommuner.');
  }
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  function sortBy(th, col) {
    var type = th.getAttribute('data-sort');
    var current = th.getAttribute('aria-sort');
    var dir = current === 'ascending' ? 'descending' : current === 'descending' ? 'ascending' : (th.getAttribute('data-first') || 'ascending');
    headers.forEach(function (h) { if (h !== th) h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', dir);
    var sign = dir === 'ascending' ? 1 : -1;
    var keyed = rows.map(function (r) {
      var cell = r.cells[col];
      return { r: r, v: cell ? (cell.getAttribute('data-v') || '') : '', i: Number(r.getAttribute('data-i')) };
    });
    keyed.sort(function (a, b) {
      var ae = a.v === '', be = b.v === '';
      if (ae !== be) return ae ? 1 : -1;
      var c = 0;
      if (!ae) c = type === 'num' ? Number(a.v) - Number(b.v) : collator.compare(a.v, b.v);
      return c !== 0 ? c * sign : a.i - b.i;
    });
    keyed.forEach(function (k) { tbody.appendChild(k.r); });
    applyFilter();
    live.textContent += ' Sorterad efter ' + th.textContent.trim().toLowerCase() + ', ' + (dir === 'ascending' ? 'stigande' : 'fallande') + '.';
  }
  headers.forEach(function (th, col) {
    if (!th.getAttribute('data-sort')) return;
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'sort';
    while (th.firstChild) button.appendChild(th.firstChild);
    th.appendChild(button);
    button.addEventListener('click', function () { sortBy(th, col); });
  });
  nameInput.addEventListener('input', applyFilter);
  lanSelect.addEventListener('change', applyFilter);
  statusSelect.addEventListener('change', applyFilter);
  controls.addEventListener('submit', function (e) { e.preventDefault(); });
  controls.hidden = false;
  var tips = document.getElementById('sorttips');
  if (tips) tips.hidden = false;
  applyFilter();
})();
`;

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** Only this page's own style sheet and script; images from the report folder; nothing else. */
export function contentSecurityPolicy(script: string | null): string {
  return [
    "default-src 'none'",
    `style-src ${sha256(CSS)}`,
    `script-src ${script ? sha256(script) : "'none'"}`,
    "img-src 'self' file:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}
