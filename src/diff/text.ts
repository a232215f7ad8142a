/** The diff as plain text for the terminal: Swedish, aligned columns, no colours. */
import { dateTime, STATUS_WORDS } from '../report/html/words.ts';
import type { CriterionChange, KommunDiff, KommunOnce, RunDiff, RunSide } from './diff.ts';
import { isEmptyDiff } from './diff.ts';

const MAX_URLS = 3;

/** Width as a terminal shows it, for text in NFC (å, ä, ö are one column). */
const width = (s: string): number => [...s.normalize('NFC')].length;
const padEnd = (s: string, w: number): string => s + ' '.repeat(Math.max(0, w - width(s)));
const padStart = (s: string, w: number): string => ' '.repeat(Math.max(0, w - width(s))) + s;

/** Aligned columns; `right` marks the columns of numbers. */
export function alignedTable(header: string[], rows: string[][], right: boolean[] = [], indent = '  '): string[] {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) => indent + cells.map((c, i) => (right[i] ? padStart(c, widths[i]!) : padEnd(c, widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

export const scoreText = (n: number | null): string => (n === null ? '–' : n.toFixed(1));
export const deltaText = (n: number | null): string => (n === null ? '–' : n > 0 ? `+${n.toFixed(1)}` : n.toFixed(1));
const rankText = (n: number | null): string => (n === null ? '–' : String(n));
export const statusText = (s: CriterionChange['oldStatus']): string => (s === null ? '–' : STATUS_WORDS[s] ?? s);
export const kommunStatusText = (s: KommunDiff['oldStatus']): string => (s === 'audited' ? 'granskad' : 'ej granskad');

export const KIND_WORDS: Record<CriterionChange['kind'], string> = {
  changed: 'ändrad status',
  added: 'nytt kriterium',
  removed: 'borttaget kriterium',
};

function sideLine(label: string, s: RunSide): string {
  const parts = [`körning ${s.id.slice(0, 8)}`, `klar ${dateTime(s.finishedAt)}`, `granska ${s.toolVersion}`];
  if (s.rulesVersion) parts.push(`regler ${s.rulesVersion.slice(0, 19)}`);
  return `  ${label} ${s.source} (${parts.join(', ')})`;
}

function urlLines(label: string, urls: string[]): string[] {
  if (urls.length === 0) return [`${label} inget bevis`];
  const shown = urls.slice(0, MAX_URLS);
  const lines = shown.map((u, i) => `${i === 0 ? label : ' '.repeat(width(label))} ${u}`);
  if (urls.length > MAX_URLS) lines.push(`${' '.repeat(width(label))} … och ${urls.length - MAX_URLS} till`);
  return lines;
}

function criterionLines(c: CriterionChange): string[] {
  const name = c.title ? `${c.id} (${c.title})` : c.id;
  const what =
    c.kind === 'changed'
      ? `${statusText(c.oldStatus)} → ${statusText(c.newStatus)}`
      : c.kind === 'added'
        ? `${KIND_WORDS.added}: ${statusText(c.newStatus)}`
        : `${KIND_WORDS.removed}, var: ${statusText(c.oldStatus)}`;
  const lines = [`    ${name}: ${what}`];
  if (c.kind !== 'added') lines.push(...urlLines('      före: ', c.oldUrls));
  if (c.kind !== 'removed') lines.push(...urlLines('      efter:', c.newUrls));
  return lines;
}

function onceLines(k: KommunOnce): string {
  return `  ${k.kommunkod}  ${k.namn}: ${k.status === 'audited' ? `${scoreText(k.score)} poäng` : `ej granskad${k.reason ? ` (${k.reason})` : ''}`}`;
}

export function diffText(d: RunDiff): string {
  const out: string[] = ['Jämförelse av två körningar', sideLine('Före: ', d.old), sideLine('Efter:', d.new)];

  if (isEmptyDiff(d)) {
    out.push('', `Inga skillnader: samma kriterier och samma resultat för alla ${d.unchanged} kommuner.`);
    return out.join('\n');
  }

  const ruleRows: string[][] = [
    ...d.rules.added.map((r) => [KIND_WORDS.added, r.id, r.title, `${r.weight}`]),
    ...d.rules.removed.map((r) => [KIND_WORDS.removed, r.id, r.title, `${r.weight}`]),
    ...d.rules.weightChanged.map((r) => ['ändrad vikt', r.id, r.title, `${r.oldWeight} → ${r.newWeight}`]),
  ];
  if (ruleRows.length > 0) {
    out.push('', 'Kriterier som ändrats mellan körningarna');
    out.push(...alignedTable(['Ändring', 'Kriterium', 'Namn', 'Vikt'], ruleRows));
  }

  if (d.changed.length > 0) {
    out.push('', 'Kommuner med ändrat resultat');
    out.push(
      ...alignedTable(
        ['Kod', 'Kommun', 'Före', 'Efter', 'Ändring', 'Plats', 'Status'],
        d.changed.map((k) => [
          k.kommunkod,
          k.namn,
          scoreText(k.oldScore),
          scoreText(k.newScore),
          deltaText(k.delta),
          `${rankText(k.oldRank)} → ${rankText(k.newRank)}`,
          k.oldStatus === k.newStatus ? kommunStatusText(k.newStatus) : `${kommunStatusText(k.oldStatus)} → ${kommunStatusText(k.newStatus)}`,
        ]),
        [false, false, true, true, true, false, false],
      ),
    );
    const withCriteria = d.changed.filter((k) => k.criteria.length > 0 || k.newStatus === 'error' || k.oldStatus === 'error');
    if (withCriteria.length > 0) {
      out.push('', 'Ändrade kriterier');
      for (const k of withCriteria) {
        out.push(`  ${k.kommunkod} ${k.namn}`);
        if (k.oldStatus === 'error' || k.newStatus === 'error') {
          if (k.oldStatus === 'error') out.push(`    före: ej granskad${k.oldReason ? ` (${k.oldReason})` : ''}`);
          if (k.newStatus === 'error') out.push(`    efter: ej granskad${k.newReason ? ` (${k.newReason})` : ''}`);
          out.push('    (kriterierna jämförs bara när kommunen är granskad i båda körningarna)');
        }
        for (const c of k.criteria) out.push(...criterionLines(c));
      }
    }
  }

  if (d.onlyOld.length > 0) out.push('', 'Bara i den gamla körningen', ...d.onlyOld.map(onceLines));
  if (d.onlyNew.length > 0) out.push('', 'Bara i den nya körningen', ...d.onlyNew.map(onceLines));

  const nCriteria = d.changed.reduce((s, k) => s + k.criteria.length, 0);
  const summary = [
    `${d.changed.length} ${d.changed.length === 1 ? 'kommun' : 'kommuner'} med ändrat resultat`,
    `${d.unchanged} oförändrade`,
    `${nCriteria} ${nCriteria === 1 ? 'ändrat kriterium' : 'ändrade kriterier'}`,
  ];
  if (d.onlyOld.length) summary.push(`${d.onlyOld.length} bara i den gamla`);
  if (d.onlyNew.length) summary.push(`${d.onlyNew.length} bara i den nya`);
  out.push('', `${summary.join(', ')}.`);
  return out.join('\n');
}
