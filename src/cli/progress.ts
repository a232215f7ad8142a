/**
 * Progress of a long audit, made from the audit's events (src/pipeline/events.ts):
 *
 * - `tty`: a live status line on stderr (kommuner done/total, pages fetched, the sites in
 *   progress, elapsed time and an estimate of the time left), redrawn at most four times a
 *   second; log lines (one per finished kommun, warnings) scroll above it.
 * - `lines` (stderr is not a terminal: CI, a log file): the log lines as they come, plus a plain
 *   status line every ten seconds while kommuner are in progress.
 * - `json` (--json): one JSON object per line, `{"event": …, "time": …, …}`; log lines become
 *   `{"event":"message","text":…}` so that every line of stderr is JSON.
 * - `quiet` (--quiet): nothing; only the final summary is printed (by the caller, on stdout).
 */
import type { AuditEvent } from '../pipeline/events.ts';

export type ProgressMode = 'tty' | 'lines' | 'json' | 'quiet';

/** What the TTY renderer writes to: process.stderr, or a fake in tests. */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  mode: ProgressMode;
  /** tty: where the status line is drawn. */
  stream?: ProgressStream;
  /** lines and json: writes one line (without its newline). Default: stream.write(line + '\n'). */
  line?: (s: string) => void;
  /** lines: a status line this often (ms), default 10 000. */
  intervalMs?: number;
  /** tty: at most one redraw per this many ms, default 250. */
  redrawMs?: number;
  /** tty: redraw this often even without events (elapsed time), default 1000. */
  tickMs?: number;
  now?: () => number;
}

/** Which mode the command line options and the terminal ask for. */
export function chooseMode(o: { quiet?: boolean; json?: boolean; isTTY?: boolean }): ProgressMode {
  if (o.json) return 'json';
  if (o.quiet) return 'quiet';
  return o.isTTY ? 'tty' : 'lines';
}

interface Active {
  kommunkod: string;
  namn: string;
  pages: number;
  started: number;
}

export interface ProgressState {
  total: number;
  done: number;
  /** Finished kommuner that were crawled in this run (not reused from an interrupted one). */
  crawledDone: number;
  reusedDone: number;
  errors: number;
  pages: number;
  active: Active[];
  startedAt: number;
}

/** "4 s", "2 min 5 s", "1 h 20 min". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/**
 * Time left, from the pace so far: kommuner crawled in this run per unit of time since the start
 * (which takes concurrency into account); kommuner reused from an interrupted run do not count.
 * null until the first kommun has been crawled.
 */
export function estimateLeftMs(s: ProgressState, now: number): number | null {
  const left = s.total - s.done;
  if (left <= 0) return 0;
  if (s.crawledDone === 0) return null;
  const elapsed = now - s.startedAt;
  return (elapsed / s.crawledDone) * left;
}

function activeText(a: Active): string {
  return `${a.namn} (${a.pages} ${a.pages === 1 ? 'sida' : 'sidor'})`;
}

/** The parts of a status line: counts, time, and the sites in progress (oldest first). */
export function statusParts(s: ProgressState, now: number): { counts: string; time: string; active: string[] } {
  const eta = estimateLeftMs(s, now);
  const counts = `${s.done}/${s.total} kommuner klara${s.errors ? ` (${s.errors} ej ${s.errors === 1 ? 'granskad' : 'granskade'})` : ''}, ${s.pages} ${s.pages === 1 ? 'sida' : 'sidor'} hämtade`;
  const time = `${duration(now - s.startedAt)} gått, ${eta === null ? 'beräknar tid kvar' : `cirka ${duration(eta)} kvar`}`;
  return { counts, time, active: s.active.map(activeText) };
}

/** A status line for logs: everything, the sites in progress at most `maxActive`. */
export function statusLine(s: ProgressState, now: number, maxActive = 6): string {
  const p = statusParts(s, now);
  const shown = p.active.slice(0, maxActive);
  const more = p.active.length - shown.length;
  const active = shown.length ? `; pågår: ${shown.join(', ')}${more > 0 ? ` och ${more} till` : ''}` : '';
  return `Läge: ${p.counts}; ${p.time}${active}`;
}

/** "Upplands Väsby kommun" → "Upplands Väsby", for the narrow status line. */
const shortName = (namn: string): string => namn.replace(/\s+(kommun|stad)$/i, '');

/**
 * A status line for a terminal `columns` wide: the counts first, then the time left, pages and
 * time so far as they fit, then as many of the sites in progress as fit.
 */
export function ttyLine(s: ProgressState, now: number, columns: number): string {
  const max = Math.max(20, columns - 1);
  const len = (t: string): number => [...t].length;
  const eta = estimateLeftMs(s, now);
  const parts = [
    `Granskar: ${s.done}/${s.total} kommuner klara`,
    ...(s.errors ? [`${s.errors} ej ${s.errors === 1 ? 'granskad' : 'granskade'}`] : []),
    eta === null ? 'beräknar tid kvar' : `cirka ${duration(eta)} kvar`,
    `${s.pages} ${s.pages === 1 ? 'sida' : 'sidor'}`,
    `${duration(now - s.startedAt)} gått`,
  ];
  let line = '';
  for (const part of parts) {
    const next = line ? `${line} · ${part}` : part;
    if (len(next) <= max || !line) line = next;
  }
  const active = s.active.map((a) => `${shortName(a.namn)} (${a.pages})`);
  for (let i = 0; i < active.length; i++) {
    const rest = active.length - i - 1;
    const piece = `${i === 0 ? ' · pågår: ' : ', '}${active[i]}`;
    if (len(line + piece + (rest > 0 ? ` +${rest}` : '')) > max) {
      const tail = i === 0 ? ` · ${active.length} pågår` : ` +${active.length - i}`;
      if (len(line + tail) <= max) line += tail;
      break;
    }
    line += piece;
  }
  const chars = [...line];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : line;
}

const CLEAR_LINE = '\r\x1b[2K';

export class Progress {
  readonly mode: ProgressMode;
  readonly state: ProgressState;
  readonly #stream: ProgressStream | undefined;
  readonly #line: (s: string) => void;
  readonly #now: () => number;
  readonly #intervalMs: number;
  readonly #redrawMs: number;
  readonly #tickMs: number;
  readonly #active = new Map<string, Active>();
  #timer: NodeJS.Timeout | null = null;
  #pendingDraw: NodeJS.Timeout | null = null;
  #lastDraw = 0;
  #drawn = false;
  #stopped = false;
  /** Ends a drawn status line if the process exits while it is shown (Ctrl-C). */
  readonly #onExit = (): void => {
    if (this.#drawn) this.#stream?.write('\n');
  };

  constructor(opts: ProgressOptions) {
    this.mode = opts.mode;
    this.#stream = opts.stream;
    this.#line = opts.line ?? ((s) => this.#stream?.write(`${s}\n`));
    this.#now = opts.now ?? Date.now;
    this.#intervalMs = opts.intervalMs ?? 10_000;
    this.#redrawMs = opts.redrawMs ?? 250;
    this.#tickMs = opts.tickMs ?? 1000;
    this.state = { total: 0, done: 0, crawledDone: 0, reusedDone: 0, errors: 0, pages: 0, active: [], startedAt: this.#now() };
    if (this.mode === 'tty') process.once('exit', this.#onExit);
  }

  /** For AuditOptions.onEvent. */
  readonly onEvent = (e: AuditEvent): void => {
    if (this.#stopped) return;
    this.#apply(e);
    if (this.mode === 'json') {
      const { event, ...rest } = e;
      this.#line(JSON.stringify({ event, time: new Date(this.#now()).toISOString(), ...rest }));
      return;
    }
    if (e.event === 'run-start') this.#startTimers();
    if (e.event === 'run-done') this.#stopTimers();
    if (this.mode === 'tty') this.#scheduleDraw();
  };

  /** For AuditOptions.log: a line for people (one per finished kommun, warnings). */
  readonly log = (text: string): void => {
    if (this.mode === 'quiet') return;
    if (this.mode === 'json') {
      this.#line(JSON.stringify({ event: 'message', time: new Date(this.#now()).toISOString(), text }));
      return;
    }
    if (this.mode === 'lines' || !this.#stream) {
      this.#line(text);
      return;
    }
    this.#stream.write(`${this.#drawn ? CLEAR_LINE : ''}${text}\n`);
    this.#drawn = false;
    if (!this.#stopped && this.state.total > 0 && this.state.done < this.state.total) this.#draw();
  };

  /** The status line as it would be drawn now (tty) or logged (lines). */
  render(): string {
    const now = this.#now();
    return this.mode === 'tty' ? ttyLine(this.state, now, this.#stream?.columns || 80) : statusLine(this.state, now);
  }

  /** Stops the timers and removes the status line; call when the audit ends, also on failure. */
  stop(): void {
    this.#stopTimers();
    this.#stopped = true;
    process.removeListener('exit', this.#onExit);
    if (this.mode === 'tty' && this.#drawn) this.#stream?.write(CLEAR_LINE);
    this.#drawn = false;
  }

  #apply(e: AuditEvent): void {
    const s = this.state;
    switch (e.event) {
      case 'run-start':
        s.total = e.total;
        s.startedAt = this.#now();
        break;
      case 'kommun-start':
        this.#active.set(e.kommunkod, { kommunkod: e.kommunkod, namn: e.namn, pages: 0, started: this.#now() });
        break;
      case 'page': {
        s.pages++;
        const a = this.#active.get(e.kommunkod);
        if (a) a.pages++;
        break;
      }
      case 'kommun-done':
        this.#active.delete(e.kommunkod);
        s.done = e.done;
        s.total = Math.max(s.total, e.total);
        if (e.reused) s.reusedDone++;
        else s.crawledDone++;
        if (e.status === 'error') s.errors++;
        break;
      case 'run-done':
        this.#active.clear();
        break;
    }
    s.active = [...this.#active.values()];
  }

  #startTimers(): void {
    if (this.#timer) return;
    if (this.mode === 'lines') {
      this.#timer = setInterval(() => {
        if (this.state.done < this.state.total) this.#line(statusLine(this.state, this.#now()));
      }, this.#intervalMs);
    } else if (this.mode === 'tty') {
      this.#timer = setInterval(() => this.#draw(), this.#tickMs);
    }
    this.#timer?.unref();
  }

  #stopTimers(): void {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#pendingDraw) clearTimeout(this.#pendingDraw);
    this.#timer = null;
    this.#pendingDraw = null;
  }

  #scheduleDraw(): void {
    if (this.#pendingDraw || this.#stopped) return;
    const wait = this.#lastDraw + this.#redrawMs - this.#now();
    if (wait <= 0) {
      this.#draw();
      return;
    }
    this.#pendingDraw = setTimeout(() => {
      this.#pendingDraw = null;
      this.#draw();
    }, wait);
    this.#pendingDraw.unref();
  }

  #draw(): void {
    if (this.#stopped || !this.#stream) return;
    if (this.state.total > 0 && this.state.done >= this.state.total) {
      // The run is finished: the summary follows, the status line goes.
      if (this.#drawn) this.#stream.write(CLEAR_LINE);
      this.#drawn = false;
      return;
    }
    this.#lastDraw = this.#now();
    this.#stream.write(`${CLEAR_LINE}${this.render()}`);
    this.#drawn = true;
  }
}

/** The progress reporter for `granska audit`: from --quiet, --json and whether stderr is a terminal. */
export function createProgress(o: { quiet?: boolean; json?: boolean; isTTY?: boolean; stream?: ProgressStream; line: (s: string) => void }): Progress {
  const mode = chooseMode(o);
  return new Progress({ mode, line: o.line, ...(o.stream ? { stream: o.stream } : {}) });
}
