// QC results to the destinations that asked for them (`destinations[].receives` with 'qc': a LIS
// over MLLP, an uplink), through the same durable outbox as patient results: retried while the LIS
// is down, a dead letter when it refuses, resent by a person. Never to a destination without 'qc',
// and never in a message with a patient (the adapters' encodeQc builds no PID).

import type { Config, DeviceConfigT } from '../config/schema.ts';
import { adapterOf, loadAdapter } from '../destinations/index.ts';
import { receivesQc } from '../destinations/receives.ts';
import type { Logger } from '../model/logger.ts';
import { enqueueQc } from '../outbox/outbox.ts';
import { newId } from '../pipeline/ids.ts';
import type { StateStore } from '../store/state-store.ts';
import type { QcMessageSubject } from '../store/types.ts';
import type { QcEntryView } from './qc-view.ts';

export interface QcForwardContext {
  store: StateStore;
  config: Pick<Config, 'gateway' | 'destinations'>;
  /** The entries' device as configured now. */
  device?: DeviceConfigT;
  /** Told once a message is durably in a destination's line (the gateway kicks that worker). */
  onQueued(destinationId: string): void;
  log: Logger;
  now?: Date;
}

/** Destinations (config objects: a reload makes new ones) already told about at warn level that they get no QC. */
const toldSkipped = new WeakSet<object>();

/** Ids and codes of what a message carries: what the outbox, the page and the logs show of it. */
export function qcSubject(entries: readonly QcEntryView[]): QcMessageSubject {
  const unique = (values: string[]) => [...new Set(values)];
  return {
    entries: entries.map((e) => e.id),
    device: entries[0]?.device ?? '',
    tests: unique(entries.map((e) => e.test)),
    lots: unique(entries.map((e) => e.lot)),
  };
}

/**
 * Queues one message per destination that receives QC, after the entries are durable in the QC
 * log; resolves once the messages are durable too. Returns the destination ids queued to. A
 * destination whose format cannot carry QC, or whose message cannot be built, is skipped with a
 * warning (codes only: a QC value is not logged above debug); the others still get theirs.
 */
export async function forwardQc(entries: readonly QcEntryView[], ctx: QcForwardContext): Promise<string[]> {
  const targets = ctx.config.destinations.filter(receivesQc);
  if (entries.length === 0 || targets.length === 0) return [];
  const now = ctx.now ?? new Date();
  const subject = qcSubject(entries);
  const gateway = ctx.config.gateway ?? {};
  const built: Array<{ destinationId: string; controlId: string; body: string }> = [];
  for (const dest of targets) {
    await loadAdapter(dest.type);
    const controlId = newId(now);
    try {
      const encoded = adapterOf(dest).encodeQc(entries, {
        destination: dest,
        controlId,
        now,
        gateway,
        device: ctx.device,
        localCodeSystem: ctx.device?.lab?.localCodeSystem ?? gateway.localCodeSystem,
      });
      if ('skipped' in encoded) {
        const line = { destination: dest.id, device: subject.device, tests: subject.tests, why: encoded.skipped };
        // Said once per destination as configured (an edit says it again), not at every control run.
        if (toldSkipped.has(dest)) ctx.log.debug(line, 'QC results not sent to this destination');
        else ctx.log.warn(line, 'QC results not sent to this destination');
        toldSkipped.add(dest);
        continue;
      }
      built.push({ destinationId: dest.id, controlId, body: encoded.body });
    } catch (err) {
      ctx.log.warn({ err, destination: dest.id, device: subject.device, tests: subject.tests }, 'the QC message for a destination could not be built');
    }
  }
  if (built.length === 0) return [];
  await ctx.store.update((doc) => {
    for (const b of built) enqueueQc(doc, { destinationId: b.destinationId, controlId: b.controlId, body: b.body, qc: subject, now });
  });
  ctx.log.debug({ device: subject.device, entries: subject.entries, to: built.map((b) => b.destinationId) }, 'QC results queued');
  for (const b of built) ctx.onQueued(b.destinationId);
  return built.map((b) => b.destinationId);
}
