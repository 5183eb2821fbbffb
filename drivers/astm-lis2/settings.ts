import { Type, type Static } from '@sinclair/typebox';
import type { SenderConfig } from './sender.ts';

export const astmSettings = Type.Object(
  {
    receiveTimeoutMs: Type.Optional(
      Type.Integer({
        minimum: 100,
        maximum: 600_000,
        default: 30_000,
        title: 'Receiver timeout (ms)',
        description: 'An open transmission with no frame or EOT for this long is discarded (E1381: 30 s; Roche hosts use 15 s)',
      }),
    ),
    maxFrameText: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 65_536,
        default: 240,
        title: 'Longest frame text (chars)',
        description:
          'Frames with more text are refused with NAK; frames medgate sends are split at it. E1381: 240 (a 247-char frame); raise only for an analyzer that sends and takes longer frames',
      }),
    ),
    replyTimeoutMs: Type.Optional(
      Type.Integer({
        minimum: 100,
        maximum: 120_000,
        default: 15_000,
        title: 'Sender reply timeout (ms)',
        description:
          'When medgate sends (a host-query answer, a download): how long it waits for the analyzer to answer ENQ or a frame before ending with EOT (E1381 sender timer: 15 s)',
      }),
    ),
    busyWaitMs: Type.Optional(
      Type.Integer({
        minimum: 100,
        maximum: 120_000,
        default: 10_000,
        title: 'Wait after a busy NAK (ms)',
        description: 'The analyzer answered our ENQ with NAK (busy): wait this long before the next ENQ (E1381: 10 s)',
      }),
    ),
    contentionWaitMs: Type.Optional(
      Type.Integer({
        minimum: 100,
        maximum: 120_000,
        default: 20_000,
        title: 'Wait after the analyzer sent first (ms)',
        description:
          'Both sides sent ENQ (E1381 contention): the instrument has priority; medgate receives its transmission and waits this long after it before trying again (20 s, as CLSI LIS1-A hosts use). A host-query answer waits only as long as its answer budget leaves (less 1 s); an analyzer that was merely sending is followed at once',
      }),
    ),
    downloadStartWithinMs: Type.Optional(
      Type.Integer({
        minimum: 1_000,
        maximum: 3_600_000,
        default: 120_000,
        title: 'Download: longest wait for the line (ms)',
        description:
          'A download that could not start within this long (the analyzer busy or sending one transmission after another) gives up and is tried again later, so the orders behind it are not held',
      }),
    ),
    querySpecimenComponent: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 10,
        default: 2,
        title: 'Host query: specimen id component of Q.3',
        description:
          'Which component of the Q record starting range ID (Q.3) holds the specimen id: 2 by the E1394 layout (patient^specimen); Roche cobas analyzers use 3. When it is empty, component 2, then 1, is used',
      }),
    ),
    textEncoding: Type.Optional(
      Type.Union([Type.Literal('latin1'), Type.Literal('utf8')], {
        default: 'latin1',
        title: 'Text encoding',
        description: 'How the analyzer encodes names and comments: latin1 (one byte per character) or utf8',
      }),
    ),
  },
  { additionalProperties: false },
);

export type AstmSettings = Static<typeof astmSettings>;

/** E1381: a frame is sent at most 6 times; Roche cobas analyzers also give up after 6 ENQs answered NAK. */
const MAX_TRIES = 6;

export function senderDefaults(s: AstmSettings): SenderConfig {
  return {
    replyTimeoutMs: s.replyTimeoutMs ?? 15_000,
    busyWaitMs: s.busyWaitMs ?? 10_000,
    contentionWaitMs: s.contentionWaitMs ?? 20_000,
    maxEnqTries: MAX_TRIES,
    maxFrameTries: MAX_TRIES,
  };
}
