// The installed package's folder (where package.json, config/ and data/ are), found the same way from
// the sources (src/) and from the compiled output (dist/), which sit at different depths.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function find(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const PACKAGE_ROOT = find(dirname(fileURLToPath(import.meta.url)));
