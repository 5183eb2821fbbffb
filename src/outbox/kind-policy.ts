// What a message's kind (patient result or QC result) decides at send time, apart from the line's
// order: whether the destination still takes that kind, and what a refusal of a QC message means.

import type { DestinationConfig } from '../config/schema.ts';
import type { SendOutcome } from '../destinations/adapter.ts';
import { receivesPatients, receivesQc } from '../destinations/receives.ts';
import type { OutboxMessage } from '../store/types.ts';

/**
 * Why this message must not go to the destination as configured now, or undefined. A message is
 * built for the `receives` of its time; an edit since (a LIS repointed to the EHR under the same ID)
 * must not carry QC into a chart or patient results to a LIS: a person decides what happens to it.
 */
export function kindRefusal(m: Pick<OutboxMessage, 'kind'>, dest: Pick<DestinationConfig, 'receives'>): string | undefined {
  if (m.kind === 'qc') return receivesQc(dest) ? undefined : 'not sent: the destination no longer receives QC results';
  return receivesPatients(dest) ? undefined : 'not sent: the destination no longer receives patient results';
}

/**
 * A QC message the receiver refused (AE/CE, HL7 v2.5.1 table 0008: "application error", sent
 * again as is it fails again) is a dead letter at once: it shares the line with patient results,
 * which must never wait behind a control result. Failures without an answer are retried as usual.
 */
export function judgeQcOutcome(m: Pick<OutboxMessage, 'kind' | 'controlId'>, outcome: SendOutcome): SendOutcome {
  if (m.kind !== 'qc' || outcome.kind !== 'retry' || !outcome.ack) return outcome;
  const { ack } = outcome;
  if (ack.controlId !== m.controlId || (ack.code !== 'AE' && ack.code !== 'CE')) return outcome;
  return { kind: 'dead', reason: `${outcome.reason} (a refused QC message is not retried)`, ack };
}
