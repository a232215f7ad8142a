/**
 * WARC archives of a real run (fixture sites on loopback, audited through the command line),
 * parsed back with warcio: provenance first, every stored page as a response record whose payload
 * digest is the snapshot hash, decoded bodies without content-encoding, Latin-1 bytes intact.
 */
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WARCParser, type WARCRecord } from 'warcio';
import { SnapshotWriter, readSnapshot, sha256 } from '../../src/snapshot/store.ts';
import { warcFileOf, writeWarc, writeWarcs } from '../../src/snapshot/warc.ts';
import type { PageRecord } from '../../src/snapshot/types.ts';
import { auditFixtures, cli, TINY_PNG, type AuditRun } from '../export/audit-run.ts';

interface Parsed {
  type: string;
  uri: string | null;
  date: string | null;
  headers: Map<string, string>;
  httpStatus: number | null;
  httpHeaders: Map<string, string>;
  payload: Buffer;
  payloadDigest: string | null;
}

async function parseWarc(file: string): Promise<Parsed[]> {
  const out: Parsed[] = [];
  for await (const r of new WARCParser(createReadStream(file)) as AsyncIterable<WARCRecord>) {
    const headers = new Map<string, string>();
    for (const [k, v] of r.warcHeaders.headers) headers.set(k.toLowerCase(), v);
    const httpHeaders = new Map<string, string>();
    if (r.httpHeaders) for (const [k, v] of r.httpHeaders.headers) httpHeaders.set(k.toLowerCase(), v);
    const payload = Buffer.from(await r.readFully(false));
    out.push({
      type: r.warcType ?? '',
      uri: r.warcTargetURI ?? null,
      date: r.warcDate ?? null,
      headers,
      httpStatus: r.httpHeaders ? Number(r.httpHeaders.statusCode) : null,
      httpHeaders,
      payload,
      payloadDigest: r.warcPayloadDigest ?? null,
    });
  }
  return out;
}

function fields(payload: Buffer): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const line of payload.toString('utf8').split('\r\n')) {
    const i = line.indexOf(': ');
    if (i < 0) continue;
    const k = line.slice(0, i);
    m.set(k, [...(m.get(k) ?? []), line.slice(i + 2)]);
  }
  return m;
}

let run: AuditRun;

beforeAll(async () => {
  // Västerljung: ISO-8859-1. Sjövalla: redirects. Norrhed: Drupal, documents.
  run = await auditFixtures(['vasterljung', 'norrhed', 'sjovalla']);
}, 300_000);

afterAll(async () => {
  await run?.cleanup();
});

describe('the audit', () => {
  it('writes a WARC per audited kommun as each kommun finishes', async () => {
    for (const k of run.results.kommuner) {
      const records = await parseWarc(warcFileOf(run.out, k.kommunkod));
      expect(records[0]?.type).toBe('warcinfo');
      expect(records.some((r) => r.type === 'response')).toBe(true);
    }
  });
});

describe('granska warc --from DIR', () => {
  let byKod: Map<string, Parsed[]>;

  beforeAll(async () => {
    // A screenshot as the evidence step leaves it, named in the kommun's result.
    const k = run.results.kommuner.find((x) => x.kommunkod === '9005')!;
    const c = k.criteria.find((x) => x.evidence.length > 0)!;
    const rel = `evidence/9005/${c.id}-1.png`;
    await mkdir(join(run.out, 'evidence', '9005'), { recursive: true });
    await writeFile(join(run.out, rel), TINY_PNG);
    const file = join(run.out, 'kommuner', '9005.json');
    const result = JSON.parse(await readFile(file, 'utf8'));
    const crit = result.criteria.find((x: { id: string }) => x.id === c.id);
    crit.evidence[0].screenshot = rel;
    crit.evidence[0].screenshotAt = '2026-05-04T10:00:00.000Z';
    await writeFile(file, JSON.stringify(result));

    const { code, out, err } = await cli(['warc', '--from', run.out]);
    expect(code, err).toBe(0);
    expect(out).toContain('9005');
    byKod = new Map();
    for (const k of run.results.kommuner) byKod.set(k.kommunkod, await parseWarc(warcFileOf(run.out, k.kommunkod)));
  });

  it('starts with a warcinfo record carrying the provenance', async () => {
    for (const [kod, records] of byKod) {
      const info = records[0]!;
      expect(info.type).toBe('warcinfo');
      expect(info.headers.get('warc-filename')).toBe(`${kod}.warc.gz`);
      const f = fields(info.payload);
      const one = (k: string) => f.get(k)?.[0];
      expect(one('software')).toMatch(/^granska\/\d+\.\d+\.\d+/);
      expect(one('granska-tool-version')).toBe(run.results.run.tool.version);
      expect(one('granska-rules-version')).toBe((run.results.run as { rulesVersion?: string }).rulesVersion);
      expect(one('http-header-user-agent')).toMatch(/^granska\//);
      expect(one('granska-run-id')).toBe(run.results.run.id);
      expect(one('granska-run-started')).toBe(run.results.run.startedAt);
      expect(one('granska-run-finished')).toBe(run.results.run.finishedAt);
      expect(one('granska-kommunkod')).toBe(kod);
      expect(one('granska-crawl-started')).toBeTruthy();
      expect(one('granska-crawl-finished')).toBeTruthy();
    }
    expect(fields(byKod.get('9005')![0]!.payload).get('granska-kommun')?.[0]).toBe('Västerljungs kommun');
  });

  it('holds every stored page as a response record whose payload is the stored body', async () => {
    let bodies = 0;
    for (const [kod, records] of byKod) {
      const snapshot = (await readSnapshot(join(run.out, 'snapshots'), kod))!;
      const responses = records.filter((r) => r.type === 'response' && r.headers.has('x-granska-read-with'));
      expect(responses).toHaveLength(snapshot.pages.length);
      for (const page of snapshot.pages) {
        const rec = responses.find((r) => r.uri === page.finalUrl && r.date === page.fetchedAt);
        expect(rec, page.finalUrl).toBeDefined();
        expect(rec!.httpStatus).toBe(page.status);
        if (!page.bodyHash) {
          expect(rec!.headers.get('x-granska-body')).toBe('not-stored');
          continue;
        }
        bodies++;
        expect(rec!.payloadDigest).toBe(page.bodyHash);
        expect(sha256(rec!.payload)).toBe(page.bodyHash);
        expect(rec!.payload.equals(await readFile(join(snapshot.dir, page.bodyFile!)))).toBe(true);
        expect(rec!.httpHeaders.get('content-length')).toBe(String(rec!.payload.length));
        expect(rec!.httpHeaders.has('content-encoding')).toBe(false);
        expect(rec!.httpHeaders.has('transfer-encoding')).toBe(false);
        expect(rec!.headers.get('x-granska-read-with')).toBe(page.readWith);
      }
    }
    // Not a vacuous loop: the demo crawl stores a few dozen bodies (fewer since it stops when nothing relevant is left).
    expect(bodies).toBeGreaterThan(20);
  });

  it('keeps the bytes of ISO-8859-1 pages as fetched', () => {
    const latin1 = byKod.get('9005')!.filter((r) => r.type === 'response' && /iso-8859-1/i.test(r.httpHeaders.get('content-type') ?? ''));
    expect(latin1.length).toBeGreaterThan(5);
    const withA = latin1.filter((r) => r.payload.includes(Buffer.from('hemtjänst', 'latin1')));
    expect(withA.length).toBeGreaterThan(0);
    // Latin-1 "ä" is the single byte E4, never UTF-8's C3 A4.
    for (const r of withA) expect(r.payload.includes(Buffer.from('ä', 'utf8'))).toBe(false);
  });

  it('writes the redirect hops as 3xx response records with their Location', async () => {
    const snapshot = (await readSnapshot(join(run.out, 'snapshots'), '9002'))!;
    const hops = snapshot.pages.flatMap((p) => p.redirects);
    expect(hops.length).toBeGreaterThan(0);
    const records = byKod.get('9002')!;
    for (const hop of hops) {
      const rec = records.find((r) => r.type === 'response' && r.uri === hop.url && r.httpStatus === hop.status);
      expect(rec, hop.url).toBeDefined();
      expect(rec!.httpHeaders.get('location')).toBe(hop.location);
      expect(rec!.headers.get('x-granska-reconstructed')).toBe('status, location');
    }
  });

  it('writes a metadata record per page with click depth, click path and discovery', async () => {
    const snapshot = (await readSnapshot(join(run.out, 'snapshots'), '9005'))!;
    const records = byKod.get('9005')!;
    const meta = records.filter((r) => r.type === 'metadata' && r.uri?.startsWith('http'));
    expect(meta).toHaveLength(snapshot.pages.length);
    const deep = snapshot.pages.find((p) => p.depth >= 2 && p.path.some((t) => /[åäö]/i.test(t)))!;
    expect(deep).toBeDefined();
    const m = meta.find((r) => r.uri === deep.finalUrl)!;
    const f = fields(m.payload);
    expect(f.get('click-depth')?.[0]).toBe(String(deep.depth));
    expect(JSON.parse(f.get('click-path')![0]!)).toEqual(deep.path);
    expect(f.get('discovered-via')?.[0]).toBe(deep.discoveredVia);
    expect(f.get('read-with')?.[0]).toBe('fetch');
    const response = records.find((r) => r.headers.get('warc-record-id') === m.headers.get('warc-refers-to'));
    expect(response?.uri).toBe(deep.finalUrl);
  });

  it('stores extracted document text, the crawl summary and the judged result', () => {
    const records = byKod.get('9005')!;
    const conversion = records.find((r) => r.type === 'conversion');
    expect(conversion?.payload.toString('utf8')).toMatch(/hemtjänst/i);
    const crawl = records.find((r) => r.uri === 'urn:granska:crawl:9005');
    expect(JSON.parse(crawl!.payload.toString('utf8')).kommunkod).toBe('9005');
    const result = records.find((r) => r.uri === 'urn:granska:results:9005');
    expect(JSON.parse(result!.payload.toString('utf8')).namn).toBe('Västerljungs kommun');
  });

  it('holds the screenshots as image/png resource records', () => {
    const shots = byKod.get('9005')!.filter((r) => r.type === 'resource' && r.uri?.startsWith('urn:granska:evidence:'));
    expect(shots).toHaveLength(1);
    const shot = shots[0]!;
    expect(shot.uri).toMatch(/^urn:granska:evidence:9005\/[a-z-]+-1\.png$/);
    expect(shot.headers.get('content-type')).toBe('image/png');
    expect(shot.payload.equals(TINY_PNG)).toBe(true);
    expect(shot.date).toBe('2026-05-04T10:00:00.000Z');
    expect(shot.headers.get('x-granska-page-uri')).toMatch(/^http:\/\/127\.0\.0\.1/);
    expect(byKod.get('9004')!.some((r) => r.uri?.startsWith('urn:granska:evidence:'))).toBe(false);
  });

  it('refuses a folder that is not a run, in Swedish', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'granska-warc-empty-'));
    try {
      const { code, err } = await cli(['warc', '--from', empty]);
      expect(code).toBe(2);
      expect(err).toMatch(/snapshots\/run\.json saknas/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('headers of decoded and rendered bodies', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'granska-warc-unit-'));
    const root = join(dir, 'snapshots');
    await mkdir(root, { recursive: true });
    await writeFile(join(root, 'run.json'), JSON.stringify({ id: 'r1', startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '', tool: { name: 'granska', version: '9.9.9' }, userAgent: 'granska/9.9.9', rulesVersion: 'sha256:abc', kommuner: [] }));
    const w = await SnapshotWriter.create(root, '0001');
    const base: Omit<PageRecord, 'bodyHash' | 'bodyFile' | 'textFile' | 'readWith' | 'url' | 'finalUrl' | 'headers'> = {
      redirects: [],
      status: 200,
      contentType: 'text/html',
      fetchedAt: '2026-01-01T00:00:01.000Z',
      depth: 1,
      path: ['Omsorg'],
      discoveredVia: 'link',
      kind: 'html',
      hostRole: 'kommun',
    };
    w.addPage(
      { ...base, url: 'https://a.se/gz', finalUrl: 'https://a.se/gz', readWith: 'fetch', headers: { 'content-type': 'text/html; charset=utf-8', 'content-encoding': 'gzip', 'transfer-encoding': 'chunked', 'content-length': '17' } },
      Buffer.from('<p>Hemtjänst</p>', 'utf8'),
      'html',
    );
    w.addPage(
      { ...base, url: 'https://a.se/js', finalUrl: 'https://a.se/js', readWith: 'browser', renderReason: 'menyn byggs med JavaScript', headers: { 'content-type': 'text/html; charset=iso-8859-1', 'content-length': '5' } },
      Buffer.from('<html><body><p>Äldreomsorg</p></body></html>', 'utf8'),
      'html',
    );
    await w.finish({ kommunkod: '0001', namn: 'Åby kommun', webbplats: 'https://a.se/', status: 'audited', reason: null, startedAt: '2026-01-01T00:00:00.500Z', finishedAt: '2026-01-01T00:00:09.000Z', pagesFetched: 2, pagesRendered: 1, eserviceHosts: [], skipped: [], robots: [], userAgent: 'granska/9.9.9', notes: [] });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('renames the encodings and sets the length of the stored body', async () => {
    const outcome = (await writeWarc(dir, '0001'))!;
    expect(outcome.pages).toBe(2);
    const records = await parseWarc(outcome.file);
    const info = fields(records[0]!.payload);
    expect(info.get('granska-tool-version')?.[0]).toBe('9.9.9');
    expect(info.has('granska-run-finished')).toBe(false);
    const gz = records.find((r) => r.type === 'response' && r.uri === 'https://a.se/gz')!;
    expect(gz.httpHeaders.has('content-encoding')).toBe(false);
    expect(gz.httpHeaders.has('transfer-encoding')).toBe(false);
    expect(gz.httpHeaders.get('x-original-content-encoding')).toBe('gzip');
    expect(gz.httpHeaders.get('x-original-transfer-encoding')).toBe('chunked');
    expect(gz.httpHeaders.get('x-original-content-length')).toBe('17');
    expect(gz.httpHeaders.get('content-length')).toBe(String(Buffer.byteLength('<p>Hemtjänst</p>')));
    expect(gz.payload.toString('utf8')).toBe('<p>Hemtjänst</p>');
    expect(gz.headers.get('x-granska-body')).toBe('as-fetched');
  });

  it('says that a rendered page is the DOM, in UTF-8', async () => {
    const records = await parseWarc(warcFileOf(dir, '0001'));
    const js = records.find((r) => r.type === 'response' && r.uri === 'https://a.se/js')!;
    expect(js.headers.get('x-granska-read-with')).toBe('browser');
    expect(js.headers.get('x-granska-body')).toBe('rendered-dom');
    expect(js.httpHeaders.get('content-type')).toBe('text/html; charset=utf-8');
    expect(js.httpHeaders.get('x-original-content-type')).toBe('text/html; charset=iso-8859-1');
    expect(js.payloadDigest).toBe(sha256(Buffer.from('<html><body><p>Äldreomsorg</p></body></html>', 'utf8')));
    const meta = records.find((r) => r.type === 'metadata' && r.uri === 'https://a.se/js')!;
    expect(fields(meta.payload).get('render-reason')?.[0]).toBe('menyn byggs med JavaScript');
  });

  it('skips a kommun without a finished snapshot', async () => {
    expect(await writeWarc(dir, '9999')).toBeNull();
    expect((await writeWarcs(dir)).map((o) => o.kommunkod)).toEqual(['0001']);
  });
});
