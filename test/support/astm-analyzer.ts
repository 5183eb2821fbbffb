// Drives one ASTM transmission over a byte link the way an analyzer does: ENQ, then each frame
// after the previous ACK, then EOT. Returns what the host answered to each step.

import { ACK, ENQ, EOT, NAK } from './astm-wire.ts';

export interface ByteLink {
  write(text: string): Promise<void>;
  /** Everything received so far (latin1). */
  received(): string;
  /** Resolves when more bytes arrive; without it the link is polled. */
  waitForData?(): Promise<void>;
}

/** The host's next ACK, NAK or EOT at or after `from`; throws after `timeoutMs`. */
export async function nextReply(link: ByteLink, from: number, timeoutMs: number): Promise<{ reply: string; at: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rx = link.received();
    for (let i = from; i < rx.length; i++) {
      const c = rx[i]!;
      if (c === ACK || c === NAK || c === EOT) return { reply: c, at: i + 1 };
    }
    if (Date.now() > deadline) throw new Error(`no ACK/NAK from the host within ${timeoutMs} ms`);
    if (link.waitForData) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([link.waitForData(), new Promise((r) => (timer = setTimeout(r, Math.max(1, deadline - Date.now()))))]);
      clearTimeout(timer);
    } else {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

export interface SendResult {
  replies: string[];
}

/**
 * Sends frames; `stopAfter` frames are sent and then the transmission is abandoned (no EOT).
 * `establishedAt`: the host already answered our ENQ with the ACK that ends at this index, so no ENQ is sent.
 */
export async function sendTransmission(
  link: ByteLink,
  frames: string[],
  opts: { stopAfter?: number; timeoutMs?: number; establishedAt?: number } = {},
): Promise<SendResult> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const replies: string[] = [];
  let cursor = opts.establishedAt ?? link.received().length;
  let r: { reply: string; at: number };
  if (opts.establishedAt === undefined) {
    await link.write(ENQ);
    r = await nextReply(link, cursor, timeoutMs);
    cursor = r.at;
    replies.push(r.reply);
    if (r.reply !== ACK) return { replies };
  }
  const n = opts.stopAfter ?? frames.length;
  for (let i = 0; i < n; i++) {
    for (let attempt = 0; attempt < 6; attempt++) {
      await link.write(frames[i]!);
      r = await nextReply(link, cursor, timeoutMs);
      cursor = r.at;
      replies.push(r.reply);
      if (r.reply === ACK) break;
    }
  }
  if (opts.stopAfter === undefined) await link.write(EOT);
  return { replies };
}

/**
 * The analyzer's results for one specimen (E1394 H, P, O, R..., L): its own codes to values, all in
 * `unit`, with the patient ID it was given (laboratory-assigned) and the specimen ID.
 */
export function specimenResults(patientId: string, specimen: string, values: Record<string, string>, unit = 'mg/dL'): string[] {
  const codes = Object.keys(values);
  return [
    'H|\\^&|||CHEM-300^4.1^SN1187|||||MEDGATE||P|LIS2-A2|20261206090000',
    `P|1||${patientId}`,
    `O|1|${specimen}||${codes.map((c) => `^^^${c}`).join('\\')}|R|20261206080500|20261206080500||||||||serum||||||||||F`,
    ...codes.map((c, i) => `R|${i + 1}|^^^${c}|${values[c]}|${unit}|||N||F||OP|20261206085500|20261206085900|CHEM-300`),
    'L|1|N',
  ];
}
