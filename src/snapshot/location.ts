/**
 * Where a run folder's snapshots live. An audit run with --out DIR keeps them in DIR/snapshots/;
 * a run without --out keeps its results in reports/<run>/ and its crawl archive in
 * snapshots/<run>/, as the project layout has it, and leaves DIR/snapshots.json pointing there so
 * that every later command (evaluate, warc, export) given DIR still finds them.
 */
import { readFile, rm } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { writeJsonAtomic } from '../util/atomic-write.ts';

const POINTER = 'snapshots.json';

export function defaultSnapshotRoot(out: string): string {
  return join(out, 'snapshots');
}

/** Records where the snapshots of the run in `out` are, when they are not in out/snapshots. */
export async function linkSnapshotRoot(out: string, root: string): Promise<void> {
  if (resolve(root) === resolve(defaultSnapshotRoot(out))) {
    await rm(join(out, POINTER), { force: true });
    return;
  }
  await writeJsonAtomic(join(out, POINTER), { snapshots: relative(resolve(out), resolve(root)) });
}

/** The snapshot folder of the run in `out`: the one its snapshots.json names, or out/snapshots. */
export async function locateSnapshotRoot(out: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(join(out, POINTER), 'utf8');
  } catch {
    return defaultSnapshotRoot(out);
  }
  try {
    const named = (JSON.parse(text) as { snapshots?: unknown }).snapshots;
    if (typeof named === 'string' && named !== '') return isAbsolute(named) ? named : join(out, named);
  } catch {
    // An unreadable pointer is treated as absent: the usual place is then tried, and a missing
    // run.json there gives the caller's own message.
  }
  return defaultSnapshotRoot(out);
}
