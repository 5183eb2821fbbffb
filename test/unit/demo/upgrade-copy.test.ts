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

  it("gains the demo analyzers' control lots and their simulators' QC schedule, unless the page set its own or changed the driver", () => {
    const devices = shipped.devices as Array<Record<string, unknown>>;
    const sims = (shipped.demo as { simulators: Array<Record<string, unknown>> }).simulators;
    const withQc = devices.filter((d) => d.qc !== undefined);
    expect(withQc.map((d) => d.id)).toEqual(['chem-1', 'astm-1']);
    const before = devices.map(({ qc: _qc, ...d }) => d);
    const beforeSims = sims.map(({ qc: _qc, ...s }) => s);
    const kept = { ...structuredClone(shipped), devices: before, demo: { ...(shipped.demo as object), simulators: beforeSims } };
    const { doc, changed } = upgradeDemoCopy(kept, shipped);
    expect(changed).toEqual(['devices "chem-1": qc', 'devices "astm-1": qc', 'demo.simulators "chem-1": qc', 'demo.simulators "astm-1": qc']);
    expect(doc.devices).toEqual(devices);
    expect((doc.demo as { simulators: unknown[] }).simulators).toEqual(sims);

    const own = before.map((d) => (d.id === 'chem-1' ? { ...d, qc: { lots: [] } } : d.id === 'astm-1' ? { ...d, driver: 'hl7-analyzer' } : d));
    const edited = upgradeDemoCopy({ ...kept, devices: own }, shipped);
    expect(edited.changed).toEqual(['demo.simulators "chem-1": qc']);
    expect((edited.doc.devices as Array<Record<string, unknown>>).find((d) => d.id === 'chem-1')!.qc).toEqual({ lots: [] });
  });

  it('is left alone when it is already up to date', () => {
    expect(upgradeDemoCopy(shipped, shipped).changed).toEqual([]);
  });
});
