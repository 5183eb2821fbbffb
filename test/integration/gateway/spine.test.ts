// The spine end to end: serial devices on socat pty pairs, the gateway in its own process, and the
// EHR stand-in in another, which parses each ORU with node-hl7-client.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimulator } from '../../../simulators/runner.ts';
import type { ReadingView } from '../../../src/web/api-types.ts';
import { ALICE, BOB, gatewayConfig, serialDevice } from '../../support/configs.ts';
import { startEhrStandin, type EhrStandin } from '../../support/ehr-standin-client.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../../support/gateway-process.ts';
import { eventually } from '../../support/eventually.ts';
import { numericObx, readOru } from '../../support/hl7-read.ts';
import { openPtyPair, type PtyPair } from '../../support/pty.ts';
import { openDeviceEnd, type SerialDeviceEnd } from '../../support/serial-device.ts';
import { repeatedKeys } from '../../support/log-keys.ts';

const HL7_TS = /^\d{14}(\.\d+)?[+-]\d{4}$/;

describe('spine: serial devices -> gateway process -> EHR stand-in', () => {
  let ehr: EhrStandin;
  let gw: GatewayProcess;
  const ptys: Record<string, PtyPair> = {};
  let scale: SerialDeviceEnd;

  beforeAll(async () => {
    ehr = await startEhrStandin();
    for (const id of ['scale', 'bp', 'tanita', 'nonin', 'unbound']) ptys[id] = await openPtyPair();
    const dir = tempDir();
    gw = await startGatewayProcess(
      gatewayConfig(dir, ehr.port, [
        { ...serialDevice('scale-1', 'ad-scale', ptys.scale!.a, { mode: 'print' }), equipment: { eui64: '0018E2FFFE00A1B2', model: 'AD-6121A' } },
        serialDevice('bp-1', 'accutorr', ptys.bp!.a, { pollIntervalMs: 200 }),
        serialDevice('tanita-1', 'tanita', ptys.tanita!.a),
        serialDevice('spo2-1', 'generic-line', ptys.nonin!.a, {
          pattern: '^SPO2=(?<spo2>\\d{3}|---) HR=(?<pulse>\\d{3}|---)',
          fields: { spo2: { type: 'spo2', unit: '%', absent: ['---'] }, pulse: { type: 'pulse.oximetry', unit: '/min', absent: ['---'] } },
        }),
        serialDevice('scale-2', 'ad-scale', ptys.unbound!.a, { mode: 'print' }),
      ]),
      { dir },
    );
    scale = await openDeviceEnd(ptys.scale!.b, 2400);
  });

  afterAll(async () => {
    await scale?.close();
    await gw?.stop();
    await ehr?.stop();
    for (const p of Object.values(ptys)) await p.close();
  });

  it('delivers a stable A&D weight as an IHE PCD-01 ORU, field by field', async () => {
    const bind = await gw.api('PUT', '/api/devices/scale-1/patient', { ...ALICE, minutes: 30 });
    expect(bind.status).toBe(200);
    await gw.waitForLog((l) => l.msg === 'device link up' && l.device === 'scale-1');
    const before = ehr.messages.length;
    await scale.write('ST,GS,+0070.50kg\r\n');
    const [msg] = (await ehr.waitFor(before + 1)).slice(before);
    const oru = readOru(msg!.text);
    expect(oru.type).toBe('ORU^R01^ORU_R01');
    expect(oru.version).toBe('2.6');
    expect(oru.profile).toBe('IHE_PCD_001');
    expect(oru.profileOid).toBe('1.3.6.1.4.1.19376.1.6.1.1.1');
    expect(oru.controlId).toBe(msg!.controlId);
    expect(oru.pid3).toBe('MRN4711');
    expect(oru.pid3Authority).toBe('TESTHOSP');
    expect([oru.family, oru.given, oru.dob]).toEqual(['Example', 'Alice', '19610101']);
    const [weight, ...rest] = numericObx(oru);
    expect(rest).toHaveLength(0);
    expect(weight).toMatchObject({ code: '188736', codeText: 'MDC_MASS_BODY_ACTUAL', codeSystem: 'MDC', altCode: '29463-7', altSystem: 'LN', value: '70.50' });
    expect(weight!.unit).toMatch(/(^|\^)kg\^kg\^UCUM$/);
    expect(weight!.observedAt).toMatch(HL7_TS);
    expect(weight!.equipment).toContain('0018E2FFFE00A1B2');
  });

  it('converts pounds to kilograms and keeps the device precision', async () => {
    const before = ehr.messages.length;
    await scale.write('ST,GS,+0155.40lb\r\n');
    const [msg] = (await ehr.waitFor(before + 1)).slice(before);
    const [weight] = numericObx(readOru(msg!.text));
    expect(weight!.value).toBe('70.49'); // 155.40 lb x 0.45359237 = 70.488 kg
    expect(weight!.unit).toMatch(/kg\^kg\^UCUM$/);
  });

  it('polls the Accutorr simulator and forwards each NIBP measurement once', async () => {
    await gw.api('PUT', '/api/devices/bp-1/patient', { ...BOB, minutes: 30 });
    const before = ehr.messages.length;
    const sim = await runSimulator({ driver: 'accutorr', serial: { path: ptys.bp!.b }, count: 2, intervalMs: 700, seed: 7 });
    await sim.done;
    const got = (await ehr.waitFor(before + 2, 20_000)).slice(before);
    await new Promise((r) => setTimeout(r, 800)); // further polls of the same measurement must add nothing
    await sim.stop();
    expect(ehr.messages.length).toBe(before + 2);
    for (const m of got) {
      const oru = readOru(m.text);
      expect(oru.pid3).toBe('MRN0815');
      const codes = numericObx(oru).map((o) => o.code);
      expect(codes).toEqual(expect.arrayContaining(['150021', '150022', '150023']));
      // One pulse field: the driver files it as oximetry pulse when SpO2 is present, else as NIBP pulse.
      expect(codes.filter((c) => c === '149546' || c === '149530')).toHaveLength(1);
      for (const o of numericObx(oru)) {
        expect(Number.isFinite(Number(o.value))).toBe(true);
        expect(o.observedAt).toMatch(HL7_TS);
      }
      expect(numericObx(oru).find((o) => o.code === '150021')!.unit).toMatch(/mm\[Hg\]\^UCUM$/);
    }
  });

  it('forwards Tanita body composition and a generic-line oximeter from their simulators', async () => {
    await gw.api('PUT', '/api/devices/tanita-1/patient', { ...ALICE, minutes: 30 });
    await gw.api('PUT', '/api/devices/spo2-1/patient', { ...BOB, minutes: 30 });
    const before = ehr.messages.length;
    const tanita = await runSimulator({ driver: 'tanita', serial: { path: ptys.tanita!.b }, count: 1, intervalMs: 100, seed: 3 });
    const nonin = await runSimulator({ driver: 'generic-line', serial: { path: ptys.nonin!.b }, count: 1, intervalMs: 100, seed: 3 });
    await Promise.all([tanita.done, nonin.done]);
    const got = (await ehr.waitFor(before + 2, 20_000)).slice(before).map((m) => readOru(m.text));
    await Promise.all([tanita.stop(), nonin.stop()]);
    const body = got.find((o) => o.pid3 === 'MRN4711')!;
    const ox = got.find((o) => o.pid3 === 'MRN0815')!;
    expect(numericObx(body).map((o) => o.code)).toEqual(expect.arrayContaining(['188736', '188740', '188752']));
    expect(numericObx(ox).map((o) => o.code)).toEqual(expect.arrayContaining(['150456', '149530']));
    expect(numericObx(ox).find((o) => o.code === '150456')!.unit).toMatch(/%\^%\^UCUM$/);
  });

  it('logs garbage, partial lines and unstable weights clearly, and keeps running', async () => {
    const logsBefore = gw.logs.length;
    const before = ehr.messages.length;
    await scale.write(Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a]));
    await scale.write('US,GS,+0071.20kg\r\nST,GS,+007');
    await new Promise((r) => setTimeout(r, 100));
    await scale.write('\r\nXX,GS,+0071.20kg\r\nST,GS,+0071.25kg\r\n');
    const [msg] = (await ehr.waitFor(before + 1)).slice(before);
    expect(numericObx(readOru(msg!.text))[0]!.value).toBe('71.25');
    // Log lines go out in batches a few ms apart: wait for them rather than expect them already there.
    const mine = await eventually(() => {
      const lines = gw.logs.slice(logsBefore).filter((l) => l.device === 'scale-1');
      const reasons = lines.filter((l) => l.msg === 'protocol error from device').map((l) => String(l.reason));
      // Each bad input named by its field; its text and bytes (possibly a result) are not in the log above debug.
      expect(reasons).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^not A&D standard format/),
          'data field has 4 chars, expected 8 data + 2 unit',
          expect.stringMatching(/^unknown header \(expected/),
        ]),
      );
      expect(reasons.join('\n')).not.toMatch(/"\+007"|"XX"/);
      return lines;
    });
    const errors = mine.filter((l) => l.msg === 'protocol error from device');
    expect(errors.every((l) => l.bytes === undefined && typeof l.length === 'number')).toBe(true);
    expect(mine.some((l) => l.msg === 'scale settling: unstable weights are not forwarded')).toBe(true);
    // What could not be read is kept for review, with its reason and (for administrators) the detail that quotes it.
    await eventually(async () => {
      const kept = await gw.api<{ rejected: Array<{ deviceId: string; reason: string; detail?: string; bytes: string }> }>(
        'GET',
        '/api/rejected?device=scale-1',
      );
      expect(kept.body.rejected.map((r) => `${r.detail ?? r.reason} | ${r.bytes}`)).toEqual(
        expect.arrayContaining([expect.stringMatching(/unknown header "XX" \| XX,GS,\+0071.20kg/), expect.stringMatching(/\| ST,GS,\+007$/)]),
      );
      expect(kept.body.rejected.every((r) => r.deviceId === 'scale-1')).toBe(true);
    });
    const health = await fetch(`${gw.url}/healthz`);
    expect(health.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(ehr.messages.length).toBe(before + 1);
  });

  it('holds an implausible weight for review instead of forwarding it', async () => {
    const before = ehr.messages.length;
    await scale.write('ST,GS,+0900.00kg\r\n');
    await gw.waitForLog((l) => l.msg === 'reading held for review' && l.device === 'scale-1');
    const held = await gw.api<{ readings: ReadingView[] }>('GET', '/api/readings?status=held');
    const r = held.body.readings.find((x) => x.reading.deviceId === 'scale-1');
    expect(r?.holdReasons).toEqual([
      expect.objectContaining({ kind: 'value', code: 'implausible', text: expect.stringMatching(/implausible: Body weight 900/) }),
    ]);
    // The log names the kind and code only, never the value.
    const logged = gw.logs.find((l) => l.msg === 'reading held for review' && l.device === 'scale-1');
    expect(logged?.reasons).toEqual(['value/implausible']);
    expect(JSON.stringify(logged)).not.toMatch(/Body weight|900\.00|implausible:/);
    // Assigning alone does not release it: a person must confirm the value.
    const refused = await gw.api('POST', `/api/readings/${r!.reading.id}/assign`, ALICE);
    expect(refused.status).toBe(409);
    const discarded = await gw.api('POST', `/api/readings/${r!.reading.id}/discard`, { reason: 'patient leaned on the scale' });
    expect(discarded.status).toBe(200);
    await new Promise((r2) => setTimeout(r2, 300));
    expect(ehr.messages.length).toBe(before);
  });

  it('holds a reading from an unbound device until a person assigns it', async () => {
    const unbound = await openDeviceEnd(ptys.unbound!.b, 2400);
    try {
      await gw.waitForLog((l) => l.msg === 'device link up' && l.device === 'scale-2');
      const before = ehr.messages.length;
      await unbound.write('ST,GS,+0064.10kg\r\n');
      await gw.waitForLog((l) => l.msg === 'reading held for review' && l.device === 'scale-2');
      const held = await gw.api<{ readings: ReadingView[] }>('GET', '/api/readings?status=held');
      const r = held.body.readings.find((x) => x.reading.deviceId === 'scale-2')!;
      expect(r.holdReasons).toEqual([{ kind: 'patient', code: 'no-patient', text: expect.stringMatching(/^no patient/) }]);
      expect(ehr.messages.length).toBe(before);
      const assigned = await gw.api('POST', `/api/readings/${r.reading.id}/assign`, BOB);
      expect(assigned.status).toBe(200);
      const [msg] = (await ehr.waitFor(before + 1)).slice(before);
      const oru = readOru(msg!.text);
      expect(oru.pid3).toBe('MRN0815');
      expect(numericObx(oru)[0]!.value).toBe('64.10');
      await eventually(async () => {
        const delivered = await gw.api<{ readings: ReadingView[] }>('GET', '/api/readings?status=delivered&limit=50');
        expect(delivered.body.readings.some((x) => x.reading.id === r.reading.id && x.messages[0]?.ack?.code === 'AA')).toBe(true);
      });
    } finally {
      await unbound.close();
    }
  });

  it('refuses API calls without the bearer token and names bad fields', async () => {
    const noAuth = await fetch(`${gw.url}/api/devices`);
    expect(noAuth.status).toBe(401);
    const bad = await gw.api<{ message: string }>('PUT', '/api/devices/scale-1/patient', { mrn: '', family: 'X', given: 'Y', famly: 'typo' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/mrn|famly/);
    const unknown = await gw.api('PUT', '/api/devices/nope/patient', ALICE);
    expect(unknown.status).toBe(404);
    const devices = await gw.api<{ devices: Array<{ id: string; link: { state: string } }> }>('GET', '/api/devices');
    expect(devices.body.devices.find((d) => d.id === 'scale-1')?.link.state).toBe('connected');
  });

  it('names each field of a log line once, whatever part of the gateway wrote it', () => {
    expect(gw.rawLogs.length).toBeGreaterThan(10);
    const repeated = gw.rawLogs.map((line) => ({ line, keys: repeatedKeys(line) })).filter((r) => r.keys.length > 0);
    expect(repeated).toEqual([]);
  });
});
