/** `granska diff OLD_DIR NEW_DIR [--html FILE]`: what changed between two runs. */
import { CommanderError, type Command } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { readResults, ResultsFileError } from '../report/read-results.ts';
import { diffResults, type RunDiff } from './diff.ts';
import { diffHtml } from './html.ts';
import { diffText } from './text.ts';

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

export async function diffDirs(oldDir: string, newDir: string): Promise<RunDiff> {
  const [a, b] = await Promise.all([readResults(oldDir), readResults(newDir)]);
  return diffResults({ source: oldDir, results: a.results }, { source: newDir, results: b.results });
}

export function registerDiffCommand(program: Command, io: Io): void {
  program
    .command('diff')
    .description('jämför två körningar: ändrade poäng och kriterier per kommun')
    .argument('<gammal>', 'mappen med den äldre körningens results.json')
    .argument('<ny>', 'mappen med den nyare körningens results.json')
    .option('--html <fil>', 'skriv också jämförelsen som en HTML-sida')
    .action(async (oldDir: string, newDir: string, o: { html?: string }) => {
      try {
        await runDiff(oldDir, newDir, o, io);
      } catch (e) {
        if (e instanceof ResultsFileError) {
          io.err(`Fel: ${e.message}`);
          throw new CommanderError(2, 'granska.diff', e.message);
        }
        throw e;
      }
    });
}

async function runDiff(oldDir: string, newDir: string, o: { html?: string }, io: Io): Promise<void> {
  const d = await diffDirs(oldDir, newDir);
  io.out(diffText(d));
  if (o.html) {
    try {
      await mkdir(dirname(o.html), { recursive: true });
      await writeFile(o.html, diffHtml(d));
    } catch (e) {
      throw new ResultsFileError(`${o.html} kunde inte skrivas (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Välj en annan fil med --html.`);
    }
    io.out(`\nJämförelsen som HTML: ${o.html}`);
  }
}
