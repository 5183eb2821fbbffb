// An EHR stand-in, run as its own process:
//   node --import tsx test/support/ehr-standin.ts --port 0 [--host 127.0.0.1]
// It deliberately does not import src/mllp: its framing is its own (a few obvious lines), so a bug in
// ours cannot hide behind the same bug here. Each message is parsed with node-hl7-client.
//
// stdout, one JSON object per line:
//   {"event":"listening","port":N}
//   {"event":"connection","remote":"..."} / {"event":"disconnect","remote":"..."}
//   {"event":"message","controlId":"...","type":"ORU^R01^ORU_R01","text":"...","fields":{...},"ack":"AA","duplicate":false}
//   {"event":"parseError","error":"...","text":"...","ack":"AR"}
//   {"event":"mode","mode":"AA","next":[...]}   (the answer to every stdin command)
// stdin, one JSON object per line:
//   {"mode":"AA"|"AE"|"AR"|"CA"|"silent"|"close"}   default answer from now on
//   {"next":["AE","AA"]}                              answers for the next messages, then the default again

import net from 'node:net';
import { createInterface } from 'node:readline';
import { Message } from 'node-hl7-client';

type Mode = 'AA' | 'AE' | 'AR' | 'CA' | 'silent' | 'close';
const MODES: readonly string[] = ['AA', 'AE', 'AR', 'CA', 'silent', 'close'];

function isMode(value: unknown): value is Mode {
  return typeof value === 'string' && MODES.includes(value);
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
}

function emit(event: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(event) + '\n');
}

let mode: Mode = 'AA';
let next: Mode[] = [];
const seen = new Set<string>();

function ack(code: string, controlId: string, trigger: string, text?: string): string {
  const now = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const segs = [
    `MSH|^~\\&|STANDIN_EHR|HOSP|MEDGATE|CLINIC|${now}||ACK^${trigger}^ACK|SA${Date.now()}${Math.floor(Math.random() * 1000)}|P|2.6`,
    `MSA|${code}|${controlId}${text ? `|${text}` : ''}`,
  ];
  if (code === 'AE' || code === 'AR') segs.push(`ERR|||207^Application internal error^HL70357|E||||${text ?? ''}`);
  return segs.join('\r') + '\r';
}

function onMessage(socket: net.Socket, text: string): void {
  const answer: Mode = next.shift() ?? mode;
  let msg: Message;
  try {
    msg = new Message({ text });
  } catch (err) {
    emit({ event: 'parseError', error: err instanceof Error ? err.message : String(err), text, ack: 'AR' });
    socket.write(frame(ack('AR', '', 'R01', 'unparseable message')));
    return;
  }
  const get = (path: string): string => msg.get(path).toString();
  const controlId = get('MSH.10');
  const type = [get('MSH.9.1'), get('MSH.9.2'), get('MSH.9.3')].filter((s) => s !== '').join('^');
  const duplicate = seen.has(controlId);
  seen.add(controlId);
  const fields = {
    'MSH-9': type,
    'MSH-10': controlId,
    'MSH-12': get('MSH.12'),
    'MSH-21': get('MSH.21.1'),
    'PID-3': get('PID.3.1'),
    'PID-5': [get('PID.5.1'), get('PID.5.2')].filter((s) => s !== '').join('^'),
  };
  emit({ event: 'message', controlId, type, text, fields, ack: answer, duplicate });
  if (answer === 'silent') return;
  if (answer === 'close') {
    socket.destroy();
    return;
  }
  socket.write(frame(ack(answer, controlId, get('MSH.9.2') || 'R01', answer === 'AA' || answer === 'CA' ? undefined : `stand-in answered ${answer}`)));
}

function frame(text: string): Buffer {
  return Buffer.concat([Buffer.from([0x0b]), Buffer.from(text, 'utf8'), Buffer.from([0x1c, 0x0d])]);
}

const server = net.createServer((socket) => {
  const remote = `${socket.remoteAddress}:${socket.remotePort}`;
  emit({ event: 'connection', remote });
  // Plain MLLP: bytes from VT up to FS CR are a message; anything else is skipped.
  let buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const start = buffer.indexOf(0x0b);
      if (start === -1) {
        buffer = Buffer.alloc(0);
        return;
      }
      const end = buffer.indexOf(Buffer.from([0x1c, 0x0d]), start);
      if (end === -1) {
        buffer = buffer.subarray(start);
        return;
      }
      const text = buffer.subarray(start + 1, end).toString('utf8');
      buffer = buffer.subarray(end + 2);
      onMessage(socket, text);
      if (socket.destroyed) return;
    }
  });
  socket.on('error', () => undefined);
  socket.on('close', () => emit({ event: 'disconnect', remote }));
});

const stdin = createInterface({ input: process.stdin });
stdin.on('line', (line) => {
  if (line.trim() === '') return;
  try {
    const cmd: unknown = JSON.parse(line);
    if (typeof cmd !== 'object' || cmd === null) throw new Error('command is not an object');
    if ('mode' in cmd) {
      if (!isMode(cmd.mode)) throw new Error(`unknown mode ${String(cmd.mode)}`);
      mode = cmd.mode;
    }
    if ('next' in cmd) {
      if (!Array.isArray(cmd.next) || !cmd.next.every(isMode)) throw new Error('next must be a list of modes');
      next = [...cmd.next];
    }
    emit({ event: 'mode', mode, next });
  } catch (err) {
    emit({ event: 'commandError', error: err instanceof Error ? err.message : String(err) });
  }
});
// The test runner went away: do not linger as an orphan holding the port.
stdin.on('close', () => shutdown());

function shutdown(): void {
  server.close(() => process.exit(0));
  for (const s of openSockets) s.destroy();
  setTimeout(() => process.exit(0), 1_000).unref();
}
const openSockets = new Set<net.Socket>();
server.on('connection', (s) => {
  openSockets.add(s);
  s.on('close', () => openSockets.delete(s));
});
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

server.listen(Number(arg('port', '0')), arg('host', '127.0.0.1'), () => {
  const address = server.address();
  emit({ event: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
});
