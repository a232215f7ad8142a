import JSZip from 'jszip';
import { describe, expect, it, vi } from 'vitest';
import { makePdf } from '../../src/demo/pdf-writer.ts';
import { DocumentError, extractDocxText, extractPdfText } from '../../src/page/documents.ts';

/** Assembles a PDF from object bodies with a correct xref, for hand-made edge cases. */
function assemblePdf(objects: string[], trailerExtra = ''): Buffer {
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((obj, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${obj}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) body += `${String(off).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R ${trailerExtra}>>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

async function makeDocx(paragraphs: string[]): Promise<Buffer> {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const zip = new JSZip();
  zip.file(
    '[Content_Types].xml',
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
      '</Types>',
  );
  zip.file(
    '_rels/.rels',
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
      '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>' +
      '</Relationships>',
  );
  zip.file(
    'word/document.xml',
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
      '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>' +
      paragraphs.map((p) => `<w:p><w:r><w:t xml:space="preserve">${esc(p)}</w:t></w:r></w:p>`).join('') +
      '</w:body></w:document>',
  );
  return zip.generateAsync({ type: 'nodebuffer' });
}

async function expectDocumentError(p: Promise<unknown>, kind: string, words: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DocumentError);
  expect((err as DocumentError).kind).toBe(kind);
  expect((err as DocumentError).message).toMatch(words);
}

describe('extractPdfText', () => {
  it('reads Swedish text and amounts back from a generated PDF', async () => {
    const pdf = makePdf(
      'Avgifter för hemtjänst 2025\n\nMaxtaxa: 2 576 kr per månad\nNivå 1: 1 234 kr\nÅÄÖ åäö é – ”citat”',
    );
    const { pages, text, pageCount, truncated } = await extractPdfText(pdf);
    expect(pageCount).toBe(1);
    expect(truncated).toBe(false);
    expect(pages).toHaveLength(1);
    expect(text).toBe(
      'Avgifter för hemtjänst 2025\n\nMaxtaxa: 2 576 kr per månad\nNivå 1: 1 234 kr\nÅÄÖ åäö é – ”citat”',
    );
  });

  it('keeps text NFC-normalised even when the input was decomposed', async () => {
    const decomposed = 'Ha\u0308lsa och o\u0308mse\u0301'; // "Hälsa och ömsé" with combining marks
    const { text } = await extractPdfText(makePdf(decomposed));
    expect(text).toBe('Hälsa och ömsé');
    expect(text).toBe(text.normalize('NFC'));
  });

  it('turns no-break spaces in amounts into plain spaces', async () => {
    const { text } = await extractPdfText(makePdf('Avgift 1\u00a0234\u00a0kr och 2\u202f000 kr'));
    expect(text).toBe('Avgift 1 234 kr och 2 000 kr');
  });

  it('splits pages on form feeds and flows long texts onto more pages', async () => {
    const many = Array.from({ length: 120 }, (_, i) => `Rad ${i + 1} om trygghetslarm`).join('\n');
    const pdf = makePdf(`Sida ett\fSida två med ansökan\f${many}`);
    const { pages, text, pageCount } = await extractPdfText(pdf);
    expect(pageCount).toBeGreaterThanOrEqual(4);
    expect(pages[0]).toBe('Sida ett');
    expect(pages[1]).toBe('Sida två med ansökan');
    expect(pages[2]?.startsWith('Rad 1 om trygghetslarm\nRad 2 om trygghetslarm')).toBe(true);
    expect(text).toContain('Rad 120 om trygghetslarm');
    expect(text.split('\n').filter((l) => l.startsWith('Rad '))).toHaveLength(120);
  });

  it('wraps long lines at the page width without losing words', async () => {
    const sentence = 'Du som har hemtjänst kan få hjälp med städning, tvätt och inköp. ';
    const { pages } = await extractPdfText(makePdf(sentence.repeat(12).trim()));
    const lines = pages[0]?.split('\n') ?? [];
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.join(' ')).toBe(sentence.repeat(12).trim());
  });

  it('stops at maxPages and says so', async () => {
    const pdf = makePdf(['Ett', 'Två', 'Tre', 'Fyra'].join('\f'));
    const result = await extractPdfText(pdf, { maxPages: 2 });
    expect(result.pages).toEqual(['Ett', 'Två']);
    expect(result.pageCount).toBe(4);
    expect(result.truncated).toBe(true);
  });

  it('escapes parentheses and backslashes', async () => {
    const { text } = await extractPdfText(makePdf('Avgift (per timme) C:\\mapp'));
    expect(text).toBe('Avgift (per timme) C:\\mapp');
  });

  it('joins separately placed words on one baseline with spaces', async () => {
    const content =
      'BT /F1 12 Tf 72 700 Td (Nivå) Tj ET\n' +
      'BT /F1 12 Tf 200 700 Td (1 234 kr) Tj ET\n' +
      'BT /F1 12 Tf 72 680 Td (Tv\\344tt) Tj ET\n';
    const pdf = assemblePdf([
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
      '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
      `<< /Length ${content.length} >>\nstream\n${content}endstream`,
    ]);
    const { text } = await extractPdfText(pdf);
    expect(text).toBe('Nivå 1 234 kr\nTvätt');
  });

  it('does not leave the caller’s buffer detached', async () => {
    const pdf = makePdf('Hemtjänst');
    await extractPdfText(pdf);
    expect(pdf.length).toBeGreaterThan(0);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('gives a DocumentError for something that is not a PDF', async () => {
    await expectDocumentError(
      extractPdfText(Buffer.from('<!doctype html><title>Sidan finns inte</title>')),
      'broken',
      /kunde inte läsas som PDF/,
    );
  });

  it('gives a DocumentError for a truncated PDF', async () => {
    const pdf = makePdf('Avgifter för hemtjänst');
    await expectDocumentError(extractPdfText(pdf.subarray(0, 40)), 'broken', /PDF/);
  });

  it('gives a DocumentError for an empty file', async () => {
    await expectDocumentError(extractPdfText(Buffer.alloc(0)), 'empty', /tom/);
  });

  it('gives a DocumentError for a password-protected PDF', async () => {
    const junk = '<' + 'A5'.repeat(32) + '>';
    const pdf = assemblePdf(
      [
        '<< /Type /Catalog /Pages 2 0 R >>',
        '<< /Type /Pages /Kids [] /Count 0 >>',
        `<< /Filter /Standard /V 1 /R 2 /Length 40 /O ${junk} /U ${junk} /P -4 >>`,
      ],
      `/Encrypt 3 0 R /ID [<0123456789ABCDEF0123456789ABCDEF> <0123456789ABCDEF0123456789ABCDEF>] `,
    );
    await expectDocumentError(extractPdfText(pdf), 'encrypted', /lösenordsskyddad/);
  });

  it('prints nothing on the console for broken input', async () => {
    const spies = (['log', 'warn', 'error', 'info'] as const).map((m) =>
      vi.spyOn(console, m).mockImplementation(() => undefined),
    );
    try {
      await extractPdfText(Buffer.from('%PDF-1.4\ngarbage garbage\n%%EOF\n')).catch(() => undefined);
      await extractPdfText(makePdf('ok').subarray(0, 200)).catch(() => undefined);
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});

describe('extractDocxText', () => {
  it('reads paragraphs of a .docx with Swedish letters', async () => {
    const docx = await makeDocx([
      'Ansökan om hemtjänst',
      'Avgiften är högst 2 576 kr per månad.',
      'Skicka blanketten till Omsorgsförvaltningen, Box 123, Höganäs.',
    ]);
    const text = await extractDocxText(docx);
    expect(text).toBe(
      'Ansökan om hemtjänst\n\nAvgiften är högst 2 576 kr per månad.\n\nSkicka blanketten till Omsorgsförvaltningen, Box 123, Höganäs.',
    );
  });

  it('says an old binary .doc cannot be read', async () => {
    const doc = Buffer.concat([
      Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
      Buffer.alloc(504),
    ]);
    await expectDocumentError(extractDocxText(doc), 'unsupported', /\.doc.*kan inte läsas/);
  });

  it('gives a DocumentError for a zip that is not a Word document', async () => {
    const zip = new JSZip();
    zip.file('hello.txt', 'hej');
    const buf = await zip.generateAsync({ type: 'nodebuffer' });
    await expectDocumentError(extractDocxText(buf), 'broken', /Word-dokument/);
  });

  it('gives a DocumentError for garbage and for an empty file', async () => {
    await expectDocumentError(extractDocxText(Buffer.from('inte ett dokument')), 'broken', /\.docx/);
    await expectDocumentError(extractDocxText(Buffer.from('PK\u0003\u0004trasig')), 'broken', /\.docx/);
    await expectDocumentError(extractDocxText(Buffer.alloc(0)), 'empty', /tom/);
  });
});
