/**
 * One polite, bounded HTTP GET against a site we do not control: every hop of a redirect chain is
 * checked (URL, address, robots) and scheduled, and everything the site controls is limited (time,
 * size after decompression, redirects). Failures are FetchFailure with a Swedish message.
 */

import { Transform, Writable, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { Agent } from 'undici';
import { LookupRefusal, type AddressGuard } from './address-guard.ts';
import { FetchFailure, findFetchFailure } from './fetch-failure.ts';
import type { HostScheduler } from './host-scheduler.ts';

export { FetchFailure, type FetchFailureCode } from './fetch-failure.ts';

export interface FetchRequest {
  url: string;
  /** Limit on the decoded body; default 15 MiB, 5 MiB for text types (a page past that is a trap, not a page). */
  maxBytes?: number;
  /** Limit on each HTTP request (one hop, one attempt) from connect to the last body byte; default the fetcher's (20 s). */
  timeoutMs?: number;
  maxRedirects?: number;
  accept?: string;
  /**
   * What to do with a body over `maxBytes`. Default: 'truncate' for text types (an HTML page cut
   * short is still worth judging), 'fail' for everything else (half a PDF is just broken).
   */
  onTooLarge?: 'truncate' | 'fail';
}

export interface RedirectHop {
  url: string;
  status: number;
  location: string;
}

export interface FetchedResponse {
  requestedUrl: string;
  finalUrl: string;
  redirects: RedirectHop[];
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Content-encoding already decoded. */
  body: Buffer;
  truncated: boolean;
  /** MIME type only, lower-case, '' if none. */
  contentType: string;
  /** When the final response arrived. */
  fetchedAt: string;
  /** Whole fetch, all hops and retries, waits in the scheduler included. */
  elapsedMs: number;
}

export interface FetcherOptions {
  userAgent: string;
  guard: AddressGuard;
  scheduler: HostScheduler;
  /** E.g. the robots.txt check; may throw FetchFailure('disallowed'). */
  beforeHop?: (url: URL) => Promise<void>;
  insecureTls?: boolean;
  /** Retries of transient failures per hop; default 2. */
  retries?: number;
  /** A longer Retry-After is not waited for: the response is returned; default 60 000. */
  maxRetryAfterMs?: number;
  /** First back-off delay, doubled per retry, with jitter; default 500. */
  retryBaseDelayMs?: number;
  /** Default per-request time limit (--request-timeout) when a request names none; default 20 000. */
  timeoutMs?: number;
}

export const DEFAULT_MAX_BYTES = 15 * 1024 * 1024;
/**
 * HTML and other text: real pages are well under a megabyte, and a body of tens of megabytes
 * (an endless response, a gzip bomb) costs gigabytes once parsed; its start is still judged.
 */
export const DEFAULT_MAX_TEXT_BYTES = 5 * 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 20_000;
export const DEFAULT_MAX_REDIRECTS = 10;
export const MAX_URL_LENGTH = 2048;
const DEFAULT_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const RETRY_STATUSES = new Set([429, 502, 503, 504]);
// Redirect bodies are thrown away; past this the connection is dropped rather than drained.
const DISCARD_LIMIT = 64 * 1024;

// Ports browsers refuse (WHATWG Fetch "bad port"): a redirect must not turn us into a client of
// mail, IRC or similar services.
const BAD_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103,
  104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513,
  514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719,
  1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679,
  6697, 10080,
]);

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
  'EPROTO',
]);

// Resolver answers worth asking again; ENOTFOUND is not.
const DNS_TRANSIENT = new Set(['EAI_AGAIN', 'ETIMEOUT', 'ESERVFAIL', 'ECONNREFUSED']);

const CONNECTION_TEXT: Record<string, string> = {
  ECONNREFUSED: 'tog inte emot någon anslutning',
  EHOSTUNREACH: 'gick inte att nå',
  ENETUNREACH: 'gick inte att nå',
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function seconds(ms: number): string {
  const s = ms / 1000;
  return Number.isInteger(s) ? String(s) : s.toFixed(1).replace('.', ',');
}

function mebibytes(bytes: number): string {
  const m = bytes / (1024 * 1024);
  return Number.isInteger(m) ? String(m) : m.toFixed(1).replace('.', ',');
}

export function mimeType(contentTypeHeader: string | undefined): string {
  return (contentTypeHeader ?? '').split(';')[0]!.trim().toLowerCase();
}

function isTextType(mime: string): boolean {
  return (
    mime === '' ||
    mime.startsWith('text/') ||
    mime.endsWith('+xml') ||
    mime.endsWith('+json') ||
    ['application/xml', 'application/json', 'application/javascript', 'application/x-javascript', 'application/ecmascript'].includes(mime)
  );
}

/** Retry-After in ms (delta-seconds or HTTP-date), undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * "deflate" is meant to be zlib-wrapped but some servers send raw deflate; browsers accept both,
 * so the first byte decides which inflater to use.
 */
class AutoInflate extends Transform {
  private inner: zlib.Inflate | zlib.InflateRaw | undefined;

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    if (!this.inner) {
      const zlibWrapped = chunk.length >= 2 && (chunk[0]! & 0x0f) === 8 && ((chunk[0]! << 8) | chunk[1]!) % 31 === 0;
      const opts = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
      this.inner = zlibWrapped ? zlib.createInflate(opts) : zlib.createInflateRaw(opts);
      this.inner.on('data', (d: Buffer) => this.push(d));
      this.inner.on('error', (err) => this.destroy(err));
    }
    this.inner.write(chunk, () => callback());
  }

  override _flush(callback: TransformCallback): void {
    if (!this.inner) return callback();
    this.inner.once('end', () => callback());
    this.inner.end();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.inner?.destroy();
    callback(err);
  }
}

/** Decoders for a Content-Encoding header, in the order to apply them; undefined if unknown. */
function decoders(contentEncoding: string | undefined): Transform[] | undefined {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  const out: Transform[] = [];
  // Truncated streams are common (servers closing early); decode what arrived instead of failing.
  for (const coding of codings.reverse()) {
    if (coding === 'gzip' || coding === 'x-gzip') out.push(zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH }));
    else if (coding === 'deflate') out.push(new AutoInflate());
    else if (coding === 'br') {
      out.push(zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH }));
    } else return undefined;
  }
  return out;
}

class OverLimit extends Error {}

/** Collects up to `limit` bytes, then fails the pipeline so that every stage upstream is destroyed. */
class LimitedSink extends Writable {
  readonly chunks: Buffer[] = [];
  size = 0;
  overflowed = false;

  constructor(private readonly limit: number) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.size + chunk.length > this.limit) {
      this.chunks.push(chunk.subarray(0, this.limit - this.size));
      this.size = this.limit;
      this.overflowed = true;
      callback(new OverLimit());
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    callback();
  }
}

class TimeoutReason extends Error {}

interface AttemptResult {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  truncated: boolean;
  receivedAt: Date;
}

type Phase = 'connect' | 'body';

export class Fetcher {
  private readonly opts: FetcherOptions;
  private readonly agent: Agent;
  private readonly retries: number;
  private readonly maxRetryAfterMs: number;
  private readonly retryBaseDelayMs: number;

  constructor(opts: FetcherOptions) {
    this.opts = opts;
    this.retries = opts.retries ?? 2;
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 60_000;
    this.retryBaseDelayMs = opts.retryBaseDelayMs ?? 500;
    this.agent = new Agent({
      connect: {
        lookup: opts.guard.lookup,
        rejectUnauthorized: !opts.insecureTls,
        timeout: 10_000,
      },
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 30_000,
      // Never trust a site's own notion of how large its headers may be.
      maxHeaderSize: 64 * 1024,
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  async fetch(req: FetchRequest): Promise<FetchedResponse> {
    const started = performance.now();
    const maxRedirects = req.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
    let url = this.parseUrl(req.url, req.url);
    const requestedUrl = url.href;
    const redirects: RedirectHop[] = [];
    const visited = [url.href];

    for (;;) {
      const res = await this.hop(url, req);
      const location = res.headers['location'];
      if (REDIRECT_STATUSES.has(res.status) && location !== undefined && location.trim() !== '') {
        if (redirects.length >= maxRedirects) {
          throw new FetchFailure(
            'too-many-redirects',
            requestedUrl,
            `${requestedUrl} omdirigerades fler än ${maxRedirects} gånger och hämtades inte.`,
          );
        }
        const next = this.parseUrl(location.trim(), url.href, url);
        next.hash = '';
        redirects.push({ url: url.href, status: res.status, location });
        if (visited.includes(next.href)) {
          throw new FetchFailure(
            'too-many-redirects',
            requestedUrl,
            `${requestedUrl} omdirigeras i en slinga (${[...visited, next.href].join(' → ')}).`,
          );
        }
        visited.push(next.href);
        url = next;
        continue;
      }
      return {
        requestedUrl,
        finalUrl: url.href,
        redirects,
        status: res.status,
        headers: res.headers,
        body: res.body,
        truncated: res.truncated,
        contentType: mimeType(res.headers['content-type']),
        fetchedAt: res.receivedAt.toISOString(),
        elapsedMs: Math.round(performance.now() - started),
      };
    }
  }

  /** Parses and vets a URL (or a Location relative to `base`): http(s), not too long, no bad port. */
  private parseUrl(raw: string, reportAs: string, base?: URL): URL {
    let url: URL;
    try {
      url = new URL(raw, base);
    } catch {
      throw new FetchFailure(
        'bad-url',
        reportAs,
        base ? `${reportAs} omdirigerar till ”${raw}”, som inte är en giltig webbadress.` : `${raw} är ingen giltig webbadress.`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new FetchFailure(
        'bad-url',
        reportAs,
        base
          ? `${reportAs} omdirigerar till ${url.href}, som inte är en webbsida (bara http och https hämtas).`
          : `${url.href} är ingen webbsida (bara http och https hämtas).`,
      );
    }
    if (url.port !== '' && BAD_PORTS.has(Number(url.port))) {
      throw new FetchFailure('bad-url', url.href, `${url.href} använder port ${url.port}, som inte används för webbsidor.`);
    }
    if (url.href.length > MAX_URL_LENGTH) {
      throw new FetchFailure(
        'bad-url',
        url.href.slice(0, 200) + '…',
        `En webbadress på ${url.href.length} tecken (${url.href.slice(0, 80)}…) är längre än ${MAX_URL_LENGTH} tecken och hämtades inte.`,
      );
    }
    return url;
  }

  /** One hop: checks, then the request with retries of transient failures. */
  private async hop(url: URL, req: FetchRequest): Promise<AttemptResult> {
    await this.opts.guard.check(url);
    await this.opts.beforeHop?.(url);
    const origin = url.origin;
    const href = url.href;

    for (let attempt = 0; ; attempt++) {
      const retriesLeft = attempt < this.retries;
      const backoff = this.retryBaseDelayMs * 2 ** attempt * (0.5 + Math.random());
      let result: AttemptResult;
      try {
        result = await this.opts.scheduler.run(origin, () => this.attempt(url, req));
      } catch (err) {
        const failure = this.toFailure(err, href, req, attempt + 1);
        if (retriesLeft && this.isTransient(failure)) {
          await sleep(backoff);
          continue;
        }
        throw failure;
      }

      if (!RETRY_STATUSES.has(result.status)) return result;
      const retryAfter = result.status === 429 || result.status === 503 ? parseRetryAfter(result.headers['retry-after']) : undefined;
      if (retryAfter !== undefined) {
        // Too long to wait inside one fetch: the caller sees the 429/503 and decides.
        if (retryAfter > this.maxRetryAfterMs) return result;
        // The site asked every client of it to wait, so the whole origin waits, not just this request.
        this.opts.scheduler.pause(origin, retryAfter);
        if (!retriesLeft) return result;
        continue;
      }
      if (!retriesLeft) return result;
      if (result.status === 429 || result.status === 503) this.opts.scheduler.pause(origin, backoff);
      else await sleep(backoff);
    }
  }

  private isTransient(f: FetchFailure): boolean {
    if (f.code === 'timeout' || f.code === 'connection') return true;
    return f.code === 'dns' && DNS_TRANSIENT.has(errorCode(f.cause) ?? '');
  }

  private async attempt(url: URL, req: FetchRequest): Promise<AttemptResult> {
    const timeoutMs = req.timeoutMs ?? this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new TimeoutReason()), timeoutMs);
    const state: { phase: Phase } = { phase: 'connect' };
    try {
      return await this.request(url, req, controller.signal, state);
    } catch (err) {
      // Carry the phase out so the message can say whether the answer started arriving.
      throw Object.assign(new AttemptError(state.phase, controller.signal.aborted), { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  private async request(url: URL, req: FetchRequest, signal: AbortSignal, state: { phase: Phase }): Promise<AttemptResult> {
    const timeoutMs = req.timeoutMs ?? this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const res = await this.agent.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: 'GET',
      headers: {
        'user-agent': this.opts.userAgent,
        accept: req.accept ?? DEFAULT_ACCEPT,
        'accept-encoding': 'gzip, deflate, br',
        'accept-language': 'sv-SE,sv;q=0.9,en;q=0.5',
      },
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    state.phase = 'body';
    const receivedAt = new Date();
    const headers = flattenHeaders(res.headers);
    const base = { status: res.statusCode, headers, receivedAt };

    if (REDIRECT_STATUSES.has(res.statusCode) && headers['location']) {
      await res.body.dump({ limit: DISCARD_LIMIT }).catch(() => undefined);
      return { ...base, body: Buffer.alloc(0), truncated: false };
    }

    const mime = mimeType(headers['content-type']);
    const maxBytes = req.maxBytes ?? (isTextType(mime) ? DEFAULT_MAX_TEXT_BYTES : DEFAULT_MAX_BYTES);
    const onTooLarge = req.onTooLarge ?? (isTextType(mime) ? 'truncate' : 'fail');
    const tooLarge = (): FetchFailure =>
      new FetchFailure('too-large', url.href, `${url.href} är större än ${mebibytes(maxBytes)} MiB och hämtades inte.`);

    const chain = decoders(headers['content-encoding']);
    if (!chain) {
      res.body.destroy();
      throw new FetchFailure(
        'http',
        url.href,
        `${url.href} skickade sitt svar packat på ett okänt sätt (Content-Encoding: ${headers['content-encoding']}).`,
      );
    }
    const declared = Number(headers['content-length']);
    if (onTooLarge === 'fail' && chain.length === 0 && Number.isFinite(declared) && declared > maxBytes) {
      res.body.destroy();
      throw tooLarge();
    }

    const sink = new LimitedSink(maxBytes);
    try {
      await pipeline([res.body as Readable, ...chain, sink]);
    } catch (err) {
      if (!(err instanceof OverLimit)) {
        if (chain.length > 0 && /^(Z_|ERR__|ERR_BROTLI)/.test((err as NodeJS.ErrnoException).code ?? '')) {
          throw new FetchFailure('http', url.href, `Svaret från ${url.href} var trasigt packat och gick inte att läsa.`, {
            cause: err,
          });
        }
        throw err;
      }
      if (onTooLarge === 'fail') throw tooLarge();
    }
    return { ...base, body: Buffer.concat(sink.chunks, sink.size), truncated: sink.overflowed };
  }

  /** Turns whatever went wrong in an attempt into a FetchFailure with a message for people. */
  private toFailure(err: unknown, href: string, req: FetchRequest, attempts: number): FetchFailure {
    const phase = err instanceof AttemptError ? err.phase : 'connect';
    const timedOut = err instanceof AttemptError && err.timedOut;
    const inner = err instanceof AttemptError ? err.cause : err;
    const tries = attempts > 1 ? ` (${attempts} försök)` : '';

    const known = findFetchFailure(inner);
    if (known instanceof LookupRefusal) {
      const host = new URL(href).hostname;
      return known.code === 'blocked-address'
        ? this.opts.guard.blockedFailure(href, known.address)
        : this.opts.guard.dnsFailure(href, host, known.cause);
    }
    if (known) return known;

    const code = errorCode(inner);
    const timeoutMs = req.timeoutMs ?? this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (timedOut || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
      const what = phase === 'body' ? 'skickade inte klart sitt svar' : 'svarade inte';
      return new FetchFailure('timeout', href, `${href} ${what} inom ${seconds(timeoutMs)} sekunder${tries}.`, { cause: inner });
    }
    if (code !== undefined && (TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || code.includes('CERT'))) {
      return new FetchFailure('tls', href, tlsMessage(href, code), { cause: inner });
    }
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      return this.opts.guard.dnsFailure(href, new URL(href).hostname, inner);
    }
    if (code?.startsWith('HPE_') || code === 'UND_ERR_HEADERS_OVERFLOW' || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') {
      return new FetchFailure('http', href, `${href} skickade ett felaktigt HTTP-svar (${code}).`, { cause: inner });
    }
    const label = code ?? (inner instanceof Error ? inner.message : 'okänt fel');
    const text = code !== undefined ? CONNECTION_TEXT[code] : undefined;
    const message = text
      ? `${href} ${text} (${label})${tries}.`
      : phase === 'body'
        ? `Anslutningen till ${href} bröts mitt i svaret (${label})${tries}.`
        : `Anslutningen till ${href} bröts innan något svar kom (${label})${tries}.`;
    return new FetchFailure('connection', href, message, { cause: inner });
  }
}

class AttemptError extends Error {
  constructor(
    readonly phase: Phase,
    readonly timedOut: boolean,
  ) {
    super('attempt failed');
  }
}

function errorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code !== 'UND_ERR_ABORTED' && code !== 'ABORT_ERR') return code;
    current = current.cause;
  }
  return undefined;
}

function tlsMessage(href: string, code: string): string {
  const hint = 'Använd --insecure om du ändå vill granska webbplatsen.';
  switch (code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return `Certifikatet för ${href} är självsignerat och kunde inte verifieras. ${hint}`;
    case 'CERT_HAS_EXPIRED':
      return `Certifikatet för ${href} har gått ut. ${hint}`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `Certifikatet för ${href} gäller inte för det värdnamnet. ${hint}`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return `Certifikatet för ${href} kunde inte verifieras (kedjan till en betrodd utfärdare saknas). ${hint}`;
    default:
      return `Den krypterade anslutningen till ${href} misslyckades (${code}). ${hint}`;
  }
}
