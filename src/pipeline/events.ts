/**
 * What an audit tells about its progress while it runs (AuditOptions.onEvent). `granska audit
 * --json` writes each event as one JSON object per line on stderr, with `time` added; the
 * terminal status line and the periodic log lines are made from them (src/cli/progress.ts).
 */
export type AuditEvent =
  | {
      event: 'run-start';
      runId: string;
      /** Kommuner in this run. */
      total: number;
      out: string;
    }
  | { event: 'kommun-start'; kommunkod: string; namn: string; webbplats: string }
  /** A page (or document) fetched for a kommun; robots.txt and redirects are not counted. */
  | { event: 'page'; kommunkod: string; url: string }
  | {
      event: 'kommun-done';
      kommunkod: string;
      namn: string;
      status: 'audited' | 'error';
      score: number | null;
      reason: string | null;
      pagesFetched: number;
      /** Taken from the snapshot of an interrupted earlier run in the same folder, not crawled now. */
      reused: boolean;
      ms: number;
      /** Kommuner finished so far, this one included, and in all. */
      done: number;
      total: number;
    }
  | {
      event: 'run-done';
      resultsFile: string;
      /** results.xlsx and results.csv, or null when they could not be written (a warning was logged). */
      tables: { xlsx: string; csv: string } | null;
      audited: number;
      errors: number;
      ms: number;
    };

export type AuditEventName = AuditEvent['event'];
