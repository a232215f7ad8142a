/**
 * A fail's trail in sentences, the same in the report and the export: what each candidate page
 * has of the rule and what it lacks ("Sidan har: telefonnummer. Saknar: belopp i kronor …").
 */
import type { Trail } from './results-schema.ts';

export type TrailCandidate = Trail['candidates'][number];

/** Labels may hold commas of their own ("service (städning, tvätt, inköp)"), so a semicolon separates them. */
function listed(labels: string[]): string {
  return labels.join('; ');
}

export function candidateSentence(c: Pick<TrailCandidate, 'has' | 'lacks' | 'document'>): string {
  return hasLacks(c.document ? 'Dokumentet' : 'Sidan', c.has, c.lacks);
}

export function wholeSiteSentence(w: NonNullable<Trail['wholeSite']>): string {
  return hasLacks('Webbplatsen', w.has, w.lacks);
}

function hasLacks(subject: string, has: string[], lacks: string[]): string {
  if (has.length === 0) return lacks.length ? `${subject} saknar: ${listed(lacks)}.` : '';
  return `${subject} har: ${listed(has)}.${lacks.length ? ` Saknar: ${listed(lacks)}.` : ''}`;
}

export const CANDIDATES_INTRO = 'Sidorna som låg närmast att uppfylla kriteriet, och vad som fattades:';
