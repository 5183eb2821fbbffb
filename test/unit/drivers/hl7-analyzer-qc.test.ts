// hl7-analyzer, control specimens on the wire: SPM-11 specimen role (HL7 v2.5.1 table 0369), OBR-11
// `Q`, IHE LAW's OUL^R22 with the control material in INV; decoded and acknowledged like any result.
// The messages are constructed in the shape published analyzer messages use (an IHE LAW LAB-29
// OUL^R22 control run of a Roche cobas pure, an Abbott Alinity m patient run); none is copied.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { driver } from '../../../drivers/hl7-analyzer/index.ts';
import { decodeOru } from '../../../drivers/hl7-analyzer/decode.ts';
import type { ControlMark } from '../../../src/model/control-mark.ts';
import type { DeviceReport } from '../../../src/model/driver.ts';
import { parseAck } from '../../../src/hl7/ack.ts';
import { bytes, chunksAt, logsAboveDebug, oneByteAtATime, open } from './harness.ts';

const msg = (...segments: string[]): string => segments.join('\r') + '\r';
const frame = (text: string): string => `\x0b${text}\x1c\r`;

/** IHE LAW LAB-29: no PID; SPM-11 Q; the control material in the container's INV (CO); reagents' INVs after TCD. */
const lawControlRun = msg(
  'MSH|^~\\&|cobas pure||Host||20250114093000+0100||OUL^R22^OUL_R22|QC0159|P|2.5.1|||NE|AL||UNICODE UTF-8|||LAB-29^IHE',
  'SPM|1|20391&CONTROL||""|||||||Q^^HL70369||||||||20260430',
  'SAC|||20391^CONTROL',
  'INV|20391^PreciControl ClinChem Multi 1^99ROC|OK^^HL70383|CO^^HL70384|||||||||20260430||||CL-118',
  'OBR|1|""||GLUC^^99ROC',
  'ORC|SC||||CM',
  'TQ1|||||||||R^^HL70485',
  'OBX|1|NM|GLUC^Glucose^99ROC^^^IHELAW|1|5.42|mmol/L^^99ROC||N^^HL70078|||F|||||||c303^ROCHE|20250114092446+0100',
  'TCD|GLUC^^99ROC|^1^:^1',
  'INV|2034001|OK^^HL70383|R1|51193|1|12||||||20260531||||861168',
  'OBR|2|""||CREA^^99ROC',
  'ORC|SC||||CM',
  'OBX|1|NM|CREA^Creatinine^99ROC^^^IHELAW|1|106|umol/L^^99ROC||N^^HL70078|||F|||||||c303^ROCHE|20250114092454+0100',
);

const lawMark: ControlMark = {
  role: 'control',
  marker: 'HL7 SPM-11 Q',
  material: 'PreciControl ClinChem Multi 1',
  lot: 'CL-118',
  expires: '2026-04-30',
};

/** One order of the LAW control run as decoded: the cobas c 303 module ran it, the time is OBX-19. */
function lawReport(code: string, display: string, valueText: string, unit: string, at: string): Omit<DeviceReport, 'raw'> {
  return {
    observedAt: at,
    specimen: { id: '20391' },
    order: { code: { system: '99ROC', code } },
    measurements: [
      {
        code: { local: { system: '99ROC', code, display } },
        value: Number(valueText),
        valueText,
        unit,
        flags: ['N'],
        status: 'F',
        observedAt: at,
        instrument: 'c303',
      },
    ],
    equipment: 'c303',
    control: lawMark,
  };
}

const lawReports = [
  lawReport('GLUC', 'Glucose', '5.42', 'mmol/L', '2025-01-14T09:24:46+01:00'),
  lawReport('CREA', 'Creatinine', '106', 'umol/L', '2025-01-14T09:24:54+01:00'),
];

/** ORU^R01 v2.5.1 whose SPM (after the OBR) says control specimen; no PID at all. */
const oruControl = msg(
  'MSH|^~\\&|AU480|CHEMLAB|MEDGATE|CLINIC|20250114093000+0100||ORU^R01^ORU_R01|QC0001|P|2.5.1',
  'OBR|1||QC-LOT-4711|GLU^Glucose^L|||20250114092500+0100',
  'OBX|1|NM|GLU^Glucose^L||182|mg/dL|||||F|||20250114092800+0100',
  'SPM|1|QC-LOT-4711||SER|||||||Q^Control specimen^HL70369',
);

/** ORU^R01 v2.3.1 (no SPM): the control named by OBR-11 `Q` and an empty PID. */
const oruActionQ = msg(
  'MSH|^~\\&|XL-200|CHEMLAB|||20250114093000||ORU^R01|QC0002|P|2.3.1',
  'PID|1',
  'OBR|1||QC-L2|GLU^Glucose^L|||20250114092500||||Q',
  'OBX|1|NM|GLU^Glucose^L||96|mg/dL|||||F',
);

/** A patient's OUL^R22 (SPM-11 P, the sample ID in SAC-3 with SPM-2 empty), the shape Alinity m sends. */
const lawPatient = msg(
  'MSH|^~\\&|||||20250114093000+0100||OUL^R22^OUL_R22|PAT0007|P|2.5.1|||NE|AL||UNICODE UTF-8|||LAB-29^IHE',
  'PID|1||123456^^^CLINIC^MR||Doe^Jane||19700315|F',
  'SPM|1|||PLAS^Plasma^HL70487|||||||P^Patient^HL70369',
  'SAC|||VL00000101',
  'OBX|1|NM|VOL^Sample volume^99ABT||0.6|mL',
  'OBR||""||1006^HIV-1^99ABT',
  'ORC|SC||||CM',
  'OBX|1|ST|1006^HIV-1^99ABT||< 20|Copies/mL|||||F|||||||Alinity m^Abbott|20250114092906+0100',
);

const withRole = (role: string): string =>
  msg(
    'MSH|^~\\&|AU480|CHEMLAB|||20250114093000||ORU^R01|R1|P|2.5.1',
    'OBR|1||S-1|GLU^Glucose^L',
    'OBX|1|NM|GLU^Glucose^L||100|mg/dL|||||F',
    `SPM|1|S-1||SER|||||||${role}`,
  );

const withAction = (code: string): string =>
  msg('MSH|^~\\&|AU480|CHEMLAB|||20250114093000||ORU^R01|R2|P|2.5.1', `OBR|1||S-1|GLU^Glucose^L|||||||${code}`, 'OBX|1|NM|GLU^Glucose^L||100|mg/dL|||||F');

function decoded(text: string): DeviceReport[] {
  const r = decodeOru(text);
  if (!r.ok) throw new Error(`refused: ${r.rejection.reason}`);
  return r.value.reports;
}

const withoutRaw = (rs: DeviceReport[]): Array<Omit<DeviceReport, 'raw' | 'resendKey'>> => rs.map(({ raw: _raw, resendKey: _key, ...rest }) => rest);

describe('hl7-analyzer decode: control specimens (docs/protocols.md#quality-control-results-on-the-wire)', () => {
  it('IHE LAW OUL^R22 control run without PID: one report per OBR, marked with the material of the container INV', () => {
    expect(withoutRaw(decoded(lawControlRun))).toEqual(lawReports);
  });

  it('ORU^R01 with SPM-11 Q after the OBR and no PID: a control report with the SPM-2 specimen ID', () => {
    const [report, ...rest] = decoded(oruControl);
    expect(rest).toEqual([]);
    expect(report?.control).toEqual({ role: 'control', marker: 'HL7 SPM-11 Q' });
    expect(report?.subject).toBeUndefined();
    expect(report?.specimen).toMatchObject({ id: 'QC-LOT-4711', type: 'SER' });
    expect(report?.measurements.map((m) => [m.code?.local?.code, m.value, m.unit])).toEqual([['GLU', 182, 'mg/dL']]);
  });

  it('ORU^R01 v2.3.1 with OBR-11 Q and an empty PID: a control report', () => {
    const [report] = decoded(oruActionQ);
    expect(report?.control).toEqual({ role: 'control', marker: 'HL7 OBR-11 Q' });
    expect(report?.subject).toBeUndefined();
    expect(report?.specimen?.id).toBe('QC-L2');
  });

  // HL7 v2.5.1 table 0369: Q control, E electronic QC, B blind, F and O proficiency, R replicate of a
  // patient sample as a control; C calibrator, V verifying calibrator. P patient (also when empty),
  // G group, L pool, H historical: a patient's material.
  const roles: Array<[string, ControlMark | undefined]> = [
    ['Q^Control specimen^HL70369', { role: 'control', marker: 'HL7 SPM-11 Q' }],
    ['q', { role: 'control', marker: 'HL7 SPM-11 Q' }],
    ['E', { role: 'control', marker: 'HL7 SPM-11 E' }],
    ['B', { role: 'control', marker: 'HL7 SPM-11 B' }],
    ['F', { role: 'control', marker: 'HL7 SPM-11 F' }],
    ['O', { role: 'control', marker: 'HL7 SPM-11 O' }],
    ['R', { role: 'control', marker: 'HL7 SPM-11 R' }],
    ['C^Calibrator^HL70369', { role: 'calibrator', marker: 'HL7 SPM-11 C' }],
    ['V', { role: 'calibrator', marker: 'HL7 SPM-11 V' }],
    ['P^Patient^HL70369~Q', { role: 'control', marker: 'HL7 SPM-11 Q' }],
    ['P^Patient^HL70369', undefined],
    ['', undefined],
    ['G', undefined],
    ['L', undefined],
    ['H', undefined],
    ['^Control specimen', undefined],
  ];
  for (const [role, mark] of roles) {
    it(`SPM-11 "${role}" -> ${mark ? mark.role : 'a patient specimen (no mark)'}`, () => {
      expect(decoded(withRole(role))[0]?.control).toEqual(mark);
    });
  }

  // HL7 v2.5.1 table 0065 (OBR-11) has no Q: its codes A G L O P R S, and an empty field, are patients'.
  for (const code of ['A', 'G', 'L', 'O', 'P', 'R', 'S', '']) {
    it(`OBR-11 "${code}" is not a control`, () => {
      expect(decoded(withAction(code))[0]?.control).toBeUndefined();
    });
  }
  it('OBR-11 "q" is', () => {
    expect(decoded(withAction('q'))[0]?.control).toEqual({ role: 'control', marker: 'HL7 OBR-11 Q' });
  });

  it('a patient OUL^R22: no mark, the SAC-3 sample ID, the specimen OBX before the OBR not reported', () => {
    const r = decodeOru(lawPatient);
    if (!r.ok) throw new Error(r.rejection.reason);
    const [report, ...rest] = r.value.reports;
    expect(rest).toEqual([]);
    expect(report?.control).toBeUndefined();
    expect(report?.subject).toMatchObject({ mrn: '123456' });
    expect(report?.specimen).toEqual({ id: 'VL00000101', type: 'PLAS' });
    expect(report?.order).toEqual({ code: { system: '99ABT', code: '1006', display: 'HIV-1' } });
    expect(report?.measurements.map((m) => [m.code?.local?.code, m.value, m.observedAt])).toEqual([['1006', '< 20', '2025-01-14T09:29:06+01:00']]);
    expect(r.value.notes.join('\n')).toMatch(/OBX about the specimen/);
  });

  it('the material comes only from an INV of control substance type (CO) or none; a reagent INV names nothing', () => {
    const reagentOnly = lawControlRun.replace('CO^^HL70384', 'SC^^HL70384');
    expect(decoded(reagentOnly)[0]?.control).toEqual({ role: 'control', marker: 'HL7 SPM-11 Q', expires: '2026-04-30' });
    // Without an INV the expiry is SPM-19 (specimen expiration date/time).
    const noInv = lawControlRun.replace(/INV\|20391[^\r]*\r/, '');
    expect(decoded(noInv)[0]?.control).toEqual({ role: 'control', marker: 'HL7 SPM-11 Q', expires: '2026-04-30' });
    // A patient's specimen never carries a mark, whatever INV its container has.
    expect(decoded(lawControlRun.replace('Q^^HL70369', 'P^^HL70369'))[0]?.control).toBeUndefined();
  });

  it('OUL with another trigger is refused AR 201; OUL^R22 is accepted', () => {
    const r21 = decodeOru(lawControlRun.replace('OUL^R22^OUL_R22', 'OUL^R21'));
    expect(r21.ok ? undefined : r21.rejection).toMatchObject({
      code: 'AR',
      errorCode: '201',
      detail: 'unsupported event OUL^R21 (only ORU^R01 and OUL^R22 are accepted)',
    });
    expect(decodeOru(lawControlRun).ok).toBe(true);
  });
});

describe('hl7-analyzer session: control runs are acknowledged like patient results', () => {
  const stream = frame(lawControlRun) + frame(oruControl) + frame(lawPatient);

  async function outcome(chunks: Uint8Array[]) {
    const h = open(driver);
    for (const c of chunks) h.session.receive(c);
    for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    h.session.close();
    return { reports: h.reports, errors: h.errors, writes: h.writes.map((w) => w.replace(/\|MG[0-9A-Z]+\|/, '|ID|')), logs: logsAboveDebug(h) };
  }

  it('reports each with its mark and answers AA to MSA-2 = MSH-10 in the message’s own event', async () => {
    const out = await outcome([bytes(stream)]);
    expect(out.errors).toEqual([]);
    expect(out.reports.map((r) => [r.specimen?.id, r.control?.marker])).toEqual([
      ['20391', 'HL7 SPM-11 Q'],
      ['20391', 'HL7 SPM-11 Q'],
      ['QC-LOT-4711', 'HL7 SPM-11 Q'],
      ['VL00000101', undefined],
    ]);
    const acks = out.writes.map((w) => {
      expect(w.startsWith('\x0b') && w.endsWith('\x1c\r')).toBe(true);
      return parseAck(w.slice(1, -2));
    });
    expect(acks.map((a) => [a.code, a.controlId])).toEqual([
      ['AA', 'QC0159'],
      ['AA', 'QC0001'],
      ['AA', 'PAT0007'],
    ]);
    // The ACK of a control run has the shape of a patient result's: MSH-9 ACK^<trigger>^ACK, MSA.
    expect(out.writes[0]).toBe('\x0bMSH|^~\\&|Host||cobas pure||20250114093000+0000||ACK^R22^ACK|ID|P|2.5.1\rMSA|AA|QC0159\r\x1c\r');
    expect(out.writes[2]).toBe('\x0bMSH|^~\\&|||||20250114093000+0000||ACK^R22^ACK|ID|P|2.5.1\rMSA|AA|PAT0007\r\x1c\r');
    // Each order of a control run has its own duplicate key, like a patient result's.
    expect(new Set(out.reports.map((r) => r.resendKey)).size).toBe(4);
    expect(out.logs.join('\n')).not.toMatch(/Doe|123456|5\.42|PreciControl/);
  });

  it('any chunking gives the same reports, errors and ACKs', async () => {
    const data = bytes(stream);
    const ref = await outcome([data]);
    expect(ref.reports.map((r) => r.control?.role)).toEqual(['control', 'control', 'control', undefined]);
    expect(ref.writes).toHaveLength(3);
    expect(await outcome(oneByteAtATime(data))).toEqual(ref);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: data.length }), { maxLength: 30 }), async (cuts) => {
        expect(await outcome(chunksAt(data, cuts))).toEqual(ref);
      }),
      { numRuns: 40 },
    );
  });
});
