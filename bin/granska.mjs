#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so a fresh clone needs no build step.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
// Interrupted (Ctrl-C): what is finished is on disk; requests still winding down are not waited for.
if (process.exitCode === 130) process.exit(130);
