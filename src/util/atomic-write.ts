import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Write then rename, so that a crash never leaves a half-written file that looks complete. */
export async function writeFileAtomic(file: string, data: string | Buffer): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
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
