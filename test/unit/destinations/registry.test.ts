// Every destination type the config accepts has exactly one adapter, registered under its type.

import { describe, expect, it } from 'vitest';
import { Destination } from '../../../src/config/schema.ts';
import { adapterLoaders, adapterOf, loadAdapter } from '../../../src/destinations/index.ts';

/** The `type` literals of the config schema's Destination union, read from the schema itself. */
function schemaTypes(): string[] {
  return Destination.anyOf.map((variant) => {
    const literal: unknown = variant.properties.type.const;
    if (typeof literal !== 'string') throw new Error('a Destination variant without a literal type');
    return literal;
  });
}

describe('destination registry', () => {
  it('has one adapter per Destination type in the config schema, keyed by its own type', async () => {
    expect(Object.keys(adapterLoaders).sort()).toEqual(schemaTypes().sort());
    for (const [type, load] of Object.entries(adapterLoaders)) expect((await load()).type).toBe(type);
  });

  it('finds the adapter of a configured destination once its type is loaded', async () => {
    await loadAdapter('mllp');
    await loadAdapter('mqtt');
    expect(adapterOf({ id: 'ehr', type: 'mllp', host: 'ehr.example', port: 2575 }).address({ id: 'ehr', type: 'mllp', host: 'ehr.example', port: 2575 })).toBe(
      'ehr.example:2575',
    );
    const cloud = { id: 'cloud', type: 'mqtt', url: 'mqtts://broker.example', topic: 'site/{deviceId}' } as const;
    expect(adapterOf(cloud).address(cloud)).toBe('mqtts://broker.example site/{deviceId}');
  });
});
