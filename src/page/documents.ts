/**
 * Text from documents linked from kommun pages (fee tables, application forms): PDF via
 * pdf.js, .docx via mammoth. Failures become a DocumentError with a Swedish message that can be
 * shown to the index team and web editors as is; the caller adds which link it was.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import mammoth from 'mammoth';

export type DocumentErrorKind = 'empty' | 'broken' | 'encrypted' | 'unsupported';

export class DocumentError extends Error {
  override name = 'DocumentError';
  readonly kind: DocumentErrorKind;
  constructor(kind: DocumentErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
  }
}

export interface PdfText {
  /** Text of each extracted page, lines separated by "\n". */
  pages: string[];
  /** All extracted pages, separated by a blank line. */
  text: string;
  /** Pages in the file, which can be more than were extracted (see maxPages). */
  pageCount: number;
  /** True when pages beyond maxPages were left out. */
  truncated: boolean;
}

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');

let pdfjsPromise: Promise<PdfJs> | undefined;

/**
 * pdf.js prints "Cannot polyfill DOMMatrix …" warnings while it is being imported when the
 * optional canvas package is missing; those are about rendering, which we never do, so they
 * are hidden here rather than shown to users as if something were wrong.
 */
function loadPdfJs(): Promise<PdfJs> {
  pdfjsPromise ??= (async () => {
    const originalWarn = console.warn;
    console.warn = (...args: unknown[]) => {
      const first = args[0];
      if (typeof first === 'string' && first.startsWith('Warning: ')) return;
      originalWarn.apply(console, args);
    };
    try {
      return await import('pdfjs-dist/legacy/build/pdf.mjs');
    } finally {
      console.warn = originalWarn;
    }
  })();
  return pdfjsPromise;
}

function pdfjsAssetDirs(): { standardFontDataUrl: string; cMapUrl: string } {
  const require = createRequire(import.meta.url);
  const root = path.dirname(require.resolve('pdfjs-dist/package.json'));
  // pdf.js in Node reads these with fs and appends file names, so they need the trailing slash.
  return {
    standardFontDataUrl: path.join(root, 'standard_fonts') + path.sep,
    cMapUrl: path.join(root, 'cmaps') + path.sep,
  };
}

/** NFC, no invisible characters, plain spaces, one space between words, no trailing blanks. */
function tidyLine(line: string): string {
  return line
    .normalize('NFC')
    .replace(/[\u00ad\u200b-\u200d\u2060\ufeff]/g, '')
    .replace(/[\s\u00a0\u202f]+/g, ' ')
    .trim();
}

function tidyLines(lines: string[]): string {
  const out: string[] = [];
  for (const raw of lines) {
    const line = tidyLine(raw);
    // Keep paragraph breaks, but never more than one blank line in a row.
    if (line === '' && (out.length === 0 || out[out.length - 1] === '')) continue;
    out.push(line);
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out.join('\n');
}

interface PositionedText {
  str: string;
  x: number;
  y: number;
  width: number;
  size: number;
  hasEOL: boolean;
}

/**
 * Joins pdf.js text items into lines. Items come in content-stream order, which for most
 * documents is reading order (and keeps columns apart, where sorting by position would
 * interleave them); a line ends where pdf.js says so or where the baseline moves.
 */
function joinItems(items: PositionedText[]): string {
  const lines: string[] = [];
  let current = '';
  let prev: PositionedText | undefined;
  let breakPending = false;
  for (const item of items) {
    if (item.str === '') {
      // Empty items only mark line ends; their position may already be that of the next line.
      if (item.hasEOL) breakPending = true;
      continue;
    }
    if (prev) {
      const dy = Math.abs(item.y - prev.y);
      const lineHeight = Math.max(prev.size, item.size, 1);
      const sameBaseline = dy <= lineHeight * 0.5;
      if (breakPending || !sameBaseline) {
        if (current.trim() !== '') lines.push(current);
        current = '';
        // A gap of more than about two lines is a paragraph or table-row break worth keeping.
        if (!sameBaseline && dy > lineHeight * 2.2) lines.push('');
      } else {
        const gap = item.x - (prev.x + prev.width);
        const needsSpace = gap > lineHeight * 0.15 || gap < -lineHeight;
        if (needsSpace && !/\s$/.test(current) && !/^\s/.test(item.str)) current += ' ';
      }
    }
    current += item.str;
    prev = item;
    breakPending = item.hasEOL;
  }
  if (current.trim() !== '') lines.push(current);
  return tidyLines(lines);
}

function isPdfJsException(err: unknown, name: string): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === name;
}

/** Extracts the text of a PDF, page by page (at most `maxPages`, default 50). */
export async function extractPdfText(
  body: Buffer,
  opts: { maxPages?: number } = {},
): Promise<PdfText> {
  const maxPages = Math.max(1, Math.floor(opts.maxPages ?? 50));
  if (body.length === 0) {
    throw new DocumentError('empty', 'Filen är tom (0 byte). Kontrollera att länken går till rätt dokument.');
  }
  const pdfjs = await loadPdfJs();
  const loadingTask = pdfjs.getDocument({
    // A copy: pdf.js may take over (detach) the buffer it is given.
    data: new Uint8Array(body),
    ...pdfjsAssetDirs(),
    verbosity: pdfjs.VerbosityLevel.ERRORS,
    isEvalSupported: false,
    useSystemFonts: false,
    disableFontFace: true,
    useWorkerFetch: false,
    // Extraction never runs scripts or forms; these keep pdf.js from doing extra work.
    enableXfa: false,
  });

  let doc;
  try {
    doc = await loadingTask.promise;
  } catch (err) {
    await loadingTask.destroy().catch(() => undefined);
    if (isPdfJsException(err, 'PasswordException')) {
      throw new DocumentError(
        'encrypted',
        'PDF-filen är lösenordsskyddad och kan inte läsas. Lägg ut dokumentet utan lösenord så att alla kan öppna det.',
        { cause: err },
      );
    }
    throw new DocumentError(
      'broken',
      'Filen kunde inte läsas som PDF: den är trasig eller är inte en PDF. Kontrollera att dokumentet går att öppna och spara det på nytt som PDF.',
      { cause: err },
    );
  }

  try {
    const pageCount = doc.numPages;
    const last = Math.min(pageCount, maxPages);
    const pages: string[] = [];
    let failedPages = 0;
    for (let n = 1; n <= last; n++) {
      try {
        const page = await doc.getPage(n);
        const content = await page.getTextContent();
        const items: PositionedText[] = [];
        for (const item of content.items) {
          if (!('str' in item)) continue;
          const t = item.transform as number[];
          const size = item.height || Math.hypot(t[2] ?? 0, t[3] ?? 0) || 10;
          items.push({
            str: item.str,
            x: t[4] ?? 0,
            y: t[5] ?? 0,
            width: item.width,
            size,
            hasEOL: item.hasEOL,
          });
        }
        pages.push(joinItems(items));
        page.cleanup();
      } catch {
        // One damaged page should not cost the text of the others.
        failedPages++;
        pages.push('');
      }
    }
    if (last > 0 && failedPages === last) {
      throw new DocumentError(
        'broken',
        'PDF-filen öppnades men ingen sida gick att läsa. Kontrollera att dokumentet går att öppna och spara det på nytt som PDF.',
      );
    }
    return {
      pages,
      text: pages.filter((p) => p !== '').join('\n\n'),
      pageCount,
      truncated: pageCount > last,
    };
  } finally {
    await loadingTask.destroy().catch(() => undefined);
  }
}

// Compound File Binary: old Word .doc files, and also password-protected .docx files.
const OLE_SIGNATURE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const ZIP_SIGNATURE = Buffer.from([0x50, 0x4b]);

/** Extracts the text of a Word .docx file; paragraphs are separated by a blank line. */
export async function extractDocxText(body: Buffer): Promise<string> {
  if (body.length === 0) {
    throw new DocumentError('empty', 'Filen är tom (0 byte). Kontrollera att länken går till rätt dokument.');
  }
  if (body.subarray(0, OLE_SIGNATURE.length).equals(OLE_SIGNATURE)) {
    throw new DocumentError(
      'unsupported',
      'Filen är ett Word-dokument i det äldre formatet .doc (eller ett lösenordsskyddat dokument) och kan inte läsas. Spara det som .docx eller PDF och lägg ut det på nytt.',
    );
  }
  if (!body.subarray(0, 2).equals(ZIP_SIGNATURE)) {
    throw new DocumentError(
      'broken',
      'Filen kunde inte läsas som Word-dokument (.docx): den är trasig eller är inte ett Word-dokument. Kontrollera att den går att öppna och spara den på nytt.',
    );
  }
  let value: string;
  try {
    ({ value } = await mammoth.extractRawText({ buffer: body }));
  } catch (err) {
    throw new DocumentError(
      'broken',
      'Filen kunde inte läsas som Word-dokument (.docx): den är trasig eller är inte ett Word-dokument. Kontrollera att den går att öppna och spara den på nytt.',
      { cause: err },
    );
  }
  return tidyLines(value.split(/\r?\n/));
}
