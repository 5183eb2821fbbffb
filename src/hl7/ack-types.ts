// What an HL7 acknowledgement says, as the sender needs it (HL7 table 0008; docs/protocols.md#hl7-v2-acknowledgements).

export type AckCode = 'AA' | 'AE' | 'AR' | 'CA' | 'CE' | 'CR';

export interface Ack {
  code: AckCode;
  /** MSA-2: the control ID of the message being acknowledged. */
  controlId: string;
  /** MSA-3 or ERR text, when the receiver gave a reason. */
  text?: string;
  /** ERR-3 (or MSA-6) error code, e.g. "207". */
  errorCode?: string;
  /** The ACK message as received. */
  raw: string;
}
