// Issue 16, Build 5: QC results forwarded to the destinations that asked for them (`receives:
// ['qc']`), never to the EHR; patient results to the EHR, never to them. Real peers: the gateway
// process, an ASTM analyzer it dials over TCP (written byte by byte here), MLLP stand-ins each in its
// own process, an MQTT broker. The LIS is down when the control arrives: the QC message waits in the
// outbox, arrives once the LIS is up, and then leaves the outbox. The uplink gets medgate.qc/1 JSON
// on its `{kind}` = qc topic.

import { Message } from 'node-hl7-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import type { DestinationConfig } from '../../../src/config/schema.ts';
import { QcUplinkMessage } from '../../../src/destinations/mqtt/qc-message.ts';
import type { HealthReport, MessagesPage } from '../../../src/web/api-types.ts';
import { stateOnDisk } from '../../support/state-on-disk.ts';
import { sendAdt } from '../../support/adt-sender.ts';
import { startBroker, subscribe, type Broker, type Subscriber } from '../uplink/broker.ts';
import { startAnalyzerServer, type AnalyzerServer } from '../../support/analyzer-server.ts';
import type { ByteLink } from '../../support/astm-analyzer.ts';
import { gatewayConfig } from '../../support/configs.ts';
import { startEhrStandin, type EhrStandin } from '../../support/ehr-standin-client.ts';
import { eventually } from '../../support/eventually.ts';
import { freePort } from '../../support/free-port.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../../support/gateway-process.ts';
import { registration, type FeedPatient } from '../../support/order-feed.ts';
import { dialledAstmAnalyzer } from '../../support/orders-rig.ts';
import { awaitQcEntries, expectNotLogged } from '../../support/qc-api.ts';
import { astmSpecimen, hoursAgo, transmit } from '../../support/qc-wire.ts';

const FRED: FeedPatient = { mrn: 'MRN1605', family: 'Field', given: 'Fred', dob: '1966-09-12', sex: 'M' };
const QUICK_MLLP = { ackTimeoutMs: 2000, connectTimeoutMs: 1000, retry: { initialMs: 100, maxMs: 400 } };

const segmentsOf = (text: string): string[] => text.split('\r').filter((s) => s !== '');

interface ForwardRig {
  dir: string;
  analyzer: AnalyzerServer;
  link: ByteLink;
  ehr: EhrStandin;
  gw: GatewayProcess;
  stop(): Promise<void>;
}

/** The gateway dialling one ASTM analyzer, the EHR stand-in as its first destination, `more` after it, Fred registered. */
async function startForwardRig(more: DestinationConfig[]): Promise<ForwardRig> {
  const analyzer = await startAnalyzerServer();
  const ehr = await startEhrStandin();
  const inbound = await freePort();
  const dir = tempDir();
  const config = gatewayConfig(dir, ehr.port, [dialledAstmAnalyzer('chem-1', analyzer.port, { label: 'Chemistry analyzer' })], {
    inbound: { mllp: { host: '127.0.0.1', port: inbound } },
  });
  config.destinations.push(...more);
  const gw = await startGatewayProcess(config, { dir });
  const rig: ForwardRig = {
    dir,
    analyzer,
    ehr,
    gw,
    link: await analyzer.link(),
    stop: async () => {
      await gw.stop();
      await ehr.stop();
      await analyzer.close();
    },
  };
  const acks = await sendAdt(inbound, [registration(`ADT${FRED.mrn}`, FRED)]);
  expect(acks.map((a) => a.code)).toEqual(['AA']);
  return rig;
}

/** A patient result of Fred's from the analyzer, once it is at the EHR. */
async function patientResultAtEhr(rig: ForwardRig, specimen: string, value: string): Promise<void> {
  await transmit(rig.link, astmSpecimen({ specimen, results: { GLU: value }, unit: 'mmol/l', action: 'N', patientId: FRED.mrn, at: hoursAgo(0.5) }));
  await eventually(() => expect(rig.ehr.messages.filter((m) => m.text.includes(specimen))).toHaveLength(1), 15_000);
}

describe('QC forwarded to a LIS, never to the EHR', { timeout: 120_000 }, () => {
  let link: ByteLink;
  let ehr: EhrStandin;
  let lis: EhrStandin | undefined;
  let lisPort: number;
  let gw: GatewayProcess;
  let rig: ForwardRig;

  beforeAll(async () => {
    lisPort = await freePort();
    rig = await startForwardRig([{ id: 'lis', type: 'mllp', host: '127.0.0.1', port: lisPort, receivingApplication: 'LIS', receives: ['qc'], ...QUICK_MLLP }]);
    ({ link, ehr, gw } = rig);
  }, 60_000);

  afterAll(async () => {
    await rig?.stop();
    await lis?.stop();
  });

  it('with the LIS down, the control waits in the outbox as a QC message; a patient result reaches the EHR only', async () => {
    await transmit(link, astmSpecimen({ specimen: 'QC-LOT-4711', results: { GLU: '5.62' }, unit: 'mmol/l', action: 'Q', at: hoursAgo(1) }));
    const [entry] = await awaitQcEntries(gw, { device: 'chem-1', test: 'GLU' }, 1);
    expect(entry).toMatchObject({ lot: 'QC-LOT-4711', value: 5.62, unit: 'mmol/L' });

    // Listed as QC (the device, no patient), waiting for the LIS.
    await eventually(async () => {
      const page = await gw.api<MessagesPage>('GET', '/api/messages?destination=lis');
      expect(page.status).toBe(200);
      expect(page.body.messages.map((m) => [m.kind, m.deviceId, m.qc?.entries, m.qc?.tests, m.patient])).toEqual([
        ['qc', 'chem-1', [entry!.id], ['GLU'], undefined],
      ]);
      expect(page.body.messages[0]?.attempts).toBeGreaterThan(0);
    }, 15_000);

    await patientResultAtEhr(rig, 'SPF1605', '5.1');
    expect(ehr.messages.filter((m) => m.text.includes('QC-LOT-4711'))).toEqual([]);
  });

  it('once the LIS is up the control arrives there as ORU^R01 with SPM-11 Q and no PID, and leaves the outbox', async () => {
    lis = await startEhrStandin({ port: lisPort });
    const [received] = await lis.waitFor(1, 15_000);
    const text = received!.text;
    expect(segmentsOf(text).map((s) => s.slice(0, 3))).toEqual(['MSH', 'OBR', 'NTE', 'OBX', 'NTE', 'SPM']);
    const m = new Message({ text });
    expect(['MSH.9.1', 'MSH.9.2', 'MSH.9.3', 'MSH.5', 'MSH.12'].map((p) => m.get(p).toString())).toEqual(['ORU', 'R01', 'ORU_R01', 'LIS', '2.5.1']);
    expect(m.get('SPM.2.2').toString()).toBe('QC-LOT-4711');
    expect(m.get('SPM.11').toString()).toBe('Q');
    expect(m.get('OBX.3.4').toString()).toBe('GLU');
    expect(m.get('OBX.5').toString()).toBe('5.62');
    expect(m.get('OBX.6.1').toString()).toBe('mmol/L');
    expect(text).not.toContain(FRED.mrn);

    // Delivered QC messages leave the outbox (the QC log keeps the result).
    await eventually(async () => {
      const page = await gw.api<MessagesPage>('GET', '/api/messages?destination=lis');
      expect(page.body.messages).toEqual([]);
    }, 15_000);
    await gw.waitForLog((l) => l.msg === 'QC results forwarded' && l.destination === 'lis', 10_000, 'the delivery log line');

    // The LIS got nothing of the patient's; the EHR nothing of the control's.
    await patientResultAtEhr(rig, 'SPG1605', '6.3');
    expect(lis.messages.map((x) => x.text).filter((t) => t.includes('SPF1605') || t.includes('SPG1605') || t.includes('PID|'))).toEqual([]);
    expect(lis.messages).toHaveLength(1);
    expect(ehr.messages.filter((x) => x.text.includes('QC-LOT-4711'))).toEqual([]);
    expectNotLogged(gw, ['5.62']);
  });
});

describe('QC forwarded to an MQTT uplink as medgate.qc/1 JSON', { timeout: 120_000 }, () => {
  let broker: Broker;
  let sub: Subscriber;
  let rig: ForwardRig;

  beforeAll(async () => {
    broker = await startBroker();
    sub = await subscribe(broker.url, 'clinic/#');
    rig = await startForwardRig([{ id: 'feed', type: 'mqtt', url: broker.url, topic: 'clinic/{kind}/{deviceId}', receives: ['qc'], ackTimeoutMs: 2000 }]);
  }, 60_000);

  afterAll(async () => {
    await rig?.stop();
    await sub?.close();
    await broker?.stop();
  });

  it('publishes the control on clinic/qc/<device>; the patient result goes to the EHR and never to the uplink', async () => {
    await transmit(rig.link, astmSpecimen({ specimen: 'QC-LOT-4712', results: { GLU: '7.41' }, unit: 'mmol/l', action: 'Q', at: hoursAgo(1) }));
    const [entry] = await awaitQcEntries(rig.gw, { device: 'chem-1', test: 'GLU' }, 1);
    await eventually(() => expect(sub.received.map((r) => r.topic)).toEqual(['clinic/qc/chem-1']), 15_000);
    const doc: unknown = JSON.parse(sub.received[0]!.body);
    expect([...Value.Errors(QcUplinkMessage, doc)].map((e) => `${e.path} ${e.message}`)).toEqual([]);
    expect(doc).toMatchObject({
      schema: 'medgate.qc/1',
      kind: 'qc',
      device: { id: 'chem-1', label: 'Chemistry analyzer' },
      entries: [{ id: entry!.id, lot: 'QC-LOT-4712', value: 7.41, unit: 'mmol/L' }],
    });

    await patientResultAtEhr(rig, 'SPU1605', '5.3');
    expect(sub.received).toHaveLength(1);
    expect(rig.ehr.messages.filter((m) => m.text.includes('QC-LOT-4712'))).toEqual([]);
    expectNotLogged(rig.gw, ['7.41']);
  });
});

describe('a destination receiving patient and QC results that refuses QC (AE)', { timeout: 120_000 }, () => {
  let rig: ForwardRig;
  let both: EhrStandin;

  beforeAll(async () => {
    both = await startEhrStandin();
    rig = await startForwardRig([{ id: 'engine', type: 'mllp', host: '127.0.0.1', port: both.port, receives: ['patient', 'qc'], ...QUICK_MLLP }]);
  }, 60_000);

  afterAll(async () => {
    await rig?.stop();
    await both?.stop();
  });

  const deadAt = async (gw: GatewayProcess) => (await gw.api<MessagesPage>('GET', '/api/messages?destination=engine&state=dead')).body.messages;
  const healthCodes = async (gw: GatewayProcess) => (await gw.api<HealthReport>('GET', '/api/health')).body.reasons.map((r) => r.code);

  it('the refused control is a dead letter at once, the patient result behind it goes through, and a person discards the control', async () => {
    const { gw } = rig;
    // An engine validating ORU^R01 against a profile that requires PID: AE for the control, then a refusal of the patient result.
    await both.script(['AE', 'AR']);
    await transmit(rig.link, astmSpecimen({ specimen: 'QC-LOT-4713', results: { GLU: '5.71' }, unit: 'mmol/l', action: 'Q', at: hoursAgo(1) }));
    await awaitQcEntries(gw, { device: 'chem-1', test: 'GLU' }, 1);
    await patientResultAtEhr(rig, 'SPE1605', '5.4');
    // Newest first.
    const [patientDead, qcDead] = await eventually(async () => {
      const dead = await deadAt(gw);
      expect(dead.map((m) => [m.kind ?? 'patient', m.attempts, m.ack?.code])).toEqual([
        ['patient', 1, 'AR'],
        ['qc', 1, 'AE'],
      ]);
      return dead;
    }, 15_000);
    expect(both.messages.map((m) => m.ack)).toEqual(['AE', 'AR']);

    // A patient message is settled through its reading, never discarded here; it goes through on a resend.
    const refused = await gw.api('POST', `/api/messages/${patientDead!.id}/discard`, { reason: 'not ours' });
    expect(refused.status).toBe(409);
    expect((await gw.api('POST', `/api/messages/${patientDead!.id}/resend`)).status).toBe(200);
    await eventually(() => expect(both.messages.filter((m) => m.text.includes('SPE1605')).map((m) => m.ack)).toEqual(['AR', 'AA']), 15_000);
    expect(await healthCodes(gw)).toContain('dead-letters');

    // Two people press Discard at once: one discard, one audit entry, the other told.
    const discards = await Promise.all(
      ['the engine takes no QC', 'not wanted'].map((reason) => gw.api('POST', `/api/messages/${qcDead!.id}/discard`, { reason })),
    );
    expect(discards.map((x) => x.status).sort()).toEqual([200, expect.toSatisfy((n: number) => n === 404 || n === 409)]);
    expect(await deadAt(gw)).toEqual([]);
    // Health reads the outbox's counts at most a few seconds old.
    await eventually(async () => expect(await healthCodes(gw)).not.toContain('dead-letters'), 10_000);
    expect((await gw.api('GET', `/api/messages/${qcDead!.id}`)).status).toBe(404);
    expect(Object.keys(stateOnDisk(`${rig.dir}/data/state.json`).messages)).not.toContain(qcDead!.id);
    const trail = (await gw.api<{ audit: Array<{ action: string; device?: string; reason?: string }> }>('GET', '/api/audit?action=discard')).body.audit;
    expect(trail).toEqual([
      expect.objectContaining({ action: 'discard', device: 'chem-1', reason: expect.stringContaining(`QC entries ${qcDead!.qc!.entries.join(', ')}`) }),
    ]);
    expect((await gw.api('POST', `/api/messages/${qcDead!.id}/discard`, { reason: 'again' })).status).toBe(404);
    expectNotLogged(gw, ['5.71']);
  });
});
