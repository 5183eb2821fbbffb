// A demo working copy kept from before the broker's publish lists (and the inbound feed) gets them
// from the shipped demo, so the demo EKG cart is not refused after an upgrade; the page's edits stay.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { upgradeDemoCopy } from '../../../src/demo/upgrade-copy.ts';
import { PACKAGE_ROOT } from '../../../src/package-root.ts';

const shipped = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'config', 'demo.json'), 'utf8')) as Record<string, unknown>;

describe('the kept demo copy', () => {
  it('gains the shipped publish lists and inbound feed, and keeps what the page changed', () => {
    const kept = {
      ...structuredClone(shipped),
      devices: [{ id: 'edited-on-the-page' }],
      mqtt: { embedded: { host: '127.0.0.1', port: 1883, users: [{ username: 'demo-cart', password: 'changed-on-the-page' }] } },
    };
    delete (kept as Record<string, unknown>).inbound;
    const { doc, changed } = upgradeDemoCopy(kept, shipped);
    expect(changed).toEqual(['mqtt.embedded.users "demo-cart": publish', 'inbound']);
    expect(doc).toMatchObject({
      devices: [{ id: 'edited-on-the-page' }],
      mqtt: { embedded: { users: [{ username: 'demo-cart', password: 'changed-on-the-page', publish: ['clinic/ekg/ekg-2/aecg'] }] } },
      inbound: shipped.inbound,
    });
  });

  it("gains the demo analyzer's orders unless the page gave that device a patient mode or another driver", () => {
    const devices = shipped.devices as Array<Record<string, unknown>>;
    const astm = devices.find((d) => d.orders !== undefined)!;
    const { orders: _orders, ...before } = astm;
    const kept = { ...structuredClone(shipped), devices: [before] };
    const { doc, changed } = upgradeDemoCopy(kept, shipped);
    expect(changed).toEqual([`devices "${String(astm.id)}": orders`]);
    expect((doc.devices as Array<Record<string, unknown>>)[0]!.orders).toEqual(astm.orders);

    for (const edited of [
      { ...before, patient: { mode: 'reported' } },
      { ...before, driver: 'hl7-analyzer' },
    ]) {
      expect(upgradeDemoCopy({ ...structuredClone(shipped), devices: [edited] }, shipped).changed).toEqual([]);
    }
  });

  it('is left alone when it is already up to date', () => {
    expect(upgradeDemoCopy(shipped, shipped).changed).toEqual([]);
  });
});
