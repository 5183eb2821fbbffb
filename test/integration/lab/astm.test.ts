// Lab analyzers over ASTM E1381/E1394, serial (socat pty) and TCP, through the gateway process to
// the EHR stand-in: the lab ORU field by field, a corrupted frame, and a transmission cut midway.

import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimulator } from '../../../simulators/runner.ts';
import type { DeviceView } from '../../../src/web/api-types.ts';
import { sendTransmission, type ByteLink } from '../../support/astm-analyzer.ts';
import { ACK, NAK, frame, framesOf } from '../../support/astm-wire.ts';
import { gatewayConfig, serialDevice } from '../../support/configs.ts';
import { startEhrStandin, type EhrStandin } from '../../support/ehr-standin-client.ts';
import { eventually } from '../../support/eventually.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../../support/gateway-process.ts';
import { openPtyPair, type PtyPair } from '../../support/pty.ts';
import { openDeviceEnd, type SerialDeviceEnd } from '../../support/serial-device.ts';
import { Message } from 'node-hl7-client';

// docs/protocols.md#astm-example-transmission, with the specimen id made unique per test.
function urinalysis(specimen: string): string[] {
  return [
    'H|\\^&|||UA-200^2.10^SN0042|||||MEDGATE||P|LIS2-A2|20250114093015',
    'P|1||PID0001||Doe^Jane||19800214|F',
    `O|1|${specimen}||^^^GLU\\^^^PH|R|20250114090000|20250114090500|||||||20250114091000|urine||||||||||F`,
    'R|1|^^^GLU|100|mg/dL|0-15|H||F||OPER1|20250114093000|20250114093010|UA-200',
    'R|2|^^^PH|6.5||5.0-8.0|N||F||OPER1|20250114093000|20250114093010|UA-200',
    'C|1|I|Sample hemolyzed|G',
    'L|1|N',
  ];
}

function link(end: SerialDeviceEnd): ByteLink {
  return { write: (t) => end.write(t), received: () => end.received() };
}

function forSpecimen(ehr: EhrStandin, specimen: string) {
  return ehr.messages.filter((m) => m.text.includes(specimen));
}

describe('ASTM analyzers -> gateway process -> EHR stand-in', () => {
  let ehr: EhrStandin;
  let gw: GatewayProcess;
  let pty: PtyPair;
  let end: SerialDeviceEnd;
  const tcpPort = 47000 + Math.floor(Math.random() * 900);

  beforeAll(async () => {
    ehr = await startEhrStandin();
    pty = await openPtyPair();
    const dir = tempDir();
    gw = await startGatewayProcess(
      gatewayConfig(dir, ehr.port, [
        {
          ...serialDevice('ua-1', 'astm-lis2', pty.a, { receiveTimeoutMs: 2000 }),
          codeMap: { GLU: { loinc: '5792-7', display: 'Glucose [Mass/volume] in Urine by Test strip' } },
        },
        { id: 'chem-1', driver: 'astm-lis2', label: 'Chemistry over TCP', transport: { type: 'tcp', mode: 'listen', host: '127.0.0.1', port: tcpPort } },
      ]),
      { dir },
    );
    await gw.waitForLog((l) => l.msg === 'device link up' && l.device === 'ua-1');
    end = await openDeviceEnd(pty.b);
  });

  afterAll(async () => {
    await end?.close();
    await gw?.stop();
    await ehr?.stop();
    await pty?.close();
  });

  it('forwards a urinalysis transmission as a lab ORU, field by field', async () => {
    const result = await sendTransmission(link(end), framesOf(urinalysis('SPEC123')));
    expect(result.replies.every((r) => r === ACK)).toBe(true);
    await eventually(() => expect(forSpecimen(ehr, 'SPEC123')).toHaveLength(1), 10_000);
    const msg = new Message({ text: forSpecimen(ehr, 'SPEC123')[0]!.text });
    const f = (p: string) => msg.get(p).toString();
    expect([f('MSH.9.1'), f('MSH.9.2'), f('MSH.9.3'), f('MSH.12')]).toEqual(['ORU', 'R01', 'ORU_R01', '2.5.1']);
    expect([f('PID.3.1'), f('PID.5.1'), f('PID.5.2'), f('PID.7'), f('PID.8')]).toEqual(['PID0001', 'Doe', 'Jane', '19800214', 'F']);
    expect(msg.toString()).toMatch(/\rORC\|RE\|/);
    expect(`${f('OBR.2')}|${f('OBR.3')}`).toContain('SPEC123');
    const obx: Array<Record<string, string>> = [];
    msg.get('OBX').forEach((seg) => {
      const g = (p: string) => seg.get(`OBX.${p}`).toString();
      obx.push({
        type: g('2'),
        code: g('3.1'),
        system: g('3.3'),
        alt: g('3.4'),
        value: g('5'),
        unit: g('6.1'),
        range: g('7'),
        flag: g('8'),
        status: g('11'),
        at: g('14'),
        analyzedAt: g('19'),
        equipment: seg.get('OBX.18').toRaw(),
      });
    });
    expect(obx).toHaveLength(2);
    expect(obx[0]).toMatchObject({ type: 'NM', code: '5792-7', system: 'LN', alt: 'GLU', value: '100', unit: 'mg/dL', range: '0-15', flag: 'H', status: 'F' });
    // v2.5.1: OBX-14 of a specimen test is the collection time (O.8); OBX-19 when the analyzer ran it (R.13).
    expect(obx[0]!.at).toMatch(/^20250114090500[+-]\d{4}$/);
    expect(obx[0]!.analyzedAt).toMatch(/^20250114093010[+-]\d{4}$/);
    expect(obx[0]!.equipment).toContain('UA-200');
    // PH has no mapping: it goes out with the analyzer's own code, and the gateway lists it.
    expect(obx[1]).toMatchObject({ type: 'NM', code: 'PH', value: '6.5', range: '5.0-8.0', flag: 'N', status: 'F' });
    expect(msg.toString()).toMatch(/\rNTE\|[^\r]*Sample hemolyzed/);
    const devices = await gw.api<{ devices: DeviceView[] }>('GET', '/api/devices');
    expect(devices.body.devices.find((d) => d.id === 'ua-1')?.unmappedCodes).toMatchObject({ PH: 1 });
  });

  it('NAKs a corrupted frame, takes its retransmission, and delivers the result once', async () => {
    const frames = framesOf(urinalysis('SPEC200'));
    const bad = frames[3]!.replace(/..\r\n$/, (cs) => (cs.startsWith('00') ? 'FF\r\n' : '00\r\n'));
    const l = link(end);
    const from = end.received().length;
    // The first attempt of frame 4 carries a wrong checksum; the helper retransmits on NAK.
    let sentBad = false;
    const tampered: ByteLink = {
      received: l.received,
      write: async (t) => {
        if (!sentBad && t === frames[3]) {
          sentBad = true;
          return l.write(bad);
        }
        return l.write(t);
      },
    };
    const result = await sendTransmission(tampered, frames);
    expect(end.received().slice(from)).toContain(NAK);
    expect(result.replies.filter((r) => r === NAK)).toHaveLength(1);
    await eventually(() => expect(forSpecimen(ehr, 'SPEC200')).toHaveLength(1), 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(forSpecimen(ehr, 'SPEC200')).toHaveLength(1);
    expect(gw.logs.some((x) => x.device === 'ua-1' && x.msg === 'protocol error from device' && /checksum/i.test(String(x.reason)))).toBe(true);
  });

  it('delivers nothing of a transmission cut off midway, and its full retransmission once', async () => {
    const frames = framesOf(urinalysis('SPEC300'));
    await sendTransmission(link(end), frames, { stopAfter: 4 });
    // The cable is pulled mid-transmission.
    await end.close();
    const ptyDir = dirname(pty.a);
    await pty.unplug();
    await gw.waitForLog((x) => x.msg === 'serial link down; will reopen' && x.device === 'ua-1');
    pty = await openPtyPair(ptyDir);
    await eventually(() => expect(gw.logs.filter((x) => x.msg === 'device link up' && x.device === 'ua-1').length).toBe(2), 15_000);
    end = await openDeviceEnd(pty.b);
    await new Promise((r) => setTimeout(r, 300));
    expect(forSpecimen(ehr, 'SPEC300')).toHaveLength(0);
    const result = await sendTransmission(link(end), frames);
    expect(result.replies.every((r) => r === ACK)).toBe(true);
    await eventually(() => expect(forSpecimen(ehr, 'SPEC300')).toHaveLength(1), 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(forSpecimen(ehr, 'SPEC300')).toHaveLength(1);
  });

  it('takes transmissions from a simulated analyzer that dials in over TCP', async () => {
    const before = ehr.messages.length;
    const sim = await runSimulator({ driver: 'astm-lis2', tcpConnect: { host: '127.0.0.1', port: tcpPort }, count: 3, intervalMs: 50, seed: 11 });
    await sim.done;
    await sim.stop();
    await eventually(() => expect(ehr.messages.length).toBeGreaterThanOrEqual(before + 3), 15_000);
    for (const m of ehr.messages.slice(before)) {
      const msg = new Message({ text: m.text });
      expect(msg.get('MSH.12').toString()).toBe('2.5.1');
      expect(msg.get('PID.3.1').toString()).not.toBe('');
      expect(msg.get('OBX').length).toBeGreaterThan(0);
    }
  });

  it('answers a frame with a wrong frame number with NAK', async () => {
    const l = link(end);
    const from = end.received().length;
    await l.write('\x05');
    await eventually(() => expect(end.received().slice(from)).toContain(ACK));
    await l.write(frame(5, 'H|\\^&\r'));
    await eventually(() => expect(end.received().slice(from)).toContain(NAK));
    await l.write('\x04');
  });
});
