// An analyzer that sends HL7 ORU over MLLP to the gateway: ACKed once durable, normalized through
// the device's code map, forwarded to the EHR stand-in as a lab ORU.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Message } from 'node-hl7-client';
import { runSimulator } from '../../../simulators/runner.ts';
import { MllpClient } from '../../../src/mllp/client.ts';
import { gatewayConfig } from '../../support/configs.ts';
import { startEhrStandin, type EhrStandin } from '../../support/ehr-standin-client.ts';
import { eventually } from '../../support/eventually.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../../support/gateway-process.ts';

const ANALYZER_ORU = [
  'MSH|^~\\&|COBAS|LAB1|MEDGATE|CLINIC|20251201101500||ORU^R01^ORU_R01|AN000017|P|2.5.1',
  'PID|1||MRN7788^^^NORTH^MR||Roe^Richard||19700405|M',
  'OBR|1|ORD5511|SPEC9001|CHEM^Chemistry panel^L|||20251201093000',
  'OBX|1|NM|GLU^Glucose^L||98|mg/dL|70-99|N|||F|||20251201101000',
  'OBX|2|NM|K^Potassium^L||5.9|mmol/L|3.5-5.1|H|||F|||20251201101000',
  'NTE|1|L|Repeat potassium advised',
].join('\r');

describe('hl7-analyzer -> gateway process -> EHR stand-in', () => {
  let ehr: EhrStandin;
  let gw: GatewayProcess;
  const port = 48000 + Math.floor(Math.random() * 900);

  beforeAll(async () => {
    ehr = await startEhrStandin();
    const dir = tempDir();
    gw = await startGatewayProcess(
      gatewayConfig(dir, ehr.port, [
        {
          id: 'cobas-1',
          driver: 'hl7-analyzer',
          label: 'Chemistry analyzer',
          transport: { type: 'tcp', mode: 'listen', host: '127.0.0.1', port },
          codeMap: {
            GLU: { loinc: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma' },
            K: { loinc: '2823-3', display: 'Potassium [Moles/volume] in Serum or Plasma' },
          },
        },
      ]),
      { dir },
    );
  });

  afterAll(async () => {
    await gw?.stop();
    await ehr?.stop();
  });

  it('ACKs AA and forwards a lab ORU with mapped codes; a resent duplicate is ACKed but not forwarded twice', async () => {
    const analyzer = new MllpClient({ host: '127.0.0.1', port, ackTimeoutMs: 5000 });
    try {
      const ack = await analyzer.send(ANALYZER_ORU, 'AN000017');
      expect(ack.code).toBe('AA');
      await eventually(() => expect(ehr.messages.filter((m) => m.text.includes('SPEC9001'))).toHaveLength(1), 10_000);
      const msg = new Message({ text: ehr.messages.find((m) => m.text.includes('SPEC9001'))!.text });
      expect(msg.get('MSH.12').toString()).toBe('2.5.1');
      expect(msg.get('PID.3.1').toString()).toBe('MRN7788');
      expect(msg.get('PID.5.1').toString()).toBe('Roe');
      const rows: string[] = [];
      msg
        .get('OBX')
        .forEach((seg) =>
          rows.push(`${seg.get('OBX.3.1').toString()}|${seg.get('OBX.3.4').toString()}|${seg.get('OBX.5').toString()}|${seg.get('OBX.8').toString()}`),
        );
      expect(rows).toEqual(['2345-7|GLU|98|N', '2823-3|K|5.9|H']);
      expect(msg.toString()).toContain('Repeat potassium advised');

      const again = await analyzer.send(ANALYZER_ORU, 'AN000017');
      expect(again.code).toBe('AA');
      await new Promise((r) => setTimeout(r, 500));
      expect(ehr.messages.filter((m) => m.text.includes('SPEC9001'))).toHaveLength(1);
    } finally {
      await analyzer.close();
    }
  });

  it('refuses a message that is not a result with AR', async () => {
    const analyzer = new MllpClient({ host: '127.0.0.1', port, ackTimeoutMs: 5000 });
    try {
      const ack = await analyzer.send('MSH|^~\\&|COBAS|LAB1|MEDGATE|CLINIC|20251201101500||QRY^A19|Q1|P|2.5.1\rQRD|20251201|R|I|Q1', 'Q1');
      expect(ack.code).toBe('AR');
    } finally {
      await analyzer.close();
    }
  });

  it('takes the results of the simulated analyzer', async () => {
    const before = ehr.messages.length;
    const sim = await runSimulator({ driver: 'hl7-analyzer', tcpConnect: { host: '127.0.0.1', port }, count: 3, intervalMs: 50, seed: 5 });
    await sim.done;
    await sim.stop();
    await eventually(() => expect(ehr.messages.length).toBeGreaterThanOrEqual(before + 3), 15_000);
  });
});
