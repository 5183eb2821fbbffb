// An ASTM analyzer that listens (on a free port) for the gateway to dial in, as a serial device
// server or an analyzer's own TCP port does; the test then sends transmissions over that link.

import net from 'node:net';
import type { DeviceConfigT } from '../../src/config/schema.ts';
import type { ByteLink } from './astm-analyzer.ts';

export interface AnalyzerServer {
  port: number;
  /** The gateway's connection, once it has dialled. */
  link(): Promise<ByteLink>;
  close(): Promise<void>;
}

export async function startAnalyzerServer(): Promise<AnalyzerServer> {
  const sockets: net.Socket[] = [];
  let connected!: (link: ByteLink) => void;
  const first = new Promise<ByteLink>((resolve) => (connected = resolve));
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.setNoDelay(true);
    let rx = '';
    socket.setEncoding('latin1').on('data', (s: string) => (rx += s));
    socket.on('error', () => undefined);
    connected({
      write: (t) => new Promise((res, rej) => socket.write(Buffer.from(t, 'latin1'), (e) => (e ? rej(e) : res()))),
      received: () => rx,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    link: () => first,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One ASTM E1394 transmission: a urine dipstick glucose ("1+", ordinal) for the patient and specimen given. */
export function dipstickGlucose(patientId: string, specimen: string): string[] {
  return [
    'H|\\^&|||CHEM-1^1.0^SN7|||||MEDGATE||P|LIS2-A2|20261205100000',
    `P|1||${patientId}||Example^Alice||19610101|F`,
    `O|1|${specimen}||^^^GLU|R|20261205095000|20261205095500||||||||urine||||||||||F`,
    'R|1|^^^GLU|1+||||N||F||OP|20261205095900|20261205100000|CHEM-1',
    'L|1|N',
  ];
}

/** An ASTM analyzer the gateway dials, whose code map files every GLU as serum glucose: wrong for a dipstick's ordinal urine result. */
export function serumOnlyAnalyzer(id: string, port: number): DeviceConfigT {
  return {
    id,
    driver: 'astm-lis2',
    label: 'Chemistry',
    transport: { type: 'tcp', mode: 'connect', host: '127.0.0.1', port },
    codeMap: { GLU: { loinc: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma' } },
  };
}
