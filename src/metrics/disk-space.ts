// Free and total space of the file system holding the data folder, as an unprivileged process sees it.

import { statfs } from 'node:fs/promises';

export interface DiskSpace {
  /** Bytes available to the gateway (blocks free to unprivileged users: what the store can still write). */
  free: number;
  size: number;
}

export async function diskSpace(dir: string): Promise<DiskSpace> {
  const s = await statfs(dir);
  return { free: s.bavail * s.bsize, size: s.blocks * s.bsize };
}

/**
 * diskSpace() of one folder, shared by the calls of one moment: a scrape reads free and size from
 * two gauges, and a health check may come at the same time.
 */
export function sharedDiskSpace(dir: string, maxAgeMs = 1000): () => Promise<DiskSpace> {
  let last: { at: number; space: Promise<DiskSpace> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at > maxAgeMs) {
      const space = diskSpace(dir);
      last = { at: now, space };
      // A failure is not remembered: the next call tries again.
      space.catch(() => {
        if (last?.space === space) last = undefined;
      });
    }
    return last.space;
  };
}
