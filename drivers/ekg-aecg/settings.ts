import { Type, type Static } from '@sinclair/typebox';

export const DEFAULT_MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;

export const ekgAecgSettings = Type.Object(
  {
    maxDocumentBytes: Type.Optional(
      Type.Integer({
        minimum: 1024,
        maximum: 200 * 1024 * 1024,
        default: DEFAULT_MAX_DOCUMENT_BYTES,
        title: 'Largest aECG document accepted (bytes)',
        description: 'A 10 s, 12-lead, 500 Hz resting ECG is well under 1 MB; bigger documents are refused and kept for review',
      }),
    ),
    attachDocument: Type.Optional(
      Type.Boolean({
        default: true,
        title: 'Send the aECG document with the results',
        description:
          'On: the document goes to the EHR as an attachment (OBX ED) and carries the tracing. Off, for EHRs that take no documents: each lead goes as its own coded NA row with its sample rate and resolution (IHE PCD Waveform Content Module)',
      }),
    ),
  },
  { additionalProperties: false },
);

export type EkgAecgSettings = Static<typeof ekgAecgSettings>;
