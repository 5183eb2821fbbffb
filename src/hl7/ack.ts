// HL7 v2 acknowledgements: read what an EHR answered (parseAck) and answer a message we received
// (buildAck). docs/protocols.md#hl7-v2-acknowledgements. The text is split by message-text.ts, with
// the separators MSH-1/MSH-2 of the text at hand declare, and escaped by the one policy in escape.ts.

import { randomBytes } from 'node:crypto';
import type { Ack, AckCode } from './ack-types.ts';
import { hl7Timestamp } from './datetime.ts';
import { DEFAULT_DELIMITERS, encodingCharacters } from './delimiters.ts';
import { escapeHl7, unescapeHl7 } from './escape.ts';
import { fieldText, rawField, segmentNamed, splitMessage, splitPlainMessage } from './message-text.ts';

const ACK_CODES: readonly AckCode[] = ['AA', 'AE', 'AR', 'CA', 'CE', 'CR'];

export function isAckCode(value: string): value is AckCode {
  return (ACK_CODES as readonly string[]).includes(value);
}

/**
 * Reads an acknowledgement. Throws an Error naming what is missing or wrong; the caller (the MLLP
 * client) turns that into a protocol error.
 */
export function parseAck(ackText: string): Ack {
  const p = splitPlainMessage(ackText) ?? splitMessage(ackText);
  if (!p) throw new Error('ACK has no MSH segment (or its MSH-1/MSH-2 separators are unusable)');
  const msa = segmentNamed(p, 'MSA');
  if (!msa) throw new Error('ACK has no MSA segment');
  const code = fieldText(p, msa, 1, 1).toUpperCase();
  if (!isAckCode(code)) {
    throw new Error(`ACK MSA-1 is ${code === '' ? 'empty' : `"${code.slice(0, 10)}"`}, expected one of ${ACK_CODES.join('/')}`);
  }
  const controlId = fieldText(p, msa, 2);
  if (controlId === '') throw new Error('ACK MSA-2 (control ID of the acknowledged message) is empty');

  const err = p.segments.find(
    (s) =>
      s.name === 'ERR' &&
      s.line
        .split(p.delimiters.field)
        .slice(1)
        .some((f) => f.trim() !== ''),
  );
  // ERR-3 (v2.5+, CWE) / ERR-1.4 (v2.3-2.4, ELD's CE code) / MSA-6 (v2.3 and older, CE).
  const errorCode = firstNonEmpty(fieldText(p, err, 3, 1), fieldText(p, err, 1, 4, 1), fieldText(p, msa, 6, 1));
  const reason = firstNonEmpty(
    fieldText(p, msa, 3),
    fieldText(p, err, 8), // ERR-8 user message
    fieldText(p, err, 3, 2),
    fieldText(p, err, 1, 4, 2),
    fieldText(p, msa, 6, 2),
  );

  const ack: Ack = { code, controlId, raw: ackText };
  if (reason !== '') ack.text = reason;
  if (errorCode !== '') ack.errorCode = errorCode;
  return ack;
}

function firstNonEmpty(...values: string[]): string {
  return values.find((v) => v !== '') ?? '';
}

export interface BuildAckOptions {
  /** MSA-3 / ERR text (plain text; escaped here). */
  text?: string;
  /** HL7 table 0357 code for ERR-3 (v2.5+) or ERR-1.4 (older), e.g. "207". */
  errorCode?: string;
  /** Our MSH-3 / MSH-4; `^` separates components. Default: the message's MSH-5 / MSH-6. */
  sendingApp?: string;
  sendingFacility?: string;
  /** MSH-10 of the ACK; generated when absent. */
  controlId?: string;
  now?: Date;
}

/**
 * Builds the ACK for a received message. Never throws: a message without a usable MSH gets an ACK
 * with an empty MSA-2, and an accept code (AA/CA) is turned into a reject (AR/CR), because there is
 * nothing we could have accepted.
 */
export function buildAck(message: string, code: AckCode, opts: BuildAckOptions = {}): string {
  const p = splitMessage(message);
  const d = p?.delimiters ?? DEFAULT_DELIMITERS;
  const msh = p ? segmentNamed(p, 'MSH') : undefined;
  const mshField = (n: number): string => (p && msh ? rawField(p, msh, n) : '');

  let ackCode = code;
  let reason = opts.text;
  let errorCode = opts.errorCode;
  if (!msh) {
    if (ackCode === 'AA') ackCode = 'AR';
    if (ackCode === 'CA') ackCode = 'CR';
    reason ??= 'message has no usable MSH segment';
    errorCode ??= '100';
  }

  const version = unescapeHl7(mshField(12), d).split(d.component)[0] || '2.5';
  const trigger = p && msh ? rawField(p, msh, 9, 2) : '';
  const f = d.field;
  const c = d.component;
  const localField = (value: string | undefined, fallback: string): string =>
    value === undefined
      ? fallback
      : value
          .split('^')
          .map((part) => escapeHl7(part, d))
          .join(c);

  const mshFields = [
    'MSH',
    encodingCharacters(d),
    localField(opts.sendingApp, mshField(5)),
    localField(opts.sendingFacility, mshField(6)),
    mshField(3),
    mshField(4),
    // In UTC (+0000): unambiguous whatever the host's zone.
    hl7Timestamp(opts.now ?? new Date(), 0),
    '',
    trigger === '' ? 'ACK' : `ACK${c}${trigger}${c}ACK`,
    escapeHl7(opts.controlId ?? newControlId(), d),
    mshField(11) || 'P',
    mshField(12) || '2.5',
  ];
  const segments = [mshFields.join(f)];

  const msa = ['MSA', ackCode, mshField(10)];
  if (reason !== undefined && reason !== '') msa.push(escapeHl7(reason, d));
  segments.push(msa.join(f));

  if (errorCode !== undefined && errorCode !== '') {
    const reasonText = escapeHl7(reason ?? '', d);
    const codeText = escapeHl7(errorCode, d);
    if (versionAtLeast(version, 2, 5)) {
      // ERR-3 error code (CWE, table 0357), ERR-4 severity E, ERR-8 user message.
      segments.push(['ERR', '', '', [codeText, reasonText, 'HL70357'].join(c), 'E', '', '', '', reasonText].join(f));
    } else {
      // Before 2.5: ERR-1 is ELD (segment^sequence^field^code as CE in subcomponents).
      const s = d.subcomponent;
      segments.push(['ERR', `${c}${c}${c}${codeText}${s}${reasonText}${s}HL70357`].join(f));
    }
  }
  return segments.join('\r') + '\r';
}

function versionAtLeast(version: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) return true;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  return maj > major || (maj === major && min >= minor);
}

/** 20 characters at most (MSH-10 is ST(20) up to v2.6). */
function newControlId(): string {
  return `ACK${Date.now().toString(36).toUpperCase()}${randomBytes(4).toString('hex').toUpperCase()}`.slice(0, 20);
}
