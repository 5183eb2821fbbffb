// Patient context end to end: the EHR feeds ADT and orders into the gateway over MLLP (from a
// separate process, frames split and merged), then devices in each binding mode send readings.
// Asserted: which readings reach the EHR for which patient (PID-3, PID-5, PV1-19, OBR-2/3), which
// are held and why, and that every manual action is in the audit journal.

import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Message } from 'node-hl7-client';
import type { ReadingView } from '../../../src/web/api-types.ts';
import { sendTransmission, type ByteLink } from '../../support/astm-analyzer.ts';
import { framesOf } from '../../support/astm-wire.ts';
import { sendAdt } from '../../support/adt-sender.ts';
import { gatewayConfig, serialDevice } from '../../support/configs.ts';
import { startEhrStandin, type EhrStandin } from '../../support/ehr-standin-client.ts';
import { eventually } from '../../support/eventually.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../../support/gateway-process.ts';
import { openPtyPair, type PtyPair } from '../../support/pty.ts';
import { openDeviceEnd, type SerialDeviceEnd } from '../../support/serial-device.ts';
import { a01, a04, ormNew } from '../../unit/inbound/fixtures.ts';

const base = 48000 + Math.floor(Math.random() * 800);
const PORTS = { inbound: base, reported: base + 100, order: base + 200 };

async function analyzer(port: number): Promise<{ link: ByteLink; close(): void }> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  socket.setNoDelay(true);
  await new Promise((r) => socket.once('connect', r));
  let rx = '';
  socket.setEncoding('latin1').on('data', (s: string) => (rx += s));
  return {
    link: { write: (t) => new Promise((res, rej) => socket.write(Buffer.from(t, 'latin1'), (e) => (e ? rej(e) : res()))), received: () => rx },
    close: () => socket.destroy(),
  };
}

function transmission(patient: string, specimen: string, value: string): string[] {
  return [
    'H|\\^&|||CHEM-1^1.0^SN7|||||MEDGATE||P|LIS2-A2|20250114100000',
    patient,
    `O|1|${specimen}||^^^GLU|R|20250114095000|20250114095500||||||||serum||||||||||F`,
    `R|1|^^^GLU|${value}|mg/dL|70-99|N||F||OP|20250114095900|20250114100000|CHEM-1`,
    'L|1|N',
  ];
}

interface Oru {
  pid3: string;
  family: string;
  given: string;
  pv1_19: string;
  obr2: string;
  obr3: string;
}

function oru(text: string): Oru {
  const m = new Message({ text });
  const f = (p: string) => m.get(p).toString();
  return { pid3: f('PID.3.1'), family: f('PID.5.1'), given: f('PID.5.2'), pv1_19: f('PV1.19'), obr2: f('OBR.2.1'), obr3: f('OBR.3.1') };
}

describe('patient context: ADT feed, binding modes, holds and audit', () => {
  let ehr: EhrStandin;
  let gw: GatewayProcess;
  const ptys: PtyPair[] = [];
  let bindScale: SerialDeviceEnd;
  let holdScale: SerialDeviceEnd;

  beforeAll(async () => {
    ehr = await startEhrStandin();
    const bindPty = await openPtyPair();
    const holdPty = await openPtyPair();
    ptys.push(bindPty, holdPty);
    const dir = tempDir();
    gw = await startGatewayProcess(
      gatewayConfig(
        dir,
        ehr.port,
        [
          { ...serialDevice('scale-bind', 'ad-scale', bindPty.a, { mode: 'print' }), patient: { mode: 'bind' } },
          { ...serialDevice('scale-hold', 'ad-scale', holdPty.a, { mode: 'print' }), patient: { mode: 'hold' } },
          {
            id: 'chem-reported',
            driver: 'astm-lis2',
            transport: { type: 'tcp', mode: 'listen', host: '127.0.0.1', port: PORTS.reported },
            patient: { mode: 'reported' },
          },
          {
            id: 'chem-order',
            driver: 'astm-lis2',
            transport: { type: 'tcp', mode: 'listen', host: '127.0.0.1', port: PORTS.order },
            patient: { mode: 'order' },
          },
        ],
        { inbound: { mllp: { host: '127.0.0.1', port: PORTS.inbound } } },
      ),
      { dir },
    );
    await gw.waitForLog((l) => l.msg === 'inbound HL7 listener (ADT and orders) listening');
    // The EHR's feed, from its own process: several messages on one connection, frames split, then merged.
    const first = await sendAdt(PORTS.inbound, [a01('ADT0001', 'MRN1001', 'V5001'), a04('ADT0002', 'MRN2002', 'V6002')], 'split');
    const second = await sendAdt(PORTS.inbound, [ormNew('ORM0001', 'MRN1001', 'PL7001', 'FL7001', 'SP7001')], 'merged');
    expect([...first, ...second].map((a) => a.code)).toEqual(['AA', 'AA', 'AA']);
    await gw.waitForLog((l) => l.msg === 'device link up' && l.device === 'scale-bind');
    await gw.waitForLog((l) => l.msg === 'device link up' && l.device === 'scale-hold');
    bindScale = await openDeviceEnd(bindPty.b, 2400);
    holdScale = await openDeviceEnd(holdPty.b, 2400);
  });

  afterAll(async () => {
    await bindScale?.close();
    await holdScale?.close();
    await gw?.stop();
    await ehr?.stop();
    for (const p of ptys) await p.close();
  });

  const held = async (device: string) =>
    (await gw.api<{ readings: ReadingView[] }>('GET', '/api/readings?status=held&limit=100')).body.readings.filter((r) => r.reading.deviceId === device);

  it('bind: the directory supplies demographics and the visit (PV1-19)', async () => {
    expect((await gw.api('PUT', '/api/devices/scale-bind/patient', { mrn: 'MRN1001', family: 'Doe', given: 'Jane' })).status).toBe(200);
    const before = ehr.messages.length;
    await bindScale.write('ST,GS,+0061.20kg\r\n');
    const [m] = (await ehr.waitFor(before + 1)).slice(before);
    expect(oru(m!.text)).toMatchObject({ pid3: 'MRN1001', family: 'DOE', given: 'JANE', pv1_19: 'V5001' });
  });

  it('bind: an MRN the directory does not know is held, never sent', async () => {
    await gw.api('PUT', '/api/devices/scale-bind/patient', { mrn: 'MRN9999', family: 'Nobody', given: 'Known' });
    const before = ehr.messages.length;
    await bindScale.write('ST,GS,+0062.30kg\r\n');
    await eventually(async () => expect((await held('scale-bind')).map((r) => r.holdReasons.map((x) => x.code).join())).toEqual(['unknown-patient-id']));
    await new Promise((r) => setTimeout(r, 300));
    expect(ehr.messages.length).toBe(before);
  });

  it('reported: a matching ID goes out with the directory visit; a mismatch and an unknown ID are held', async () => {
    const a = await analyzer(PORTS.reported);
    try {
      const before = ehr.messages.length;
      await sendTransmission(a.link, framesOf(transmission('P|1||MRN2002||Müller^José||19751231|M', 'SPR1', '91')));
      await sendTransmission(a.link, framesOf(transmission('P|1||MRN2002||Doe^Jane||19800102|F', 'SPR2', '92')));
      await sendTransmission(a.link, framesOf(transmission('P|1||MRN7777||Who^Ever||19600101|M', 'SPR3', '93')));
      const [m] = (await ehr.waitFor(before + 1)).slice(before);
      expect(oru(m!.text)).toMatchObject({ pid3: 'MRN2002', pv1_19: 'V6002' });
      await eventually(async () => {
        const reasons = (await held('chem-reported')).map((r) => r.holdReasons.map((x) => x.code).join());
        expect(reasons).toEqual(expect.arrayContaining(['patient-mismatch', 'unknown-patient-id']));
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(ehr.messages.filter((x) => x.text.includes('SPR2') || x.text.includes('SPR3'))).toHaveLength(0);
    } finally {
      a.close();
    }
  });

  it('order: the specimen ID finds the order and its patient; the ORU carries the EHR order numbers', async () => {
    const a = await analyzer(PORTS.order);
    try {
      const before = ehr.messages.length;
      await sendTransmission(a.link, framesOf(transmission('P|1', 'SP7001', '88')));
      await sendTransmission(a.link, framesOf(transmission('P|1', 'SP0000', '89')));
      const [m] = (await ehr.waitFor(before + 1)).slice(before);
      expect(oru(m!.text)).toMatchObject({ pid3: 'MRN1001', pv1_19: 'V5001', obr2: 'PL7001', obr3: 'FL7001' });
      await eventually(async () => expect((await held('chem-order')).map((r) => r.holdReasons.map((x) => x.code).join())).toEqual(['no-order']));
    } finally {
      a.close();
    }
  });

  it('hold: every reading waits; a person assigns it; every manual action is audited', async () => {
    const before = ehr.messages.length;
    await holdScale.write('ST,GS,+0070.00kg\r\n');
    let waiting: ReadingView[] = [];
    await eventually(async () => {
      waiting = await held('scale-hold');
      expect(waiting).toHaveLength(1);
    });
    expect(waiting[0]!.holdReasons).toEqual([{ kind: 'patient', code: 'no-patient', text: expect.stringMatching(/^no patient/) }]);
    expect((await gw.api('POST', `/api/readings/${waiting[0]!.reading.id}/assign`, { mrn: 'MRN2002', family: 'Müller', given: 'José' })).status).toBe(200);
    const [m] = (await ehr.waitFor(before + 1)).slice(before);
    expect(oru(m!.text)).toMatchObject({ pid3: 'MRN2002', pv1_19: 'V6002' });

    const mismatch = (await held('chem-reported')).find((r) => r.holdReasons.some((x) => x.code === 'patient-mismatch'))!;
    expect((await gw.api('POST', `/api/readings/${mismatch.reading.id}/discard`, { reason: 'wrong patient ID on the tube' })).status).toBe(200);
    expect((await gw.api('DELETE', '/api/devices/scale-bind/patient')).status).toBe(200);

    const audit = (
      await gw.api<{ audit: Array<{ action: string; who: string; device?: string; reading?: string; patient?: { mrn: string } }> }>(
        'GET',
        '/api/audit?limit=50',
      )
    ).body.audit;
    const actions = audit.map((e) => `${e.action}:${e.device ?? ''}:${e.patient?.mrn ?? ''}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        'bind:scale-bind:MRN1001',
        'bind:scale-bind:MRN9999',
        'assign:scale-hold:MRN2002',
        'discard:chem-reported:',
        'unbind:scale-bind:',
      ]),
    );
    expect(audit.every((e) => e.who === 'api-token')).toBe(true);
    // The journal can be read, not changed: no route writes to it.
    expect((await gw.api('DELETE', '/api/audit')).status).toBe(404);
    expect((await gw.api('POST', '/api/audit', { action: 'bind' })).status).toBe(404);
  });
});
