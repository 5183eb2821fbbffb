// Which folder a watched-folder device may read: an administrator (or the API token) who could point
// one at any folder the gateway can read would have the gateway read its own data folder (patients'
// results, password hashes, the API token) or hand a relative path a meaning nobody chose.

import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';

/** Why `folder` may not be watched, or undefined. `dataDir` absolute when known (a relative one is checked at run time). */
export function watchedFolderProblem(folder: string, dataDir: string | undefined): string | undefined {
  if (!isAbsolute(folder)) return `"${folder}" is not an absolute folder: write the full path of the folder the device exports into, e.g. "/srv/ekg-export"`;
  if (dataDir !== undefined && isAbsolute(dataDir) && isWithin(folder, dataDir)) {
    return `"${folder}" is inside the data folder "${dataDir}", which holds patients' results and password hashes: give the device a folder of its own outside it, e.g. "/srv/ekg-export"`;
  }
  return undefined;
}

/** `path` is `folder` or below it (both absolute). */
export function isWithin(path: string, folder: string): boolean {
  const rel = relative(resolve(folder), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The same at run time, on the folders' real paths: a link to the data folder is the data folder. */
export async function watchedFolderRefusal(folder: string, dataDir: string | undefined): Promise<string | undefined> {
  const stated = watchedFolderProblem(folder, undefined);
  if (stated || dataDir === undefined) return stated;
  const [real, realData] = await Promise.all([realpathOr(folder), realpathOr(resolve(dataDir))]);
  return isWithin(real, realData) ? watchedFolderProblem(realData, realData) : undefined;
}

async function realpathOr(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return path;
  }
}
