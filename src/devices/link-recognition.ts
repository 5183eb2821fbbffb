// "Did the driver recognise anything?": the link test's captured bytes fed, chunk by chunk as they
// arrived, to a new session of the device's own driver, and what that session emitted put in one
// sentence (recognition-words.ts). It is the real session, so the verdict is what the running device
// would store or refuse. It runs on a recording link: what it writes back (ACKs, polls) is counted
// and dropped, it logs nothing, remembers no earlier message, and is told the link is up only to see
// whether the driver polls (when nothing arrived).

import type { DeviceLink, DeviceReport, Driver, DriverSession } from '../model/driver.ts';
import { errorText } from '../model/error-text.ts';
import { silentLogger } from '../model/logger.ts';
import type { LinkRecognition, LinkTestResult } from '../web/api-types.ts';
import { driverName, verdictText } from './recognition-words.ts';

/**
 * The most bytes a session is given: a device sends a reading in well under this, and the work runs
 * on the gateway's main thread, so it stays small. It does not tame a generic-line pattern that
 * backtracks catastrophically (`^(a+)+$`): that blocks here as it would on the running device.
 */
export const RECOGNISE_MAX_BYTES = 8 * 1024;
/** Event-loop turns a session gets to finish what its input started (promise chains, an ACK after a durable report); never timers. */
const SETTLE_TURNS = 50;

/** Whose link the bytes came from: a running device's (answered by its own session) or one opened for the test. */
export type TestedLink = 'running' | 'new';

/** What a session did with the bytes. */
export interface SessionOutput {
  reports: DeviceReport[];
  /** protocolError reasons, in order (never their detail). */
  refusals: string[];
  /** Bytes the session wrote back to the device. */
  wrote: number;
}

/** The bytes of a link test result, chunk by chunk, back from their hex (which keeps every byte the test kept). */
export function capturedChunks(result: LinkTestResult): Buffer[] {
  return result.chunks.map((c) => Buffer.from(c.hex.replace(/\s+/g, ''), 'hex'));
}

/** The first `max` bytes of `chunks`, chunked as they were. */
export function firstBytes(chunks: Buffer[], max: number): Buffer[] {
  const out: Buffer[] = [];
  let room = max;
  for (const chunk of chunks) {
    if (room <= 0) break;
    out.push(chunk.subarray(0, room));
    room -= chunk.length;
  }
  return out;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function settle(): Promise<void> {
  for (let i = 0; i < SETTLE_TURNS; i++) await nextTurn();
}

interface RecordedSession {
  session: DriverSession;
  /** Closes the session; what it says while closing (a transmission cut short) is about the test ending, not the device. */
  end(): void;
}

/** A new session of `driver` with `settings` on a link that records what is written and nothing else. */
function openRecorded(driver: Driver, settings: Record<string, unknown>, out: SessionOutput): RecordedSession {
  const link: DeviceLink = {
    write: async (bytes) => {
      out.wrote += bytes.length;
    },
    close: (reason) => {
      out.refusals.push(`the driver would end the connection: ${reason}`);
    },
    device: { id: 'link-test', settings },
    now: () => new Date(),
    log: silentLogger,
    resends: { recall: () => undefined },
  };
  const session = driver.open(link);
  let listening = true;
  session.on('report', (report) => {
    if (listening) out.reports.push(report);
  });
  session.on('protocolError', (error) => {
    if (listening) out.refusals.push(error.reason);
  });
  return {
    session,
    end: () => {
      listening = false;
      session.close();
    },
  };
}

/** Feeds `chunks` to a new session of `driver`, lets it finish what they started, closes it. Throws what `open` throws. */
export async function runSession(driver: Driver, settings: Record<string, unknown>, chunks: Uint8Array[]): Promise<SessionOutput> {
  const out: SessionOutput = { reports: [], refusals: [], wrote: 0 };
  const { session, end } = openRecorded(driver, settings, out);
  try {
    for (const chunk of chunks) {
      session.receive(chunk);
      await nextTurn(); // as between two reads of a real link
    }
    await settle();
  } finally {
    end();
  }
  return out;
}

/** Whether the driver writes to the device as soon as the link is up (it polls): such a device sends nothing unasked. */
async function polls(driver: Driver, settings: Record<string, unknown>): Promise<boolean> {
  const out: SessionOutput = { reports: [], refusals: [], wrote: 0 };
  const { session, end } = openRecorded(driver, settings, out);
  try {
    session.linkUp?.();
    await settle();
  } finally {
    end();
  }
  return out.wrote > 0;
}

/** Drivers that take whole messages (MQTT, a watched folder) cannot be told apart from bytes run together. */
function readsBytes(driver: Driver): boolean {
  return driver.transports.includes('serial') || driver.transports.includes('tcp');
}

const ANSWERS_NOTE =
  'the driver answers this device (an acknowledgement) and a test of a new link does not: a device that waits for the answer sends no more. Save the device, then test it to see the rest';
const POLLS_NOTE = 'the driver asks this device for its values (it polls) and a test of a new link does not: save the device, then test it';

/** One sentence on what the session made of the bytes. */
export function describeOutput(out: SessionOutput, bytes: number, link: TestedLink, driverTitle: string): LinkRecognition {
  const cut = bytes > RECOGNISE_MAX_BYTES ? ` (the first ${RECOGNISE_MAX_BYTES} of ${bytes} bytes read)` : '';
  const note = link === 'new' && out.wrote > 0 ? { note: ANSWERS_NOTE } : {};
  const text = verdictText(out.reports, out.refusals, driverName(driverTitle));
  if (out.reports.length > 0) return { outcome: 'read', text: `${text}${cut}`, ...note };
  if (out.refusals.length > 0) return { outcome: 'refused', text: `${text}${cut}`, ...note };
  return { outcome: 'incomplete', text: `bytes arrived but no complete reading${cut}`, ...note };
}

/** What the driver recognised in the result's bytes; the result unchanged when the link did not open or no driver was named. */
export async function recogniseLinkTest(
  result: LinkTestResult,
  driver: Driver | undefined,
  settings: Record<string, unknown> | undefined,
  link: TestedLink,
): Promise<LinkTestResult> {
  if (!result.opened || !driver) return result;
  const answer = (recognised: LinkRecognition): LinkTestResult => ({ ...result, recognised });
  if (!readsBytes(driver)) {
    return answer({ outcome: 'unsupported', text: `the ${driver.id} driver takes whole messages, not a byte stream: compare the bytes with its README` });
  }
  const s = settings ?? {};
  // Checked first: open() may refuse them, and a pattern that is not valid must never run.
  const problems = driver.validateSettings(s);
  if (problems.length > 0) return answer({ outcome: 'failed', text: `the driver cannot use these settings yet: ${problems.join('; ')}` });
  try {
    if (result.bytes === 0) {
      const asks = link === 'new' && (await polls(driver, s));
      return answer({ outcome: 'nothing', text: 'nothing arrived', ...(asks ? { note: POLLS_NOTE } : {}) });
    }
    const out = await runSession(driver, s, firstBytes(capturedChunks(result), RECOGNISE_MAX_BYTES));
    return answer(describeOutput(out, result.bytes, link, driver.title));
  } catch (err) {
    return answer({ outcome: 'failed', text: `the driver could not read them: ${errorText(err)}` });
  }
}
