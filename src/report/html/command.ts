/** `granska report --from DIR`: re-make DIR/rapport/ from DIR/results.json, without judging again. */
import { CommanderError, type Command } from 'commander';
import { relative } from 'node:path';
import { loadRegistry, RegistryError } from '../../registry/registry.ts';
import { ResultsFileError } from '../read-results.ts';
import { writeHtmlReport } from './render.ts';

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

export function registerReportCommand(program: Command, io: Io): void {
  program
    .command('report')
    .description('skriv HTML-rapporten (rapport/index.html och en sida per kommun) från en körnings results.json')
    .requiredOption('--from <mapp>', 'mappen som en granskning skrev (--out)')
    .option('--kommuner <fil>', 'CSV med kolumnen lan för kommuner som inte finns i det medföljande registret')
    .option('--rules <mapp>', 'mapp med regelfiler (för kriteriernas beskrivningar och råd)')
    .action(async (o: { from: string; kommuner?: string; rules?: string }) => {
      try {
        const kommuner = o.kommuner ? await loadRegistry(o.kommuner) : undefined;
        const files = await writeHtmlReport(o.from, { ...(kommuner ? { kommuner } : {}), ...(o.rules ? { rulesDir: o.rules } : {}), log: io.err });
        io.out(`Rapport: ${shown(files.index)} (och ${files.kommuner.length} kommunsidor i ${shown(files.dir)})`);
      } catch (e) {
        if (e instanceof ResultsFileError || e instanceof RegistryError) {
          io.err(`Fel: ${e.message}`);
          throw new CommanderError(2, 'granska.report', e.message);
        }
        throw e;
      }
    });
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}
