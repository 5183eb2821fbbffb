// Puts a simulated device (simulators/) on a real line while the test keeps the device itself, to
// drive it (scan a specimen, run its worklist) and read what it received: the device end of a pty
// pair, or a TCP connection to a gateway that listens. Every byte either way is kept, in order, so a
// test can check who had the line when.

import { SerialPort } from 'serialport';
import type { SimulatedDevice } from '../../simulators/types.ts';
import { connectTcp } from './tcp-connect.ts';

/** One byte on the line: from the gateway (`host`) or from the simulated `device`, latin1. */
export interface WireByte {
  from: 'host' | 'device';
  ch: string;
}

export interface Attached<D extends SimulatedDevice> {
  device: D;
  /** Every byte on the line so far, in the order this process saw them. */
  readonly wire: readonly WireByte[];
  /** Stops the device and closes its line. */
  close(): Promise<void>;
}

function tap(wire: WireByte[], from: WireByte['from'], bytes: Uint8Array): void {
  for (const ch of Buffer.from(bytes).toString('latin1')) wire.push({ from, ch });
}

export async function onSerialLine<D extends SimulatedDevice>(device: D, path: string, baudRate = 9600): Promise<Attached<D>> {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  const wire: WireByte[] = [];
  port.on('data', (chunk: Buffer) => {
    tap(wire, 'host', chunk);
    device.receive(chunk);
  });
  port.on('error', () => undefined);
  device.start({
    write: (bytes) => {
      tap(wire, 'device', bytes);
      if (port.isOpen) port.write(Buffer.from(bytes));
    },
  });
  return {
    device,
    wire,
    close: async () => {
      device.stop();
      await new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
    },
  };
}

export async function overTcp<D extends SimulatedDevice>(device: D, port: number, host = '127.0.0.1'): Promise<Attached<D>> {
  const socket = await connectTcp(port, host);
  const wire: WireByte[] = [];
  socket.on('data', (chunk: Buffer) => {
    tap(wire, 'host', chunk);
    device.receive(chunk);
  });
  socket.on('close', () => device.detach());
  device.start({
    write: (bytes) => {
      tap(wire, 'device', bytes);
      if (!socket.destroyed) socket.write(Buffer.from(bytes));
    },
  });
  return {
    device,
    wire,
    close: async () => {
      device.stop();
      socket.destroy();
      await new Promise((r) => setImmediate(r));
    },
  };
}
