// Held readings by kind, through the gateway process: it starts on a data folder the previous
// version wrote (hold reasons as strings, a discard in the history), serves them structured, and
// releases each kind by its own rule. Includes the confirmed bug: a reading held for an unknown
// measurement type and no patient is assigned with acceptImplausible, and refused without it.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadingView } from '../../../src/web/api-types.ts';
import { sendTransmission } from '../../support/astm-analyzer.ts';
import { framesOf } from '../../support/astm-wire.ts';
import { dipstickGlucose, serumOnlyAnalyzer, startAnalyzerServer, type AnalyzerServer } from '../../support/analyzer-server.ts';
import { ALICE, BOB, gatewayConfig } from '../../support/configs.ts';
import { startEhrStandin, type EhrStandin } from '../../support/ehr-standin-client.ts';
import { eventually } from '../../support/eventually.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../../support/gateway-process.ts';
import { numericObx, readOru } from '../../support/hl7-read.ts';
import { UNKNOWN_TYPE, WEIGHT, writeLegacyDataDir } from '../../support/legacy-data.ts';

const NOT_BOUND = 'no patient: the device reported none and is not bound';

describe('held readings by kind, on a data folder the previous version wrote', () => {
  let ehr: EhrStandin;
  let analyzer: AnalyzerServer;
  let gw: GatewayProcess;
  let dataDir: string;

  const held = async (): Promise<Map<string, ReadingView>> =>
    new Map((await gw.api<{ readings: ReadingView[] }>('GET', '/api/readings?status=held&limit=100')).body.readings.map((r) => [r.reading.id, r]));
  const audit = async (reading: string) =>
    (await gw.api<{ audit: Array<{ action: string; who: string; reason?: string }> }>('GET', `/api/audit?reading=${reading}`)).body.audit;

  beforeAll(async () => {
    ehr = await startEhrStandin();
    analyzer = await startAnalyzerServer();
    const dir = tempDir();
    dataDir = join(dir, 'data');
    writeLegacyDataDir(
      dataDir,
      [
        { id: 'PAT', observations: [WEIGHT(70)], holdReasons: [NOT_BOUND] },
        { id: 'VAL', observations: [WEIGHT(900)], holdReasons: ['implausible: Body weight 900 kg outside 0.2–650'], patient: ALICE },
        { id: 'BUG', observations: [UNKNOWN_TYPE('weight.lean', 50)], holdReasons: ["measurement 1: unknown measurement type 'weight.lean'", NOT_BOUND] },
        { id: 'DEL', observations: [WEIGHT(71)], holdReasons: ['no destination configured'], patient: ALICE },
        { id: 'ODD', observations: [WEIGHT(72)], holdReasons: ['the gateway of a future past said so', NOT_BOUND] },
      ],
      [
        {
          id: 'GONE',
          observations: [WEIGHT(900)],
          status: 'discarded',
          holdReasons: ['implausible: Body weight 900 kg outside 0.2–650', 'discarded: patient leaned on the scale'],
        },
      ],
    );
    gw = await startGatewayProcess(gatewayConfig(dir, ehr.port, [serumOnlyAnalyzer('chem-1', analyzer.port)]), { dir });
  });

  afterAll(async () => {
    await gw?.stop();
    await analyzer?.close();
    await ehr?.stop();
  });

  it('serves the old held readings structured, texts kept, and the state file at version 2', async () => {
    const r = await held();
    expect(r.get('PAT')!.holdReasons).toEqual([{ kind: 'patient', code: 'no-patient', text: NOT_BOUND }]);
    expect(r.get('VAL')!.holdReasons).toEqual([{ kind: 'value', code: 'implausible', text: 'implausible: Body weight 900 kg outside 0.2–650' }]);
    expect(r.get('BUG')!.holdReasons.map((x) => `${x.kind}/${x.code}`)).toEqual(['value/unknown-type', 'patient/no-patient']);
    expect(r.get('DEL')!.holdReasons).toEqual([{ kind: 'delivery', code: 'no-destination', text: 'no destination configured' }]);
    expect(r.get('ODD')!.holdReasons.map((x) => `${x.kind}/${x.code}`)).toEqual(['value/unclassified', 'patient/no-patient']);
    expect(JSON.parse(readFileSync(join(dataDir, 'state.json'), 'utf8'))).toMatchObject({ version: 2 });
    expect(gw.logs.some((l) => l.msg === 'state document migrated' && l.from === 1 && l.to === 2)).toBe(true);
  });

  it('serves the old discarded reading from the history with its discard in its own field', async () => {
    const discarded = (await gw.api<{ readings: ReadingView[] }>('GET', '/api/readings?status=discarded')).body.readings;
    expect(discarded).toEqual([
      expect.objectContaining({
        reading: expect.objectContaining({ id: 'GONE' }),
        holdReasons: [{ kind: 'value', code: 'implausible', text: 'implausible: Body weight 900 kg outside 0.2–650' }],
        discard: expect.objectContaining({ reason: 'patient leaned on the scale' }),
      }),
    ]);
  });

  it('the confirmed bug: an unknown type and no patient is refused without acceptImplausible, naming the value hold, and assigned with it', async () => {
    const refused = await gw.api<{ message: string }>('POST', '/api/readings/BUG/assign', BOB);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/held for its values \(unknown-type\): .*acceptImplausible: true/);
    expect(refused.body.message).not.toMatch(/patient \(/);
    const before = ehr.messages.length;
    const assigned = await gw.api<{ reading: ReadingView }>('POST', '/api/readings/BUG/assign', { ...BOB, acceptImplausible: true });
    expect(assigned.status).toBe(200);
    expect(assigned.body.reading).toMatchObject({ status: 'queued', holdReasons: [], patient: { mrn: BOB.mrn } });
    const [m] = (await ehr.waitFor(before + 1)).slice(before);
    expect(readOru(m!.text).pid3).toBe(BOB.mrn);
    const entries = await audit('BUG');
    expect(entries).toContainEqual(expect.objectContaining({ action: 'assign', who: 'api-token' }));
    expect(entries).toContainEqual(expect.objectContaining({ action: 'override', reason: expect.stringMatching(/^acceptImplausible: value\/unknown-type: /) }));
  });

  it('assigns a patient hold with no confirmation; a release without a patient is refused, naming it', async () => {
    const refused = await gw.api<{ message: string }>('POST', '/api/readings/PAT/release', { acceptImplausible: true });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/its patient \(no-patient\): assign it/);
    const before = ehr.messages.length;
    expect((await gw.api('POST', '/api/readings/PAT/assign', ALICE)).status).toBe(200);
    const [m] = (await ehr.waitFor(before + 1)).slice(before);
    expect(readOru(m!.text).pid3).toBe(ALICE.mrn);
  });

  it('releases a value hold that has its patient only with acceptImplausible, without retyping the patient', async () => {
    const refused = await gw.api<{ message: string }>('POST', '/api/readings/VAL/release', {});
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/values \(implausible\).*acceptImplausible/);
    const before = ehr.messages.length;
    const released = await gw.api<{ reading: ReadingView }>('POST', '/api/readings/VAL/release', { acceptImplausible: true });
    expect(released.status).toBe(200);
    const [m] = (await ehr.waitFor(before + 1)).slice(before);
    const oru = readOru(m!.text);
    expect([oru.pid3, numericObx(oru)[0]!.value]).toEqual([ALICE.mrn, '900.00']);
    expect(await audit('VAL')).toContainEqual(
      expect.objectContaining({ action: 'override', reason: expect.stringMatching(/^acceptImplausible: value\/implausible: /) }),
    );
  });

  it('retries a delivery hold on release, and records the retry', async () => {
    const before = ehr.messages.length;
    expect((await gw.api('POST', '/api/readings/DEL/release', {})).status).toBe(200);
    const [m] = (await ehr.waitFor(before + 1)).slice(before);
    expect(numericObx(readOru(m!.text))[0]!.value).toBe('71.00');
    expect(await audit('DEL')).toContainEqual(expect.objectContaining({ action: 'resend', reason: expect.stringMatching(/delivery\/no-destination/) }));
  });

  it('asks the strictest confirmation for a reason no version wrote', async () => {
    expect((await gw.api('POST', '/api/readings/ODD/assign', BOB)).status).toBe(409);
    expect((await gw.api('POST', '/api/readings/ODD/assign', { ...BOB, acceptImplausible: true })).status).toBe(200);
  });

  it('holds an analyzer result whose mapped LOINC does not fit, and releases it under the analyzer code only', async () => {
    const link = await analyzer.link();
    await sendTransmission(link, framesOf(dipstickGlucose('MRN4711', 'SPU1')));
    const reading = await eventually(async () => {
      const r = [...(await held()).values()].find((x) => x.reading.deviceId === 'chem-1');
      expect(r).toBeDefined();
      return r!;
    });
    expect(reading.holdReasons).toEqual([expect.objectContaining({ kind: 'code', code: 'code-mismatch', observations: [0] })]);
    // Log lines go out in batches a few ms apart: wait for it rather than expect it already there.
    const log = await gw.waitForLog((l) => l.msg === 'reading held for review' && l.device === 'chem-1');
    expect(log.reasons).toEqual(['code/code-mismatch']);

    const refused = await gw.api<{ message: string }>('POST', `/api/readings/${reading.reading.id}/release`, { acceptImplausible: true });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/codes \(code-mismatch\).*acceptLocalCode: true/);
    const before = ehr.messages.length;
    expect((await gw.api('POST', `/api/readings/${reading.reading.id}/release`, { acceptLocalCode: true })).status).toBe(200);
    const [m] = (await ehr.waitFor(before + 1)).slice(before);
    expect(m!.text).not.toContain('2345-7');
    const obx3 = m!.text
      .split('\r')
      .find((s) => s.startsWith('OBX|'))!
      .split('|')[3]!;
    expect(obx3.split('^')[0]).toBe('GLU');
    expect(await audit(reading.reading.id)).toContainEqual(
      expect.objectContaining({
        action: 'override',
        reason: expect.stringMatching(/^acceptLocalCode \(observation 1 sent under the analyzer's own code\): code\/code-mismatch: /),
      }),
    );
    // What the history keeps is what went out: the local code only.
    await eventually(async () => {
      const delivered = (await gw.api<{ readings: ReadingView[] }>('GET', '/api/readings?status=delivered&limit=20')).body.readings.find(
        (r) => r.reading.id === reading.reading.id,
      );
      expect(delivered?.reading.observations[0]?.code.loinc).toBeUndefined();
      expect(delivered?.reading.observations[0]?.code.local?.code).toBe('GLU');
    });
  });
});
