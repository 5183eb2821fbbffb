// The demo EHR receiver over a real MLLP connection.

import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { startDemoEhr, summarizeHl7 } from '../../../src/demo/ehr.ts';
import { silentLogger } from '../../../src/model/logger.ts';

const ORU = [
  'MSH|^~\\&|MEDGATE|CLINIC|EHR|HOSP|20240501100000||ORU^R01^ORU_R01|MSG0001|P|2.6',
  'PID|||12345^^^HOSP^MR||Doe^Jane',
  'OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||97|%^%^UCUM|||||F',
  'OBX|2||||',
  '',
].join('\r');

describe('demo EHR', () => {
  it('acknowledges a message with AA and its control ID', async () => {
    const ehr = await startDemoEhr({ port: 0, log: silentLogger });
    try {
      const ack = await new Promise<string>((resolve, reject) => {
        const socket = net.connect({ host: '127.0.0.1', port: ehr.port }, () =>
          socket.write(Buffer.concat([Buffer.from([0x0b]), Buffer.from(ORU), Buffer.from([0x1c, 0x0d])])),
        );
        let got = '';
        socket.on('data', (d) => {
          got += d.toString('latin1');
          if (got.includes('\x1c\r')) {
            socket.destroy();
            resolve(got);
          }
        });
        socket.on('error', reject);
      });
      expect(ack).toMatch(/^\x0bMSH\|/);
      expect(ack).toMatch(/MSA\|AA\|MSG0001/);
    } finally {
      await ehr.close();
    }
  });

  it('summarizes without values', () => {
    expect(summarizeHl7(ORU)).toEqual({ type: 'ORU^R01^ORU_R01', controlId: 'MSG0001', observations: 1 });
    expect(summarizeHl7('garbage')).toEqual({ type: '?', controlId: '?', observations: 0 });
  });
});
