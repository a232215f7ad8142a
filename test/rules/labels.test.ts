import { describe, expect, it } from 'vitest';
import { isSiteWide, labelOf, labelParts, topLevelParts, words } from '../../src/rules/labels.ts';
import type { Condition } from '../../src/rules/schema.ts';

const PATTERNS = { phone: 'telefonnummer', email: 'e-postadress', assessor: 'biståndshandläggare' };

describe('words: a pattern in words', () => {
  it('names a named pattern by its label, and joins a few alternatives with "eller"', () => {
    expect(words('{phone}|{email}', PATTERNS)).toBe('telefonnummer eller e-postadress');
    expect(words('avgift|taxa', PATTERNS)).toBe('”avgift” eller ”taxa”');
  });

  it('shows the first three plain words of a long pattern, and says there are more', () => {
    expect(words('städ|tvätt|inköp|handla|\\bdisk')).toBe('”städ”, ”tvätt”, ”inköp” m.fl.');
    // A | inside parentheses belongs to its alternative, which is no plain word.
    expect(words('anhörigstöd|stöd (till|för) anhörig')).toBe('”anhörigstöd” m.fl.');
  });

  it('falls back on the pattern itself, shortened, when it has no plain word', () => {
    expect(words('\\d+ ?%')).toBe('”\\d+ ?%”');
    expect(words(`(${'a'.repeat(60)})`)).toMatch(/^”\(a{38}…”$/);
  });

  it('keeps an unknown named pattern by its name', () => {
    expect(words('{survey}')).toBe('survey');
  });
});

describe('labelOf', () => {
  it('takes the condition\'s own label first', () => {
    expect(labelOf({ text: '{phone}', label: 'telefon till handläggaren' }, PATTERNS)).toBe('telefon till handläggaren');
  });

  it('derives one from what the condition looks for', () => {
    expect(labelOf({ text: '{phone}|{email}', near: '{assessor}' }, PATTERNS)).toBe('telefonnummer eller e-postadress nära biståndshandläggare');
    expect(labelOf({ link: { to: 'eservice', text: 'ansök' } })).toBe('länk till en e-tjänst med texten ”ansök”');
    expect(labelOf({ link: { to: 'document', href: 'blankett' } })).toBe('länk till ett dokument (PDF, Word) med adressen ”blankett”');
    expect(labelOf({ count: '{provider}', min: 2 }, { provider: 'namn på en utförare' })).toBe('minst 2 olika: namn på en utförare');
    expect(labelOf({ page: { title: 'lättläst' } })).toBe('en sida med titeln ”lättläst”');
    expect(labelOf({ clicks: { max: 3 } })).toBe('en hemtjänstsida högst 3 klick från startsidan');
    expect(labelOf({ search: { top: 5 } })).toBe('en hemtjänstsida bland de 5 första träffarna i webbplatsens sökning');
    expect(labelOf({ element: 'a, button', text: 'lyssna' })).toBe('en knapp eller ett element med ”lyssna”');
    expect(labelOf({ not: { text: 'växel' } })).toBe('inte ”växel”');
  });

  it('joins the parts of a combination with "och" and "eller"', () => {
    const cond: Condition = { all: [{ text: 'a', label: 'A' }, { any: [{ text: 'b', label: 'B' }, { text: 'c', label: 'C' }] }] };
    expect(labelOf(cond)).toBe('A och B eller C');
    expect(labelOf({ samePage: [{ text: 'a', label: 'A' }, { text: 'b', label: 'B' }] })).toBe('A och B på samma sida');
  });
});

describe('topLevelParts and labelParts', () => {
  it('splits a top-level all, any or samePage, unless the combination has a label of its own', () => {
    const a: Condition = { text: 'a' };
    const b: Condition = { text: 'b' };
    expect(topLevelParts({ all: [a, b] })).toEqual([a, b]);
    expect(topLevelParts({ any: [a, b] })).toEqual([a, b]);
    expect(topLevelParts(a)).toEqual([a]);
    const named: Condition = { any: [a, b], label: 'a eller b' };
    expect(topLevelParts(named)).toEqual([named]);
  });

  it('labels every top-level part that has none, keeps those that have one, and caps the length', () => {
    const pass: Condition = { any: [{ text: '{phone}' }, { text: 'x', label: 'egen' }, { text: Array.from({ length: 40 }, (_, i) => `{p${i}}`).join('|') }] };
    const macros = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`p${i}`, 'ett långt namn på ett mönster']));
    labelParts([pass, undefined], { ...PATTERNS, ...macros });
    const labels = topLevelParts(pass).map((p) => p.label);
    expect(labels[0]).toBe('telefonnummer');
    expect(labels[1]).toBe('egen');
    expect(labels[2]!.length).toBeLessThanOrEqual(100);
  });

  it('tells the parts judged once for the whole site', () => {
    expect(isSiteWide({ clicks: { max: 3 } }, 'site')).toBe(true);
    expect(isSiteWide({ any: [{ text: 'a' }, { search: { top: 5 } }] }, 'site')).toBe(true);
    expect(isSiteWide({ link: { text: 'synpunkt' }, scope: 'site' }, 'hemtjanst')).toBe(true);
    expect(isSiteWide({ link: { text: 'synpunkt' }, scope: 'site' }, 'site')).toBe(false);
    expect(isSiteWide({ text: 'a' }, 'hemtjanst')).toBe(false);
  });
});
