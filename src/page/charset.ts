/**
 * Decodes HTML the way browsers do (WHATWG encoding sniffing, simplified): BOM, then the HTTP
 * header, then <meta> in the first 1024 bytes, else UTF-8. Many kommun sites are old and Latin-1;
 * getting this wrong turns "äldreomsorg" into "Ã¤ldreomsorg" and no rule matches.
 */

import iconv from 'iconv-lite';

export type CharsetSource = 'bom' | 'header' | 'meta' | 'default';

export interface DecodedHtml {
  text: string;
  /** WHATWG encoding name, lower-case (e.g. 'utf-8', 'windows-1252'). */
  charset: string;
  source: CharsetSource;
}

// The WHATWG Encoding Standard's labels for the encodings Swedish (and neighbouring) sites use.
// Browsers decode iso-8859-1 and us-ascii as windows-1252, and so must we: those pages use 0x80–0x9F
// for €, curly quotes and dashes.
const LABELS: Record<string, string[]> = {
  'utf-8': ['unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'utf-8', 'utf8', 'x-unicode20utf8'],
  'windows-1252': [
    'ansi_x3.4-1968', 'ascii', 'cp1252', 'cp819', 'csisolatin1', 'ibm819', 'iso-8859-1', 'iso-ir-100',
    'iso8859-1', 'iso88591', 'iso_8859-1', 'iso_8859-1:1987', 'l1', 'latin1', 'us-ascii', 'windows-1252',
    'x-cp1252',
  ],
  'iso-8859-15': ['csisolatin9', 'iso-8859-15', 'iso8859-15', 'iso885915', 'iso_8859-15', 'l9'],
  'iso-8859-2': [
    'csisolatin2', 'iso-8859-2', 'iso-ir-101', 'iso8859-2', 'iso88592', 'iso_8859-2', 'iso_8859-2:1987', 'l2',
    'latin2',
  ],
  'iso-8859-4': ['csisolatin4', 'iso-8859-4', 'iso-ir-110', 'iso8859-4', 'iso88594', 'iso_8859-4', 'iso_8859-4:1988', 'l4', 'latin4'],
  'iso-8859-10': ['csisolatin6', 'iso-8859-10', 'iso-ir-157', 'iso8859-10', 'iso885910', 'l6', 'latin6'],
  'windows-1250': ['cp1250', 'windows-1250', 'x-cp1250'],
  'windows-1251': ['cp1251', 'windows-1251', 'x-cp1251'],
  'windows-1254': [
    'cp1254', 'csisolatin5', 'iso-8859-9', 'iso-ir-148', 'iso8859-9', 'iso88599', 'iso_8859-9', 'iso_8859-9:1989',
    'l5', 'latin5', 'windows-1254', 'x-cp1254',
  ],
  'windows-1257': ['cp1257', 'windows-1257', 'x-cp1257'],
  'koi8-r': ['cskoi8r', 'koi', 'koi8', 'koi8-r', 'koi8_r'],
  'utf-16le': ['csunicode', 'iso-10646-ucs-2', 'ucs-2', 'unicode', 'unicodefeff', 'utf-16', 'utf-16le'],
  'utf-16be': ['unicodefffe', 'utf-16be'],
};

const LABEL_TO_ENCODING = new Map<string, string>();
for (const [encoding, labels] of Object.entries(LABELS)) {
  for (const label of labels) LABEL_TO_ENCODING.set(label, encoding);
}

/** The encoding a charset label names, per WHATWG where known; undefined if it cannot be decoded. */
export function resolveCharsetLabel(label: string): string | undefined {
  const key = label.trim().replace(/^["']|["']$/g, '').trim().toLowerCase();
  if (key === '') return undefined;
  const known = LABEL_TO_ENCODING.get(key);
  if (known) return known;
  return iconv.encodingExists(key) ? key : undefined;
}

function fromBom(body: Buffer): { charset: string; length: number } | undefined {
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return { charset: 'utf-8', length: 3 };
  if (body.length >= 2 && body[0] === 0xff && body[1] === 0xfe) return { charset: 'utf-16le', length: 2 };
  if (body.length >= 2 && body[0] === 0xfe && body[1] === 0xff) return { charset: 'utf-16be', length: 2 };
  return undefined;
}

function fromContentType(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(header);
  const label = match?.[1] ?? match?.[2];
  return label ? resolveCharsetLabel(label) : undefined;
}

const ATTRIBUTE = /([^\s=/>]+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;

/** The <meta> prescan over the first 1024 bytes (ASCII-compatible bytes are all it looks at). */
function fromMeta(body: Buffer): string | undefined {
  const head = body.subarray(0, 1024).toString('latin1').replace(/<!--[\s\S]*?-->/g, '');
  for (const tag of head.matchAll(/<meta\b([^>]*)>/gi)) {
    const attrs = new Map<string, string>();
    for (const a of (tag[1] ?? '').matchAll(ATTRIBUTE)) {
      const name = (a[1] ?? '').toLowerCase();
      if (!attrs.has(name)) attrs.set(name, a[2] ?? a[3] ?? a[4] ?? '');
    }
    let label = attrs.get('charset');
    if (label === undefined && attrs.get('http-equiv')?.trim().toLowerCase() === 'content-type') {
      label = /charset\s*=\s*["']?([^"';\s]+)/i.exec(attrs.get('content') ?? '')?.[1];
    }
    if (label === undefined) continue;
    const encoding = resolveCharsetLabel(label);
    if (!encoding) continue;
    // A meta tag readable as ASCII cannot be UTF-16; browsers take it to mean UTF-8.
    return encoding.startsWith('utf-16') ? 'utf-8' : encoding;
  }
  return undefined;
}

function decode(body: Buffer, charset: string): string {
  return iconv.decode(body, charset, { stripBOM: true });
}

function isValidUtf8(body: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(body);
    return true;
  } catch {
    return false;
  }
}

const countReplacement = (text: string): number => text.split('\uFFFD').length - 1;

export function decodeHtml(body: Buffer, contentTypeHeader?: string): DecodedHtml {
  const bom = fromBom(body);
  if (bom) return { text: decode(body.subarray(bom.length), bom.charset), charset: bom.charset, source: 'bom' };

  const header = fromContentType(contentTypeHeader);
  if (header) return { text: decode(body, header), charset: header, source: 'header' };

  const meta = fromMeta(body);
  if (meta) return { text: decode(body, meta), charset: meta, source: 'meta' };

  // Undeclared and not UTF-8: an old Swedish page is far more likely windows-1252 than broken UTF-8.
  const utf8 = decode(body, 'utf-8');
  if (!isValidUtf8(body)) {
    const cp1252 = decode(body, 'windows-1252');
    if (countReplacement(cp1252) < countReplacement(utf8)) return { text: cp1252, charset: 'windows-1252', source: 'default' };
  }
  return { text: utf8, charset: 'utf-8', source: 'default' };
}
