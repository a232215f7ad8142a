import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** What is written before the rename: `<file>.<pid>.<time>.tmp`, which removeLeftoverTemporaryFiles knows. */
const TEMPORARY = /\.\d+\.\d+\.tmp$/;

/** The name a file is written under before it is renamed into place (streams written by hand use it too). */
export function temporaryNameOf(file: string): string {
  return `${file}.${process.pid}.${Date.now()}.tmp`;
}

/** Write then rename, so that a crash never leaves a half-written file that looks complete. */
export async function writeFileAtomic(file: string, data: string | Buffer): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = temporaryNameOf(file);
  try {
    await writeFile(tmp, data);
  } catch (e) {
    // A write that fails half-way (a full disk) says no path of its own; the message must name the file.
    (e as NodeJS.ErrnoException).path ??= file;
    await rm(tmp, { force: true }).catch(() => {});
    throw e;
  }
  await rename(tmp, file);
}

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Removes the temporary files a run left in `dir` when it was killed between writing and renaming
 * (never read: only the renamed file counts). Call before a run writes into the same folder.
 * Returns the files removed; a folder that does not exist has none.
 */
export async function removeLeftoverTemporaryFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const leftovers = names.filter((n) => TEMPORARY.test(n)).map((n) => join(dir, n));
  await Promise.all(leftovers.map((f) => rm(f, { force: true })));
  return leftovers;
}
