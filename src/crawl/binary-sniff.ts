/**
 * A body that the server calls text/html but that is not text (an image, a zip, a broken CMS
 * sending a file with the wrong type). Parsing it as HTML gives a "page" of noise that can only
 * mislead the rules, so the crawler records it as not read instead.
 *
 * The test is the one browsers use to tell text from binary (WHATWG MIME Sniffing, "binary data
 * byte"): control bytes that no text encoding of a web page produces. Latin-1 and UTF-8 pages
 * never contain them (å, ä, ö are 0xE5… in Latin-1 and 0xC3 0xA5… in UTF-8); a page in UTF-16 is
 * full of zero bytes, so a UTF-16 byte order mark or charset header exempts the body.
 */

/** How much of the body is looked at. */
export const SNIFF_BYTES = 4096;
/**
 * Share of binary data bytes above which the body is binary. Random bytes have about 10 %; a real
 * page has none, or a stray one or two pasted in from a word processor.
 */
const BINARY_SHARE = 0.02;

function isBinaryDataByte(b: number): boolean {
  return b <= 0x08 || b === 0x0b || (b >= 0x0e && b <= 0x1a) || (b >= 0x1c && b <= 0x1f);
}

function isUtf16(body: Buffer, contentTypeHeader: string | undefined): boolean {
  if (body.length >= 2 && ((body[0] === 0xff && body[1] === 0xfe) || (body[0] === 0xfe && body[1] === 0xff))) return true;
  return /;\s*charset\s*=\s*["']?\s*(utf-?16|utf-?32|ucs-?2|unicode)/i.test(contentTypeHeader ?? '');
}

/** Whether a body labelled as text is in fact binary data. */
export function looksBinary(body: Buffer, contentTypeHeader?: string): boolean {
  if (body.length === 0 || isUtf16(body, contentTypeHeader)) return false;
  const sample = body.subarray(0, SNIFF_BYTES);
  let count = 0;
  for (const b of sample) if (isBinaryDataByte(b)) count++;
  return count > 0 && count / sample.length > BINARY_SHARE;
}

/** The reason a binary body was not read, for the crawl's skipped list (Swedish, for people). */
export function binaryReason(contentType: string): string {
  const said = contentType || 'text/html';
  return `binärt innehåll som servern kallar ${said}: det är inte text (kanske en bild eller en packad fil med fel typ) och lästes inte som en webbsida`;
}
