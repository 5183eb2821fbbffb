// Every path that writes or reads HL7 v2 text agrees on escaping and on time zones (src/hl7/escape.ts,
// src/hl7/datetime.ts): the ORU segments, ACKs written and read, the analyzer driver, the inbound
// feed, the demo EHR and the analyzer simulator. They used to disagree: ACKs hex-escaped every
// control character while results dropped them, the inbound feed kept \.br\ as text, and an analyzer
// time without an offset stayed without one while the inbound feed gave it the gateway's.

import { describe, expect, it } from 'vitest';
import { decodeOru } from '../../../drivers/hl7-analyzer/decode.ts';
import { Hl7Reader, splitHl7 } from '../../../drivers/hl7-analyzer/hl7-text.ts';
import { buildOru } from '../../../simulators/hl7-analyzer.ts';
import { createRng } from '../../../simulators/prng.ts';
import { summarizeHl7 } from '../../../src/demo/ehr.ts';
import { buildAck, parseAck } from '../../../src/hl7/ack.ts';
import { dtmToIso, hl7Timestamp } from '../../../src/hl7/datetime.ts';
import { escapeFormattedText, escapeHl7 } from '../../../src/hl7/escape.ts';
import { patientName, pv1 } from '../../../src/hl7/segments.ts';
import { parseInbound } from '../../../src/inbound/parse.ts';
import { inLocalZone } from '../../support/local-zone.ts';

const MSH = 'MSH|^~\\&|EHR|CLINIC|MEDGATE|CLINIC|20250114093016-0500||';

function adt(pid5: string, pv1Fields: string): string {
  return [`${MSH}ADT^A04^ADT_A01|ADT1|P|2.5.1`, 'EVN|A04', `PID|1||M1^^^CLINIC^MR||${pid5}^JO`, pv1Fields].join('\r');
}

function oru(pid5: string, obx14: string): string {
  return [
    `${MSH.replace('EHR', 'AN')}ORU^R01|R1|P|2.5.1`,
    `PID|1||M1^^^CLINIC^MR||${pid5}^JO`,
    'OBR|1|P1||GLU^Glucose^L',
    `OBX|1|NM|GLU^Glucose^L||5.5|mmol/L|||||F|||${obx14}`,
  ].join('\r');
}

/** What the inbound feed reads as the family name in PID-5. */
function inboundFamily(pid5: string): string | undefined {
  const r = parseInbound(adt(pid5, 'PV1|1|O'));
  if (!r.ok) throw new Error(r.reason);
  return r.event.kind === 'admit' || r.event.kind === 'update' ? r.event.patient.family : undefined;
}

/** What the analyzer driver reads as the family name in PID-5. */
function analyzerFamily(pid5: string): string {
  const split = splitHl7(oru(pid5, '20250114093015'));
  if (!split.ok) throw new Error(split.reason);
  const pid = split.value.segments.find((s) => s.name === 'PID');
  return new Hl7Reader(split.value.delimiters).get(pid, 5, 1);
}

/** What the sender of a message reads back from the ACK's MSA-3. */
function ackText(reason: string): string | undefined {
  return parseAck(buildAck(`${MSH}ORU^R01|R1|P|2.5.1`, 'AE', { text: reason, errorCode: '207' })).text;
}

describe('one HL7 text toolkit', () => {
  // Delimiters, a line break, TAB, BEL (dropped) and the MLLP frame bytes VT and FS.
  const text = 'A|B^C&D~E\\F\rG\nH\tI\x07J\x0bK\x1cL';
  const kept = 'A|B^C&D~E\\F\rG\nH IJ\x0bK\x1cL';

  it('escapes a control character the same way in a result and in an ACK', () => {
    const escaped = escapeHl7(text);
    expect(escaped).toBe('A\\F\\B\\S\\C\\T\\D\\R\\E\\E\\F\\X0D\\G\\X0A\\H IJ\\X0B\\K\\X1C\\L');
    expect(patientName({ mrn: 'M1', family: text, given: 'Jo' })).toBe(`${escaped}^Jo^^^^^L`);
    const ack = buildAck(`${MSH}ORU^R01|R1|P|2.5.1`, 'AE', { text, errorCode: '207' });
    expect(ack.split('\r')[1]).toBe(`MSA|AE|R1|${escaped}`);
  });

  it('reads the text back the same way on every reading path', () => {
    const pid5 = escapeHl7(text);
    expect(ackText(text)).toBe(kept);
    expect(analyzerFamily(pid5)).toBe(kept);
    expect(inboundFamily(pid5)).toBe(kept);
    // An FT line break reads as LF everywhere (the inbound feed used to keep "\.br\" as text).
    const broken = escapeFormattedText('one\r\ntwo');
    expect([analyzerFamily(broken), inboundFamily(broken), ackText('one\ntwo')]).toEqual(['one\ntwo', 'one\ntwo', 'one\ntwo']);
    // The demo EHR reads MSH-10 with the same unescaping.
    expect(summarizeHl7(`${MSH}ORU^R01|${escapeHl7('C|1')}|P|2.5.1\rOBX|1|NM|X||1`).controlId).toBe('C|1');
  });

  it('reads a timestamp with a zone to the same instant and offset on every path, and writes it back unchanged', () => {
    const dtm = '20250114093015-0500';
    const analyzer = decodeOru(oru('DOE', dtm));
    if (!analyzer.ok) throw new Error('refused');
    const observedAt = analyzer.value.reports[0]?.measurements[0]?.observedAt ?? analyzer.value.reports[0]?.observedAt;
    const r = parseInbound(adt('DOE', `PV1|1|O${'|'.repeat(42)}${dtm}`));
    if (!r.ok || r.event.kind !== 'admit') throw new Error('refused');
    const admittedAt = r.event.visit?.admittedAt;
    const read = dtmToIso(dtm);
    expect(read).toEqual({ kind: 'time', iso: '2025-01-14T09:30:15-05:00' });
    for (const iso of [observedAt, admittedAt]) {
      expect(iso).toMatch(/-05:00$/);
      expect(Date.parse(iso ?? '')).toBe(Date.parse('2025-01-14T14:30:15Z'));
      expect(hl7Timestamp(iso ?? '')).toBe(dtm);
    }
    // PV1-44 of a result, from the directory's time or from a DTM the directory kept as sent.
    expect(pv1({ admittedAt }).trimEnd().split('|')[44]).toBe(dtm);
    expect(pv1({ admittedAt: dtm }).trimEnd().split('|')[44]).toBe(dtm);
  });

  it('gives a timestamp without a zone the gateway’s offset on every path', () => {
    const dtm = '20250114093015';
    const local = inLocalZone('2025-01-14T09:30:15');
    const analyzer = decodeOru(oru('DOE', dtm));
    if (!analyzer.ok) throw new Error('refused');
    const observedAt = analyzer.value.reports[0]?.measurements[0]?.observedAt;
    const r = parseInbound(adt('DOE', `PV1|1|O${'|'.repeat(42)}${dtm}`));
    if (!r.ok || r.event.kind !== 'admit') throw new Error('refused');
    expect(observedAt).toBe(local);
    expect(r.event.visit?.admittedAt).toBe(local.replace(':15', ':15.000'));
    const offset = hl7Timestamp(local).slice(14);
    expect(offset).toMatch(/^[+-]\d{4}$/);
    expect(pv1({ admittedAt: dtm }).trimEnd().split('|')[44]).toBe(`${dtm}${offset}`);
  });

  it('reads the analyzer simulator’s clock and the ACK’s MSH-7 as the instants they were written for', () => {
    const now = Date.UTC(2025, 0, 14, 14, 30, 15);
    const message = buildOru(0, createRng(1), now);
    const msh7 = message.text.split('\r')[0]?.split('|')[6] ?? '';
    expect(dtmToIso(msh7)).toEqual({ kind: 'time', iso: '2025-01-14T14:30:15+00:00' });
    const ackMsh7 = buildAck(message.text, 'AA', { now: new Date(now) }).split('|')[6] ?? '';
    expect(ackMsh7).toBe(msh7);
  });
});
