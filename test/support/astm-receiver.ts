// The analyzer's side of an ASTM E1381 session the host starts (a host-query answer or a download),
// written plainly for tests, apart from the driver and the simulator: waits for the host's ENQ,
// answers it, checks every frame (checksum, frame number, at most 240 characters of text), ACKs it
// and returns the E1394 records once the host sends EOT.

import type { ByteLink } from './astm-analyzer.ts';
import { ACK, ENQ, EOT, ETB, ETX, NAK, STX, checksum } from './astm-wire.ts';

export interface ReceivedTransmission {
  /** The records, each without its CR. */
  records: string[];
  /** Where in `link.received()` the transmission ended (after its EOT). */
  end: number;
}

async function waitFor<T>(link: ByteLink, find: (rx: string) => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = find(link.received());
    if (hit !== undefined) return hit;
    if (Date.now() > deadline) throw new Error(`analyzer end: no ${what} within ${timeoutMs} ms (received ${JSON.stringify(link.received().slice(-200))})`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Resolves with the index just after the host's next ENQ at or after `from`. */
export function waitForEnq(link: ByteLink, from: number, timeoutMs = 15_000): Promise<number> {
  return waitFor(
    link,
    (rx) => {
      const i = rx.indexOf(ENQ, from);
      return i === -1 ? undefined : i + 1;
    },
    timeoutMs,
    'ENQ from the host',
  );
}

/**
 * Receives the host's next transmission starting at `from` (default: what has not been seen yet):
 * ENQ -> ACK, each frame -> ACK (NAK for a bad checksum or frame number), EOT ends it.
 */
export async function receiveTransmission(link: ByteLink, opts: { from?: number; timeoutMs?: number } = {}): Promise<ReceivedTransmission> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  let cursor = await waitForEnq(link, opts.from ?? link.received().length, timeoutMs);
  await link.write(ACK);
  let text = '';
  let expectedFn = 1;
  for (;;) {
    const next = await waitFor(
      link,
      (rx) => {
        const c = rx[cursor];
        if (c === undefined) return undefined;
        if (c === EOT) return { kind: 'eot' as const, at: cursor + 1 };
        if (c !== STX) throw new Error(`analyzer end: expected STX or EOT, got ${JSON.stringify(c)} at ${cursor}`);
        const endAt = rx.indexOf('\r\n', cursor);
        return endAt === -1 ? undefined : { kind: 'frame' as const, body: rx.slice(cursor + 1, endAt), at: endAt + 2 };
      },
      timeoutMs,
      'frame or EOT',
    );
    cursor = next.at;
    if (next.kind === 'eot') break;
    // body = FN text (ETX|ETB) C1 C2
    const body = next.body;
    const terminator = body[body.length - 3];
    const sum = body.slice(-2);
    const checked = body.slice(0, -2);
    const fn = Number(body[0]);
    const frameText = body.slice(1, -3);
    if ((terminator !== ETX && terminator !== ETB) || checksum(checked) !== sum || fn !== expectedFn % 8) {
      await link.write(NAK);
      continue;
    }
    if (frameText.length > 240) throw new Error(`analyzer end: a frame with ${frameText.length} characters of text (E1381 allows 240)`);
    text += frameText;
    expectedFn++;
    await link.write(ACK);
  }
  const records = text.split('\r').filter((r) => r !== '');
  return { records, end: cursor };
}

/** The fields of the records of one type, e.g. fieldsOf(records, 'O') -> [['O','1','SP1',...]]. */
export function fieldsOf(records: string[], type: string): string[][] {
  return records.filter((r) => r.startsWith(`${type}|`)).map((r) => r.split('|'));
}

/** O-5 (universal test ID, repeated with `\`) as the analyzer's codes: `^^^GLU\^^^CREA` -> ['GLU', 'CREA']. */
export function orderedCodes(oRecord: string[]): string[] {
  return (oRecord[4] ?? '')
    .split('\\')
    .map((rep) => rep.split('^')[3] ?? '')
    .filter((c) => c !== '');
}

/** The patient IDs of an E1394 patient record (fields counted from the record type as 1): P.3 practice-assigned, P.4 laboratory-assigned. */
export function patientIds(pRecord: string[]): string[] {
  return [pRecord[2], pRecord[3]].map((f) => (f ?? '').split('^')[0] ?? '').filter((id) => id !== '');
}
