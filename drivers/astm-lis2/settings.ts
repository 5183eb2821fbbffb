import { Type, type Static } from '@sinclair/typebox';

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
        description: 'Frames with more text are refused with NAK. E1381: 240 (a 247-char frame); raise only for an analyzer that sends longer frames',
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
