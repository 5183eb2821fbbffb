// MllpClient against the EHR stand-in: a separate process with its own framing that parses what it
// receives with node-hl7-client.

import { afterEach, describe, expect, it } from 'vitest';
import { MllpClient, MllpError } from '../../../src/mllp/client.ts';
import { startEhrStandin, type EhrStandin } from '../../support/ehr-standin-client.ts';

const ORU = (controlId: string): string =>
  `MSH|^~\\&|MEDGATE^080019FFFE3ED02D^EUI-64|CLINIC|EHR|HOSP|20250114093016+0000||ORU^R01^ORU_R01|${controlId}|P|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO\r` +
  'PID|||HO2009001^^^NIST^PI||Hon^Albert^^^^^L\r' +
  'OBR|1|||182777000^monitoring of patient^SCT|||20250114093000+0000\r' +
  'OBX|1|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.1.1|120|266016^MDC_DIM_MMHG^MDC|||||R|||20250114093000+0000\r' +
  'NTE|1||Température 36,8 °C\r';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function standin(port?: number): Promise<EhrStandin> {
  const s = await startEhrStandin(port === undefined ? {} : { port });
  cleanups.push(() => s.stop());
  return s;
}

function client(port: number, ackTimeoutMs = 5_000): MllpClient {
  const c = new MllpClient({ host: '127.0.0.1', port, ackTimeoutMs });
  cleanups.push(() => c.close());
  return c;
}

async function kindOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    return err instanceof MllpError ? err.kind : `unexpected: ${String(err)}`;
  }
}

describe('MllpClient against the EHR stand-in', () => {
  it('delivers a PCD-01 ORU that node-hl7-client parses, and reads the AA', async () => {
    const ehr = await standin();
    const ack = await client(ehr.port).send(ORU('MG100'), 'MG100');
    expect(ack).toMatchObject({ code: 'AA', controlId: 'MG100' });
    const [received] = await ehr.waitFor(1);
    expect(received).toMatchObject({ controlId: 'MG100', type: 'ORU^R01^ORU_R01', duplicate: false, ack: 'AA' });
    expect(received?.text).toBe(ORU('MG100'));
    expect(received?.fields).toMatchObject({ 'MSH-21': 'IHE_PCD_001', 'PID-3': 'HO2009001', 'PID-5': 'Hon^Albert' });
  });

  it('follows a script of answers, then the default, and flags a resent control id', async () => {
    const ehr = await standin();
    await ehr.script(['AE', 'AR']);
    const c = client(ehr.port);
    const first = await c.send(ORU('MG200'), 'MG200');
    expect(first).toMatchObject({ code: 'AE', controlId: 'MG200', errorCode: '207', text: 'stand-in answered AE' });
    expect((await c.send(ORU('MG200'), 'MG200')).code).toBe('AR');
    expect((await c.send(ORU('MG200'), 'MG200')).code).toBe('AA');
    const got = await ehr.waitFor(3);
    expect(got.map((m) => [m.ack, m.duplicate])).toEqual([
      ['AE', false],
      ['AR', true],
      ['AA', true],
    ]);
  });

  it("times out against a silent EHR, and 'closed' when it hangs up on receipt", async () => {
    const ehr = await standin();
    await ehr.setMode('silent');
    const c = client(ehr.port, 400);
    expect(await kindOf(c.send(ORU('MG300'), 'MG300'))).toBe('timeout');
    await ehr.setMode('close');
    expect(await kindOf(c.send(ORU('MG301'), 'MG301'))).toBe('closed');
    await ehr.setMode('CA');
    expect(await c.send(ORU('MG302'), 'MG302')).toMatchObject({ code: 'CA', controlId: 'MG302' });
    expect((await ehr.waitFor(3)).map((m) => m.controlId)).toEqual(['MG300', 'MG301', 'MG302']);
  });

  it('delivers again after the EHR restarts on the same port', async () => {
    const first = await startEhrStandin();
    const port = first.port;
    const c = client(port);
    expect((await c.send(ORU('MG400'), 'MG400')).code).toBe('AA');
    await first.stop();
    expect(await kindOf(c.send(ORU('MG401'), 'MG401'))).toMatch(/^(connect|closed)$/);
    const second = await standin(port);
    expect(second.port).toBe(port);
    expect((await c.send(ORU('MG401'), 'MG401')).code).toBe('AA');
    expect((await second.waitFor(1)).map((m) => m.controlId)).toEqual(['MG401']);
  });
});
