// The device end of a pty pair: a test writes exact wire text into it, as the device would.

import { SerialPort } from 'serialport';

export interface SerialDeviceEnd {
  write(text: string | Uint8Array): Promise<void>;
  received(): string;
  close(): Promise<void>;
}

export async function openDeviceEnd(path: string, baudRate = 9600): Promise<SerialDeviceEnd> {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  let input = '';
  port.on('data', (chunk: Buffer) => {
    input += chunk.toString('latin1');
  });
  port.on('error', () => undefined);
  return {
    write: (text) =>
      new Promise<void>((resolve, reject) => {
        port.write(typeof text === 'string' ? Buffer.from(text, 'latin1') : Buffer.from(text), (err) => (err ? reject(err) : port.drain(() => resolve())));
      }),
    received: () => input,
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}
