// A tracing as NA rows, end to end: an EKG cart exporting aECG into a watched folder, its device set
// to send no document (`attachDocument: false`, the path on which a Waveform goes out without an XML
// attachment), the gateway in its own process, the EHR stand-in in another. Each lead must arrive
// with its own 11073 code and the IHE PCD WCM facets (sample rate, resolution); a Tanita on a pty
// checks, through the same process, the MDS specialization and the configured local code system.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Message } from 'node-hl7-client';
import { runSimulator } from '../../../simulators/runner.ts';
import { ALICE, gatewayConfig, serialDevice } from '../../support/configs.ts';
import { startEhrStandin, type EhrStandin } from '../../support/ehr-standin-client.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../../support/gateway-process.ts';
import { openPtyPair, type PtyPair } from '../../support/pty.ts';

interface Row {
  type: string;
  code: string;
  ref: string;
  system: string;
  subId: string;
  value: string;
  units: string;
  equipment: string;
}

/** OBX rows by field (node-hl7-client parses the message; the raw fields keep their components). */
function rows(text: string): { rows: Row[]; msg: Message } {
  const msg = new Message({ text });
  const out = text
    .split('\r')
    .filter((seg) => seg.startsWith('OBX|'))
    .map((seg) => {
      const f = seg.split('|');
      const [code = '', ref = '', system = ''] = (f[3] ?? '').split('^');
      return { type: f[2] ?? '', code, ref, system, subId: f[4] ?? '', value: f[5] ?? '', units: f[6] ?? '', equipment: f[18] ?? '' };
    });
  expect(out).toHaveLength(msg.get('OBX').length);
  return { rows: out, msg };
}

const FIXTURE = join(import.meta.dirname, '../../fixtures/ekg/resting-2lead.xml');

describe('waveform rows: aECG folder -> gateway process -> EHR stand-in over MLLP', () => {
  let ehr: EhrStandin;
  let gw: GatewayProcess;
  let pty: PtyPair;
  let drop: string;

  beforeAll(async () => {
    ehr = await startEhrStandin();
    pty = await openPtyPair();
    const dir = tempDir();
    drop = join(dir, 'ekg-export');
    mkdirSync(drop, { recursive: true });
    const base = gatewayConfig(dir, ehr.port, [
      {
        id: 'ekg-1',
        driver: 'ekg-aecg',
        label: 'EKG cart, room 3 (aECG export folder)',
        transport: { type: 'file', path: drop, suffix: '.xml', pollMs: 100 },
        settings: { attachDocument: false },
      },
      serialDevice('tanita-1', 'tanita', pty.a),
    ]);
    gw = await startGatewayProcess({ ...base, gateway: { ...base.gateway, localCodeSystem: 'L' } }, { dir });
  });

  afterAll(async () => {
    await gw?.stop();
    await ehr?.stop();
    await pty?.close();
  });

  it('sends each lead as an NA row with its own lead code, followed by its sample rate and resolution', async () => {
    const before = ehr.messages.length;
    copyFileSync(FIXTURE, join(drop, 'ECG0001.xml'));
    const [m] = (await ehr.waitFor(before + 1, 20_000)).slice(before);
    const { rows: obx, msg } = rows(m!.text);
    expect(msg.get('MSH.21.1').toString()).toBe('IHE_PCD_001');
    expect(obx.some((r) => r.type === 'ED')).toBe(false);

    const leads = obx.filter((r) => r.type === 'NA');
    expect(leads.map((r) => [r.code, r.ref, r.system, r.units])).toEqual([
      ['131329', 'MDC_ECG_ELEC_POTL_I', 'MDC', 'uV^uV^UCUM'],
      ['131330', 'MDC_ECG_ELEC_POTL_II', 'MDC', 'uV^uV^UCUM'],
    ]);
    // Lead II: origin -10 uV, 2.5 uV per digit (the fixture's SLIST_PQ).
    expect(leads[1]!.value).toBe('0^5^40^200^600^140^-40^0');

    for (const [lead, resolution] of [
      [leads[0]!, '5'],
      [leads[1]!, '2.5'],
    ] as const) {
      const facets = obx.filter((r) => r.subId.startsWith(`${lead.subId}.`));
      expect(facets.map((r) => [r.type, `${r.code}^${r.ref}^${r.system}`, r.subId, r.value, r.units])).toEqual([
        ['NM', '0^MDC_ATTR_SAMP_RATE^MDC', `${lead.subId}.1`, '500', '264640^MDC_DIM_HZ^MDC^Hz^Hz^UCUM'],
        ['NM', '0^MDC_ATTR_NU_MSMT_RES^MDC', `${lead.subId}.2`, resolution, 'uV^uV^UCUM'],
      ]);
    }
    // The global measurements keep their rows; OBX-18 is the cart's identity, no label as namespace.
    expect(obx.map((r) => r.code)).toEqual(expect.arrayContaining(['147842', '146944', '146948']));
    expect(new Set(obx.filter((r) => r.equipment !== '').map((r) => r.equipment))).toEqual(new Set(['CardioSim 12 SN0042']));
  });

  it('gives a body-composition scale the BCA MDS row and writes local codes in the configured system', async () => {
    expect((await gw.api('PUT', '/api/devices/tanita-1/patient', { ...ALICE, minutes: 30 })).status).toBe(200);
    const before = ehr.messages.length;
    const sim = await runSimulator({ driver: 'tanita', serial: { path: pty.b }, count: 1, intervalMs: 100, seed: 3 });
    await sim.done;
    const [m] = (await ehr.waitFor(before + 1, 20_000)).slice(before);
    await sim.stop();
    const { rows: obx } = rows(m!.text);
    expect(`${obx[0]!.code}^${obx[0]!.ref}`).toBe('528404^MDC_DEV_SPEC_PROFILE_BCA');
    const impedance = obx.find((r) => r.code === 'body.impedance');
    expect(impedance?.system).toBe('L');
    expect(obx.find((r) => r.code === '188764')?.ref).toBe('MDC_BODY_WATER');
    expect(obx.map((r) => r.system)).not.toContain('MEDGATE');
  });
});
