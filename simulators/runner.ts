// Connects a simulator to a real transport: a serial port (e.g. one end of a socat pty pair), a
// TCP listener the gateway connects to, a TCP connection to a gateway that listens, or an MQTT
// broker the device publishes to (each write is one QoS 1 message).
// The lab analyzers' order and QC options (AnalyzerOrderOptions, AnalyzerQcOptions, types.ts) pass
// through; `device` is the simulator itself, for tests and the demo to scan specimens, run worklists
// (`asOrderTaking`) and send QC runs (`asQcSending`).

import net from 'node:net';
import { connect as mqttConnect } from 'mqtt';
import { SerialPort } from 'serialport';
import { findDriver } from '../drivers/index.ts';
import { createSimulator } from './index.ts';
import type { AnalyzerOrderOptions, AnalyzerQcOptions, DeviceIo, SimulatedDevice, SimulatorOptions } from './types.ts';
import '../src/transports/mqtt-packet-memory.ts';
import { errorText } from '../src/model/error-text.ts';
import { backoffDelay, type BackoffPolicy } from '../src/transports/backoff.ts';

export interface RunSimulatorOptions extends SimulatorOptions, AnalyzerOrderOptions, AnalyzerQcOptions {
  driver: string;
  serial?: { path: string; baudRate?: number };
  tcpListen?: { host?: string; port: number };
  tcpConnect?: { host: string; port: number };
  /** Publish each message on `topic` (QoS 1, MQTT 3.1.1); `done` waits for the broker's PUBACKs. */
  mqtt?: MqttTarget;
}

export interface MqttTarget {
  url: string;
  topic: string;
  username?: string;
  password?: string;
}

export interface RunningSimulator {
  stop(): Promise<void>;
  done: Promise<void>;
  readonly sent: number;
  /** The bound port for tcpListen (useful with port 0). */
  port?: number;
  /** The simulator itself (its own API beyond SimulatedDevice: see asOrderTaking in index.ts). */
  readonly device: SimulatedDevice;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;
const RETRY: BackoffPolicy = { initialMs: RETRY_MIN_MS, maxMs: RETRY_MAX_MS };

export async function runSimulator(opts: RunSimulatorOptions): Promise<RunningSimulator> {
  const transports = [opts.serial, opts.tcpListen, opts.tcpConnect, opts.mqtt].filter((t) => t !== undefined);
  if (transports.length !== 1) throw new Error('runSimulator needs exactly one of serial, tcpListen, tcpConnect, mqtt');
  const device = createSimulator(opts.driver, opts);
  let stopTransport: () => Promise<void>;
  let port: number | undefined;
  let done = device.done;
  if (opts.mqtt) {
    const mqtt = runMqtt(device, opts.mqtt, opts.log);
    stopTransport = mqtt.stop;
    done = mqtt.done;
  } else if (opts.serial) stopTransport = await runSerial(device, opts.driver, opts.serial, opts.log);
  else if (opts.tcpListen) ({ stop: stopTransport, port } = await runTcpListen(device, opts.tcpListen, opts.log));
  else if (opts.tcpConnect) stopTransport = runTcpConnect(device, opts.tcpConnect, opts.log);
  else throw new Error('unreachable');

  let stopped: Promise<void> | undefined;
  const running: RunningSimulator = {
    stop: () => {
      stopped ??= (async () => {
        device.stop();
        await stopTransport();
      })();
      return stopped;
    },
    done,
    get sent() {
      return device.sent;
    },
    device,
  };
  if (port !== undefined) running.port = port;
  return running;
}

async function runSerial(
  device: SimulatedDevice,
  driverId: string,
  serial: { path: string; baudRate?: number },
  log?: (line: string) => void,
): Promise<() => Promise<void>> {
  const defaults = findDriver(driverId)?.serialDefaults ?? { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 };
  let stopping = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let current: SerialPort | undefined;

  const open = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const sp = new SerialPort({
        path: serial.path,
        baudRate: serial.baudRate ?? defaults.baudRate,
        dataBits: defaults.dataBits,
        parity: defaults.parity,
        stopBits: defaults.stopBits,
        autoOpen: false,
      });
      sp.open((err) => {
        if (err) {
          reject(err);
          return;
        }
        current = sp;
        const io: DeviceIo = { write: (bytes) => void (sp.isOpen && sp.write(Buffer.from(bytes))) };
        sp.on('data', (data: Buffer) => device.receive(data));
        sp.on('error', (e: Error) => log?.(`serial ${serial.path}: ${e.message}`));
        sp.on('close', () => {
          device.detach();
          if (current === sp) current = undefined;
          if (!stopping) reopenLater(1);
        });
        device.start(io);
        resolve();
      });
    });

  const reopenLater = (attempt: number): void => {
    retry = setTimeout(
      () => {
        retry = undefined;
        if (stopping) return;
        open().catch((err: unknown) => {
          log?.(`serial ${serial.path}: ${errorText(err)}; retrying`);
          reopenLater(attempt + 1);
        });
      },
      backoffDelay(attempt, RETRY),
    );
  };

  await open();
  return async () => {
    stopping = true;
    if (retry !== undefined) clearTimeout(retry);
    const sp = current;
    if (sp?.isOpen) await new Promise<void>((resolve) => sp.close(() => resolve()));
  };
}

async function runTcpListen(
  device: SimulatedDevice,
  listen: { host?: string; port: number },
  log?: (line: string) => void,
): Promise<{ stop: () => Promise<void>; port: number }> {
  let active: net.Socket | null = null;
  const server = net.createServer((socket) => {
    // One gateway at a time, like a serial cable. A newcomer takes over: the old connection may be
    // half-dead (its close not yet seen) and the gateway that reconnects is the one listening.
    const previous = active;
    active = socket;
    if (previous !== null) {
      device.detach();
      previous.destroy();
    }
    socket.setNoDelay(true);
    socket.on('data', (data) => device.receive(data));
    socket.on('error', (e) => log?.(`tcp: ${e.message}`));
    socket.on('close', () => {
      if (active === socket) {
        active = null;
        device.detach();
      }
    });
    device.start({ write: (bytes) => void (!socket.destroyed && socket.write(bytes)) });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : listen.port;
  return {
    port,
    stop: async () => {
      active?.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function runTcpConnect(device: SimulatedDevice, target: { host: string; port: number }, log?: (line: string) => void): () => Promise<void> {
  let stopping = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let socket: net.Socket | undefined;
  let failures = 0;

  const connect = (): void => {
    const s = net.connect({ host: target.host, port: target.port });
    socket = s;
    s.setNoDelay(true);
    s.on('connect', () => {
      failures = 0;
      device.start({ write: (bytes) => void (!s.destroyed && s.write(bytes)) });
    });
    s.on('data', (data) => device.receive(data));
    s.on('error', (e) => log?.(`tcp ${target.host}:${target.port}: ${e.message}`));
    s.on('close', () => {
      device.detach();
      if (stopping) return;
      retry = setTimeout(connect, backoffDelay(++failures, RETRY));
    });
  };
  connect();
  return async () => {
    stopping = true;
    if (retry !== undefined) clearTimeout(retry);
    const s = socket;
    if (s && !s.destroyed) {
      await new Promise<void>((resolve) => {
        s.once('close', () => resolve());
        s.destroy();
      });
    }
  };
}

/**
 * Publishes each write of `device` as one QoS 1 message on `target.topic`. mqtt.js queues what is
 * written while the broker is away and sends it on reconnect. `done` resolves once the device sent
 * its `count` readings and the broker acknowledged every message published so far.
 */
export function runMqtt(device: SimulatedDevice, target: MqttTarget, log?: (line: string) => void): { stop: () => Promise<void>; done: Promise<void> } {
  const client = mqttConnect(target.url, {
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: RETRY_MIN_MS * 5,
    connectTimeout: RETRY_MAX_MS,
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
  });
  const pending = new Set<Promise<void>>();
  client.on('error', (e) => log?.(`mqtt ${target.url.replace(/\/\/[^/@]*@/, '//')}: ${e.message}`));
  const io: DeviceIo = {
    write: (bytes) => {
      const p = client.publishAsync(target.topic, Buffer.from(bytes), { qos: 1 }).then(
        () => undefined,
        (e: unknown) => log?.(`mqtt publish failed: ${errorText(e)}`),
      );
      pending.add(p);
      void p.finally(() => pending.delete(p));
    },
  };
  // The device writes from the start: mqtt.js holds QoS 1 publishes until it is connected.
  device.start(io);
  const done = device.done.then(async () => {
    while (pending.size > 0) await Promise.all([...pending]);
  });
  return {
    done,
    stop: async () => {
      device.detach();
      await client.endAsync(true);
    },
  };
}
