// Issue 13, "decoder reasons at info level quote measured values": every driver, fed malformed input
// that carries a recognisable value (a weight, an MRN, a name), through a real DeviceRunner and a
// real logger at info level. The value must not reach any log line; it must reach the
// rejected-input journal's detail, where an administrator reviews it. The journal is wired as
// src/runtime/device-fleet.ts wires it.

import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { drivers } from '../../../drivers/index.ts';
import type { DeviceConfigT } from '../../../src/config/schema.ts';
import { DeviceRunner } from '../../../src/devices/device-runner.ts';
import { createLogger } from '../../../src/logging.ts';
import { openEngine, type StorageEngine } from '../../../src/store/engine.ts';
import { RejectsJournal } from '../../../src/store/rejects.ts';
import { rejectedView } from '../../../src/web/routes/readings.ts';
import type { Connection, LinkStatus, Transport, TransportEvents } from '../../../src/transports/types.ts';
import { EOT, ENQ, framesOf } from '../../support/astm-wire.ts';
import { memoryResends } from '../../support/resend-memory.ts';

const WEIGHT = '+00083.40kg';
const MRN = 'MRN9471';
const NAME = 'Doe';

class FakeTransport extends EventEmitter<TransportEvents> implements Transport {
  readonly status: LinkStatus = { state: 'connected', since: '', reconnects: 0, connections: 1, bytesIn: 0, bytesOut: 0 };
  readonly conn: Connection = { id: 'c1', remote: '10.1.2.3:4000', write: async () => undefined };
  start(): void {
    this.emit('open', this.conn);
  }
  async stop(): Promise<void> {
    this.emit('closed', this.conn, 'stopped');
  }
  data(text: string): void {
    this.emit('data', this.conn, Buffer.from(text, 'latin1'));
  }
  message(payload: string): Promise<void> {
    return new Promise((resolve) =>
      this.emit('message', this.conn, Buffer.from(payload, 'utf8'), { topic: 'clinic/dev', receivedAt: new Date() }, () => resolve()),
    );
  }
}

interface Case {
  driver: string;
  settings?: Record<string, unknown>;
  transport: DeviceConfigT['transport'];
  /** Byte stream (serial, TCP) or whole messages (MQTT, a watched folder). */
  stream?: string;
  messages?: string[];
  markers: string[];
}

const serial: DeviceConfigT['transport'] = { type: 'serial', path: '/dev/null' };
const mqtt: DeviceConfigT['transport'] = { type: 'mqtt', topic: 'clinic/dev' };
const H = 'H|\\^&|||CHEM-300^4.1^SN1187|||||MEDGATE||P|LIS2-A2|20250114101500';
const MSH = (type: string, processing = 'P') => `MSH|^~\\&|AN|LAB|GW|CLINIC|20250114101500||${type}|C1|${processing}|2.5\rPID|1||1\rOBR|1\rOBX|1|NM|A^A^L||1`;
const aecg = readFileSync(join(import.meta.dirname, '../../fixtures/ekg/resting-2lead.xml'), 'utf8');

const cases: Case[] = [
  // `data field "+00083.40kg" has 11 chars` and `unknown header "Doe"`.
  { driver: 'ad-scale', transport: serial, stream: `ST,GS,${WEIGHT}\r\n${NAME},GS,+0070.50kg\r\n`, markers: [WEIGHT, NAME] },
  // `value "MRN9471" of Wk is not a number` and `field Doe appears twice`.
  { driver: 'tanita', transport: serial, stream: `{0,16,Wk,${MRN}\r\n{0,16,${NAME},1,${NAME},2\r\n`, markers: [MRN, NAME] },
  // `systolic value "Doe" is not a number`.
  { driver: 'accutorr', transport: serial, stream: `P:--,85,${NAME}, 45, 80,000,010,000, 5\r\n`, markers: [NAME] },
  // `value "+00083.40kg" of group t is not a number`.
  {
    driver: 'generic-line',
    settings: { pattern: '^T=(?<t>\\S+)$', fields: { t: { type: 'temperature', unit: 'Cel' } } },
    transport: serial,
    stream: `T=${WEIGHT}\r\n`,
    markers: [WEIGHT],
  },
  // `O record 1: collection time "MRN9471" is not ...`.
  {
    driver: 'astm-lis2',
    transport: serial,
    stream: ENQ + framesOf([H, 'P|1|PID1', `O|1|S1||^^^A|||${MRN}`, 'R|1|^^^A|7', 'L|1|N']).join('') + EOT,
    markers: [MRN],
  },
  // `unsupported message type Doe^A01`, `processing ID "MRN9471"`.
  {
    driver: 'hl7-analyzer',
    transport: { type: 'tcp', mode: 'listen', port: 0 } as DeviceConfigT['transport'],
    stream: `\x0b${MSH(`${NAME}^A01`)}\x1c\r\x0b${MSH('ORU^R01', MRN)}\x1c\r`,
    markers: [NAME, MRN],
  },
  // A measured value that is text, a time that is an MRN, a unit that is a name.
  {
    driver: 'mqtt-json',
    transport: mqtt,
    messages: [
      JSON.stringify({ device: 'SN-1', measurements: [{ type: 'weight', value: WEIGHT, unit: 'kg' }] }),
      JSON.stringify({ device: 'SN-1', time: MRN, measurements: [{ type: 'weight', value: 83.4, unit: NAME }] }),
    ],
    markers: [WEIGHT, MRN, NAME],
  },
  // A digit that is an MRN, a root element named Doe, a tag named like a value in XML that is not well-formed.
  {
    driver: 'ekg-aecg',
    transport: mqtt,
    messages: [
      aecg.replace('4 6 20 84', `4 6 ${MRN} 84`),
      `<?xml version="1.0"?><${NAME} xmlns="urn:hl7-org:v3"><id/></${NAME}>`,
      `<AnnotatedECG><${WEIGHT.slice(1, 3)}x${MRN}></AnnotatedECG>`,
    ],
    markers: [MRN, NAME],
  },
  // `HR: "+00083.40kg" is not a number`, `DOE given twice`.
  {
    driver: 'ekg-serial',
    transport: serial,
    stream: `ECG REPORT\r\nHR: ${WEIGHT}\r\n${NAME}: 1\r\n${NAME}: 2\r\nQRS: 92 ms\r\nEND\r\n`,
    markers: [WEIGHT, NAME],
  },
];

const engines: Array<{ engine: StorageEngine; dir: string }> = [];
afterEach(async () => {
  for (const { engine, dir } of engines.splice(0)) {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
};

async function run(c: Case) {
  const driver = drivers.find((d) => d.id === c.driver);
  if (!driver) throw new Error(`no driver ${c.driver}`);
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line !== '') lines.push(line);
      done();
    },
  });
  // What the gateway runs with by default (log.level info), JSON lines as on journald.
  const log = createLogger({ level: 'info', pretty: false, destination }).child({ device: 'dev-1' });
  const dir = mkdtempSync(join(tmpdir(), 'medgate-markers-'));
  const engine = openEngine(dir);
  engines.push({ engine, dir });
  const journal = new RejectsJournal(engine, { log });
  const transport = new FakeTransport();
  const device: DeviceConfigT = { id: 'dev-1', driver: c.driver, transport: c.transport, ...(c.settings ? { settings: c.settings } : {}) };
  const resends = memoryResends();
  const runner = new DeviceRunner({
    device,
    driver,
    transport,
    log,
    accept: async () => 'R-1',
    resends: { recall: (d, k) => resends.recall(d, k), remember: (d, k, id) => resends.remember(d, k, id) },
    onProtocolError: (deviceId, error) => {
      journal.keep(deviceId, error.reason, error.bytes, new Date(), { detail: error.detail });
    },
  });
  runner.start();
  if (c.stream !== undefined) transport.data(c.stream);
  for (const m of c.messages ?? []) await transport.message(m);
  await settle();
  await runner.stop();
  await engine.flushed();
  return { lines, kept: journal.recent({ limit: 50 }), errors: runner.counters.protocolErrors };
}

describe('decoder reasons in the log (issue 13)', () => {
  it('covers every driver', () => {
    expect(cases.map((c) => c.driver).sort()).toEqual(drivers.map((d) => d.id).sort());
  });

  for (const c of cases) {
    it(`${c.driver}: no value it refused in a log line at info or above; each in the rejected-input detail`, async () => {
      const { lines, kept, errors } = await run(c);
      expect(errors).toBeGreaterThan(0);
      // The refusal itself is logged: the field and what was wrong.
      expect(lines.filter((l) => l.includes('protocol error from device')).length).toBe(errors);
      for (const marker of c.markers) {
        // Case-insensitive: a decoder may upper-case what it read (ekg-serial's field names).
        const has = (text: string): boolean => text.toLowerCase().includes(marker.toLowerCase());
        expect(lines.filter(has)).toEqual([]);
        expect(kept.map((k) => k.reason).filter(has)).toEqual([]);
        expect(kept.map((k) => k.detail ?? `(no detail) ${k.reason}`)).toContainEqual(expect.toSatisfy(has));
      }
    });
  }
});

describe('the detail is as private as the bytes', () => {
  it('staff see the reason, administrators the detail; a withheld input keeps no detail either', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medgate-markers-'));
    const engine = openEngine(dir);
    engines.push({ engine, dir });
    const journal = new RejectsJournal(engine, {
      log: createLogger({ level: 'error', pretty: false, destination: new Writable({ write: (_c, _e, done) => done() }) }),
    });
    journal.keep('scale-1', 'data field is not a number', `ST,GS,${WEIGHT}`, new Date('2026-01-01T10:00:00Z'), { detail: `value "${WEIGHT}" is not a number` });
    journal.keep('ekg-1', 'not well-formed XML (line 1, column 2)', '-----BEGIN PRIVATE KEY-----', new Date('2026-01-01T10:00:01Z'), {
      withhold: true,
      detail: 'not well-formed XML: char - (line 1, column 2)',
    });
    await engine.flushed();
    const [withheld, kept] = journal.recent({ limit: 10 });
    expect(kept?.detail).toBe(`value "${WEIGHT}" is not a number`);
    expect(withheld?.detail).toBeUndefined();
    if (!kept) throw new Error('nothing kept');
    expect(JSON.stringify(rejectedView(kept, { kind: 'user', name: 'nurse', role: 'staff' }))).not.toContain(WEIGHT);
    expect(rejectedView(kept, { kind: 'user', name: 'admin', role: 'admin' })).toMatchObject({ detail: `value "${WEIGHT}" is not a number` });
  });
});
