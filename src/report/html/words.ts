/** The report's Swedish words: statuses, numbers, dates, search outcomes. */

export type CriterionStatus = 'pass' | 'partial' | 'fail' | 'manual' | 'error';

export const STATUS_WORDS: Record<CriterionStatus, string> = {
  pass: 'Uppfyllt',
  partial: 'Delvis uppfyllt',
  fail: 'Ej uppfyllt',
  manual: 'Kräver manuell granskning',
  error: 'Kunde inte granskas',
};

/** The order of the detail sections of a kommun page: what the kommun can improve first. */
export const STATUS_ORDER: CriterionStatus[] = ['fail', 'partial', 'manual', 'error', 'pass'];

/** Section headings of a kommun page, one per status. */
export const STATUS_SECTION: Record<CriterionStatus, string> = {
  fail: 'Ej uppfyllda kriterier',
  partial: 'Delvis uppfyllda kriterier',
  manual: 'Kriterier som kräver manuell granskning',
  error: 'Kriterier som inte kunde granskas',
  pass: 'Uppfyllda kriterier',
};

/**
 * The criteria in the order of the catalogue (criteria.md), for the overview table. A criterion
 * that is not listed here (a rule added later) follows in the order of the run.
 */
export const CATALOGUE_ORDER = [
  'hitta-hemtjanst',
  'sok-hemtjanst',
  'ansokan',
  'ansokan-etjanst',
  'kontakt-handlaggare',
  'handlaggning-process',
  'forenklad-handlaggning',
  'overklaga',
  'insatser',
  'avgifter',
  'valfrihet',
  'trygghetslarm',
  'brukarundersokning',
  'synpunkter-klagomal',
  'orosanmalan',
  'anhorigstod',
  'lattlast',
  'andra-sprak',
  'lyssna',
];

export function catalogueSort<T extends { id: string }>(items: T[]): T[] {
  const pos = (id: string) => {
    const i = CATALOGUE_ORDER.indexOf(id);
    return i < 0 ? CATALOGUE_ORDER.length : i;
  };
  return items.map((item, index) => ({ item, index })).sort((a, b) => pos(a.item.id) - pos(b.item.id) || a.index - b.index).map((x) => x.item);
}

/** 72.7 → "72,7"; 2 → "2"; 1.5 → "1,5". */
export function number(n: number, decimals?: number): string {
  const s = decimals === undefined ? String(Math.round(n * 100) / 100) : n.toFixed(decimals);
  return s.replace('.', ',').replace('-', '−');
}

export function score(n: number | null): string {
  return n === null ? '–' : number(n, 1);
}

const DATE_TIME = new Intl.DateTimeFormat('sv-SE', { dateStyle: 'long', timeStyle: 'short', timeZone: 'Europe/Stockholm' });
const DATE = new Intl.DateTimeFormat('sv-SE', { dateStyle: 'long', timeZone: 'Europe/Stockholm' });

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return 'okänd tid';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : DATE_TIME.format(d);
}

export function date(iso: string | null | undefined): string {
  if (!iso) return 'okänt datum';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : DATE.format(d);
}

export function clicks(n: number | null | undefined): string {
  if (n === null || n === undefined) return 'inte nåbar med klick från startsidan';
  if (n === 0) return 'startsidan';
  return n === 1 ? '1 klick från startsidan' : `${n} klick från startsidan`;
}

export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** What the site's own search did, in words. */
export function searchOutcome(search: { outcome: string; query: string; hits: unknown[] }): string {
  const q = `”${search.query}”`;
  switch (search.outcome) {
    case 'done':
      return search.hits.length === 0 ? `Webbplatsens sökfunktion gav inga träffar på ${q}.` : `Webbplatsens sökfunktion gav ${plural(search.hits.length, 'träff', 'träffar')} på ${q}.`;
    case 'no-form':
      return 'Granskningen hittade ingen sökfunktion på webbplatsen.';
    case 'disallowed':
      return `Webbplatsens robots.txt tillåter inte att sökfunktionen används, så ${q} söktes inte.`;
    case 'failed':
      return `Sökningen på ${q} svarade inte eller gav ett fel.`;
    default:
      return `Sökning på ${q}: ${search.outcome}.`;
  }
}
