#!/usr/bin/env -S node --max-semi-space-size=2 --v8-pool-size=1
// Runs the compiled gateway (dist/, built by `npm install` or `npm run build`) with plain node.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('medgate is not built: run "npm run build" in its folder (npm install does it too)');
  process.exit(1);
}
await import(cli.href);
