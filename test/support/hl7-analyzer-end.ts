// An HL7 analyzer's end of one MLLP connection to the gateway, written plainly for tests (its own
// framing, apart from src/mllp and the simulator): sends results and queries and waits for their
// ACK or response by MSA-2; answers every message the gateway sends it (an order) with an ACK
// whose code and reason the test chooses, and keeps those messages for the test to read.

import { connectTcp } from './tcp-connect.ts';

const VT = '\x0b';
const FS_CR = '\x1c\r';

export interface AnalyzerAnswer {
  code: 'AA' | 'AE' | 'AR';
  /** MSA-3 and ERR-8. */
  reason?: string;
}

export interface Hl7AnalyzerEnd {
  /** Every message the gateway sent that is not an answer to ours (orders), in arrival order. */
  readonly received: string[];
  /** Sends one message and resolves with the gateway's answer (its MSA-2 is our MSH-10). */
  send(message: string, timeoutMs?: number): Promise<string>;
  /** How the next orders are answered (default AA). */
  answerWith(answer: AnalyzerAnswer): void;
  close(): Promise<void>;
}

/** Field n of the first segment named, raw: field(m, 'ORC', 1) is ORC-1; MSH-1 is the field separator itself. */
export function field(message: string, segment: string, n: number): string {
  const seg = message.split('\r').find((s) => s.startsWith(`${segment}|`));
  if (!seg) return '';
  const parts = seg.split('|');
  return (segment === 'MSH' ? parts[n - 1] : parts[n]) ?? '';
}

/** Every segment of that name, split at '|' (index n is field n). */
export function segments(message: string, name: string): string[][] {
  return message
    .split('\r')
    .filter((s) => s.startsWith(`${name}|`))
    .map((s) => s.split('|'));
}

function ackFor(message: string, answer: AnalyzerAnswer): string {
  const controlId = field(message, 'MSH', 10);
  const reason = (answer.reason ?? '').replace(/[|^~\\&\r]/g, ' ');
  const segs = [
    `MSH|^~\\&|ANALYZER|LAB|${field(message, 'MSH', 3)}|${field(message, 'MSH', 4)}|20261206080000||ACK^O21^ACK|A${controlId}|P|2.5.1`,
    `MSA|${answer.code}|${controlId}${reason ? `|${reason}` : ''}`,
  ];
  // ERR-3 HL7 table 0357 code 207 (application error), ERR-4 severity E, ERR-8 the words for a person.
  if (answer.code !== 'AA') segs.push(`ERR|||207^Application internal error^HL70357|E||||${reason}`);
  return segs.join('\r') + '\r';
}

export async function connectHl7Analyzer(port: number, host = '127.0.0.1'): Promise<Hl7AnalyzerEnd> {
  const socket = await connectTcp(port, host);
  const received: string[] = [];
  const waiting = new Map<string, (m: string) => void>();
  let answer: AnalyzerAnswer = { code: 'AA' };
  let buf = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    buf += chunk;
    for (;;) {
      const start = buf.indexOf(VT);
      const end = buf.indexOf(FS_CR, start);
      if (start === -1 || end === -1) break;
      const message = buf.slice(start + 1, end);
      buf = buf.slice(end + 2);
      const answered = field(message, 'MSA', 2);
      const waiter = answered ? waiting.get(answered) : undefined;
      if (waiter) {
        waiting.delete(answered);
        waiter(message);
      } else if (!answered) {
        received.push(message);
        socket.write(`${VT}${ackFor(message, answer)}${FS_CR}`);
      }
    }
  });
  return {
    received,
    send: (message, timeoutMs = 10_000) =>
      new Promise<string>((resolve, reject) => {
        const controlId = field(message, 'MSH', 10);
        const timer = setTimeout(() => {
          waiting.delete(controlId);
          reject(new Error(`no answer to ${controlId} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(controlId, (m) => {
          clearTimeout(timer);
          resolve(m);
        });
        socket.write(`${VT}${message}${FS_CR}`);
      }),
    answerWith: (a) => {
      answer = a;
    },
    close: async () => {
      socket.destroy();
      await new Promise((r) => setImmediate(r));
    },
  };
}

let sequence = 0;

/** An analyzer's MSH for a message of this type (MSH-9), with a control ID (MSH-10) of its own. */
export function analyzerMsh(type: string): string {
  sequence += 1;
  return `MSH|^~\\&|ANALYZER|LAB|MEDGATE|CLINIC|20261206091000||${type}|AN${process.pid}-${sequence}|P|2.5.1`;
}

/** The analyzer's results for a specimen (its own codes to values), echoing the order numbers it was given (OBR-2/3) and the specimen (SPM-2). */
export function specimenResultsMessage(o: { mrn: string; placer: string; filler: string; specimen: string }, values: Record<string, string>): string {
  return [
    analyzerMsh('ORU^R01^ORU_R01'),
    `PID|1||${o.mrn}`,
    `OBR|1|${o.placer}|${o.filler}|${Object.keys(values)[0]}^^99MDG|||20261206090000`,
    ...Object.entries(values).map(([code, v], i) => `OBX|${i + 1}|NM|${code}^^99MDG||${v}|mg/dL|||N|||F|||20261206091000`),
    `SPM|1|${o.specimen}||SER`,
  ].join('\r');
}
