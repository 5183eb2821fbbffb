import { describe, expect, it } from 'vitest';
import { drivers, settingsValidators } from '../../../drivers/index.ts';
import { parseConfigText, ConfigError } from '../../../src/config/load.ts';
import { pointerToPath, validateConfig } from '../../../src/config/validate.ts';
import { driverCatalog } from '../../../src/devices/driver-catalog.ts';

const catalog = driverCatalog(drivers, settingsValidators);

const good = {
  dataDir: './data',
  web: { host: '127.0.0.1', port: 8080 },
  devices: [
    {
      id: 'scale-1',
      driver: 'ad-scale',
      label: 'Scale, room 1',
      transport: { type: 'serial', path: '/dev/ttyUSB0', baudRate: 2400, dataBits: 7, parity: 'even', stopBits: 1 },
    },
  ],
  destinations: [{ id: 'ehr', type: 'mllp', host: '127.0.0.1', port: 2575 }],
};

function problems(doc: unknown): string[] {
  const r = validateConfig(doc, catalog);
  return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
}

describe('config validation', () => {
  it("accepts the issue's example shape", () => {
    expect(problems(good)).toEqual([]);
  });

  it('accepts serial settings left out (the driver has defaults)', () => {
    expect(problems({ ...good, devices: [{ id: 's', driver: 'ad-scale', transport: { type: 'serial', path: '/dev/ttyS0' } }] })).toEqual([]);
  });

  it('names every problem with its JSON path', () => {
    const bad = {
      ...good,
      web: { port: 'eighty' },
      devices: [
        { id: 'scale-1', driver: 'ad-scale', transport: { type: 'serial', path: '/dev/ttyUSB0', parity: 'mark' } },
        { id: 'scale-1', driver: 'nope', transport: { type: 'tcp', mode: 'connect', port: 70000 } },
      ],
      destinations: [{ id: 'ehr', type: 'mllp', host: '', port: 2575, extra: 1 }],
    };
    const list = problems(bad);
    expect(list).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^web\.port: /),
        expect.stringMatching(/^devices\[0\]\.transport\.parity: /),
        expect.stringMatching(/^devices\[1\]\.transport\.port: /),
        expect.stringMatching(/^destinations\[0\]\.host: /),
        expect.stringMatching(/^destinations\[0\](\.extra)?: /),
      ]),
    );
  });

  it('reports semantic problems: duplicate ids, unknown drivers, unsupported transports, bad driver settings', () => {
    const list = problems({
      ...good,
      devices: [
        good.devices[0],
        { ...good.devices[0] },
        { id: 'x', driver: 'nope', transport: { type: 'serial', path: '/dev/x' } },
        { id: 'g', driver: 'generic-line', transport: { type: 'serial', path: '/dev/y' }, settings: { pattern: '(unclosed', fields: {} } },
      ],
    });
    expect(list).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^devices\[1\]\.id: duplicate device id "scale-1"/),
        expect.stringMatching(/^devices\[2\]\.driver: unknown driver "nope" \(known: .*ad-scale/),
        expect.stringMatching(/^devices\[3\]\.settings/),
      ]),
    );
  });

  it('names an unknown transport type', () => {
    expect(problems({ ...good, devices: [{ id: 'a', driver: 'ad-scale', transport: { type: 'pigeon', path: 'x' } }] })).toEqual([
      'devices[0].transport.type: unknown type "pigeon"',
    ]);
  });

  it('locates JSON syntax errors by line and column', () => {
    expect(() => parseConfigText('{\n  "dataDir": "x",\n  oops\n}', 'f.json', catalog)).toThrow(ConfigError);
    try {
      parseConfigText('{\n  "dataDir": "x",\n  oops\n}', 'f.json', catalog);
    } catch (err) {
      expect((err as ConfigError).message).toMatch(/line 3/);
    }
  });

  it('turns JSON pointers into readable paths', () => {
    expect(pointerToPath('/devices/0/transport/path')).toBe('devices[0].transport.path');
    expect(pointerToPath('')).toBe('(root)');
  });
});

describe('config validation of MQTT devices', () => {
  it('refuses two devices whose topics can match the same publish', () => {
    const list = problems({
      ...good,
      devices: [
        { id: 'a', driver: 'mqtt-json', transport: { type: 'mqtt', topic: 'clinic/+/vitals' } },
        { id: 'b', driver: 'mqtt-json', transport: { type: 'mqtt', topic: 'clinic/room1/#' } },
        { id: 'c', driver: 'ekg-aecg', transport: { type: 'mqtt', topic: 'clinic/ekg/+/report' } },
      ],
    });
    expect(list).toEqual([expect.stringMatching(/^devices\[1\]\.transport\.topic: overlaps the topic of devices\[0\]/)]);
  });
});

describe('config validation of demo simulators', () => {
  it('lets a simulator follow its device, and refuses one given two targets or no device', () => {
    expect(problems({ ...good, demo: { simulators: [{ device: 'scale-1' }] } })).toEqual([]);
    expect(problems({ ...good, demo: { simulators: [{ device: 'scale-1', tcpListen: { port: 1 }, tcpConnect: { port: 2 } }] } })).toEqual([
      'demo.simulators[0]: give at most one of tcpListen and tcpConnect',
    ]);
    expect(problems({ ...good, demo: { simulators: [{ device: 'nope' }] } })).toEqual(['demo.simulators[0].device: no device "nope"']);
  });

  it('names the allowed values of a choice', () => {
    expect(problems({ ...good, devices: [{ ...good.devices[0], transport: { ...good.devices[0]!.transport, parity: 'mark' } }] })).toEqual([
      'devices[0].transport.parity: must be one of "none", "even", "odd"',
    ]);
  });
});
