/**
 * Reads DIR/results.json for the commands that work on a finished run (tables, diff): checked
 * against the schema, with a Swedish message that names the folder or file and what to do.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ResultsSchema, type Results } from './results-schema.ts';

/** Bad input: the folder or its results.json is missing or not a results file. Exit status 2. */
export class ResultsFileError extends Error {
  override name = 'ResultsFileError';
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

/** The path of results.json for a run folder; a path to results.json itself is accepted too. */
export async function resultsFileOf(dirOrFile: string): Promise<string> {
  let info;
  try {
    info = await stat(dirOrFile);
  } catch {
    throw new ResultsFileError(`Mappen ${shown(dirOrFile)} finns inte. Ange mappen som en granskning skrev (dess --out).`);
  }
  return info.isDirectory() ? join(dirOrFile, 'results.json') : dirOrFile;
}

export async function readResults(dirOrFile: string): Promise<{ file: string; results: Results }> {
  const file = await resultsFileOf(dirOrFile);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ResultsFileError(
        `${shown(dirOrFile)} har ingen results.json. Ange mappen som en granskning skrev (dess --out); ` +
          'en avbruten granskning skriver results.json först när den körs klart (kör samma granska audit igen för att fortsätta).',
      );
    }
    throw new ResultsFileError(`${shown(file)} kunde inte läsas (${code ?? (e as Error).message}).`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ResultsFileError(`${shown(file)} är inte giltig JSON (${(e as Error).message}). Filen kan vara trasig; skriv den på nytt med granska audit eller granska evaluate.`);
  }
  const checked = ResultsSchema.safeParse(json);
  if (!checked.success) {
    const first = checked.error.issues[0];
    const where = first ? `${first.path.join('.') || '(roten)'}: ${first.message}` : checked.error.message;
    throw new ResultsFileError(`${shown(file)} ser inte ut som en results.json från granska (${where}).`);
  }
  return { file, results: checked.data };
}
