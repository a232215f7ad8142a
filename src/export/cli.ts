/**
 * The commands `granska export` and `granska warc`, registered on the program by
 * src/cli/main.ts. Bad input (a folder without results.json, an unknown criterion or kommun, a
 * place that cannot be written) is reported here in Swedish and ends with exit status 2.
 */
import { CommanderError, type Command } from 'commander';
import { relative } from 'node:path';
import { ResultsFileError } from '../report/read-results.ts';
import { WarcInputError, writeWarcs } from '../snapshot/warc.ts';
import { ExportInputError, runExport } from './export.ts';

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

/** Our bad-input errors become a Swedish message and exit status 2, whatever main.ts knows of them. */
function badInput<A extends unknown[]>(io: Io, action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (e) {
      if (e instanceof ExportInputError || e instanceof WarcInputError || e instanceof ResultsFileError) {
        io.err(`Fel: ${e.message}`);
        throw new CommanderError(2, 'granska.badInput', e.message);
      }
      throw e;
    }
  };
}

function commandLine(o: { from: string; criterion?: string; kommun?: string; out?: string; zip?: boolean }): string {
  const q = (s: string) => (/^[\w./:@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const parts = ['granska', 'export', '--from', q(o.from)];
  if (o.criterion) parts.push('--criterion', q(o.criterion));
  if (o.kommun) parts.push('--kommun', q(o.kommun));
  if (o.out) parts.push('--out', q(o.out));
  if (o.zip) parts.push('--zip');
  return parts.join(' ');
}

export function registerExportCommands(program: Command, io: Io): void {
  program
    .command('export')
    .description('packa beläggen för ett kriterium (alla kommuner) eller en kommun (alla kriterier): skärmbilder, evidence.json, README, CSV')
    .requiredOption('--from <mapp>', 'mappen som granskningen skrev (granska audit --out)')
    .option('--criterion <id>', 'ett kriterium för alla kommuner, t.ex. orosanmalan')
    .option('--kommun <kod eller namn>', 'alla kriterier för en kommun (som --only: kod eller namn)')
    .option('--out <mapp>', 'mapp (eller med --zip: zip-fil) att skriva; standard: <--from>/export/<kriterium eller kommun>')
    .option('--zip', 'skriv en enda zip-fil i stället för en mapp')
    .action(
      badInput(io, async (o: { from: string; criterion?: string; kommun?: string; out?: string; zip?: boolean }) => {
        const outcome = await runExport({
          from: o.from,
          ...(o.out ? { out: o.out } : {}),
          ...(o.criterion ? { criterion: o.criterion } : {}),
          ...(o.kommun ? { kommun: o.kommun } : {}),
          zip: Boolean(o.zip),
          command: commandLine(o),
          log: io.err,
        });
        const what = outcome.mode === 'criterion' ? `${outcome.rows} kommuner` : `${outcome.rows} kriterier`;
        io.out(`Exporterade ${what} med ${outcome.screenshots} skärmbilder till ${shown(outcome.path)}`);
      }),
    );

  program
    .command('warc')
    .description('skriv WARC-arkiv (warc/<kommunkod>.warc.gz) av de hämtade sidorna och skärmbilderna i en granskning')
    .requiredOption('--from <mapp>', 'mappen som granskningen skrev (granska audit --out)')
    .option('--only <lista>', 'bara dessa kommunkoder, kommaseparerade')
    .action(
      badInput(io, async (o: { from: string; only?: string }) => {
        const only = o.only ? o.only.split(/[,;]/).map((s) => s.trim()).filter(Boolean) : undefined;
        const outcomes = await writeWarcs(o.from, { log: io.err, ...(only ? { only } : {}) });
        if (outcomes.length === 0) throw new WarcInputError(`${shown(o.from)} har inga fullständiga ögonblicksbilder${only ? ` för ${only.join(', ')}` : ''} att arkivera.`);
        for (const w of outcomes) io.out(`${w.kommunkod}: ${shown(w.file)} (${w.pages} sidor, ${w.screenshots} skärmbilder, ${w.records} poster)`);
      }),
    );
}
