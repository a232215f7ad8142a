/**
 * Politeness: few requests in flight per site, a cap across all sites, robots.txt Crawl-delay and
 * Retry-After back-off. Every request of the crawler goes through `run`.
 */

import PQueue from 'p-queue';

export interface HostSchedulerOptions {
  perHostConcurrency?: number;
  globalConcurrency?: number;
}

export interface HostStats {
  /** Tasks started on this origin so far. */
  started: number;
  /** Highest number of tasks in flight at once on this origin. */
  maxInFlight: number;
  inFlight: number;
  /** Tasks waiting for their turn. */
  queued: number;
}

interface HostState {
  queue: PQueue;
  /** 0 when there is no crawl delay; otherwise the minimum spacing between starts, margin included. */
  spacingMs: number;
  lastStart: number;
  pausedUntil: number;
  started: number;
  inFlight: number;
  maxInFlight: number;
}

// Timers and servers are not exact; the margin keeps us on the right side of a site's Crawl-delay.
const CRAWL_DELAY_MARGIN_MS = 50;

const now = (): number => performance.now();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function normalizeOrigin(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return origin;
  }
}

export class HostScheduler {
  private readonly perHostConcurrency: number;
  private readonly global: PQueue;
  private readonly hosts = new Map<string, HostState>();

  constructor({ perHostConcurrency = 2, globalConcurrency = 24 }: HostSchedulerOptions = {}) {
    if (!(perHostConcurrency >= 1) || !(globalConcurrency >= 1)) {
      throw new RangeError('HostScheduler: concurrency must be at least 1');
    }
    this.perHostConcurrency = perHostConcurrency;
    this.global = new PQueue({ concurrency: globalConcurrency });
  }

  private host(origin: string): HostState {
    const key = normalizeOrigin(origin);
    let state = this.hosts.get(key);
    if (!state) {
      state = {
        queue: new PQueue({ concurrency: this.perHostConcurrency }),
        spacingMs: 0,
        lastStart: Number.NEGATIVE_INFINITY,
        pausedUntil: Number.NEGATIVE_INFINITY,
        started: 0,
        inFlight: 0,
        maxInFlight: 0,
      };
      this.hosts.set(key, state);
    }
    return state;
  }

  /** When this origin may next start a request (pause and crawl delay). */
  private readyAt(h: HostState): number {
    return Math.max(h.pausedUntil, h.spacingMs > 0 ? h.lastStart + h.spacingMs : Number.NEGATIVE_INFINITY);
  }

  /** Runs `task` when the origin and the global cap allow it; resolves or rejects with the task. */
  run<T>(origin: string, task: () => Promise<T>): Promise<T> {
    const h = this.host(origin);
    return h.queue.add(async () => {
      for (;;) {
        // Sleep holding only the host slot, so a paused or slow site never ties up a global slot.
        for (let wait = this.readyAt(h) - now(); wait > 0; wait = this.readyAt(h) - now()) {
          await sleep(wait);
        }
        const outcome = await this.global.add(async (): Promise<{ value: T } | undefined> => {
          // A pause may have arrived (from a sibling request's 429) while we waited for the global slot.
          if (this.readyAt(h) > now()) return undefined;
          h.lastStart = now();
          h.started++;
          h.inFlight++;
          h.maxInFlight = Math.max(h.maxInFlight, h.inFlight);
          try {
            return { value: await task() };
          } finally {
            h.inFlight--;
            // Under a Crawl-delay the wait counts from the end of the previous request: a slow
            // connection set-up must not bring two requests' arrivals closer than the delay.
            if (h.spacingMs > 0) h.lastStart = now();
          }
        });
        if (outcome) return outcome.value;
      }
    });
  }

  /**
   * robots.txt Crawl-delay: from now on one request at a time, each start at least `seconds`
   * (plus a small margin) after the previous request ended. Capping absurd values is the caller's call.
   */
  setCrawlDelay(origin: string, seconds: number): void {
    const h = this.host(origin);
    h.queue.concurrency = 1;
    h.spacingMs = Math.max(0, seconds) * 1000 + CRAWL_DELAY_MARGIN_MS;
  }

  /** Nothing new starts on the origin for `ms` (Retry-After); requests in flight are not touched. */
  pause(origin: string, ms: number): void {
    const h = this.host(origin);
    h.pausedUntil = Math.max(h.pausedUntil, now() + Math.max(0, ms));
  }

  stats(origin: string): HostStats {
    const h = this.hosts.get(normalizeOrigin(origin));
    if (!h) return { started: 0, maxInFlight: 0, inFlight: 0, queued: 0 };
    return { started: h.started, maxInFlight: h.maxInFlight, inFlight: h.inFlight, queued: h.queue.size };
  }

  /** Resolves when no task is queued or running on any origin. */
  async onIdle(): Promise<void> {
    await Promise.all([...this.hosts.values()].map((h) => h.queue.onIdle()));
    await this.global.onIdle();
  }
}
