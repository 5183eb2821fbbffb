// The constructed download of docs/protocols.md#astm-download-example, shared by the ASTM
// order tests: the order, and the frames the gateway must send for it (checksums computed by hand).

import type { WorkOrder } from '../../../src/model/work-order.ts';

/** The harness's clock; the frames are for TZ=UTC (ASTM times are local). */
export const NOW = new Date('2025-01-14T09:30:00Z');

export const ORDER: WorkOrder = {
  action: 'new',
  specimenId: 'SPEC123',
  specimenType: 'urine',
  patient: { mrn: 'PID0001', family: 'Doe', given: 'Jane', birthDate: '1980-02-14', sex: 'F' },
  tests: [{ code: 'GLU' }, { code: 'PH' }],
  priority: 'routine',
  orderedAt: '2025-01-14T09:00:00Z',
};

// docs/protocols.md#astm-download-example, exactly as printed there.
export const DOWNLOAD_FRAMES = [
  '\x021H|\\^&|||MEDGATE|||||||P|LIS2-A2|20250114093000\r\x0371\r\n',
  '\x022P|1|PID0001|||Doe^Jane||19800214|F\r\x0314\r\n',
  '\x023O|1|SPEC123||^^^GLU\\^^^PH|R|20250114090000|||||N||||urine||||||||||O\r\x037A\r\n',
  '\x024L|1|N\r\x0307\r\n',
];
export const NO_INFORMATION_FRAMES = ['\x021H|\\^&|||MEDGATE|||||||P|LIS2-A2|20250114093000\r\x0371\r\n', '\x022L|1|I\r\x0300\r\n'];
