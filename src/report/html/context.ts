/** What the pages need besides results.json: län, rule texts, file names, checked screenshots. */
import type { SafeUrl } from './html.ts';
import type { Results } from '../results-schema.ts';

export interface RuleText {
  title: string;
  description?: string;
  /** What the kommun could add (rules/*.yaml `hint`). */
  hint?: string;
}

export interface Screenshot {
  /** From rapport/ to the PNG. */
  url: SafeUrl;
  width?: number;
  height?: number;
}

export interface ReportContext {
  results: Results;
  /** Län of a kommunkod, when known. */
  lanOf(kommunkod: string): string | null;
  rule(id: string): RuleText;
  /** The file name (in rapport/) of a kommun's page. */
  pageOf(kommunkod: string): string;
  /** A screenshot path of results.json, checked to exist inside the run's folder; null if not. */
  screenshot(path: string | null | undefined): Screenshot | null;
}
