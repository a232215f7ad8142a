/**
 * The granska command line. Messages are for the index team and kommun web editors: Swedish, plain,
 * naming the file, line or URL and what to do. Never a stack trace (GRANSKA_DEBUG=1 shows one).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classifyAddress, isIpLiteral } from '../crawl/address-guard.ts';
import { BrowserMissingError, ensureChromium, findChromium } from '../crawl/browser.ts';
import { AuditInterrupted, runAudit } from '../pipeline/audit.ts';
import { EvaluateInputError, runEvaluate } from '../pipeline/evaluate.ts';
import type { JudgedKommun } from '../pipeline/judge.ts';
import { kommunFromUrl, loadRegistry, RegistryError, selectKommuner, type Kommun } from '../registry/registry.ts';
import { checkRules, DEFAULT_RULES_DIR, formatProblem, loadRules, RulesError } from '../rules/loader.ts';
import { rankByScore } from '../score/score.ts';
import { describeOutputFailure, isOutputFailure } from '../util/fs-errors.ts';
import { TOOL } from '../tool.ts';
import { registerReportCommand } from '../report/html/command.ts';
import { registerExportCommands } from '../export/cli.ts';
import { summaryTable } from './summary.ts';
import { createProgress } from './progress.ts';
import { registerTablesCommand } from '../report/tables.ts';
import { registerDiffCommand } from '../diff/command.ts';

const PROJECT_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const DEMO_WEB = join(PROJECT_ROOT, 'test', 'fixtures', 'web');

export class UsageError extends Error {}

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const defaultIo: Io = { out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`) };

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    return reportError(e, io);
  }
}

function reportError(e: unknown, io: Io): number {
  if (e instanceof CommanderError) {
    // Commander has already printed help or its own message.
    return e.exitCode === 0 ? 0 : 2;
  }
  if (e instanceof AuditInterrupted) {
    const kept = e.done.length === 0 ? 'Ingen kommun hann bli klar.' : `${e.done.length} av ${e.total} kommuner är klara och sparade i ${join(e.out, 'kommuner')}: ${e.done.map((k) => `${k.kommunkod} ${k.namn}`).join(', ')}.`;
    io.err(`Granskningen avbröts. ${kept} Kommuner som inte blev klara granskas från början nästa gång.\nKör samma kommando igen för att fortsätta.`);
    return 130;
  }
  if (e instanceof RulesError) {
    io.err(`Regelfilerna har fel:\n${e.problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
    return 2;
  }
  if (e instanceof RegistryError || e instanceof UsageError || e instanceof EvaluateInputError || e instanceof BrowserMissingError) {
    io.err(`Fel: ${e.message}`);
    return 2;
  }
  if (isOutputFailure(e)) {
    io.err(`Fel: ${describeOutputFailure(e)}. Det som redan skrivits finns kvar; frigör utrymme eller välj en annan mapp med --out och kör samma kommando igen för att fortsätta.`);
    return 1;
  }
  io.err(`Ett oväntat fel stoppade körningen: ${(e as Error)?.message ?? String(e)}`);
  if (process.env.GRANSKA_DEBUG) io.err(String((e as Error)?.stack));
  else io.err('Kör igen med GRANSKA_DEBUG=1 för tekniska detaljer, och rapportera felet.');
  return 1;
}

const positiveInt = (what: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${what} ska vara ett positivt heltal, inte "${value}".`);
  return n;
};

function buildProgram(io: Io): Command {
  const program = new Command('granska')
    .description('Granskar vad kommunernas webbplatser berättar om hemtjänst (Hemtjänstindex, delindex Information).')
    .version(TOOL.version, '-V, --version', 'visa versionen')
    .helpOption('-h, --help', 'visa hjälpen')
    .addHelpCommand(false)
    .showHelpAfterError('(granska --help visar alla kommandon)')
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .configureHelp({
      // In Swedish, and without the "(default: false)" of a flag that is simply off.
      optionDescription: (opt) => {
        const value = opt.defaultValueDescription ?? (opt.defaultValue === undefined || typeof opt.defaultValue === 'boolean' ? undefined : JSON.stringify(opt.defaultValue));
        return value === undefined ? opt.description : `${opt.description} (standard: ${value.replace(/^"(.*)"$/, '$1')})`;
      },
    })
    .exitOverride();

  program
    .command('audit')
    .description('granska kommunernas webbplatser och skriv results.json')
    .option('--kommuner <fil>', 'CSV med minst kolumnerna kommunkod, namn, webbplats (standard: alla 290 kommuner)')
    .option('--only <lista>', 'bara dessa kommuner: koder eller namn, kommaseparerade (t.ex. 1982,hoganas)')
    .option('--url <adress>', 'granska en enda webbplats (en kommun som granskar sig själv)')
    .option('--out <mapp>', `mapp för resultat och rapporter, med ögonblicksbilderna i <mapp>/snapshots/ (standard: ${defaultOut('granskning')}, med ögonblicksbilderna i snapshots/granskning-<datum>/)`)
    .option('--snapshots <mapp>', 'spara ögonblicksbilderna (varje hämtad sida) här i stället')
    .option('--allow-private', 'tillåt att registrets egna webbplatser ligger på interna adresser (test, demo)', false)
    .option('--insecure', 'godta webbplatser med ogiltigt TLS-certifikat', false)
    .addOption(new Option('--max-pages <n>', 'högst så många sidor per kommun').default(300).argParser(positiveInt('--max-pages')))
    .option('--exhaustive', 'hämta sidor upp till --max-pages även när inga länkar kvar ser ut att handla om äldreomsorg eller annat som kriterierna frågar efter (långsammare)', false)
    .addOption(new Option('--concurrency <n>', 'så många kommuner granskas samtidigt').default(6).argParser(positiveInt('--concurrency')))
    .addOption(new Option('--per-host <n>', 'högst så många samtidiga anrop per webbserver').default(2).argParser(positiveInt('--per-host')))
    .addOption(new Option('--site-timeout <sekunder>', 'längsta tid per webbplats').default(900).argParser(positiveInt('--site-timeout')))
    .addOption(new Option('--request-timeout <sekunder>', 'längsta tid per anrop').default(20).argParser(positiveInt('--request-timeout')))
    .option('--no-render', 'starta aldrig webbläsaren (sidor som kräver JavaScript läses som de hämtas; inga skärmbilder)')
    .option('--no-screenshots', 'ta inga skärmbilder som bevis (annars en bild per uppfyllt kriterium i <mapp>/evidence/)')
    .option('--fresh', 'börja om i stället för att fortsätta en avbruten körning i samma --out', false)
    .option('--rules <mapp>', 'mapp med regelfiler', DEFAULT_RULES_DIR)
    .option('-q, --quiet', 'skriv bara sammanfattningen', false)
    .option('--json', 'skriv förloppet som JSON-händelser på stderr, en per rad', false)
    .action(async (o) => {
      const kommuner = await chooseKommuner(o);
      // Without --out the run follows the project layout: results in reports/<run>/, the crawl
      // archive in snapshots/<run>/.
      const out: string = o.out ?? defaultOut('granskning');
      const snapshots: string | undefined = o.snapshots ?? (o.out ? undefined : join('snapshots', basename(out)));
      await auditAndSummarize(kommuner, { ...o, out, ...(snapshots ? { snapshots } : {}) }, io);
    });

  program
    .command('demo')
    .description('servera demowebben (några påhittade kommuner) lokalt, granska den och skriv rapporterna')
    .option('--out <mapp>', 'mapp för resultaten', join('reports', 'demo'))
    .option('--web <mapp>', 'servera en (ändrad) kopia av demowebben i stället, t.ex. för att pröva granska diff', DEMO_WEB)
    .option('-q, --quiet', 'skriv bara sammanfattningen', false)
    .action(async (o) => {
      const { demoSiteSlugs, startFixtureWeb } = await import('../demo/fixture-web.ts');
      const slugs = await demoSiteSlugs(o.web).catch(() => {
        throw new UsageError(`${join(o.web, 'demo-sites.txt')} finns inte: --web ska vara en kopia av demowebben (${shown(DEMO_WEB)}) med dess demo-sites.txt.`);
      });
      const web = await startFixtureWeb({ root: o.web, sites: slugs });
      try {
        await mkdir(o.out, { recursive: true });
        const registry = join(o.out, 'demo-kommuner.csv');
        await web.writeRegistry(registry);
        io.err(`Demowebben: ${web.sites.length} kommuner på 127.0.0.1. Granskar…`);
        const kommuner = await loadRegistry(registry);
        await auditAndSummarize(kommuner, { ...o, allowPrivate: true, insecure: false, maxPages: 300, concurrency: 6, perHost: 2, siteTimeout: 600, requestTimeout: 20, render: true, screenshots: true, fresh: true, rules: DEFAULT_RULES_DIR }, io);
      } finally {
        await web.close();
      }
    });

  program
    .command('evaluate')
    .description('bedöm sparade ögonblicksbilder på nytt med nuvarande regler, utan nätverk')
    .requiredOption('--snapshots <mapp>', 'mappen som en granskning skrev (--out), eller dess snapshots/')
    .requiredOption('--out <mapp>', 'mapp för den nya results.json')
    .option('--rules <mapp>', 'mapp med regelfiler', DEFAULT_RULES_DIR)
    .action(async (o) => {
      const rules = await loadRules(o.rules);
      await ensureWritable(o.out);
      const { resultsFile, kommuner } = await runEvaluate({ snapshots: o.snapshots, out: o.out, rules, log: io.err });
      io.out(summaryTable(withRanks(kommuner)));
      io.out(`\nResultat: ${shown(resultsFile)}`);
    });

  const rules = program.command('rules').description('regelfilerna');
  rules
    .command('check')
    .description('kontrollera regelfilerna och visa varje fel med fil och rad')
    .option('--rules <mapp>', 'mapp med regelfiler', DEFAULT_RULES_DIR)
    .action(async (o) => {
      const { ruleSet, problems } = await checkRules(o.rules);
      if (problems.length > 0 || !ruleSet) throw new RulesError(problems);
      const weight = ruleSet.rules.reduce((s, r) => s + r.weight, 0);
      io.out(`${ruleSet.rules.length} kriterier utan fel, sammanlagd vikt ${weight} (${shown(o.rules)}).`);
    });

  const browser = program.command('browser').description('webbläsaren (Chromium headless shell) som läser sidor som kräver JavaScript');
  browser
    .command('install')
    .description('installera webbläsaren från Debians paket om den saknas')
    .action(() => {
      io.out(ensureChromium(io.err));
    });
  browser
    .command('path')
    .description('visa var webbläsaren finns')
    .action(() => {
      const found = findChromium();
      if (!found) throw new BrowserMissingError('Webbläsaren saknas. Kör: npx granska browser install');
      io.out(found);
    });
  registerReportCommand(program, io);
  registerExportCommands(program, io);
  registerTablesCommand(program, io);
  registerDiffCommand(program, io);
  return program;
}

interface AuditCliOptions {
  out: string;
  snapshots?: string;
  allowPrivate: boolean;
  insecure: boolean;
  maxPages: number;
  exhaustive?: boolean;
  concurrency: number;
  perHost: number;
  siteTimeout: number;
  requestTimeout: number;
  render: boolean;
  screenshots?: boolean;
  fresh: boolean;
  rules: string;
  quiet: boolean;
  json?: boolean;
}

async function chooseKommuner(o: { kommuner?: string; only?: string; url?: string }): Promise<Kommun[]> {
  if (o.url && (o.kommuner || o.only)) throw new UsageError('--url granskar en enda webbplats och går inte att kombinera med --kommuner eller --only.');
  if (o.url) return [kommunFromUrl(o.url)];
  const all = await loadRegistry(o.kommuner);
  return o.only ? selectKommuner(all, [o.only]) : all;
}

/**
 * A registry that names internal addresses is refused unless the user says so: a crawler run from
 * inside an organisation's network must not be pointed into it by a list.
 */
function refusePrivateHosts(kommuner: Kommun[], allowPrivate: boolean): void {
  if (allowPrivate) return;
  const internal = kommuner.filter((k) => {
    const host = new URL(k.webbplats).hostname;
    return host === 'localhost' || host.endsWith('.localhost') || (isIpLiteral(host) && classifyAddress(host) !== 'public');
  });
  if (internal.length === 0) return;
  const list = internal.slice(0, 5).map((k) => `${k.kommunkod} ${k.namn} (${k.webbplats})`).join(', ');
  throw new UsageError(`${list}${internal.length > 5 ? ` och ${internal.length - 5} till` : ''} ligger på en intern adress. Sådana granskas bara med --allow-private (test, demo, interna testmiljöer).`);
}

async function auditAndSummarize(kommuner: Kommun[], o: AuditCliOptions, io: Io): Promise<void> {
  refusePrivateHosts(kommuner, o.allowPrivate);
  const rules = await loadRules(o.rules);
  await ensureWritable(o.out);
  if (o.snapshots) await ensureWritable(o.snapshots, '--snapshots');
  const progress = createProgress({ quiet: o.quiet, json: o.json, isTTY: io === defaultIo && Boolean(process.stderr.isTTY), stream: process.stderr, line: io.err });
  const log = progress.log;
  // Ctrl-C once: start no new kommun, stop the running ones, keep what is finished. Twice: at once.
  const interrupt = new AbortController();
  const onSigint = (): void => {
    if (interrupt.signal.aborted) {
      io.err('Avbryter direkt. Kör samma kommando igen för att fortsätta.');
      process.exit(130);
    }
    io.err('Avbryter: inga nya kommuner startas och de pågående stoppas. Tryck Ctrl-C igen för att avbryta direkt.');
    interrupt.abort();
  };
  process.on('SIGINT', onSigint);
  const outcome = await runAudit({
    kommuner,
    out: o.out,
    ...(o.snapshots ? { snapshots: o.snapshots } : {}),
    rules,
    allowPrivate: o.allowPrivate,
    insecure: o.insecure,
    maxPages: o.maxPages,
    ...(o.exhaustive ? { exhaustive: true } : {}),
    concurrency: o.concurrency,
    perHost: o.perHost,
    siteTimeoutMs: o.siteTimeout * 1000,
    requestTimeoutMs: o.requestTimeout * 1000,
    render: o.render,
    screenshots: o.screenshots !== false,
    fresh: o.fresh,
    log,
    onEvent: progress.onEvent,
    signal: interrupt.signal,
  }).finally(() => {
    process.off('SIGINT', onSigint);
    progress.stop();
  });
  io.out(summaryTable(withRanks(outcome.kommuner)));
  io.out(`\nResultat: ${shown(outcome.resultsFile)}`);
  const report = join(dirname(outcome.resultsFile), 'rapport', 'index.html');
  if (existsSync(report)) io.out(`Rapport: ${shown(report)}`);
  if (outcome.tables) io.out(`Tabeller för Excel: ${shown(outcome.tables.xlsx)}, ${shown(outcome.tables.csv)}`);
  if (o.snapshots) io.out(`Ögonblicksbilder (varje hämtad sida): ${shown(o.snapshots)}`);
}

/** The same ranks as results.json holds. */
function withRanks(kommuner: JudgedKommun[]): JudgedKommun[] {
  const ranks = rankByScore(kommuner);
  return kommuner.map((k) => ({ ...k, rank: ranks.get(k) ?? null }));
}

async function ensureWritable(dir: string, option = '--out'): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    const probe = join(dir, `.granska-skrivtest-${process.pid}`);
    await writeFile(probe, '');
    await rm(probe);
  } catch (e) {
    throw new UsageError(`Det går inte att skriva i mappen ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Välj en annan mapp med ${option}.`);
  }
}

function defaultOut(prefix: string): string {
  return join('reports', `${prefix}-${new Date().toISOString().slice(0, 10)}`);
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

