import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string; homepage: string };

export const TOOL = { name: pkg.name, version: pkg.version, homepage: pkg.homepage } as const;

/** An honest User-Agent: who we are and where to read about us. Its first word is our robots.txt product token. */
export const USER_AGENT = `granska/${pkg.version} (+${pkg.homepage})`;
export const ROBOTS_TOKEN = 'granska';
