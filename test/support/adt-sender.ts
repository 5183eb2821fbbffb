// An EHR's ADT/order feed, run as its own process:
//   node --import tsx test/support/adt-sender.ts --port N --file messages.json [--host H] [--chunking split|merged|bytewise]
//     [--ca cert.pem]   (TLS, trusting that certificate, server name "localhost")
// messages.json is a JSON array of HL7 texts. One connection; its own MLLP framing (not src/mllp,
// so a bug there cannot hide behind the same bug here), written as told:
//   split     each frame in four writes (VT alone, FS apart from its CR) with pauses, ACK awaited per message
//   merged    every frame in one write, then all ACKs awaited
//   bytewise  one byte per write, ACK awaited per message
// stdout: one JSON line per ACK, in arrival order: {"code","controlId","text","errorCode","raw"}.
// Exit 0 when every ACK came; 1 (reason on stderr) otherwise.
//
// Tests use sendAdt() below, which spawns this file.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type Chunking = 'split' | 'merged' | 'bytewise';

export interface SentAck {
  code: string;
  controlId: string;
  text?: string;
  errorCode?: string;
  raw: string;
}

const VT = 0x0b;
const FS = 0x1c;
const CR = 0x0d;

function frame(text: string): Buffer {
  return Buffer.concat([Buffer.from([VT]), Buffer.from(text, 'utf8'), Buffer.from([FS, CR])]);
}

/** Reads MSA-1/2/3 and ERR-3.1 with a plain split (our ACKs use the standard separators). */
function readAck(raw: string): SentAck {
  const segs = raw.split(/\r\n|\r|\n/).map((l) => l.split('|'));
  const msa = segs.find((s) => s[0] === 'MSA') ?? [];
  const err = segs.find((s) => s[0] === 'ERR');
  const ack: SentAck = { code: msa[1] ?? '', controlId: msa[2] ?? '', raw };
  if (msa[3]) ack.text = msa[3];
  const errorCode = err?.[3]?.split('^')[0] || err?.[1]?.split('^')[3]?.split('&')[0];
  if (errorCode) ack.errorCode = errorCode;
  return ack;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

async function main(): Promise<void> {
  const port = Number(arg('port'));
  const file = arg('file');
  const host = arg('host') ?? '127.0.0.1';
  const chunking = (arg('chunking') ?? 'split') as Chunking;
  const timeoutMs = Number(arg('timeout') ?? 10_000);
  if (!Number.isInteger(port) || port <= 0 || !file) throw new Error('usage: adt-sender --port N --file messages.json [--chunking split|merged|bytewise]');
  if (!['split', 'merged', 'bytewise'].includes(chunking)) throw new Error(`unknown --chunking ${chunking}`);
  const messages: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(messages) || !messages.every((m): m is string => typeof m === 'string')) throw new Error(`${file}: expected a JSON array of strings`);

  const ca = arg('ca');
  const socket: net.Socket = ca ? tls.connect({ host, port, ca: readFileSync(ca), servername: 'localhost' }) : net.connect({ host, port });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once(ca ? 'secureConnect' : 'connect', () => resolve());
    socket.once('error', reject);
  });
  let failure: Error | undefined;
  socket.on('error', (err) => {
    failure = err;
  });

  let buf = Buffer.alloc(0);
  let received = 0;
  let wake: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const start = buf.indexOf(VT);
      if (start === -1) break;
      const end = buf.indexOf(Buffer.from([FS, CR]), start);
      if (end === -1) break;
      process.stdout.write(JSON.stringify(readAck(buf.subarray(start + 1, end).toString('utf8'))) + '\n');
      received++;
      buf = buf.subarray(end + 2);
    }
    wake?.();
  });
  socket.on('close', () => wake?.());

  const waitAcks = async (n: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (received < n) {
      if (failure) throw failure;
      if (socket.destroyed) throw new Error(`connection closed after ${received} of ${n} ACKs`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ACK ${received + 1} of ${n}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = undefined;
    }
  };
  const write = (bytes: Uint8Array): Promise<void> => new Promise((resolve, reject) => socket.write(bytes, (err) => (err ? reject(err) : resolve())));

  if (chunking === 'merged') {
    await write(Buffer.concat(messages.map(frame)));
    await waitAcks(messages.length);
  } else {
    for (let i = 0; i < messages.length; i++) {
      const f = frame(messages[i]!);
      if (chunking === 'split') {
        const cuts = [0, 1, Math.floor(f.length / 2), f.length - 1, f.length];
        for (let c = 0; c + 1 < cuts.length; c++) {
          await write(f.subarray(cuts[c], cuts[c + 1]));
          await sleep(5);
        }
      } else {
        for (let b = 0; b < f.length; b++) await write(f.subarray(b, b + 1));
      }
      await waitAcks(i + 1);
    }
  }
  await new Promise<void>((resolve) => socket.end(resolve));
}

const SELF = fileURLToPath(import.meta.url);

if (process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`adt-sender: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}

/** Runs the sender as its own process; resolves with the ACKs in arrival order. */
export async function sendAdt(
  port: number,
  messages: string[],
  chunking: Chunking = 'split',
  opts: { host?: string; timeoutMs?: number /** PEM file: connect with TLS and trust it. */; ca?: string } = {},
): Promise<SentAck[]> {
  const dir = mkdtempSync(join(tmpdir(), 'medgate-adt-'));
  const file = join(dir, 'messages.json');
  writeFileSync(file, JSON.stringify(messages));
  try {
    const args = ['--import', 'tsx', SELF, '--port', String(port), '--file', file, '--chunking', chunking, '--host', opts.host ?? '127.0.0.1'];
    if (opts.timeoutMs !== undefined) args.push('--timeout', String(opts.timeoutMs));
    if (opts.ca !== undefined) args.push('--ca', opts.ca);
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    proc.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const code = await new Promise<number | null>((resolve, reject) => {
      proc.once('error', reject);
      proc.once('close', (c) => resolve(c)); // after stdout has been read to its end
    });
    const acks = stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as SentAck);
    if (code !== 0) throw new Error(`adt-sender exited with ${code} after ${acks.length} ACKs: ${stderr.trim().slice(-2000)}`);
    return acks;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
