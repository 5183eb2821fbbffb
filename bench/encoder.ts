// Messages per second: our IHE PCD-01 encoder vs node-hl7-client's validating builder, same reading.
// Run: node --import tsx bench/encoder.ts [seconds per contender, default 2]

import { HL7_2_6 } from 'node-hl7-client';
import type { Reading } from '../src/model/reading.ts';
import { encodeOruPcd01 } from '../src/hl7/oru-pcd01.ts';
import type { OruContext } from '../src/hl7/oru-pcd01.ts';

const reading: Reading = {
  id: '0MWZ39YW80000001',
  deviceId: 'bp-1',
  kind: 'bp',
  observedAt: '2026-11-27T09:41:00.000-05:00',
  receivedAt: '2026-11-27T09:41:01.000-05:00',
  raw: '',
  observations: [
    {
      code: { mdc: { ref: 'MDC_PRESS_BLD_NONINV_SYS', code: 150021 }, loinc: '8480-6', display: 'Systolic blood pressure' },
      value: 120,
      precision: 0,
      unit: 'mm[Hg]',
      status: 'F',
    },
    {
      code: { mdc: { ref: 'MDC_PRESS_BLD_NONINV_DIA', code: 150022 }, loinc: '8462-4', display: 'Diastolic blood pressure' },
      value: 80,
      precision: 0,
      unit: 'mm[Hg]',
      status: 'F',
    },
    {
      code: { mdc: { ref: 'MDC_PRESS_BLD_NONINV_MEAN', code: 150023 }, loinc: '8478-0', display: 'Mean blood pressure' },
      value: 93,
      precision: 0,
      unit: 'mm[Hg]',
      status: 'F',
    },
    {
      code: { mdc: { ref: 'MDC_PULS_RATE_NON_INV', code: 149546 }, loinc: '8867-4', display: 'Pulse rate (NIBP)' },
      value: 63,
      precision: 0,
      unit: '/min',
      status: 'F',
    },
  ],
};

const ctx: OruContext = {
  controlId: '0MWZ39YW80000ABC',
  now: new Date('2026-11-27T14:41:06.000Z'),
  sendingApplication: { name: 'MEDGATE', eui64: '0018E2FFFE00A1B2' },
  sendingFacility: 'CLINIC',
  receivingApplication: 'EHR',
  receivingFacility: 'HOSP',
  patient: { mrn: 'HO2009001', assigningAuthority: 'NIST', family: 'Hon', given: 'Albert', dob: '1961-01-01', sex: 'M' },
  device: { id: 'bp-1', label: 'Accutorr', kind: 'bp' },
};

// The same content through the library builder, as near as it allows: composite fields go in as
// pre-joined text (its own convention); it validates each segment as it builds. It cannot carry the
// PCD MSH-3 (it caps MSH-3 at 15 characters), MSH-21 or OBX-18, so those are left out: it builds
// slightly less than we do.
function buildWithLibrary(): string {
  const b = new HL7_2_6();
  b.buildMSH({
    msh_3: 'MEDGATE',
    msh_4: 'CLINIC',
    msh_5: 'EHR',
    msh_6: 'HOSP',
    msh_7: ctx.now,
    msh_9_1: 'ORU',
    msh_9_2: 'R01',
    msh_9_3: 'ORU_R01',
    msh_10: ctx.controlId,
    msh_11_1: 'P',
  });
  b.buildPID({ pid_3: 'HO2009001^^^NIST^MR', pid_5: 'Hon^Albert^^^^^L', pid_7: '19610101', pid_8: 'M' });
  b.buildOBR({
    obr_1: '1',
    obr_2: `${reading.id}^MEDGATE`,
    obr_3: `${reading.id}^MEDGATE`,
    obr_4: '182777000^monitoring of patient^SCT',
    obr_7: '20261127094100-0500',
  });
  b.buildOBX({ obx_1: '1', obx_3: '528391^MDC_DEV_SPEC_PROFILE_BP^MDC', obx_4: '1.0.0.0', obx_11: 'X' });
  reading.observations.forEach((o, i) => {
    b.buildOBX({
      obx_1: String(i + 2),
      obx_2: 'NM',
      obx_3: `${o.code.mdc?.code}^${o.code.mdc?.ref}^MDC^${o.code.loinc}^${o.code.display}^LN`,
      obx_4: `1.0.0.${i + 1}`,
      obx_5: String(o.value),
      obx_6: `${o.unit}^${o.unit}^UCUM`,
      obx_11: 'R',
      obx_14: '20261127094100-0500',
      obx_17: 'AMEAS^auto-measurement^MDC',
    });
  });
  return b.toString();
}

function rate(name: string, seconds: number, fn: () => string): number {
  let sink = 0;
  for (let i = 0; i < 200; i++) sink += fn().length; // warm up
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  let n = 0;
  while (performance.now() < deadline) {
    for (let i = 0; i < 50; i++) sink += fn().length;
    n += 50;
  }
  const perSecond = n / ((performance.now() - start) / 1000);
  console.log(`${name.padEnd(28)} ${Math.round(perSecond).toLocaleString('en-US').padStart(12)} msg/s  (${sink > 0 ? 'ok' : '?'})`);
  return perSecond;
}

const seconds = Number(process.argv[2] ?? 2);
if (process.env.SHOW === '1') {
  console.log(encodeOruPcd01(reading, ctx).replace(/\r/g, '\n'));
  console.log(buildWithLibrary().replace(/\r/g, '\n'));
}
const ours = rate('medgate encodeOruPcd01', seconds, () => encodeOruPcd01(reading, ctx));
const theirs = rate('node-hl7-client HL7_2_6', seconds, buildWithLibrary);
console.log(`ratio: ${(ours / theirs).toFixed(1)}x`);
