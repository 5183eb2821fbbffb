// A new device's ID: the example given is free (never an ID in use), and a taken one is named
// while it is typed, with the device that has it.

import { describe, expect, it } from 'vitest';
import { DeviceConfig } from '../../../../src/config/schema.ts';
import { exampleId, idProblem, idRuleOf } from '../../../../src/web/page/lib/device-id.ts';

/** The rule as the page gets it: the device schema /api/schemas sends, serialised as JSON. */
const schemaRule = idRuleOf((JSON.parse(JSON.stringify(DeviceConfig)) as { properties: { id: { pattern?: string } } }).properties.id.pattern);

describe('device IDs', () => {
  it('offers an example that no device has', () => {
    expect(exampleId('scale', new Set(['scale-1', 'scale-2']))).toBe('scale-3');
    expect(exampleId(undefined, new Set())).toBe('device-1');
  });

  it('names the device that already has the ID', () => {
    const taken = new Map([['scale-1', 'Scale, room 1']]);
    expect(idProblem('scale-1', taken, 'scale-2', schemaRule)?.message).toBe('device "Scale, room 1" already has the ID scale-1: choose another');
    expect(idProblem('scale-2', taken, 'scale-2', schemaRule)).toBeUndefined();
    expect(idProblem('', taken, 'scale-2', schemaRule)?.message).toMatch(/for example scale-2/);
  });

  it("checks the ID against the device schema's own pattern, whatever it says", () => {
    const none = new Map<string, string | undefined>();
    expect(schemaRule).toBeDefined();
    expect(idProblem('-x', none, 'scale-2', schemaRule)?.message).toMatch(/letters, digits/);
    expect(idProblem(`a${'b'.repeat(64)}`, none, 'scale-2', schemaRule)?.message).toMatch(/at most 64/);
    // A stricter schema is followed at once: the page holds no copy of the rule.
    expect(idProblem('Scale_1', none, 'scale-2', /^[a-z0-9-]+$/)?.message).toMatch(/letters, digits/);
    // Without a pattern the server's check is the only one.
    expect(idProblem('-x', none, 'scale-2', undefined)).toBeUndefined();
  });
});
