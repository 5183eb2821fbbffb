import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { drivers, findDriver, settingsValidators } from '../../../drivers/index.ts';
import { noninExample } from '../../../drivers/generic-line/index.ts';

describe('driver registry', () => {
  it('lists each driver once, findable by id, with a settings validator', () => {
    const ids = drivers.map((d) => d.id);
    expect(ids).toEqual(['ad-scale', 'tanita', 'accutorr', 'generic-line', 'astm-lis2', 'hl7-analyzer', 'mqtt-json', 'ekg-aecg', 'ekg-serial']);
    expect(new Set(ids).size).toBe(ids.length);
    for (const d of drivers) {
      expect(findDriver(d.id)).toBe(d);
      expect(typeof settingsValidators[d.id]).toBe('function');
      expect(d.transports.length).toBeGreaterThan(0);
      // A driver that speaks over serial says how the port is set up.
      if (d.transports.includes('serial')) expect(d.serialDefaults).toBeDefined();
    }
    expect(findDriver('nope')).toBeUndefined();
  });

  it('every driver except generic-line opens with empty settings; its schema accepts its defaults', () => {
    for (const d of drivers) {
      const settings = d.id === 'generic-line' ? { ...noninExample } : {};
      expect(settingsValidators[d.id]?.(settings)).toEqual([]);
      if (d.settings) expect(Value.Check(d.settings, Value.Default(d.settings, structuredClone(settings)))).toBe(true);
    }
  });
});
