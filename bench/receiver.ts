// Bench peer: a minimal MLLP receiver in its own process that ACKs every message AA as fast as it can.
// Its framing is written here on purpose (not src/mllp) so both sides of the bench are independent.

import net from 'node:net';

const VT = 0x0b;
const FS = 0x1c;
const CR = 0x0d;
let received = 0;

function ackFor(message: string): Buffer {
  const msh = message.slice(0, message.indexOf('\r') >>> 0).split('|');
  const controlId = msh[9] ?? '';
  const text = `MSH|^~\\&|BENCH_EHR|BENCH|${msh[2] ?? ''}|${msh[3] ?? ''}|20260101000000||ACK^R01^ACK|A${received}|P|2.6\rMSA|AA|${controlId}\r`;
  return Buffer.concat([Buffer.from([VT]), Buffer.from(text, 'utf8'), Buffer.from([FS, CR])]);
}

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  let buf: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      const start = buf.indexOf(VT);
      if (start < 0) {
        buf = Buffer.alloc(0);
        return;
      }
      const end = buf.indexOf(FS, start);
      if (end < 0 || end + 1 >= buf.length) {
        buf = buf.subarray(start);
        return;
      }
      const message = buf.toString('utf8', start + 1, end);
      buf = buf.subarray(end + 2);
      received++;
      socket.write(ackFor(message));
    }
  });
  socket.on('error', () => undefined);
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`${JSON.stringify({ event: 'listening', port: typeof addr === 'object' && addr ? addr.port : 0 })}\n`);
});
process.on('SIGTERM', () => {
  process.stdout.write(`${JSON.stringify({ event: 'received', count: received })}\n`);
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
});
