// Which QC results form one run, and which earlier results the rules compare a run with. Pure.
// A run is one device's test within `runWindowMinutes` of the run's first result: the levels a lab
// runs together (the within-run rules compare them). The earlier points go back to the last review
// of the device's test (corrective action starts the rules over; by when the gateway received them),
// every lot, newest first.

import type { QcEntry } from './qc-log.ts';
import type { ZPoint } from './westgard.ts';

export interface RunRef {
  run: string;
  runStart: string;
}

/** 10-x needs ten results of one lot; more are never compared. */
export const POINTS_PER_LOT = 10;
/** However many lots share a test, no more earlier results than this are read for one run. */
const MAX_SCANNED = 400;

/**
 * The run a result measured at `time` belongs to: the latest run of its device and test when `time`
 * is within the window of that run's first result, else a new run named `newId`.
 */
export function runFor(latest: RunRef | undefined, time: string, windowMinutes: number, newId: string): RunRef {
  if (latest) {
    const apart = Math.abs(Date.parse(time) - Date.parse(latest.runStart));
    if (apart <= windowMinutes * 60_000) return latest;
  }
  return { run: newId, runStart: time };
}

/** A judged control result as the rules see it; undefined when it was not judged. */
export function zPointOf(e: Pick<QcEntry, 'id' | 'lot' | 'z' | 'run' | 'time' | 'role'>): ZPoint | undefined {
  if (e.z === undefined || e.role !== 'control') return undefined;
  return { id: e.id, lot: e.lot, z: e.z, run: e.run, at: e.time };
}

/**
 * The earlier points for one run: `newestFirst` is the device's test, every lot, newest first.
 * Skips the run itself and what was received up to `restart` (the last review); stops once every lot has POINTS_PER_LOT.
 */
export function earlierPoints(newestFirst: Iterable<QcEntry>, run: string, restart: string | undefined): ZPoint[] {
  const out: ZPoint[] = [];
  const perLot = new Map<string, number>();
  let scanned = 0;
  for (const e of newestFirst) {
    if (++scanned > MAX_SCANNED) break;
    // Before the review by the gateway's clock: an analyzer's clock may be off either way.
    if (restart !== undefined && Date.parse(e.receivedAt) <= Date.parse(restart)) continue;
    if (e.run === run) continue;
    const point = zPointOf(e);
    if (!point) continue;
    const n = perLot.get(point.lot) ?? 0;
    if (n >= POINTS_PER_LOT && [...perLot.values()].every((c) => c >= POINTS_PER_LOT)) break;
    perLot.set(point.lot, n + 1);
    out.push(point);
  }
  return out;
}
