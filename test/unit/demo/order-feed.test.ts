// The demo EHR's lab orders: OML^O21 and ORM^O01 the gateway's own inbound parser accepts, with the
// patient, specimen and LOINC tests; the shipped demo's order-taking analyzer performs every demo
// panel; and the feed places orders over real MLLP and scans each specimen once the feed ACKed it.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeviceConfigT } from '../../../src/config/schema.ts';
import { DEMO_PANELS, demoOrderMessage, demoOrderTargets, panelsFor, startDemoOrders } from '../../../src/demo/order-feed.ts';
import { parseInbound } from '../../../src/inbound/parse.ts';
import { MllpListener } from '../../../src/mllp/listener.ts';
import { buildAck } from '../../../src/hl7/ack.ts';
import { silentLogger } from '../../../src/model/logger.ts';
import { PACKAGE_ROOT } from '../../../src/package-root.ts';
import { eventually } from '../../support/eventually.ts';

const DANA = { mrn: 'DEMO1004', family: 'Demo', given: 'Dana', dob: '1990-11-23', sex: 'F' as const };
const shipped = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'config', 'demo.json'), 'utf8')) as { devices: DeviceConfigT[] };

describe('demo lab orders', () => {
  it.each(['OML', 'ORM'] as const)('%s parses as an order of the patient with the specimen, its type and the LOINC tests', (structure) => {
    const panel = DEMO_PANELS[1]!;
    const r = parseInbound(
      demoOrderMessage({ controlId: 'DEMOORD0001', structure, patient: DANA, placer: 'DEMO-X-1', specimenId: 'DEMO-SPC-X-1', panel }, new Date()),
    );
    expect(r.ok).toBe(true);
    if (!r.ok || r.event.kind !== 'order') throw new Error('not an order');
    expect(r.warnings).toEqual([]);
    expect(r.event.patient).toMatchObject({ mrn: 'DEMO1004', family: 'Demo', given: 'Dana' });
    expect(r.event.orders).toHaveLength(1);
    expect(r.event.orders[0]).toMatchObject({ control: 'NW', placer: 'DEMO-X-1', specimenIds: ['DEMO-SPC-X-1'], specimenType: 'UR' });
    expect(r.event.orders[0]!.tests.map((t) => t.code)).toEqual(panel.tests.map((t) => t.loinc));
  });

  it("the shipped demo's order-taking analyzer performs every demo panel (its code map in reverse)", () => {
    const targets = demoOrderTargets(shipped.devices, () => true);
    expect(targets.map((t) => t.deviceId)).toEqual(['astm-1']);
    expect(panelsFor(targets[0]!).map((p) => p.name)).toEqual(DEMO_PANELS.map((p) => p.name));
  });

  it('places orders over MLLP, alternating OML and ORM, and scans each specimen after the feed ACKed it', async () => {
    const received: string[] = [];
    const listener = new MllpListener({
      host: '127.0.0.1',
      port: 0,
      log: silentLogger,
      handler: (message) => {
        received.push(message);
        return buildAck(message, 'AA');
      },
    });
    const { port } = await listener.start();
    const scanned: Array<[string, string]> = [];
    const feed = startDemoOrders({
      host: '127.0.0.1',
      port,
      patients: [DANA],
      targets: demoOrderTargets(shipped.devices, (device, specimen) => scanned.push([device, specimen]) > 0),
      log: silentLogger,
      firstAfterMs: 10,
      everyMs: 50,
      scanAfterMs: 20,
    });
    try {
      await eventually(() => expect(scanned.length).toBeGreaterThanOrEqual(2), 5000);
      const parsed = received.slice(0, 2).map((m) => parseInbound(m));
      expect(parsed.map((p) => p.ok && p.messageType)).toEqual(['OML^O21', 'ORM^O01']);
      const specimens = parsed.map((p) => (p.ok && p.event.kind === 'order' ? p.event.orders[0]!.specimenIds[0] : undefined));
      expect(scanned.slice(0, 2)).toEqual(specimens.map((s) => ['astm-1', s]));
      expect(new Set(specimens).size).toBe(2);
    } finally {
      await feed.stop();
      await listener.close();
    }
  });
});
