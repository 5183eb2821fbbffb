// Where a path really is, links resolved, also before it exists (an archive about to be written, a
// data folder about to be restored): the part that exists is resolved, the rest appended as named.

import { realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

export async function realPathOf(path: string): Promise<string> {
  const abs = resolve(path);
  try {
    return await realpath(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const parent = dirname(abs);
    return parent === abs ? abs : join(await realPathOf(parent), basename(abs));
  }
}
