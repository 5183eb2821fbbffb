// The device runner's side of orders: a download goes on the newest open session of the device and
// is "retry, not connected" without one; each session gets the worklist for host queries; the
// orders service hears when a session opens, so a waiting download goes at once. On a real TCP
// listener, an analyzer with two live connections (one half-open after a reconnect) gets its
// download on the newest, and the gateway warns once that there are two.

import { EventEmitter } from 'node:events';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { DeviceConfigT } from '../../../src/config/schema.ts';
import { DeviceRunner } from '../../../src/devices/device-runner.ts';
import type { DeviceLink, Driver, DriverSession, MessageMeta } from '../../../src/model/driver.ts';
import { silentLogger, type Logger } from '../../../src/model/logger.ts';
import type { DownloadOutcome, WorkOrder, Worklist } from '../../../src/model/work-order.ts';
import { TcpTransport } from '../../../src/transports/tcp.ts';
import type { Connection, LinkStatus, Transport, TransportEvents } from '../../../src/transports/types.ts';
import { eventually } from '../../support/eventually.ts';
import { memoryResends } from '../../support/resend-memory.ts';

class FakeTransport extends EventEmitter<TransportEvents> implements Transport {
  readonly status: LinkStatus = { state: 'listening', since: '', reconnects: 0, connections: 0, bytesIn: 0, bytesOut: 0 };
  start(): void {}
  async stop(): Promise<void> {}
  connect(id: string): Connection {
    const conn: Connection = { id, remote: id, write: async () => undefined };
    this.emit('open', conn);
    return conn;
  }
}

const device: DeviceConfigT = { id: 'chem', driver: 'fake', transport: { type: 'tcp', mode: 'listen', port: 5000 }, orders: { mode: 'both' } };
const work: WorkOrder = { action: 'new', specimenId: 'SP1', patient: { mrn: 'MRN1' }, tests: [{ code: 'GLU' }] };

function fakeDriver(answer: (link: DeviceLink) => Promise<DownloadOutcome>) {
  const links: DeviceLink[] = [];
  const got: string[] = [];
  const driver: Driver = {
    id: 'fake',
    title: 'fake',
    kind: 'lab',
    transports: ['tcp'],
    orders: { query: true, download: true },
    validateSettings: () => [],
    open(link): DriverSession {
      links.push(link);
      return {
        receive() {},
        on() {},
        close() {},
        download: async (order) => {
          got.push(`${links.indexOf(link)}:${order.specimenId}`);
          return answer(link);
        },
      };
    },
  };
  return { driver, links, got };
}

function runnerWith(driver: Driver, worklist?: Worklist) {
  const transport = new FakeTransport();
  const opened: string[] = [];
  const resends = memoryResends();
  const runner = new DeviceRunner({
    device,
    driver,
    transport,
    log: silentLogger,
    accept: async () => 'R1',
    resends,
    ...(worklist ? { worklist: () => worklist } : {}),
    onSessionOpen: (id) => opened.push(id),
  });
  return { runner, transport, opened };
}

const worklist: Worklist = { answerWithinMs: 10_000, query: () => ({ orders: [], unknown: [] }), answered: () => undefined };

describe('DeviceRunner and orders', () => {
  it('answers retry "not connected" while no session is open, and sends on the newest session once one is', async () => {
    const f = fakeDriver(async () => ({ outcome: 'accepted' }));
    const { runner, transport, opened } = runnerWith(f.driver, worklist);
    expect(await runner.download(work)).toEqual({ outcome: 'retry', reason: 'not connected' });
    transport.connect('c1');
    transport.connect('c2');
    expect(opened).toEqual(['chem', 'chem']);
    expect(f.links.map((l) => l.worklist)).toEqual([worklist, worklist]);
    expect(await runner.download(work)).toEqual({ outcome: 'accepted' });
    expect(f.got).toEqual(['1:SP1']);
    transport.emit('closed', { id: 'c2', remote: 'c2', write: async () => undefined }, 'peer closed');
    expect(await runner.download(work)).toEqual({ outcome: 'accepted' });
    expect(f.got).toEqual(['1:SP1', '0:SP1']);
    transport.emit('closed', { id: 'c1', remote: 'c1', write: async () => undefined }, 'peer closed');
    expect(await runner.download(work)).toEqual({ outcome: 'retry', reason: 'not connected' });
  });

  it('gives a session no worklist when the device takes no queries, and turns a driver that throws into retry', async () => {
    const f = fakeDriver(async () => {
      throw new Error('bug');
    });
    const { runner, transport } = runnerWith(f.driver);
    transport.connect('c1');
    expect(f.links[0]!.worklist).toBeUndefined();
    expect(await runner.download(work)).toEqual({ outcome: 'retry', reason: 'the driver failed while sending' });
  });

  it('a driver that throws on bytes or on a message is logged under err and never ends the process', async () => {
    const errors: unknown[] = [];
    const log = { ...silentLogger, error: (o: unknown) => errors.push(o), child: () => log } as unknown as Logger;
    const bug = new Error('text is not iterable');
    const driver: Driver = {
      ...fakeDriver(async () => ({ outcome: 'accepted' })).driver,
      open: () => ({
        receive() {
          throw bug;
        },
        receiveMessage() {
          throw bug;
        },
        on() {},
        close() {},
      }),
    };
    const transport = new FakeTransport();
    new DeviceRunner({ device, driver, transport, log, accept: async () => 'R1', resends: memoryResends() });
    const conn = transport.connect('c1');
    expect(() => transport.emit('data', conn, Buffer.from('\x05'))).not.toThrow();
    const done: Array<Error | undefined> = [];
    expect(() => transport.emit('message', conn, Buffer.from('MSH|'), {} as MessageMeta, (err) => done.push(err))).not.toThrow();
    expect(done).toEqual([bug]);
    expect(errors).toEqual([expect.objectContaining({ err: bug }), expect.objectContaining({ err: bug })]);
  });

  it('on a real TCP listener, sends on the newest of two live connections and warns once that there are two', async () => {
    const lines: Array<{ level: string; msg: string }> = [];
    const at = (level: string) => (a: string | object, b?: string) => lines.push({ level, msg: typeof a === 'string' ? a : (b ?? '') });
    const log: Logger = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), child: () => log };
    const driver: Driver = {
      ...fakeDriver(async () => ({ outcome: 'accepted' })).driver,
      open: (link) => ({
        receive() {},
        on() {},
        close() {},
        download: async (order) => {
          await link.write(Buffer.from(`DL ${order.specimenId}\n`));
          return { outcome: 'accepted' };
        },
      }),
    };
    const transport = new TcpTransport({ mode: 'listen', host: '127.0.0.1', port: 0, log: silentLogger, limits: { maxConnections: 3 } });
    const runner = new DeviceRunner({ device, driver, transport, log, accept: async () => 'R1', resends: memoryResends() });
    const sockets: net.Socket[] = [];
    const got: string[] = [];
    const analyzer = async (name: string) => {
      const socket = net.connect({ host: '127.0.0.1', port: transport.boundPort! });
      socket.on('data', (chunk) => got.push(`${name}: ${chunk.toString().trim()}`));
      socket.on('error', () => undefined);
      sockets.push(socket);
      await eventually(() => expect(transport.status.connections).toBe(sockets.length));
    };
    const warnings = () => lines.filter((l) => l.level === 'warn').map((l) => l.msg);
    runner.start();
    try {
      await eventually(() => expect(transport.status.state).toBe('listening'));
      await analyzer('old');
      expect(warnings()).toEqual([]);
      await analyzer('new');
      expect(await runner.download(work)).toEqual({ outcome: 'accepted' });
      await eventually(() => expect(got).toEqual(['new: DL SP1']));
      expect(warnings()).toEqual(['2 connections from the analyzer: orders go to the newest']);
      await analyzer('newest');
      expect(await runner.download({ ...work, specimenId: 'SP2' })).toEqual({ outcome: 'accepted' });
      await eventually(() => expect(got).toEqual(['new: DL SP1', 'newest: DL SP2']));
      expect(warnings()).toHaveLength(1);
    } finally {
      for (const s of sockets) s.destroy();
      await runner.stop();
    }
  });
});
