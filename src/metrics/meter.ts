// What the running parts tell the monitoring as things happen: a reading stored or refused, a device
// link changing state, a message acknowledged, a QC result logged. Called on the reading path, so
// each call is O(1).

import type { QcStatus } from '../qc/qc-view.ts';
import type { LinkState } from '../transports/types.ts';

export type ReadingOutcome = 'queued' | 'held' | 'rejected';

export interface Meter {
  /** A device report became a queued or held reading, or what a device sent could not be read. */
  reading(deviceId: string, outcome: ReadingOutcome): void;
  /** A device's link changed state. */
  link(deviceId: string, state: LinkState): void;
  /** A message was acknowledged by its destination; `queuedAt` is when it was built (ISO). */
  delivered(destinationId: string, queuedAt: string): void;
  /** A QC result was logged, with how the Westgard rules judged it. */
  qcResult(deviceId: string, status: QcStatus): void;
}

/** States in which a device can reach the gateway. */
export function linkIsUp(state: LinkState): boolean {
  return state === 'connected' || state === 'listening';
}
