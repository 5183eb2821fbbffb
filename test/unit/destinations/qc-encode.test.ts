// QC results through the destination adapters: HL7 for a LIS over MLLP (no patient), medgate.qc/1
// JSON for an uplink on the `{kind}` = qc topic (published to a real broker), none for a FHIR
// uplink; and which destinations take what (`receives`).

import { Value } from '@sinclair/typebox/value';
import { afterEach, describe, expect, it } from 'vitest';
import type { DestinationConfig, MllpDestinationConfig, MqttDestinationConfig } from '../../../src/config/schema.ts';
import { configWarnings } from '../../../src/config/validate.ts';
import type { QcEncodeContext } from '../../../src/destinations/adapter.ts';
import { mllpAdapter } from '../../../src/destinations/mllp/index.ts';
import { mqttAdapter } from '../../../src/destinations/mqtt/index.ts';
import { QcUplinkMessage } from '../../../src/destinations/mqtt/qc-message.ts';
import { receivesPatients, receivesQc } from '../../../src/destinations/receives.ts';
import { silentLogger } from '../../../src/model/logger.ts';
import { resolveTopic } from '../../../src/uplink/topic.ts';
import { startBroker, subscribe } from '../../integration/uplink/broker.ts';
import { eventually } from '../../support/eventually.ts';
import { qcEntry } from '../../support/qc-entry.ts';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const NOW = new Date('2026-12-06T08:15:00.000Z');

function ctx<C extends DestinationConfig>(destination: C, controlId: string): QcEncodeContext<C> {
  return { destination, controlId, now: NOW, gateway: { application: 'MEDGATE', facility: 'CLINIC' } };
}

const lis: MllpDestinationConfig = { id: 'lis', type: 'mllp', host: '127.0.0.1', port: 2575, receivingApplication: 'LIS', receives: ['qc'] };
const uplink = (extra: Partial<MqttDestinationConfig> = {}): MqttDestinationConfig => ({
  id: 'cloud',
  type: 'mqtt',
  url: 'mqtt://127.0.0.1:1',
  topic: 'clinic/{kind}/{deviceId}',
  receives: ['patient', 'qc'],
  ...extra,
});

describe('receives', () => {
  it.each([
    [undefined, true, false],
    [['patient'], true, false],
    [['qc'], false, true],
    [['patient', 'qc'], true, true],
  ] as const)('receives %j: patient results %s, QC results %s', (receives, patients, qc) => {
    const d = receives === undefined ? { receives: undefined } : { receives: [...receives] };
    expect([receivesPatients(d), receivesQc(d)]).toEqual([patients, qc]);
  });
});

describe('MLLP encodeQc', () => {
  it('is the QC ORU^R01: MSH-10 the control ID, MSH-5 the LIS, SPM-11 Q and no PID', () => {
    const encoded = mllpAdapter.encodeQc([qcEntry()], ctx(lis, 'LIS0001'));
    if (!('body' in encoded)) throw new Error(encoded.skipped);
    const msh = encoded.body.split('\r')[0]?.split('|') ?? [];
    expect([msh[2], msh[3], msh[4], msh[8], msh[9]]).toEqual(['MEDGATE', 'CLINIC', 'LIS', 'ORU^R01^ORU_R01', 'LIS0001']);
    expect(encoded.body).not.toMatch(/(^|\r)PID\|/);
    expect(encoded.body).toMatch(/\rSPM\|1\|\^QC-LOT-4711&MEDGATE\|\|QC3\^Quality Control\^HL70487\|{7}Q\r/);
  });
});

describe('MQTT encodeQc', () => {
  it('is medgate.qc/1 JSON with kind qc and the entries as the QC log has them; valid against its schema', () => {
    const rejected = qcEntry({ status: 'rejected', z: 3.4, rules: [{ rule: '1-3s', outcome: 'rejection', scope: 'point', with: [] }], rejection: 'R1' });
    const encoded = mqttAdapter.encodeQc([rejected], ctx(uplink(), 'U1'));
    if (!('body' in encoded)) throw new Error(encoded.skipped);
    const doc: unknown = JSON.parse(encoded.body);
    expect([...Value.Errors(QcUplinkMessage, doc)].map((e) => `${e.path} ${e.message}`)).toEqual([]);
    expect(doc).toMatchObject({
      schema: 'medgate.qc/1',
      kind: 'qc',
      messageId: 'U1',
      sentAt: NOW.toISOString(),
      gateway: { application: 'MEDGATE', facility: 'CLINIC' },
      device: { id: 'chem-1', label: 'Chemistry analyzer' },
      entries: [{ device: 'chem-1', test: 'GLU', lot: '4711', level: '2', value: 5.62, unit: 'mmol/L', z: 3.4, status: 'rejected', rules: [{ rule: '1-3s' }] }],
    });
    expect(encoded.body).not.toMatch(/patient|mrn/i);
    expect(resolveTopic('clinic/{kind}/{deviceId}', encoded.body)).toBe('clinic/qc/chem-1');
  });

  it('a FHIR-format uplink gets no QC: it says why instead of a body, and the configuration check warns of it', () => {
    const encoded = mqttAdapter.encodeQc([qcEntry()], ctx(uplink({ format: 'fhir' }), 'F1'));
    expect(encoded).toEqual({ skipped: expect.stringContaining('FHIR') });
    const config = {
      dataDir: '/tmp/x',
      web: { host: '127.0.0.1', port: 0 },
      devices: [],
      destinations: [lis, uplink({ format: 'fhir' }), uplink({ id: 'json' })],
    };
    expect(configWarnings(config).map((w) => w.path)).toEqual(['destinations[1].receives']);
  });

  it('is published to a real broker on the qc topic, delivered on the PUBACK', async () => {
    const broker = await startBroker();
    cleanup.push(() => broker.stop());
    const sub = await subscribe(broker.url, 'clinic/#');
    cleanup.push(() => sub.close());
    const d = uplink({ url: broker.url });
    const encoded = mqttAdapter.encodeQc([qcEntry()], ctx(d, 'Q1'));
    if (!('body' in encoded)) throw new Error(encoded.skipped);
    const sender = await mqttAdapter.open(d, { log: silentLogger });
    cleanup.push(() => sender.close());
    expect(await sender.send({ controlId: 'Q1', body: encoded.body })).toEqual({ kind: 'delivered' });
    await eventually(() => expect(sub.received).toEqual([{ topic: 'clinic/qc/chem-1', body: encoded.body, qos: 1 }]));
  });
});
