#!/usr/bin/env node
// Exit 0 when Debian's headless Chromium is installed where granska looks for it.
import { accessSync, constants } from 'node:fs';
for (const p of ['/usr/lib/chromium/chromium-headless-shell', '/usr/bin/chromium-headless-shell']) {
  try {
    accessSync(p, constants.X_OK);
    process.exit(0);
  } catch {}
}
process.exit(1);
