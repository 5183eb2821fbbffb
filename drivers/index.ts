// The driver registry. Adding a device protocol means adding its folder (drivers/<id>/index.ts
// exporting a `Driver`, whose validateSettings checks what its schema cannot) and one line in
// registered.ts; nothing here changes. Static re-exports, not a scan of the folder at run time, so
// the bundle holds every driver.

import type { Driver } from '../src/model/driver.ts';
import * as registered from './registered.ts';

/** Sorted by id: a namespace's order is that of its export names, which mean nothing. */
export const drivers: readonly Driver[] = Object.values(registered).sort((a, b) => (a.id < b.id ? -1 : 1));

export function findDriver(id: string): Driver | undefined {
  return drivers.find((d) => d.id === id);
}
