import { describe, expect, it } from 'vitest';
import { extractHtml } from '../../src/page/html.ts';
import { compilePattern, excerptAround, foldDiacritics, normalizeBlock, normalizeInline } from '../../src/page/text.ts';

const NFD = (s: string) => s.normalize('NFD');

describe('normalizeInline / normalizeBlock', () => {
  it('NFC, no soft hyphens or zero-width characters, one space for any white space', () => {
    const s = normalizeInline(`  Hem\u00ADtjänst\u200B i\u00A0${NFD('Håbo')}\t\n kommun `);
    expect(s).toBe('Hemtjänst i Håbo kommun');
    expect(s).toBe(s.normalize('NFC'));
    expect(s.length).toBe(23);
  });

  it('keeps block boundaries and drops blank lines', () => {
    expect(normalizeBlock(' Rubrik \n\n \u00A0\n  Text  med   luft \n')).toBe('Rubrik\nText med luft');
  });

  it('foldDiacritics compares names loosely', () => {
    expect(foldDiacritics(' Höganäs ')).toBe('hoganas');
    expect(foldDiacritics(NFD('Åre'))).toBe('are');
  });
});

describe('compilePattern', () => {
  it('gives \\b a boundary that knows å, ä and ö', () => {
    const re = compilePattern('\\bäldre');
    expect(re.test('äldreomsorg')).toBe(true);
    expect(re.test('Information för äldre')).toBe(true);
    expect(re.test('förälder')).toBe(false);
    expect(re.test('föräldreledig')).toBe(false);
    // At the end of a word too.
    const end = compilePattern('hemtjänst\\b');
    expect(end.test('om hemtjänst.')).toBe(true);
    expect(end.test('hemtjänsten')).toBe(false);
    expect(compilePattern('\\bdisk\\b').test('ärendet diskuteras')).toBe(false);
    expect(compilePattern('\\bdisk\\b').test('disk och tvätt')).toBe(true);
  });

  it('a plain JavaScript \\b would have failed here (the reason for the rewrite)', () => {
    expect(/\bäldre/iu.test('äldreomsorg')).toBe(false);
  });

  it('leaves an escaped backslash before b alone', () => {
    const re = compilePattern('a\\\\b');
    expect(re.test('a\\b')).toBe(true);
    expect(re.test('a b')).toBe(false);
  });

  it('is case-insensitive for Å, Ä and Ö and Unicode-aware', () => {
    const re = compilePattern('åtgärd|ÄLDREOMSORG|överklaga');
    expect(re.test('ÅTGÄRD')).toBe(true);
    expect(re.test('Äldreomsorg')).toBe(true);
    expect(re.test('ÖVERKLAGA')).toBe(true);
    expect(re.flags).toContain('i');
    expect(re.flags).toContain('u');
    expect(compilePattern('\\p{L}+', 'g').flags).toBe('giu');
  });

  it('matches NFC text whether the pattern was written in NFC or NFD', () => {
    const fromNfd = compilePattern(NFD('hemtjänst'));
    expect(fromNfd.source).toBe('hemtjänst'.normalize('NFC'));
    expect(fromNfd.test('Hemtjänst')).toBe(true);
  });

  it('matches NFD page text once the page is read (extraction normalises to NFC)', () => {
    const html = `<html><head><title>${NFD('Hemtjänst i Håbo')}</title></head><body><main><h1>${NFD('Hemtjänst')}</h1><p>${NFD('Du kan överklaga beslutet.')}</p><a href="/a">${NFD('Ansök här')}</a></main></body></html>`;
    const m = extractHtml(html, 'https://www.habo.se/x');
    const re = compilePattern('överklaga');
    expect(re.test(NFD('Du kan överklaga'))).toBe(false); // raw NFD text does not match…
    expect(re.test(m.mainText)).toBe(true); // …the extracted text does
    expect(m.title).toBe('Hemtjänst i Håbo');
    expect(m.h1).toEqual(['Hemtjänst']);
    expect(compilePattern('ansök här').test(m.links[0]!.text)).toBe(true);
  });

  it('throws on an invalid pattern', () => {
    expect(() => compilePattern('(unclosed')).toThrow(SyntaxError);
  });
});

describe('excerptAround', () => {
  const text = 'Ett två tre fyra fem sex sju åtta nio tio elva tolv tretton fjorton femton';

  it('cuts at word boundaries and marks the cuts', () => {
    const start = text.indexOf('nio');
    const ex = excerptAround(text, start, start + 3, 12);
    expect(ex).toBe('…sju åtta nio tio elva…');
  });

  it('has no ellipsis when the excerpt reaches both ends', () => {
    expect(excerptAround('Ring 0123-45 67 89', 5, 18)).toBe('Ring 0123-45 67 89');
  });

  it('joins lines with an ellipsis', () => {
    expect(excerptAround('Avgifter\nMaxtaxan är 2 540 kr', 9, 17)).toBe('Avgifter … Maxtaxan är 2 540 kr');
  });

  it('always contains the match itself', () => {
    const long = `${'x'.repeat(300)} Maxtaxan är 2540 kronor ${'y'.repeat(300)}`;
    const start = long.indexOf('2540');
    const ex = excerptAround(long, start, start + 11, 20);
    expect(ex).toContain('2540 kronor');
    expect(ex.startsWith('…')).toBe(true);
    expect(ex.endsWith('…')).toBe(true);
    expect(ex.length).toBeLessThan(60);
  });
});
