// What an HL7 ACK means for the message (HL7 v2.5.1 table 0008, acknowledgment code): accepted,
// try again later, or give up and keep it as a dead letter with the EHR's reason.

import type { Ack } from '../../hl7/ack-types.ts';
import type { SendOutcome } from '../adapter.ts';

function ackReason(ack: Ack): string {
  const parts: string[] = [ack.code];
  if (ack.text) parts.push(ack.text);
  if (ack.errorCode) parts.push(`(error ${ack.errorCode})`);
  if (!ack.text && !ack.errorCode) parts.push('(no reason given)');
  return parts.join(' ');
}

export function judgeAck(ack: Ack, controlId: string): SendOutcome {
  if (ack.controlId !== controlId) {
    // The client matches by MSA-2, so this is a bug or a confused peer: keep the message and retry.
    return { kind: 'retry', reason: `protocol: ACK for ${ack.controlId}, expected ${controlId}`, failure: 'transient', ack };
  }
  switch (ack.code) {
    case 'AA':
    case 'CA':
      return { kind: 'delivered', ack };
    case 'AE':
    case 'CE':
      return { kind: 'retry', reason: ackReason(ack), failure: 'transient', ack };
    case 'AR':
    case 'CR':
      return { kind: 'dead', reason: ackReason(ack), ack };
  }
}
