// Every file under a folder with its modification time and content: two snapshots are equal when
// nothing in the folder was written (what "refused, untouched" is checked against).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function folderSnapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = join(rel, e.name);
      if (e.isDirectory()) walk(path);
      else out[path] = `${statSync(join(dir, path)).mtimeMs} ${readFileSync(join(dir, path), 'base64')}`;
    }
  };
  walk('');
  return out;
}
