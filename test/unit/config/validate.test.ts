import { describe, expect, it } from 'vitest';
import { drivers } from '../../../drivers/index.ts';
import { parseConfigText, ConfigError } from '../../../src/config/load.ts';
import { pointerToPath, validateConfig } from '../../../src/config/validate.ts';
import { driverCatalog } from '../../../src/devices/driver-catalog.ts';

const catalog = driverCatalog(drivers);

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
        expect.stringMatching(/^devices\[2\]\.driver: unknown driver "nope": known drivers are .*ad-scale/),
        expect.stringMatching(/^devices\[3\]\.settings/),
      ]),
    );
  });

  it('names an unknown transport type', () => {
    expect(problems({ ...good, devices: [{ id: 'a', driver: 'ad-scale', transport: { type: 'pigeon', path: 'x' } }] })).toEqual([
      'devices[0].transport.type: "pigeon" is not a known type: one of serial, tcp, mqtt, file',
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

  // A hand-made or scripted file (or a request to the page's API) nested thousands deep: a problem, not a RangeError (a 500 on the page).
  it('answers a document nested thousands deep with where, not a stack overflow', () => {
    const deep = (n: number) => JSON.parse(`${'{"a":'.repeat(n)}1${'}'.repeat(n)}`) as unknown;
    const generic = { id: 'g', driver: 'generic-line', transport: { type: 'serial', path: '/dev/y' } };
    expect(problems({ ...good, devices: [{ ...generic, settings: { pattern: '(?<hr>\\d+)', fields: { hr: { code: 'x' } }, extra: deep(5000) } }] })).toEqual([
      'devices[0].settings.extra: nested too deeply here: no setting lies more than 32 levels down',
    ]);
    expect(problems({ ...good, x: deep(5000), web: { port: 'eighty' } })).toEqual([
      'x.a.a.a: nested too deeply here: no setting lies more than 32 levels down',
    ]);
    // As deep as the limit allows is still validated, and sorted, as usual.
    expect(problems({ ...good, x: deep(30), y: 1 })).toEqual([
      expect.stringMatching(/^x: is not a known setting/),
      expect.stringMatching(/^y: is not a known setting/),
    ]);
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
