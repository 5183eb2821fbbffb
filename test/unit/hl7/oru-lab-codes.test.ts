// The lab ORU's equipment identifier (OBX-18), local coding system and ED values, read back by
// node-hl7-client as a strict receiver would read them.

import { describe, it, expect } from 'vitest';
import { Message } from 'node-hl7-client';
import type { HL7Node } from 'node-hl7-client';
import { encodeOruLab, type LabOruContext } from '../../../src/hl7/oru-lab.ts';
import type { Observation, Reading } from '../../../src/model/reading.ts';
import { LOCAL_CODE_SYSTEM } from '../../../src/model/vocabulary.ts';

function context(over: Partial<LabOruContext> = {}): LabOruContext {
  return {
    controlId: 'LAB0000009',
    now: new Date('2026-11-27T14:41:06.000Z'),
    offsetMinutes: 0,
    sendingApplication: { name: 'CLINICGW' },
    patient: { mrn: 'HO2009001' },
    // A label longer than an IS and a namespace would allow: it must not reach OBX-18.
    device: { id: 'chem-1', label: 'Piccolo Xpress chemistry analyzer, lab 2', kind: 'lab' },
    ...over,
  };
}

function reading(observations: Observation[], over: Partial<Reading> = {}): Reading {
  return {
    id: '0MX0LAB000000009',
    deviceId: 'chem-1',
    kind: 'lab',
    observedAt: '2026-11-27T09:41:00.000-05:00',
    receivedAt: '2026-11-27T09:41:02.000-05:00',
    observations,
    raw: '',
    ...over,
  };
}

const SODIUM: Observation = { code: { loinc: '2951-2', display: 'Sodium' }, value: 139, unit: 'mmol/L', status: 'F' };
const LIPEMIA: Observation = { code: { local: { system: LOCAL_CODE_SYSTEM, code: 'LIP', display: 'Lipemic index' } }, value: 12, status: 'F' };

function obx(text: string, i: number): HL7Node {
  return new Message({ text }).get('OBX').get(i);
}

const str = (node: HL7Node, path: string): string => node.get(path).toString();

describe('lab ORU OBX-18 (IHE PCD TF-2 B.8, HL7 v2.6 EI)', () => {
  it("sends the analyzer's own id alone: no namespace we could name assigned it, and never the label", () => {
    const seg = obx(encodeOruLab(reading([SODIUM], { equipment: 'PX-0042' }), context()), 0);
    expect(seg.get('OBX.18').toRaw()).toBe('PX-0042');
  });

  it('sends the configured device id with the sending application as its namespace (EI.2 an IS of at most 20)', () => {
    const seg = obx(encodeOruLab(reading([SODIUM]), context()), 0);
    expect(str(seg, 'OBX.18.1')).toBe('chem-1');
    expect(str(seg, 'OBX.18.2')).toBe('CLINICGW');
  });

  it('leaves EI.2 empty when the application name is no valid namespace', () => {
    const long = context({ sendingApplication: { name: 'MEDGATE-GATEWAY-CLINIC-NORTH' } });
    const seg = obx(encodeOruLab(reading([SODIUM]), long), 0);
    expect(seg.get('OBX.18').toRaw()).toBe('chem-1');
  });
});

describe('lab ORU local coding system (HL7 table 0396)', () => {
  it('never sends the internal marker: a local code without a configured system goes out as 99MDG', () => {
    const text = encodeOruLab(reading([LIPEMIA]), context());
    expect(str(obx(text, 0), 'OBX.3.3')).toBe('99MDG');
    expect(text).not.toContain(LOCAL_CODE_SYSTEM);
  });

  it('applies the configured system to OBX-3 and OBR-4', () => {
    const text = encodeOruLab(reading([LIPEMIA]), context({ localCodeSystem: 'L' }));
    expect(str(obx(text, 0), 'OBX.3.3')).toBe('L');
    expect(new Message({ text }).get('OBR.4').toRaw()).toBe('chem-1^Piccolo Xpress chemistry analyzer, lab 2^L');
  });
});

describe('lab ORU ED values (HL7 v2.5.1 tables 0191 and 0291)', () => {
  it('maps MIME types to table values: AU (not the deprecated Audio), TEXT^XML without the parameters, and no PDF subtype (not in 0291)', () => {
    const att = (mediaType: string): Observation => ({ code: { loinc: '11524-6' }, value: { kind: 'attachment', mediaType, base64: 'AAAA' }, status: 'F' });
    const text = encodeOruLab(reading([att('application/pdf'), att('audio/basic'), att('text/xml; charset=utf-8')]), context());
    const ed = (i: number) => [str(obx(text, i), 'OBX.5.2'), str(obx(text, i), 'OBX.5.3')];
    expect([ed(0), ed(1), ed(2)]).toEqual([
      ['AP', ''],
      ['AU', 'BASIC'],
      ['TEXT', 'XML'],
    ]);
  });
});
