// An EHR: HL7 v2 ORU^R01 over MLLP (HL7 v2.5.1 Appendix C, MLLP release 2), delivered on AA/CA.

import type { MllpDestinationConfig } from '../../config/schema.ts';
import type { DestinationAdapter } from '../adapter.ts';
import { encodeMllp, encodeMllpQc } from './encode.ts';
import { openMllp } from './sender.ts';

export const mllpAdapter: DestinationAdapter<MllpDestinationConfig> = {
  type: 'mllp',
  encode: encodeMllp,
  encodeQc: encodeMllpQc,
  open: openMllp,
  address: (c) => `${c.host}:${c.port}`,
  deliveredLog: 'forwarded to EHR',
};
