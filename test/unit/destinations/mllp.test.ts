// The MLLP destination: which HL7 message a reading becomes, what an ACK (or its absence) means,
// and the outcomes of real sends to the EHR stand-in (a separate process speaking MLLP).

import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceConfigT, MllpDestinationConfig } from '../../../src/config/schema.ts';
import { describeSendError, type DestinationSender, type EncodeContext } from '../../../src/destinations/adapter.ts';
import { mllpAdapter } from '../../../src/destinations/mllp/index.ts';
import { judgeAck } from '../../../src/destinations/mllp/judge-ack.ts';
import type { Ack } from '../../../src/hl7/ack-types.ts';
import { encodeOruLab } from '../../../src/hl7/oru-lab.ts';
import { encodeOruPcd01 } from '../../../src/hl7/oru-pcd01.ts';
import { silentLogger } from '../../../src/model/logger.ts';
import { freePort } from '../../support/free-port.ts';
import { startEhrStandin } from '../../support/ehr-standin-client.ts';
import { ack, sendError } from '../outbox/helpers.ts';
import { bp, ekg, lab, patient, scale, spo2 } from '../uplink/fixtures.ts';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const dest: MllpDestinationConfig = { id: 'ehr', type: 'mllp', host: '127.0.0.1', port: 1, receivingApplication: 'EPIC', receivingFacility: 'MAIN' };

function context(controlId: string): EncodeContext<MllpDestinationConfig> {
  return { destination: dest, controlId, now: new Date('2025-01-14T09:30:16.000Z'), gateway: { application: 'MEDGATE', facility: 'CLINIC' }, patient };
}

const msh = (body: string): string[] => body.split('\r')[0]!.split('|');

describe('MLLP encode', () => {
  it('sends device vitals as IHE PCD-01 (v2.6) and analyzer results as a lab ORU (v2.5.1), to the configured receiver', () => {
    const vitals = msh(mllpAdapter.encode(scale, context('C1')).body);
    expect([vitals[4], vitals[5], vitals[9], vitals[11], vitals[20]]).toEqual([
      'EPIC',
      'MAIN',
      'C1',
      '2.6',
      'IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO',
    ]);
    const results = msh(mllpAdapter.encode(lab, context('C2')).body);
    expect([results[9], results[11]]).toEqual(['C2', '2.5.1']);
    expect(results.join('|')).not.toContain('IHE_PCD_001');
  });

  it('is pure: the same reading and context give the same bytes', () => {
    expect(mllpAdapter.encode(lab, context('C3')).body).toBe(mllpAdapter.encode(lab, context('C3')).body);
  });

  it('property: hands each encoder everything the configuration says, whichever parts are set', () => {
    const opt = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });
    const settings = fc.record({
      reading: fc.constantFrom(scale, bp, spo2, ekg, lab),
      application: opt(fc.constantFrom('MEDGATE', 'GW|2')),
      facility: opt(fc.constant('CLINIC')),
      gatewayEui64: opt(fc.constant('0018E2FFFE00A1B2')),
      receiver: opt(fc.constant('EPIC')),
      label: opt(fc.constant('Scale by the door')),
      deviceEui64: opt(fc.constant('0018E2FFFE00A1B3')),
      specimenType: opt(fc.constant({ code: 'UR', display: 'Urine' })),
      localCodeSystem: opt(fc.constantFrom('L', '99XYZ')),
      visit: opt(fc.constant({ patientClass: 'O', location: 'ER^1', admittedAt: '2025-01-14T08:00:00.000+01:00' })),
      configured: fc.boolean(),
    });
    fc.assert(
      fc.property(settings, (s) => {
        const device: DeviceConfigT | undefined = s.configured
          ? {
              id: s.reading.deviceId,
              driver: 'x',
              transport: { type: 'tcp', host: '127.0.0.1', port: 1 } as DeviceConfigT['transport'],
              label: s.label,
              equipment: { eui64: s.deviceEui64 },
              lab: { specimenType: s.specimenType },
            }
          : undefined;
        const ctx: EncodeContext<MllpDestinationConfig> = {
          destination: { ...dest, receivingApplication: s.receiver },
          controlId: 'C9',
          now: new Date('2025-01-14T09:30:16.000Z'),
          gateway: { application: s.application, facility: s.facility, eui64: s.gatewayEui64 },
          patient,
          visit: s.visit,
          device,
          localCodeSystem: s.localCodeSystem,
        };
        // The contexts written out field by field, as the encoders document them.
        const header = {
          controlId: 'C9',
          now: ctx.now,
          sendingApplication: { name: s.application ?? 'MEDGATE', eui64: s.gatewayEui64 },
          sendingFacility: s.facility,
          receivingApplication: s.receiver,
          receivingFacility: dest.receivingFacility,
          patient,
          visit: s.visit,
        };
        const r = s.reading;
        const expected =
          r.kind === 'lab'
            ? encodeOruLab(r, {
                ...header,
                device: { id: r.deviceId, label: device?.label, kind: r.kind },
                localCodeSystem: s.localCodeSystem,
                specimenType: device?.lab?.specimenType,
              })
            : encodeOruPcd01(r, {
                ...header,
                device: { id: r.deviceId, label: device?.label, kind: r.kind, eui64: device?.equipment?.eui64 },
                localCodeSystem: s.localCodeSystem,
              });
        expect(mllpAdapter.encode(r, ctx).body).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('judgeAck (HL7 table 0008)', () => {
  it('maps every ACK code', () => {
    const cases: Array<[Ack['code'], string]> = [
      ['AA', 'delivered'],
      ['CA', 'delivered'],
      ['AE', 'retry'],
      ['CE', 'retry'],
      ['AR', 'dead'],
      ['CR', 'dead'],
    ];
    for (const [code, kind] of cases) expect(judgeAck(ack(code, 'X'), 'X').kind, code).toBe(kind);
    expect(judgeAck(ack('AE', 'X'), 'X')).toMatchObject({ failure: 'transient' });
    expect(judgeAck(ack('AA', 'Y'), 'X')).toMatchObject({ kind: 'retry', reason: 'protocol: ACK for Y, expected X', failure: 'transient' });
    expect(judgeAck(ack('AR', 'X', { text: 'Unknown patient', errorCode: '204' }), 'X')).toMatchObject({ reason: 'AR Unknown patient (error 204)' });
    expect(judgeAck(ack('CR', 'X'), 'X')).toMatchObject({ reason: 'CR (no reason given)' });
  });

  it('describes send rejections by kind', () => {
    expect(describeSendError(sendError('timeout', 'no ACK within 30000 ms'))).toBe('timeout: no ACK within 30000 ms');
    expect(describeSendError(new Error('boom'))).toBe('error: boom');
    expect(describeSendError('weird')).toBe('error: weird');
  });
});

describe('MLLP sender against the EHR stand-in', () => {
  async function open(port: number, ackTimeoutMs = 5000): Promise<DestinationSender> {
    const sender = await mllpAdapter.open({ ...dest, port, ackTimeoutMs, connectTimeoutMs: 2000 }, { log: silentLogger });
    cleanup.push(() => sender.close());
    return sender;
  }
  const message = (controlId: string) => ({ controlId, body: mllpAdapter.encode(scale, context(controlId)).body });

  it('AA is delivered with the ACK, AE a transient retry, AR dead with the reason; none rejects', async () => {
    const ehr = await startEhrStandin();
    cleanup.push(() => ehr.stop());
    const sender = await open(ehr.port);
    await ehr.script(['AA', 'AE', 'AR']);
    expect(await sender.send(message('M1'))).toMatchObject({ kind: 'delivered', ack: { code: 'AA', controlId: 'M1' } });
    expect(await sender.send(message('M2'))).toMatchObject({ kind: 'retry', failure: 'transient', ack: { code: 'AE' } });
    expect(await sender.send(message('M3'))).toMatchObject({ kind: 'dead', reason: expect.stringMatching(/^AR/), ack: { code: 'AR' } });
    expect((await ehr.waitFor(3)).map((m) => m.controlId)).toEqual(['M1', 'M2', 'M3']);
  });

  it('no ACK in time is a transient retry; nobody listening is a connect retry', async () => {
    const ehr = await startEhrStandin();
    cleanup.push(() => ehr.stop());
    await ehr.setMode('silent');
    expect(await (await open(ehr.port, 300)).send(message('T1'))).toMatchObject({
      kind: 'retry',
      failure: 'transient',
      reason: expect.stringMatching(/^timeout: /),
    });
    expect(await (await open(await freePort())).send(message('T2'))).toMatchObject({
      kind: 'retry',
      failure: 'connect',
      reason: expect.stringMatching(/^connect: /),
    });
  });
});
