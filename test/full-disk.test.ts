/** A full disk stops the run with words that name the place, and keeps every file already written whole. */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import { startFixtureWeb, type FixtureWeb } from '../src/demo/fixture-web.ts';

const ROOT = join(import.meta.dirname, 'fixtures', 'web');
const mountPoint = await mkdtemp(join(tmpdir(), 'granska-full-'));
// A disk of 600 KiB: room for a few pages, not for a whole kommun. Mounting needs root with the
// right to mount; where that is missing there is no small disk to fill, and the test says so.
let mounted = false;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=600k', 'tmpfs', mountPoint], { stdio: 'ignore' });
  mounted = true;
} catch {
  console.warn('full-disk.test: could not mount a small tmpfs here; the full-disk case is skipped');
}
let web: FixtureWeb;

beforeAll(async () => {
  web = await startFixtureWeb({ root: ROOT, sites: ['ekebyhult', 'storbrunn', 'norrhed'] });
});

afterAll(async () => {
  await web?.close();
  if (mounted) execFileSync('umount', [mountPoint]);
  await rm(mountPoint, { recursive: true, force: true });
});

describe('a full disk', () => {
  it.runIf(mounted)('stops the audit with a message naming the file and "disken är full", exit 1', async () => {
    const registry = join(tmpdir(), `granska-full-${process.pid}.csv`);
    await web.writeRegistry(registry);
    const out = join(mountPoint, 'run');
    let stderr = '';
    const code = await main(['audit', '--kommuner', registry, '--out', out, '--allow-private', '--no-screenshots', '--no-render', '--quiet', '--concurrency', '1'], {
      out: () => {},
      err: (s) => (stderr += `${s}\n`),
    });
    await rm(registry, { force: true });
    expect(code).toBe(1);
    expect(stderr).toContain('disken är full');
    expect(stderr).toContain(mountPoint);
    expect(stderr).not.toMatch(/\n\s+at /);
    // Whatever was finished is whole: every kommun file that exists parses.
    const done = await readdir(join(out, 'kommuner')).catch(() => [] as string[]);
    for (const f of done.filter((n) => n.endsWith('.json'))) JSON.parse(await readFile(join(out, 'kommuner', f), 'utf8'));
  });
});
