/**
 * The snapshot store: every fetched page of one kommun under `<root>/<kommunkod>/`, with its
 * metadata in pages.jsonl and its body by content hash in bodies/. crawl.json, written last and
 * atomically, marks the crawl as complete.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { access, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../util/atomic-write.ts';
import { CrawlSummarySchema, PageRecordSchema, type CrawlSummary, type PageRecord } from './types.ts';

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export type NewPage = Omit<PageRecord, 'bodyHash' | 'bodyFile' | 'textFile'>;

export class SnapshotWriter {
  private readonly lines: WriteStream;
  private readonly written = new Set<string>();
  private pending: Promise<void>[] = [];

  /** The first write error of pages.jsonl (a full disk), raised by finish(). */
  private failure: Error | null = null;

  private constructor(readonly dir: string) {
    this.lines = createWriteStream(join(dir, 'pages.jsonl'), { flags: 'w' });
    this.lines.on('error', (e: NodeJS.ErrnoException) => {
      e.path ??= join(dir, 'pages.jsonl');
      this.failure ??= e;
    });
  }

  /** Starts a fresh snapshot for one kommun, discarding an unfinished earlier one. */
  static async create(root: string, kommunkod: string): Promise<SnapshotWriter> {
    const dir = join(root, kommunkod);
    await rm(dir, { recursive: true, force: true });
    await mkdir(join(dir, 'bodies'), { recursive: true });
    return new SnapshotWriter(dir);
  }

  /** Stores a page; the body is written once per content hash, in the background. */
  addPage(page: NewPage, body?: Buffer, ext = 'bin', text?: string): PageRecord {
    const record: PageRecord = { ...page };
    if (body) {
      const hash = sha256(body);
      const file = `bodies/${hash.slice(7)}.${ext}`;
      record.bodyHash = hash;
      record.bodyFile = file;
      if (!this.written.has(file)) {
        this.written.add(file);
        this.pending.push(this.track(join(this.dir, file), writeFile(join(this.dir, file), body)));
      }
      if (text !== undefined) {
        record.textFile = `bodies/${hash.slice(7)}.txt`;
        if (!this.written.has(record.textFile)) {
          this.written.add(record.textFile);
          this.pending.push(this.track(join(this.dir, record.textFile), writeFile(join(this.dir, record.textFile), text)));
        }
      }
    }
    this.lines.write(`${JSON.stringify(record)}\n`);
    return record;
  }

  /** A body write that fails (a full disk) is kept for finish() to raise, never left unhandled. */
  private track(path: string, write: Promise<void>): Promise<void> {
    return write.catch((e: NodeJS.ErrnoException) => {
      e.path ??= path;
      this.failure ??= e;
    });
  }

  async finish(summary: CrawlSummary): Promise<void> {
    await Promise.all(this.pending);
    this.pending = [];
    if (this.failure) throw this.failure;
    // A stream that failed never says 'finish': wait for whichever comes.
    await new Promise<void>((resolve, reject) => {
      this.lines.once('error', reject);
      this.lines.end(() => resolve());
    });
    if (this.failure) throw this.failure;
    await writeJsonAtomic(join(this.dir, 'crawl.json'), summary);
  }

  async abort(): Promise<void> {
    await Promise.allSettled(this.pending);
    // Closed before returning: a run that stops must not leave files open on the disk it stopped on.
    if (this.lines.closed) return;
    await new Promise<void>((resolve) => {
      this.lines.once('close', () => resolve());
      this.lines.destroy();
    });
  }
}

export interface KommunSnapshot {
  dir: string;
  summary: CrawlSummary;
  pages: PageRecord[];
}

export class SnapshotFormatError extends Error {}

/**
 * Reads one kommun's complete snapshot, or null when its crawl never finished: no crawl.json, or
 * one that is not whole JSON (crawl.json is written atomically, so that is a file cut short by
 * something else; the kommun is crawled again rather than judged from it).
 */
export async function readSnapshot(root: string, kommunkod: string): Promise<KommunSnapshot | null> {
  const dir = join(root, kommunkod);
  const summaryFile = join(dir, 'crawl.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(summaryFile, 'utf8'));
  } catch (e) {
    if (e instanceof SyntaxError || (e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const summary = parseWith(CrawlSummarySchema, raw, summaryFile);
  const pagesFile = join(dir, 'pages.jsonl');
  let text = '';
  try {
    text = await readFile(pagesFile, 'utf8');
  } catch {
    text = '';
  }
  const pages = text
    .split('\n')
    .filter((l) => l.trim())
    .map((line, i) => parseWith(PageRecordSchema, JSON.parse(line), `${pagesFile}, rad ${i + 1}`));
  return { dir, summary, pages };
}

/** The kommunkoder with a complete snapshot under root. */
export async function listSnapshots(root: string): Promise<string[]> {
  let entries: string[] = [];
  try {
    entries = await readdir(root);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of entries.sort()) {
    try {
      await access(join(root, name, 'crawl.json'));
      out.push(name);
    } catch {
      /* unfinished or not a snapshot */
    }
  }
  return out;
}

export async function readBody(snapshot: KommunSnapshot, record: PageRecord): Promise<Buffer | null> {
  if (!record.bodyFile) return null;
  return readFile(join(snapshot.dir, record.bodyFile));
}

export async function readText(snapshot: KommunSnapshot, record: PageRecord): Promise<string | null> {
  if (!record.textFile) return null;
  return readFile(join(snapshot.dir, record.textFile), 'utf8');
}

function parseWith<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { message: string } } }, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new SnapshotFormatError(`Ogiltig snapshot-fil ${where}: ${r.error.message}`);
  return r.data;
}
