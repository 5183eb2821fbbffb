// An MQTT uplink taking both patient and QC results needs {kind} in its topic, or QC documents are
// published among the readings; check-config and the start say so.

import { describe, expect, it } from 'vitest';
import { drivers } from '../../../drivers/index.ts';
import type { Config } from '../../../src/config/schema.ts';
import { configWarnings, validateConfig } from '../../../src/config/validate.ts';
import { driverCatalog } from '../../../src/devices/driver-catalog.ts';

const catalog = driverCatalog(drivers);

function warnings(destination: Record<string, unknown>): string[] {
  const r = validateConfig({ dataDir: './data', web: { host: '127.0.0.1', port: 8080 }, devices: [], destinations: [destination] }, catalog);
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  // Only the topic's: a QC-only uplink alone is also warned about (no destination for patient results).
  return configWarnings(r.config as Config)
    .filter((w) => w.path.endsWith('.topic'))
    .map((w) => `${w.path}: ${w.message}`);
}

const uplink = { id: 'feed', type: 'mqtt', url: 'mqtt://10.1.2.50:1883' };

describe('the topic of an uplink that receives QC results', () => {
  it('warns when patient and QC results would share a topic without {kind}', () => {
    expect(warnings({ ...uplink, topic: 'clinic/readings/{deviceId}', receives: ['patient', 'qc'] })).toEqual([
      'destinations[0].topic: "clinic/readings/{deviceId}" has no {kind}: QC results would be published on the same topic as patient readings, where a subscriber may chart them; put {kind} in the topic (e.g. "clinic/{kind}/{deviceId}"), or use one destination for each',
    ]);
  });

  it.each([
    ['both kinds, {kind} in the topic', { topic: 'clinic/{kind}/{deviceId}', receives: ['patient', 'qc'] }],
    ['QC only', { topic: 'clinic/qc', receives: ['qc'] }],
    ['patient results only', { topic: 'clinic/readings' }],
  ])('is quiet for %s', (_, fields) => {
    expect(warnings({ ...uplink, ...fields })).toEqual([]);
  });
});
