/** Every file under a folder, at any depth (paths joined to `dir`). */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

export async function filesUnder(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) files.push(...(await filesUnder(p)));
    else files.push(p);
  }
  return files;
}
