import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRules, DEFAULT_RULES_DIR, expandMacros, loadRules, RulesError, UnknownMacroError, type RuleProblem } from '../../src/rules/loader.ts';
import { topLevelParts } from '../../src/rules/labels.ts';
import { RuleSchema } from '../../src/rules/schema.ts';

const CRITERIA_MD = fileURLToPath(new URL('../../../shared/criteria.md', import.meta.url));
const RULES_DIR = fileURLToPath(new URL('../../rules', import.meta.url));

/** The criteria table of criteria.md: | `id` | weight | … */
async function criteriaTable(): Promise<Array<{ id: string; weight: number }>> {
  const md = await readFile(CRITERIA_MD, 'utf8');
  const section = md.slice(md.indexOf('## The criteria'));
  const rows = [...section.matchAll(/^\|\s*`([a-z0-9-]+)`\s*\|\s*(\d+)\s*\|/gm)].map((m) => ({ id: m[1]!, weight: Number(m[2]) }));
  return rows;
}

/** 1-based line of the first line of `text` containing `needle`. */
function lineIn(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`"${needle}" not in the text`);
  return i + 1;
}

describe('the real rules/ folder', () => {
  it('is the default rules folder', () => {
    expect(DEFAULT_RULES_DIR).toBe(RULES_DIR);
  });

  it('loads with no problems: 19 rules whose ids and weights are the table of criteria.md, 33 weight points', async () => {
    const table = await criteriaTable();
    expect(table).toHaveLength(19);
    const { ruleSet, problems } = await checkRules(RULES_DIR);
    expect(problems).toEqual([]);
    expect(ruleSet).toBeDefined();
    const rules = ruleSet!.rules;
    expect(rules).toHaveLength(19);
    const byId = (list: Array<{ id: string; weight: number }>) => Object.fromEntries(list.map((r) => [r.id, r.weight]));
    expect(byId(rules)).toEqual(byId(table));
    expect(rules.reduce((s, r) => s + r.weight, 0)).toBe(33);
    expect(table.reduce((s, r) => s + r.weight, 0)).toBe(33);
    expect(ruleSet!.version).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(ruleSet!.definitions.searchQuery).toBe('hemtjänst');
  });

  it('loadRules gives the same set, and the same version for the same files', async () => {
    const a = await loadRules(RULES_DIR);
    const b = await loadRules();
    expect(a.rules.map((r) => r.id)).toEqual(b.rules.map((r) => r.id));
    expect(a.version).toBe(b.version);
  });

  it('names every top-level part of every rule in plain words, for the trail of a fail', async () => {
    const { rules } = await loadRules(RULES_DIR);
    for (const rule of rules) {
      for (const part of [rule.pass, rule.partial].flatMap((c) => (c ? topLevelParts(c) : []))) {
        expect(part.label, `${rule.id}: ${JSON.stringify(part)}`).toBeTruthy();
        expect(part.label!.length).toBeLessThanOrEqual(100);
        // No pattern shown to a reader: no regular-expression syntax, no {macro}.
        expect(part.label, rule.id).not.toMatch(/[\\|{}[\]^$*+?”]/);
      }
    }
    const partsOf = (id: string) => {
      const rule = rules.find((r) => r.id === id)!;
      return [rule.pass, rule.partial].flatMap((c) => (c ? topLevelParts(c) : [])).map((p) => p.label);
    };
    expect(partsOf('avgifter')).toEqual(['belopp i kronor nära ordet avgift, taxa eller kostnad', 'länk till en avgiftskalkylator', 'ordet avgift, taxa eller kostnad']);
    // Without a label of its own a part is named by its named pattern's label in _definitions.yaml.
    expect(partsOf('handlaggning-process')).toEqual(['hur ansökan utreds (samtal, hembesök)', 'hur beslutet fattas och meddelas', 'hur ansökan utreds (samtal, hembesök)', 'hur beslutet fattas och meddelas']);
    expect(partsOf('hitta-hemtjanst')).toEqual(['en hemtjänstsida högst 3 klick från startsidan', 'en hemtjänstsida högst 5 klick från startsidan']);
  });

  it('brukarundersokning takes a linked document as it is ("or linked"); avgifter counts it one level lower', async () => {
    const { rules } = await loadRules(RULES_DIR);
    expect(rules.find((r) => r.id === 'brukarundersokning')?.documents).toBe('full');
    expect(rules.find((r) => r.id === 'avgifter')?.documents).toBe('downgrade');
  });
});

describe('a broken copy of rules/', () => {
  let dir: string;
  let result: Awaited<ReturnType<typeof checkRules>>;
  const texts: Record<string, string> = {};
  const shown = (name: string) => relative(process.cwd(), join(dir, name));
  const problemsOf = (name: string): RuleProblem[] => result.problems.filter((p) => p.file === shown(name));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'granska-rules-'));
    await cp(RULES_DIR, dir, { recursive: true });
    const original = async (name: string) => readFile(join(RULES_DIR, name), 'utf8');

    // 1. YAML syntax error: an item indented one column too far.
    texts['anhorigstod.yaml'] = `id: anhorigstod
weight: 1
title: Stöd till anhöriga
description: Anhörigstöd beskrivs eller länkas.
scope: hemtjanst
pass:
  text: 'anhörigstöd'
   near: 'kontakt'
reasons:
  pass: Ja
  fail: Nej
`;
    // 2. A typo in a key.
    texts['lyssna.yaml'] = `id: lyssna
wieght: 1
title: Talande webb
description: En uppläsningsfunktion.
scope: hemtjanst-pages
pass:
  text: 'lyssna'
reasons:
  pass: Ja
  fail: Nej
`;
    // 3. A required key missing (reasons.fail).
    texts['trygghetslarm.yaml'] = `id: trygghetslarm
weight: 1
title: Trygghetslarm
description: Trygghetslarm beskrivs.
scope: hemtjanst
pass:
  text: 'trygghetslarm'
reasons:
  pass: Trygghetslarm beskrivs
`;
    // 4. A pattern that is not a regular expression.
    texts['overklaga.yaml'] = `id: overklaga
weight: 1
title: Överklaga
description: Hur man överklagar.
scope: hemtjanst
pass:
  any:
    - text: 'överklag'
    - text: '(unclosed'
reasons:
  pass: Ja
  fail: Nej
`;
    // 5. An unknown {macro}.
    texts['avgifter.yaml'] = `id: avgifter
weight: 2
title: Avgifter
description: Vad det kostar.
scope: hemtjanst
pass:
  text: '{amount}'
  near: '{avgiftsord}'
partial:
  text: 'avgift'
reasons:
  pass: Ja
  partial: Delvis
  fail: Nej
`;
    // 6. A CSS selector that does not parse.
    texts['andra-sprak.yaml'] = `id: andra-sprak
weight: 1
title: Andra språk
description: Andra språk.
scope: site
pass:
  element: '[lang=en'
reasons:
  pass: Ja
  fail: Nej
`;
    // 7. A second file with the id of ansokan.yaml.
    texts['ansokan.yml'] = await original('ansokan.yaml');
    // 8. An id that is not the file name.
    texts['insatser.yaml'] = (await original('insatser.yaml')).replace(/^id: insatser$/m, 'id: insats');
    // 9. A condition with an unknown key.
    texts['valfrihet.yaml'] = `id: valfrihet
weight: 2
title: Välja utförare
description: Utförarna.
scope: hemtjanst
pass:
  any:
    - count: '{provider}'
      min: 2
    - link:
        text: 'jämför utförare'
        inn: page
partial:
  text: 'valfrihet'
reasons:
  pass: Ja
  partial: Delvis
  fail: Nej
`;
    for (const [name, text] of Object.entries(texts)) await writeFile(join(dir, name), text);
    result = await checkRules(dir);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives no rule set', () => {
    expect(result.ruleSet).toBeUndefined();
  });

  it('reports a YAML syntax error with its line', () => {
    const ps = problemsOf('anhorigstod.yaml');
    expect(ps).toHaveLength(1);
    expect(ps[0]!.line).toBe(lineIn(texts['anhorigstod.yaml']!, "near: 'kontakt'"));
    expect(ps[0]!.message).toMatch(/^YAML-fel: /);
  });

  it('reports a misspelt key on its own line, and the key it should have been as missing', () => {
    const ps = problemsOf('lyssna.yaml');
    expect(ps).toHaveLength(2);
    const typo = ps.find((p) => /wieght/.test(p.message));
    expect(typo).toEqual({ file: shown('lyssna.yaml'), line: lineIn(texts['lyssna.yaml']!, 'wieght:'), message: 'okänd nyckel "wieght" (stavfel?)' });
    const missing = ps.find((p) => p.message.startsWith('weight:'));
    expect(missing).toEqual({ file: shown('lyssna.yaml'), line: 1, message: 'weight: saknas' });
  });

  it('reports a missing required key at the key that should hold it', () => {
    expect(problemsOf('trygghetslarm.yaml')).toEqual([
      { file: shown('trygghetslarm.yaml'), line: lineIn(texts['trygghetslarm.yaml']!, 'reasons:'), message: 'reasons.fail: saknas' },
    ]);
  });

  it('reports a bad regular expression on its line', () => {
    const ps = problemsOf('overklaga.yaml');
    expect(ps).toHaveLength(1);
    expect(ps[0]!.line).toBe(lineIn(texts['overklaga.yaml']!, '(unclosed'));
    expect(ps[0]!.message).toMatch(/^pass\.any\.1\.text: ogiltigt mönster "\(unclosed"/);
  });

  it('reports an unknown {macro} on its line, listing the known ones', () => {
    const ps = problemsOf('avgifter.yaml');
    expect(ps).toHaveLength(1);
    expect(ps[0]!.line).toBe(lineIn(texts['avgifter.yaml']!, '{avgiftsord}'));
    expect(ps[0]!.message).toMatch(/^pass\.near: ogiltigt mönster "\{avgiftsord\}": okänt namngivet mönster \{avgiftsord\}/);
    expect(ps[0]!.message).toContain('{amount}');
  });

  it('reports a bad CSS selector on its line', () => {
    const ps = problemsOf('andra-sprak.yaml');
    expect(ps).toHaveLength(1);
    expect(ps[0]!.line).toBe(lineIn(texts['andra-sprak.yaml']!, "element: '[lang=en'"));
    expect(ps[0]!.message).toMatch(/^pass\.element: ogiltig CSS-selektor "\[lang=en"/);
  });

  it('reports a duplicate id in the second file, naming the first', () => {
    const ps = problemsOf('ansokan.yml');
    expect(ps).toHaveLength(1);
    expect(ps[0]!.line).toBe(lineIn(texts['ansokan.yml']!, 'id: ansokan'));
    expect(ps[0]!.message).toBe(`id "ansokan" finns redan i ${shown('ansokan.yaml')}; varje kriterium ska ha ett eget id`);
    expect(problemsOf('ansokan.yaml')).toEqual([]);
  });

  it('reports an id that is not the file name', () => {
    const ps = problemsOf('insatser.yaml');
    expect(ps).toHaveLength(1);
    expect(ps[0]).toEqual({
      file: shown('insatser.yaml'),
      line: lineIn(texts['insatser.yaml']!, 'id: insats'),
      message: 'id "insats" stämmer inte med filnamnet; döp filen till insats.yaml eller ändra id',
    });
  });

  it('reports an unknown key inside a condition on its own line', () => {
    const ps = problemsOf('valfrihet.yaml');
    expect(ps).toHaveLength(1);
    expect(ps[0]).toEqual({ file: shown('valfrihet.yaml'), line: lineIn(texts['valfrihet.yaml']!, 'inn: page'), message: 'pass.any.1.link: okänd nyckel "inn" (stavfel?)' });
  });

  it('reports every problem at once, and nothing about the untouched files', () => {
    const files = [...new Set(result.problems.map((p) => p.file))].sort();
    expect(files).toEqual(['andra-sprak.yaml', 'ansokan.yml', 'anhorigstod.yaml', 'avgifter.yaml', 'insatser.yaml', 'lyssna.yaml', 'overklaga.yaml', 'trygghetslarm.yaml', 'valfrihet.yaml'].map(shown).sort());
    expect(result.problems).toHaveLength(10);
  });

  it('loadRules throws all of them, one "file:line: message" per line', async () => {
    const err = await loadRules(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RulesError);
    const lines = (err as RulesError).message.split('\n');
    expect(lines).toHaveLength(10);
    expect(lines).toContain(`${shown('valfrihet.yaml')}:${lineIn(texts['valfrihet.yaml']!, 'inn: page')}: pass.any.1.link: okänd nyckel "inn" (stavfel?)`);
  });
});

describe('more ways to break the rules', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'granska-rules-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports a bad named pattern in _definitions.yaml at its own line, and a missing folder', async () => {
    const sub = join(dir, 'defs');
    await cp(RULES_DIR, sub, { recursive: true });
    const defs = (await readFile(join(RULES_DIR, '_definitions.yaml'), 'utf8')).replace(/^patterns:\n/m, "patterns:\n  trasig: '[a-'\n");
    await writeFile(join(sub, '_definitions.yaml'), defs);
    const { problems } = await checkRules(sub);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.line).toBe(lineIn(defs, "trasig: '[a-'"));
    expect(problems[0]!.message).toMatch(/^patterns\.trasig: ogiltigt mönster/);

    const missing = await checkRules(join(dir, 'finns-inte'));
    expect(missing.problems).toHaveLength(1);
    expect(missing.problems[0]!.message).toMatch(/finns inte/);
  });

  it('reports a schema problem and a bad pattern of the same file together', async () => {
    const sub = join(dir, 'both');
    await cp(RULES_DIR, sub, { recursive: true });
    const text = `id: overklaga
weight: 1
title: Överklaga
description: Hur man överklagar.
scope: hemtjansten
pass:
  text: 'överklag('
reasons:
  pass: Ja
  fail: Nej
`;
    await writeFile(join(sub, 'overklaga.yaml'), text);
    const { problems } = await checkRules(sub);
    expect(problems.map((p) => [p.line, p.message.split(':')[0]])).toEqual([
      [lineIn(text, 'scope:'), 'scope'],
      [lineIn(text, "text: 'överklag('"), 'pass.text'],
    ]);
  });

  it('does not read a rule title as a pattern', async () => {
    const sub = join(dir, 'title');
    await cp(RULES_DIR, sub, { recursive: true });
    const text = (await readFile(join(RULES_DIR, 'lyssna.yaml'), 'utf8')).replace(/^title: .*$/m, 'title: Talande webb (?)');
    await writeFile(join(sub, 'lyssna.yaml'), text);
    const { problems, ruleSet } = await checkRules(sub);
    expect(problems).toEqual([]);
    expect(ruleSet?.rules.find((r) => r.id === 'lyssna')?.title).toBe('Talande webb (?)');
  });

  it('takes a label on any condition, and still reports a misspelt key or an empty label at its line', async () => {
    const good = RuleSchema.safeParse({
      id: 'x',
      weight: 1,
      title: 't',
      description: 'd',
      scope: 'hemtjanst',
      pass: { any: [{ text: 'a', label: 'ordet a' }, { link: { to: 'eservice' }, label: 'en e-tjänst' }, { all: [{ clicks: { max: 3 } }], label: 'nära' }] },
      reasons: { pass: 'p', fail: 'f' },
    });
    expect(good.success, JSON.stringify(good.error?.issues)).toBe(true);

    const sub = join(dir, 'label');
    await cp(RULES_DIR, sub, { recursive: true });
    const text = `id: overklaga
weight: 1
title: Överklaga
description: Hur man överklagar.
scope: hemtjanst
pass:
  any:
    - text: 'överklag'
      lable: hur man överklagar
    - link: { text: 'överklaga' }
      label: ''
    - link: { text: 'överklaga', label: 'inuti länken' }
reasons:
  pass: Ja
  fail: Nej
`;
    await writeFile(join(sub, 'overklaga.yaml'), text);
    const defs = (await readFile(join(RULES_DIR, '_definitions.yaml'), 'utf8')).replace(/^labels:\n/m, 'labels:\n  fax: faxnummer\n');
    await writeFile(join(sub, '_definitions.yaml'), defs);
    const { problems } = await checkRules(sub);
    const shownName = (name: string) => relative(process.cwd(), join(sub, name));
    expect(problems).toEqual([
      { file: shownName('_definitions.yaml'), line: lineIn(defs, 'fax: faxnummer'), message: 'labels.fax: det finns inget mönster fax under patterns' },
      { file: shownName('overklaga.yaml'), line: lineIn(text, 'lable:'), message: 'pass.any.0: okänd nyckel "lable" (stavfel?)' },
      { file: shownName('overklaga.yaml'), line: lineIn(text, "label: ''"), message: 'pass.any.1.label: etiketten är tom' },
      { file: shownName('overklaga.yaml'), line: lineIn(text, "label: 'inuti länken'"), message: 'pass.any.2.link: okänd nyckel "label" (stavfel?)' },
    ]);
  });

  it('asks for a reason for the partial level when there is one', () => {
    const r = RuleSchema.safeParse({
      id: 'x',
      weight: 1,
      title: 't',
      description: 'd',
      scope: 'hemtjanst',
      pass: { text: 'a' },
      partial: { text: 'b' },
      reasons: { pass: 'p', fail: 'f' },
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['reasons', 'partial']);
  });
});

describe('expandMacros', () => {
  const macros = { phone: '0\\d{1,3}-\\d+', contact: 'ring {phone}|mejla' };

  it('replaces {name} by the named pattern, nested, and leaves quantifiers alone', () => {
    expect(expandMacros('{contact}', macros)).toBe('(?:ring (?:0\\d{1,3}-\\d+)|mejla)');
    expect(expandMacros('\\d{2,3} år', macros)).toBe('\\d{2,3} år');
  });

  it('throws UnknownMacroError naming the known ones', () => {
    expect(() => expandMacros('{fax}', macros)).toThrow(UnknownMacroError);
    expect(() => expandMacros('{fax}', macros)).toThrow('{phone}, {contact}');
  });
});
