import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Kommun,
  RegistryError,
  kommunFromUrl,
  loadRegistry,
  parseRegistryCsv,
  selectKommuner,
} from '../../src/registry/registry.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'granska-registry-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, content: string | Buffer): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}

async function loadError(name: string, content: string | Buffer): Promise<RegistryError> {
  const file = await write(name, content);
  const err = await loadRegistry(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RegistryError);
  return err as RegistryError;
}

function selectError(all: Kommun[], only: string[]): RegistryError {
  try {
    selectKommuner(all, only);
  } catch (e) {
    expect(e).toBeInstanceOf(RegistryError);
    return e as RegistryError;
  }
  throw new Error(`expected ${only.join(',')} to be refused`);
}

const HEADER = 'kommunkod,namn,kortnamn,lanskod,lan,webbplats';

describe('the bundled registry', () => {
  it('has 290 unique kommuner with four-digit codes and absolute https URLs', async () => {
    const all = await loadRegistry();
    expect(all).toHaveLength(290);
    expect(new Set(all.map((k) => k.kommunkod)).size).toBe(290);
    expect(new Set(all.map((k) => k.namn)).size).toBe(290);
    for (const k of all) {
      expect(k.kommunkod).toMatch(/^\d{4}$/);
      const url = new URL(k.webbplats);
      expect(url.protocol).toMatch(/^https?:$/);
      expect(url.hostname).toContain('.');
      expect(k.lan).toBeTruthy();
      expect(k.kortnamn).toBeTruthy();
    }
  });

  it('keeps leading zeros and reads Swedish letters', async () => {
    const all = await loadRegistry();
    expect(all[0]).toMatchObject({ kommunkod: '0114', namn: 'Upplands Väsby kommun', lanskod: '01' });
    expect(all.find((k) => k.kommunkod === '1284')?.namn).toBe('Höganäs kommun');
  });

  it('does not depend on the working directory', async () => {
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      expect(await loadRegistry()).toHaveLength(290);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('parseRegistryCsv: formats', () => {
  const expected = [
    { kommunkod: '0114', namn: 'Upplands Väsby kommun', webbplats: 'https://www.upplandsvasby.se/' },
    { kommunkod: '1284', namn: 'Höganäs kommun', webbplats: 'https://www.hoganas.se/' },
  ];

  it('reads a minimal comma file', async () => {
    const file = await write(
      'min.csv',
      'kommunkod,namn,webbplats\n0114,Upplands Väsby kommun,https://www.upplandsvasby.se/\n1284,Höganäs kommun,https://www.hoganas.se/\n',
    );
    expect(await loadRegistry(file)).toEqual(expected);
  });

  it('reads a Swedish Excel file: BOM, semicolons, CRLF, capitalised headers, blank lines', async () => {
    const text =
      '\ufeffKommunkod;Namn;Webbplats\r\n\r\n0114;Upplands Väsby kommun;https://www.upplandsvasby.se/\r\n;;\r\n1284;Höganäs kommun;https://www.hoganas.se/\r\n\r\n';
    const file = await write('excel.csv', Buffer.from(text, 'utf8'));
    expect(await loadRegistry(file)).toEqual(expected);
  });

  it('honours an Excel "sep=" line', () => {
    const text = 'sep=;\nkommunkod;namn;webbplats\n0114;Upplands Väsby kommun;https://www.upplandsvasby.se/\n';
    expect(parseRegistryCsv(text, 'sep.csv')).toEqual([expected[0]]);
  });

  it('reads tab-separated files', () => {
    const text = 'kommunkod\tnamn\twebbplats\n1284\tHöganäs kommun\thttps://www.hoganas.se/\n';
    expect(parseRegistryCsv(text, 'tab.tsv')).toEqual([expected[1]]);
  });

  it('handles RFC 4180 quoting: delimiters, doubled quotes and newlines inside fields', () => {
    const text =
      'kommunkod,namn,webbplats,anteckning\n' +
      '0114,"Upplands Väsby kommun",https://www.upplandsvasby.se/,"Ny webb, se ""Nyheter""\nrad två"\n' +
      '1284,Höganäs kommun,https://www.hoganas.se/,\n';
    const rows = parseRegistryCsv(text, 'quoted.csv');
    expect(rows).toHaveLength(2);
    expect(rows[0]?.namn).toBe('Upplands Väsby kommun');
    expect(rows[0]?.extra).toEqual({ anteckning: 'Ny webb, se "Nyheter"\nrad två' });
    expect(rows[1]?.extra).toEqual({ anteckning: '' });
  });

  it('keeps the optional columns and extra columns under their header', () => {
    const text = `${HEADER},Kontaktperson\n1982,Fagersta kommun,Fagersta,19,Västmanlands län,https://www.fagersta.se/,Anna\n`;
    expect(parseRegistryCsv(text, 'x.csv')).toEqual([
      {
        kommunkod: '1982',
        namn: 'Fagersta kommun',
        kortnamn: 'Fagersta',
        lanskod: '19',
        lan: 'Västmanlands län',
        webbplats: 'https://www.fagersta.se/',
        extra: { Kontaktperson: 'Anna' },
      },
    ]);
  });

  it('recognises "Län" as the lan column', () => {
    const text = 'Kommunkod;Namn;Län;Webbplats\n1982;Fagersta kommun;Västmanlands län;https://www.fagersta.se/\n';
    expect(parseRegistryCsv(text, 'x.csv')[0]?.lan).toBe('Västmanlands län');
  });

  it('tolerates empty trailing cells that Excel adds', () => {
    const text = 'kommunkod;namn;webbplats\n1982;Fagersta kommun;https://www.fagersta.se/;;\n';
    expect(parseRegistryCsv(text, 'x.csv')).toHaveLength(1);
  });
});

describe('parseRegistryCsv: errors name the file, the row and what to do', () => {
  it('refuses a Windows-1252 file and tells how to save it as UTF-8', async () => {
    const ansi = Buffer.from(
      'kommunkod;namn;webbplats\r\n0114;Upplands Väsby kommun;https://www.upplandsvasby.se/\r\n'.replace(
        'Väsby',
        'V\u00e4sby',
      ),
      'latin1',
    );
    const err = await loadError('ansi.csv', ansi);
    expect(err.line).toBe(2);
    expect(err.message).toContain('ansi.csv');
    expect(err.message).toContain('rad 2');
    expect(err.message).toMatch(/UTF-8/);
    expect(err.message).toContain('CSV UTF-8');
    expect(err.message).toContain('Upplands V?sby');
  });

  it('finds the right row for a non-UTF-8 byte further down', () => {
    const text = Buffer.concat([
      Buffer.from('kommunkod,namn,webbplats\n0114,Upplands Väsby kommun,https://www.upplandsvasby.se/\n', 'utf8'),
      Buffer.from('1284,H\xf6gan\xe4s kommun,https://www.hoganas.se/\n', 'latin1'),
    ]);
    const err = (() => {
      try {
        parseRegistryCsv(text, 'mixed.csv');
      } catch (e) {
        return e as RegistryError;
      }
      throw new Error('expected an error');
    })();
    expect(err.line).toBe(3);
    expect(err.message).toContain('mixed.csv, rad 3');
  });

  it('refuses UTF-16 ("Unicode text") files', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('kommunkod\tnamn\twebbplats\n', 'utf16le')]);
    const err = await loadError('utf16.txt', utf16);
    expect(err.message).toMatch(/UTF-16.*UTF-8/s);
  });

  it('names the columns found when a required one is missing', async () => {
    const err = await loadError('cols.csv', 'Kod;Namn;Hemsida\n0114;Upplands Väsby kommun;https://www.upplandsvasby.se/\n');
    expect(err.line).toBe(1);
    expect(err.message).toContain('cols.csv, rad 1');
    expect(err.message).toContain('kommunkod, webbplats');
    expect(err.message).toContain('"Kod", "Namn", "Hemsida"');
  });

  it('reports a row with the wrong number of fields', async () => {
    const err = await loadError(
      'fields.csv',
      'kommunkod,namn,webbplats\n0114,Upplands Väsby kommun,https://www.upplandsvasby.se/\n1284,Höganäs, kommun,https://www.hoganas.se/\n',
    );
    expect(err.line).toBe(3);
    expect(err.message).toContain('rad 3: raden har 4 värden men rubrikraden har 3');
    expect(err.message).toContain('citattecken');
  });

  it('reports empty required values', async () => {
    const err = await loadError('empty.csv', 'kommunkod,namn,webbplats\n0114,,https://www.upplandsvasby.se/\n,Höganäs kommun,\n');
    expect(err.problems).toEqual([
      { line: 2, message: expect.stringContaining('namn är tom') },
      { line: 3, message: expect.stringContaining('kommunkod är tom') },
      { line: 3, message: expect.stringContaining('webbplats är tom') },
    ]);
  });

  it('explains a code that lost its leading zero, and rejects other malformed codes', async () => {
    const err = await loadError(
      'codes.csv',
      'kommunkod,namn,webbplats\n114,Upplands Väsby kommun,https://www.upplandsvasby.se/\n12845,Höganäs kommun,https://www.hoganas.se/\nAB12,X kommun,https://x.se/\n',
    );
    expect(err.problems.map((p) => p.line)).toEqual([2, 3, 4]);
    expect(err.problems[0]?.message).toMatch(/"114" har bara tre siffror.*0114.*Excel/s);
    expect(err.problems[1]?.message).toContain('"12845" ska vara fyra siffror');
    expect(err.problems[2]?.message).toContain('"AB12" ska vara fyra siffror');
  });

  it('names both rows of a duplicate kommunkod', async () => {
    const err = await loadError(
      'dup.csv',
      'kommunkod,namn,webbplats\n0114,Upplands Väsby kommun,https://www.upplandsvasby.se/\n1284,Höganäs kommun,https://www.hoganas.se/\n0114,Väsby igen,https://www.upplandsvasby.se/\n',
    );
    expect(err.line).toBe(4);
    expect(err.message).toContain('rad 4: kommunkoden 0114 finns redan på rad 2');
  });

  it('suggests https:// for a bare host and rejects other non-web addresses', async () => {
    const err = await loadError(
      'urls.csv',
      'kommunkod,namn,webbplats\n0114,Upplands Väsby kommun,www.upplandsvasby.se\n1284,Höganäs kommun,ftp://www.hoganas.se/\n1982,Fagersta kommun,fagersta\n0127,Botkyrka kommun,https://www.bot kyrka.se/\n',
    );
    expect(err.problems.map((p) => p.line)).toEqual([2, 3, 4, 5]);
    expect(err.problems[0]?.message).toContain('https://www.upplandsvasby.se/');
    expect(err.problems[1]?.message).toMatch(/https:\/\/.*inte ftp:/);
    expect(err.problems[2]?.message).toContain('ingen giltig webbadress');
    expect(err.problems[3]?.message).toContain('mellanslag');
  });

  it('counts rows as a spreadsheet does when a quoted field spans lines', async () => {
    const err = await loadError(
      'multiline.csv',
      'kommunkod,namn,webbplats,not\n0114,Upplands Väsby kommun,https://www.upplandsvasby.se/,"två\nrader"\n1284,Höganäs kommun,hoganas.se,\n',
    );
    expect(err.line).toBe(3);
    expect(err.message).toContain('rad 3:');
    expect(err.message).toContain('rad 4 i en textredigerare');
  });

  it('reports an unterminated quote where it opens', async () => {
    const err = await loadError(
      'quote.csv',
      'kommunkod,namn,webbplats\n0114,"Upplands Väsby kommun,https://www.upplandsvasby.se/\n1284,Höganäs kommun,https://www.hoganas.se/\n',
    );
    expect(err.line).toBe(2);
    expect(err.message).toContain('quote.csv, rad 2');
    expect(err.message).toContain('citattecken');
  });

  it('reports all row problems at once, up to 20', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${100 + i},Kommun ${i},https://k${i}.se/`);
    const err = await loadError('many.csv', `kommunkod,namn,webbplats\n${rows.join('\n')}\n`);
    expect(err.problems).toHaveLength(20);
    expect(err.problems[0]?.line).toBe(2);
    expect(err.problems[19]?.line).toBe(21);
    expect(err.message).toContain('fler än 20 fel');
    expect(err.message).toContain('rad 21:');
  });

  it('reports an empty file and a file with only a header', async () => {
    expect((await loadError('blank.csv', '\n\n')).message).toMatch(/blank\.csv är tom/);
    expect((await loadError('header.csv', 'kommunkod,namn,webbplats\n')).message).toMatch(/inga kommuner/);
  });

  it('reports a missing file and a directory in Swedish', async () => {
    const missing = await loadRegistry(path.join(dir, 'finns-inte.csv')).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(RegistryError);
    expect((missing as RegistryError).message).toMatch(/finns-inte\.csv finns inte/);
    const sub = path.join(dir, 'en-mapp');
    await mkdir(sub, { recursive: true });
    const isDir = await loadRegistry(sub).catch((e: unknown) => e);
    expect((isDir as RegistryError).message).toMatch(/är en mapp/);
  });
});

describe('selectKommuner (--only)', () => {
  let all: Kommun[];
  beforeAll(async () => {
    all = await loadRegistry();
  });
  const names = (ks: Kommun[]) => ks.map((k) => k.namn);

  it('selects by code, keeping registry order', () => {
    expect(names(selectKommuner(all, ['1982', '0127']))).toEqual(['Botkyrka kommun', 'Fagersta kommun']);
    expect(names(selectKommuner(all, ['1982,0127']))).toEqual(['Botkyrka kommun', 'Fagersta kommun']);
  });

  it('reads a three-digit code as the code with its leading zero', () => {
    expect(names(selectKommuner(all, ['114']))).toEqual(['Upplands Väsby kommun']);
  });

  it('matches names without regard to case, diacritics or the kommun suffix', () => {
    expect(names(selectKommuner(all, ['hoganas']))).toEqual(['Höganäs kommun']);
    expect(names(selectKommuner(all, ['malmo']))).toEqual(['Malmö kommun']);
    expect(names(selectKommuner(all, ['Upplands väsby']))).toEqual(['Upplands Väsby kommun']);
    expect(names(selectKommuner(all, ['upplands-bro']))).toEqual(['Upplands-Bro kommun']);
    expect(names(selectKommuner(all, ['HÖGANÄS KOMMUN']))).toEqual(['Höganäs kommun']);
    expect(names(selectKommuner(all, ['Falun']))).toEqual(['Falu kommun']);
    expect(names(selectKommuner(all, ['falu kommun']))).toEqual(['Falu kommun']);
    expect(names(selectKommuner(all, ['gotland']))).toEqual(['Region Gotland']);
  });

  it('prefers an exact name to a longer name starting with it', () => {
    // "Mala" is Malå, not Malmö; "Ale" is Ale, not Alingsås or Alvesta.
    expect(names(selectKommuner(all, ['mala']))).toEqual(['Malå kommun']);
    expect(names(selectKommuner(all, ['ale']))).toEqual(['Ale kommun']);
  });

  it('accepts a unique prefix but refuses an ambiguous one with the candidates', () => {
    expect(names(selectKommuner(all, ['upplands v']))).toEqual(['Upplands Väsby kommun']);
    const err = selectError(all, ['upplands']);
    expect(err.file).toBe('--only');
    expect(err.message).toContain('passar flera kommuner');
    expect(err.message).toContain('Upplands Väsby (0114)');
    expect(err.message).toContain('Upplands-Bro (0139)');
  });

  it('combines several terms of different kinds, each kommun once', () => {
    expect(names(selectKommuner(all, ['hoganas', '1982', 'Höganäs kommun', 'malmo']))).toEqual([
      'Malmö kommun',
      'Höganäs kommun',
      'Fagersta kommun',
    ]);
  });

  it('names the closest kommuner for an unknown term', () => {
    const err = selectError(all, ['hogans']);
    expect(err.message).toContain('hittade ingen kommun som heter "hogans"');
    expect(err.message).toContain('Höganäs (1284)');
  });

  it('refuses an unknown code', () => {
    expect(selectError(all, ['9999']).message).toContain('kommunkoden "9999"');
  });

  it('reports every bad term at once', () => {
    const err = selectError(all, ['hoganas', 'xyzzy', '9999']);
    expect(err.problems).toHaveLength(2);
    expect(err.message).toContain('xyzzy');
    expect(err.message).toContain('9999');
  });

  it('returns everything for no terms', () => {
    expect(selectKommuner(all, [])).toHaveLength(290);
  });
});

describe('kommunFromUrl (--url)', () => {
  it('makes a stable pseudo-kommun named after the host', () => {
    const a = kommunFromUrl('https://www.hoganas.se/omsorg');
    expect(a.kommunkod).toMatch(/^url-[0-9a-f]{8}$/);
    expect(a.namn).toBe('www.hoganas.se');
    expect(a.webbplats).toBe('https://www.hoganas.se/omsorg');
    expect(kommunFromUrl('https://www.hoganas.se/').kommunkod).toBe(a.kommunkod);
    expect(kommunFromUrl('https://hoganas.se/').kommunkod).toBe(a.kommunkod);
    expect(kommunFromUrl('https://www.malmo.se/').kommunkod).not.toBe(a.kommunkod);
  });

  it('reads a bare host as https and keeps ports apart', () => {
    expect(kommunFromUrl('www.hoganas.se').webbplats).toBe('https://www.hoganas.se/');
    const p1 = kommunFromUrl('http://127.0.0.1:4001/');
    const p2 = kommunFromUrl('http://127.0.0.1:4002/');
    expect(p1.namn).toBe('127.0.0.1');
    expect(p1.kommunkod).not.toBe(p2.kommunkod);
  });

  it('refuses what is not a web address', () => {
    expect(() => kommunFromUrl('ftp://x.se/')).toThrow(RegistryError);
    expect(() => kommunFromUrl('ftp://x.se/')).toThrow(/https:\/\//);
    expect(() => kommunFromUrl('http://')).toThrow(/ingen giltig webbadress/);
    expect(() => kommunFromUrl('inte en adress')).toThrow(/ingen giltig webbadress/);
  });
});
