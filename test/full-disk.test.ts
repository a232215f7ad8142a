/** A full disk stops the run with words that name the place, and keeps every file already written whole. */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import { startFixtureWeb, type FixtureWeb } from '../src/demo/fixture-web.ts';

const ROOT = join(import.meta.dirname, 'fixtures', 'web');
let mountPoint = '';
let mounted = false;
let web: FixtureWeb;

beforeAll(async () => {
  mountPoint = await mkdtemp(join(tmpdir(), 'granska-full-'));
  try {
    // A disk of 600 KiB: room for a few pages, not for a whole kommun.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=600k', 'tmpfs', mountPoint], { stdio: 'ignore' });
    mounted = true;
  } catch {
    mounted = false;
  }
  web = await startFixtureWeb({ root: ROOT, sites: ['ekebyhult', 'storbrunn', 'norrhed'] });
});

afterAll(async () => {
  await web?.close();
  if (mounted) execFileSync('umount', [mountPoint]);
  await rm(mountPoint, { recursive: true, force: true });
});

describe('a full disk', () => {
  // Mounting a small tmpfs needs root; where it cannot be done, there is nothing to fill.
  it.runIf(process.getuid?.() === 0)('stops the audit with a message naming the file and "disken är full", exit 1', async () => {
    expect(mounted, 'could not mount a tmpfs as root').toBe(true);
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
