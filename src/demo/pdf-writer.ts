/**
 * A minimal, dependency-free PDF 1.4 writer for fixture documents (fee tables, application
 * forms) served to the crawler in tests and the demo. It writes plain text with the standard
 * Helvetica font in WinAnsiEncoding, so Swedish letters render and pdf.js extracts them back.
 */

export interface MakePdfOptions {
  /** Document title in the PDF's Info dictionary. */
  title?: string;
  /** Font size in points (default 11). */
  fontSize?: number;
}

// A4 in points.
const PAGE_WIDTH = 595.28;
const PAGE_HEIGHT = 841.89;
// 2 cm margins.
const MARGIN = 56.69;

// Helvetica advance widths (1/1000 em) for WinAnsi codes 32..255, taken from the standard
// font metrics (as in pdf.js) so that wrapping matches what a viewer draws.
const HELVETICA_WIDTHS: readonly number[] = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
  556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
  611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
  667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
  222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
  350, 556, 350, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350, 350,
  222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 350, 500, 667, 278, 333, 556,
  556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333, 400, 584, 333, 333, 333, 556,
  537, 278, 333, 333, 365, 556, 834, 834, 834, 611, 667, 667, 667, 667, 667, 667, 1000, 722, 667,
  667, 667, 667, 278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722,
  722, 667, 667, 611, 556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278,
  278, 556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
];

// The 0x80–0x9F block is where Windows-1252 (WinAnsi) differs from Latin-1.
const CP1252_HIGH: ReadonlyMap<number, number> = new Map([
  [0x20ac, 0x80], [0x201a, 0x82], [0x0192, 0x83], [0x201e, 0x84], [0x2026, 0x85],
  [0x2020, 0x86], [0x2021, 0x87], [0x02c6, 0x88], [0x2030, 0x89], [0x0160, 0x8a],
  [0x2039, 0x8b], [0x0152, 0x8c], [0x017d, 0x8e], [0x2018, 0x91], [0x2019, 0x92],
  [0x201c, 0x93], [0x201d, 0x94], [0x2022, 0x95], [0x2013, 0x96], [0x2014, 0x97],
  [0x02dc, 0x98], [0x2122, 0x99], [0x0161, 0x9a], [0x203a, 0x9b], [0x0153, 0x9c],
  [0x017e, 0x9e], [0x0178, 0x9f],
]);

const NBSP = 0xa0;

/** Unicode text → WinAnsi byte codes; what the font cannot show becomes '?'. */
function toWinAnsi(text: string): number[] {
  const out: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0x3f;
    if (cp >= 0x20 && cp < 0x7f) out.push(cp);
    // Swedish typography uses (narrow) no-break spaces in amounts: "1 234 kr".
    else if (cp === 0x202f || cp === 0x2007 || cp === 0x2009) out.push(NBSP);
    else if (cp >= 0xa0 && cp <= 0xff) out.push(cp);
    else if (cp === 0x2212) out.push(0x2d); // minus sign
    else out.push(CP1252_HIGH.get(cp) ?? 0x3f);
  }
  return out;
}

function widthOf(codes: readonly number[], fontSize: number): number {
  let units = 0;
  for (const c of codes) units += HELVETICA_WIDTHS[c - 32] ?? 556;
  return (units * fontSize) / 1000;
}

/** Greedy word wrap of one paragraph; words wider than the line are cut. */
function wrapParagraph(codes: number[], maxWidth: number, fontSize: number): number[][] {
  if (codes.length === 0) return [[]];
  const words: number[][] = [];
  let current: number[] = [];
  for (const c of codes) {
    if (c === 0x20) {
      words.push(current);
      current = [];
    } else current.push(c);
  }
  words.push(current);

  const spaceWidth = widthOf([0x20], fontSize);
  const lines: number[][] = [];
  let line: number[] = [];
  let lineWidth = 0;
  for (let word of words) {
    let w = widthOf(word, fontSize);
    while (w > maxWidth) {
      // A word longer than a whole line: flush what we have, then cut the word.
      if (line.length > 0) {
        lines.push(line);
        line = [];
        lineWidth = 0;
      }
      let cut = 1;
      while (cut < word.length && widthOf(word.slice(0, cut + 1), fontSize) <= maxWidth) cut++;
      lines.push(word.slice(0, cut));
      word = word.slice(cut);
      w = widthOf(word, fontSize);
    }
    if (line.length === 0 && lineWidth === 0) {
      line = [...word];
      lineWidth = w;
    } else if (lineWidth + spaceWidth + w <= maxWidth) {
      line.push(0x20, ...word);
      lineWidth += spaceWidth + w;
    } else {
      lines.push(line);
      line = [...word];
      lineWidth = w;
    }
  }
  lines.push(line);
  return lines;
}

function pdfString(codes: readonly number[]): string {
  let s = '(';
  for (const c of codes) {
    if (c === 0x28 || c === 0x29 || c === 0x5c) s += '\\' + String.fromCharCode(c);
    // Octal escapes keep the file 7-bit, so byte offsets equal string offsets.
    else if (c < 0x20 || c > 0x7e) s += '\\' + c.toString(8).padStart(3, '0');
    else s += String.fromCharCode(c);
  }
  return s + ')';
}

/** Info-dictionary strings use PDFDocEncoding, not the font's encoding: UTF-16BE is unambiguous. */
function pdfTextString(text: string): string {
  let hex = '<FEFF';
  for (const unit of text.normalize('NFC')) {
    for (let i = 0; i < unit.length; i++) {
      hex += unit.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0');
    }
  }
  return hex + '>';
}

function fmt(n: number): string {
  return Number(n.toFixed(2)).toString();
}

/**
 * Lays `text` out on A4 pages and returns a complete PDF file. Newlines end lines, `\f` starts a
 * new page, long lines wrap at the page width and long texts flow onto further pages.
 */
export function makePdf(text: string, opts: MakePdfOptions = {}): Buffer {
  const fontSize = opts.fontSize ?? 11;
  const leading = Math.round(fontSize * 1.35 * 100) / 100;
  const maxWidth = PAGE_WIDTH - 2 * MARGIN;
  const linesPerPage = Math.max(1, Math.floor((PAGE_HEIGHT - 2 * MARGIN) / leading));

  const normalized = text.normalize('NFC').replace(/\r\n?/g, '\n').replace(/\t/g, '    ');
  const pages: number[][][] = [];
  for (const pageText of normalized.split('\f')) {
    const lines: number[][] = [];
    for (const paragraph of pageText.split('\n')) {
      lines.push(...wrapParagraph(toWinAnsi(paragraph), maxWidth, fontSize));
    }
    // A trailing newline before \f should not cost a blank page of its own.
    while (lines.length > 1 && (lines[lines.length - 1]?.length ?? 0) === 0) lines.pop();
    for (let i = 0; i < lines.length; i += linesPerPage) pages.push(lines.slice(i, i + linesPerPage));
  }
  if (pages.length === 0) pages.push([[]]);

  // Object numbers: 1 catalog, 2 page tree, 3 font, 4 info, then page + content per page.
  const objects: string[] = [];
  const pageObjNums = pages.map((_, i) => 5 + 2 * i);
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] =
    `<< /Type /Pages /Kids [${pageObjNums.map((n) => `${n} 0 R`).join(' ')}] ` +
    `/Count ${pages.length} >>`;
  objects[3] =
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>';
  objects[4] =
    `<< /Producer ${pdfTextString('granska pdf-writer')}` +
    (opts.title ? ` /Title ${pdfTextString(opts.title)}` : '') +
    ' >>';

  pages.forEach((lines, i) => {
    const pageNum = pageObjNums[i] as number;
    const top = PAGE_HEIGHT - MARGIN - fontSize;
    let content = `BT\n/F1 ${fmt(fontSize)} Tf\n${fmt(leading)} TL\n${fmt(MARGIN)} ${fmt(top)} Td\n`;
    lines.forEach((line, j) => {
      if (j > 0) content += 'T*\n';
      if (line.length > 0) content += `${pdfString(line)} Tj\n`;
    });
    content += 'ET\n';
    objects[pageNum] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${fmt(PAGE_WIDTH)} ${fmt(PAGE_HEIGHT)}] ` +
      `/Resources << /Font << /F1 3 0 R >> >> /Contents ${pageNum + 1} 0 R >>`;
    objects[pageNum + 1] = `<< /Length ${content.length} >>\nstream\n${content}endstream`;
  });

  // The comment line with high bytes tells transfer tools the file is binary.
  const header = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  let body = header;
  const offsets: number[] = [];
  for (let n = 1; n < objects.length; n++) {
    offsets[n] = body.length;
    body += `${n} 0 obj\n${objects[n]}\nendobj\n`;
  }
  const xrefOffset = body.length;
  body += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let n = 1; n < objects.length; n++) {
    body += `${String(offsets[n]).padStart(10, '0')} 00000 n \n`;
  }
  body +=
    `trailer\n<< /Size ${objects.length} /Root 1 0 R /Info 4 0 R >>\n` +
    `startxref\n${xrefOffset}\n%%EOF\n`;
  // latin1 maps each char of the header's binary marker to one byte; the rest is ASCII.
  return Buffer.from(body, 'latin1');
}
