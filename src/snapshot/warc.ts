/**
 * WARC 1.1 archives of a run, one per kommun: DIR/warc/<kommunkod>.warc.gz, written with warcio
 * from the snapshot store, so that any web-archive tool (pywb, ReplayWeb.page, warcio) can open
 * what granska saw. Record by record (gzip per record, as the standard recommends):
 *
 * - `warcinfo` first: tool and version, rules version, browser (once the run has finished),
 *   User-Agent, run id and times, the kommun and its crawl times.
 * - per stored page, in pages.jsonl order:
 *   - one `response` record per redirect hop (`X-Granska-Reconstructed: status, location`): only
 *     the hop's status and Location were stored, so those are its only headers; a hop already
 *     written in the file is not written again;
 *   - one `response` record for the final URL, WARC-Date = fetchedAt, with the status line and the
 *     headers as stored. The stored body is already decoded, so `content-encoding`,
 *     `transfer-encoding` and `content-length` are renamed `x-original-…` and a correct
 *     `content-length` is set. `X-Granska-Read-With: browser` marks a rendered DOM (then stored as
 *     UTF-8: `content-type` becomes `text/html; charset=utf-8`, the original is kept as
 *     `x-original-content-type`); `X-Granska-Body` says `as-fetched`, `rendered-dom`, `not-stored`
 *     (error statuses and files that are not pages or documents) or `missing`. The payload digest
 *     is the snapshot hash of results.json (`sha256:<hex>`);
 *   - one `metadata` record (application/warc-fields, WARC-Refers-To the response): requested URL,
 *     redirect chain, click depth, click path, how the page was discovered and read;
 *   - for PDF and Word documents, a `conversion` record with the extracted text.
 * - a `metadata` record `urn:granska:crawl:<kod>` holding crawl.json (skipped URLs with reasons,
 *   robots.txt, site search), a `resource` record `urn:granska:results:<kod>` holding the kommun's
 *   judged result, and a `resource` record `urn:granska:evidence:<kod>/<file>` (image/png) for every
 *   screenshot under DIR/evidence/<kod>/, referring to the page it shows.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
const gzipAsync = promisify(gzip);
import { join, posix } from 'node:path';
import { WARCRecord, WARCSerializer, type WARCType } from 'warcio';
import { readProvenance, type Provenance } from '../export/provenance.ts';
import { listSnapshots, readSnapshot, type KommunSnapshot } from './store.ts';
import { isOutputFailure, outputFailureWords } from '../util/fs-errors.ts';
import type { PageRecord } from './types.ts';
import { locateSnapshotRoot } from './location.ts';
import { temporaryNameOf } from '../util/atomic-write.ts';

export class WarcInputError extends Error {}

export interface WarcOutcome {
  kommunkod: string;
  file: string;
  pages: number;
  records: number;
  screenshots: number;
  /** Damage found on the way (a body file missing): the WARC is written regardless. */
  warnings: string[];
}

const WARC_VERSION = 'WARC/1.1';
const RENAMED_HEADERS = new Set(['content-encoding', 'transfer-encoding', 'content-length']);

export function warcFileOf(outDir: string, kommunkod: string): string {
  return join(outDir, 'warc', `${kommunkod}.warc.gz`);
}

/**
 * Writes DIR/warc/<kommunkod>.warc.gz from the kommun's snapshot. Returns null when the kommun
 * has no complete snapshot (its crawl never finished).
 */
export async function writeWarc(outDir: string, kommunkod: string, provenance?: Provenance): Promise<WarcOutcome | null> {
  const snapshot = await readSnapshot(await locateSnapshotRoot(outDir), kommunkod);
  if (!snapshot) return null;
  const prov = provenance ?? (await readProvenance(outDir));
  const file = warcFileOf(outDir, kommunkod);
  await mkdir(join(outDir, 'warc'), { recursive: true });
  const tmp = temporaryNameOf(file);
  const sink = new WarcSink(tmp);
  const outcome: WarcOutcome = { kommunkod, file, pages: 0, records: 0, screenshots: 0, warnings: [] };
  try {
    await sink.add(warcinfo(`${kommunkod}.warc.gz`, prov, snapshot));

    const written = new Set<string>();
    const responseIds = new Map<string, string>();
    for (const page of snapshot.pages) {
      for (const [i, hop] of page.redirects.entries()) {
        const key = `${hop.url} ${hop.status} ${hop.location}`;
        if (written.has(key)) continue;
        written.add(key);
        await sink.add(redirectRecord(page, i));
      }
      const id = recordId();
      const body = await bodyOf(snapshot, page, outcome.warnings);
      await sink.add(responseRecord(page, id, body));
      if (!responseIds.has(page.finalUrl)) responseIds.set(page.finalUrl, id);
      await sink.add(pageMetadata(page, id));
      if (page.textFile) {
        try {
          const text = await readFile(join(snapshot.dir, page.textFile));
          await sink.add(record('conversion', page.finalUrl, page.fetchedAt, { 'WARC-Refers-To': id, 'Content-Type': 'text/plain; charset=utf-8' }, text));
        } catch {
          outcome.warnings.push(`${kommunkod}: den utdragna texten ${page.textFile} för ${page.finalUrl} saknas i ögonblicksbilden`);
        }
      }
      outcome.pages++;
    }

    const crawlJson = await readFile(join(snapshot.dir, 'crawl.json'));
    await sink.add(record('metadata', `urn:granska:crawl:${kommunkod}`, snapshot.summary.finishedAt, { 'Content-Type': 'application/json' }, crawlJson));

    const result = await kommunResult(outDir, kommunkod);
    if (result) {
      await sink.add(record('resource', `urn:granska:results:${kommunkod}`, nowIso(), { 'Content-Type': 'application/json' }, Buffer.from(`${JSON.stringify(result.value, null, 2)}\n`)));
    }

    for (const name of await screenshotFiles(outDir, kommunkod)) {
      const rel = posix.join('evidence', kommunkod, name);
      const path = join(outDir, 'evidence', kommunkod, ...name.split('/'));
      const png = await readFile(path);
      const shownIn = result?.evidence.find((e) => e.screenshot === rel);
      const date = shownIn?.screenshotAt ?? (await stat(path)).mtime.toISOString();
      const headers: Record<string, string> = { 'Content-Type': 'image/png' };
      if (shownIn) {
        headers['X-Granska-Criterion'] = shownIn.criterion;
        headers['X-Granska-Page-URI'] = shownIn.url;
        const pageId = responseIds.get(shownIn.url);
        if (pageId) headers['WARC-Refers-To'] = pageId;
      }
      await sink.add(record('resource', `urn:granska:evidence:${kommunkod}/${name}`, date, headers, png));
      outcome.screenshots++;
    }
    await sink.close();
    await rename(tmp, file);
  } catch (e) {
    await sink.close().catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  }
  outcome.records = sink.count;
  return outcome;
}

/** (Re)writes the WARC of every kommun with a complete snapshot in the run folder. */
export async function writeWarcs(outDir: string, opts: { log?: (line: string) => void; only?: string[] } = {}): Promise<WarcOutcome[]> {
  const root = await locateSnapshotRoot(outDir);
  try {
    await access(join(root, 'run.json'));
  } catch {
    throw new WarcInputError(`${outDir} innehåller ingen granskning med sparade ögonblicksbilder (snapshots/run.json saknas). Ange mappen som granska audit skrev (--out).`);
  }
  const prov = await readProvenance(outDir);
  const codes = (await listSnapshots(root)).filter((k) => !opts.only || opts.only.includes(k));
  const outcomes: WarcOutcome[] = [];
  for (const kod of codes) {
    const outcome = await writeWarc(outDir, kod, prov);
    if (!outcome) continue;
    outcomes.push(outcome);
    for (const w of outcome.warnings) opts.log?.(`Varning: ${w}`);
  }
  return outcomes;
}

/**
 * For the audit, at the end of each kommun: never stops the run; a WARC that cannot be written is a
 * warning (`granska warc --from DIR` writes it again later).
 */
export async function archiveKommun(outDir: string, kommunkod: string, log: (line: string) => void): Promise<void> {
  try {
    const outcome = await writeWarc(outDir, kommunkod);
    for (const w of outcome?.warnings ?? []) log(`Varning: ${w}`);
  } catch (e) {
    const why = isOutputFailure(e) ? outputFailureWords(e) : (e as Error).message;
    log(`Varning: WARC-arkivet för ${kommunkod} (${warcFileOf(outDir, kommunkod)}) kunde inte skrivas (${why}). Kör granska warc --from ${outDir} efteråt.`);
  }
}

// ---------------------------------------------------------------------------------------------

class WarcSink {
  count = 0;
  private readonly stream;
  private failure: Error | null = null;

  constructor(file: string) {
    this.stream = createWriteStream(file);
    this.stream.on('error', (e) => (this.failure = e));
  }

  async add(rec: WARCRecord): Promise<void> {
    if (this.failure) throw this.failure;
    // One gzip member per record, compressed by zlib off the event loop: warcio's own gzip goes
    // through web streams on the main thread, at twice the CPU.
    const bytes = await gzipAsync(await WARCSerializer.serialize(rec, { gzip: false }), { level: 1 });
    this.count++;
    if (!this.stream.write(bytes)) {
      if (this.failure || this.stream.destroyed) throw this.failure ?? new Error('WARC-filen stängdes innan allt var skrivet');
      // A stream that fails (a full disk) never drains: wait for whichever comes first.
      await new Promise<void>((resolve, reject) => {
        const done = (e?: Error) => {
          this.stream.off('drain', onDrain);
          this.stream.off('error', done);
          this.stream.off('close', onClose);
          if (e) reject(e);
          else resolve();
        };
        const onDrain = () => done();
        const onClose = () => done(this.failure ?? new Error('WARC-filen stängdes innan allt var skrivet'));
        this.stream.once('drain', onDrain);
        this.stream.once('error', done);
        this.stream.once('close', onClose);
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      const settle = () => (this.failure ? reject(this.failure) : resolve());
      if (this.stream.closed) return settle();
      // Settled on 'close' only, when the file is closed: a failed run must not leave it open.
      this.stream.once('close', settle);
      if (this.failure) this.stream.destroy();
      else this.stream.end();
    });
  }
}

function recordId(): string {
  return `<urn:uuid:${randomUUID()}>`;
}

function nowIso(): string {
  return new Date().toISOString();
}

/** Header values on one line: a stored header or a Swedish note must not break the record. */
function oneLine(v: string): string {
  return v.replace(/[\r\n]+/g, ' ').trim();
}

function record(type: WARCType, url: string, date: string, warcHeaders: Record<string, string>, payload: Uint8Array, extra: { httpHeaders?: [string, string][]; statusline?: string; id?: string } = {}): WARCRecord {
  // The first four in this order: a reader of the raw file sees what the record is at once.
  const headers: Record<string, string> = { 'WARC-Type': type, 'WARC-Record-ID': extra.id ?? recordId(), 'WARC-Target-URI': url, 'WARC-Date': date };
  for (const [k, v] of Object.entries(warcHeaders)) headers[k] = oneLine(v);
  return WARCRecord.create(
    {
      url,
      date,
      type,
      warcVersion: WARC_VERSION,
      warcHeaders: headers,
      ...(extra.httpHeaders ? { httpHeaders: extra.httpHeaders, statusline: extra.statusline } : {}),
    },
    payload.length > 0 ? [payload] : [],
  );
}

function warcinfo(filename: string, prov: Provenance, snapshot: KommunSnapshot): WARCRecord {
  const s = snapshot.summary;
  const fields: Array<[string, string | null | undefined]> = [
    ['software', `${prov.tool.name}/${prov.tool.version} (+${prov.tool.homepage})`],
    ['format', 'WARC File Format 1.1'],
    ['conformsTo', 'https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/'],
    ['http-header-user-agent', prov.userAgent ?? s.userAgent],
    ['robots', 'obey'],
    ['isPartOf', prov.run.id ? `granska-run-${prov.run.id}` : null],
    ['description', `Sidor som granska hämtade från ${s.namn}s webbplats för att bedöma informationen om hemtjänst (Hemtjänstindex, delindex Information).`],
    ['granska-tool-name', prov.tool.name],
    ['granska-tool-version', prov.tool.version],
    ['granska-rules-version', prov.rulesVersion],
    ['granska-browser', prov.browser],
    ['granska-user-agent', prov.userAgent ?? s.userAgent],
    ['granska-run-id', prov.run.id],
    ['granska-run-started', prov.run.startedAt],
    ['granska-run-finished', prov.run.finishedAt],
    ['granska-kommunkod', s.kommunkod],
    ['granska-kommun', s.namn],
    ['granska-webbplats', s.webbplats],
    ['granska-start-url', s.startUrl],
    ['granska-crawl-status', s.status],
    ['granska-crawl-reason', s.reason],
    ['granska-crawl-started', s.startedAt],
    ['granska-crawl-finished', s.finishedAt],
    ['granska-pages-fetched', String(s.pagesFetched)],
    ['granska-pages-rendered', String(s.pagesRendered)],
    ['granska-warc-written', nowIso()],
  ];
  const text = fields
    .filter((f): f is [string, string] => typeof f[1] === 'string' && f[1] !== '')
    .map(([k, v]) => `${k}: ${oneLine(v)}\r\n`)
    .join('');
  return WARCRecord.create(
    {
      type: 'warcinfo',
      filename,
      warcVersion: WARC_VERSION,
      warcHeaders: { 'WARC-Type': 'warcinfo', 'WARC-Record-ID': recordId(), 'WARC-Filename': filename, 'Content-Type': 'application/warc-fields' },
    },
    [Buffer.from(text, 'utf8')],
  );
}

function statusLine(status: number): string {
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd();
}

function redirectRecord(page: PageRecord, i: number): WARCRecord {
  const hop = page.redirects[i]!;
  return record(
    'response',
    hop.url,
    page.fetchedAt,
    {
      'X-Granska-Reconstructed': 'status, location',
      'X-Granska-Redirect-Hop': `${i + 1}/${page.redirects.length}`,
      'X-Granska-Final-URI': page.finalUrl,
    },
    new Uint8Array(0),
    { httpHeaders: [['location', oneLine(hop.location)], ['content-length', '0']], statusline: statusLine(hop.status) },
  );
}

type Body = { bytes: Buffer; kind: 'as-fetched' | 'rendered-dom' } | { bytes: null; kind: 'not-stored' | 'missing' };

async function bodyOf(snapshot: KommunSnapshot, page: PageRecord, warnings: string[]): Promise<Body> {
  if (!page.bodyFile) return { bytes: null, kind: 'not-stored' };
  try {
    const bytes = await readFile(join(snapshot.dir, page.bodyFile));
    return { bytes, kind: page.readWith === 'browser' ? 'rendered-dom' : 'as-fetched' };
  } catch {
    warnings.push(`${snapshot.summary.kommunkod}: sidan ${page.finalUrl} saknar sin sparade fil ${page.bodyFile}`);
    return { bytes: null, kind: 'missing' };
  }
}

/** The stored headers, made true for the stored (decoded, possibly rendered) body. */
export function httpHeadersFor(page: PageRecord, bodyLength: number, rendered: boolean): [string, string][] {
  const out: [string, string][] = [];
  if (rendered) out.push(['content-type', 'text/html; charset=utf-8']);
  for (const [name, value] of Object.entries(page.headers)) {
    const lower = name.toLowerCase();
    if (RENAMED_HEADERS.has(lower) || (rendered && lower === 'content-type')) out.push([`x-original-${lower}`, oneLine(value)]);
    else out.push([name, oneLine(value)]);
  }
  out.push(['content-length', String(bodyLength)]);
  return out;
}

function responseRecord(page: PageRecord, id: string, body: Body): WARCRecord {
  const warcHeaders: Record<string, string> = {
    'X-Granska-Read-With': page.readWith,
    'X-Granska-Body': body.kind,
  };
  if (page.url !== page.finalUrl) warcHeaders['X-Granska-Requested-URI'] = page.url;
  if (page.truncated && body.bytes) warcHeaders['WARC-Truncated'] = 'length';
  const bytes = body.bytes ?? Buffer.alloc(0);
  return record('response', page.finalUrl, page.fetchedAt, warcHeaders, bytes, {
    id,
    httpHeaders: httpHeadersFor(page, bytes.length, body.kind === 'rendered-dom'),
    statusline: statusLine(page.status),
  });
}

function pageMetadata(page: PageRecord, responseId: string): WARCRecord {
  const fields: Array<[string, string | undefined]> = [
    ['requested-uri', page.url],
    ...page.redirects.map((h): [string, string] => ['redirect', `${h.status} ${h.url} -> ${h.location}`]),
    ['final-uri', page.finalUrl],
    // -1: not reached by following links from the start page (found through the sitemap or search).
    ['click-depth', page.depth >= 0 ? String(page.depth) : 'none'],
    ['click-path', JSON.stringify(page.path)],
    ['click-path-text', page.path.join(' › ')],
    ['discovered-via', page.discoveredVia],
    ['read-with', page.readWith],
    ['render-reason', page.renderReason],
    ['kind', page.kind],
    ['host-role', page.hostRole],
    ['charset', page.charset],
    ['body-sha256', page.bodyHash],
    ['fetched-body-sha256', page.fetchedBodyHash],
    ['truncated', page.truncated ? 'true' : undefined],
    ['note', page.note],
  ];
  const text = fields
    .filter((f): f is [string, string] => typeof f[1] === 'string' && f[1] !== '')
    .map(([k, v]) => `${k}: ${oneLine(v)}\r\n`)
    .join('');
  return record('metadata', page.finalUrl, page.fetchedAt, { 'WARC-Refers-To': responseId, 'Content-Type': 'application/warc-fields' }, Buffer.from(text, 'utf8'));
}

interface EvidenceRef {
  criterion: string;
  url: string;
  screenshot?: string;
  screenshotAt?: string;
}

/** The kommun's judged result: kommuner/<kod>.json, else its entry in results.json. */
async function kommunResult(outDir: string, kommunkod: string): Promise<{ value: unknown; evidence: EvidenceRef[] } | null> {
  let value: unknown = null;
  try {
    value = JSON.parse(await readFile(join(outDir, 'kommuner', `${kommunkod}.json`), 'utf8'));
  } catch {
    try {
      const all = JSON.parse(await readFile(join(outDir, 'results.json'), 'utf8')) as { kommuner?: Array<{ kommunkod?: string }> };
      value = all.kommuner?.find((k) => k.kommunkod === kommunkod) ?? null;
    } catch {
      value = null;
    }
  }
  if (!value || typeof value !== 'object') return null;
  const evidence: EvidenceRef[] = [];
  const criteria = (value as { criteria?: unknown }).criteria;
  if (Array.isArray(criteria)) {
    for (const c of criteria as Array<{ id?: unknown; evidence?: unknown }>) {
      if (!Array.isArray(c.evidence)) continue;
      for (const e of c.evidence as Array<Record<string, unknown>>) {
        if (typeof e.screenshot !== 'string' || typeof e.url !== 'string') continue;
        evidence.push({ criterion: String(c.id), url: e.url, screenshot: e.screenshot, ...(typeof e.screenshotAt === 'string' ? { screenshotAt: e.screenshotAt } : {}) });
      }
    }
  }
  return { value, evidence };
}

/** PNG files under DIR/evidence/<kod>/, as paths relative to that folder with "/", sorted. */
async function screenshotFiles(outDir: string, kommunkod: string): Promise<string[]> {
  const dir = join(outDir, 'evidence', kommunkod);
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const e of entries) {
    const rel = e.split(/[\\/]/).join('/');
    if (!/\.png$/i.test(rel)) continue;
    if ((await stat(join(dir, e))).isFile()) files.push(rel);
  }
  return files.sort();
}
