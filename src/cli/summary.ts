/** The table printed at the end of a run: one line per kommun, in the registry's order. */
import type { JudgedKommun } from '../pipeline/judge.ts';
import { meanScore } from '../score/score.ts';

export function summaryTable(kommuner: JudgedKommun[]): string {
  const rows = kommuner.map((k) => [
    k.kommunkod,
    k.namn,
    k.score === null ? '–' : k.score.toFixed(1),
    k.rank === null ? '–' : String(k.rank),
    k.status === 'error' ? `ej granskad: ${k.reason ?? ''}` : `${k.pagesFetched} sidor`,
  ]);
  const header = ['Kod', 'Kommun', 'Poäng', 'Plats', 'Status'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => Math.min(r[i]!.length, i === 4 ? 70 : 40))));
  const line = (cells: string[]) => cells.map((c, i) => (i === 2 || i === 3 ? c.padStart(widths[i]!) : c.slice(0, i === 4 ? 200 : 40).padEnd(widths[i]!))).join('  ').trimEnd();
  const audited = kommuner.filter((k) => k.status === 'audited');
  const mean = meanScore(audited);
  const errors = kommuner.length - audited.length;
  return [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `${audited.length} ${audited.length === 1 ? 'granskad' : 'granskade'}, ${errors} ej ${errors === 1 ? 'granskad' : 'granskade'}${mean === null ? '' : `, medelpoäng ${mean.toFixed(1)}`}.`,
  ].join('\n');
}
