import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { drivers } from '../../../drivers/index.ts';
import { GatewayConfig } from '../../../src/config/schema.ts';
import { discriminatorOf, schemaProblems } from '../../../src/config/schema-problems.ts';
import { validateConfig } from '../../../src/config/validate.ts';
import { driverCatalog } from '../../../src/devices/driver-catalog.ts';

const catalog = driverCatalog(drivers);

const good = () => ({
  dataDir: './data',
  web: { port: 8080 },
  devices: [{ id: 'scale-1', driver: 'ad-scale', transport: { type: 'serial', path: '/dev/ttyUSB0' } as Record<string, unknown> }],
  destinations: [{ id: 'ehr', type: 'mllp', host: '127.0.0.1', port: 2575 } as Record<string, unknown>],
});
type Doc = ReturnType<typeof good> & Record<string, unknown>;

/** The problems of the gateway schema for a good document changed by `edit`, as `path: message`. */
function configProblems(edit: (doc: Doc) => void): string[] {
  const doc: Doc = good();
  edit(doc);
  return schemaProblems(GatewayConfig, doc).map((p) => `${p.path}: ${p.message}`);
}

describe('configuration problems a technician can act on', () => {
  it.each<[string, (doc: Doc) => void, string[]]>([
    [
      'a short embedded-broker password',
      (d) => (d.mqtt = { embedded: { port: 1883, users: [{ username: 'dev', password: 'secret7' }] } }),
      ['mqtt.embedded.users[0].password: needs at least 8 characters'],
    ],
    ['a transport without type', (d) => delete d.devices[0]!.transport.type, ['devices[0].transport.type: is missing: one of serial, tcp, mqtt, file']],
    ['a destination without type', (d) => delete d.destinations[0]!.type, ['destinations[0].type: is missing: one of mllp, mqtt']],
    [
      'an unknown transport type, with the near one',
      (d) => (d.devices[0]!.transport.type = 'seral'),
      ['devices[0].transport.type: "seral" is not a known type: one of serial, tcp, mqtt, file (did you mean "serial"?)'],
    ],
    [
      'an unknown transport type, nothing near',
      (d) => (d.devices[0]!.transport.type = 'usb'),
      ['devices[0].transport.type: "usb" is not a known type: one of serial, tcp, mqtt, file'],
    ],
    ['a type that is not text', (d) => (d.devices[0]!.transport.type = 5), ['devices[0].transport.type: must be one of serial, tcp, mqtt, file']],
    [
      'the problems of the variant the type names (tcp), not of serial',
      (d) => (d.devices[0]!.transport = { type: 'tcp', mode: 'dial', port: 0, path: '/dev/x' }),
      [
        'devices[0].transport.path: is not a known setting (known here: type, mode, host, port, allow, maxConnections, idleTimeoutMs, tls)',
        'devices[0].transport.mode: must be one of "connect", "listen"',
        'devices[0].transport.port: must be at least 1 (is 0)',
      ],
    ],
    ['a transport that is not an object', (d) => (d.devices[0]!.transport = 'serial' as never), ['devices[0].transport: must be an object { ... }']],
    [
      'a misspelt setting, with the setting meant',
      (d) => Object.assign(d.devices[0]!.transport, { baudrate: 9600 }),
      ['devices[0].transport.baudrate: is not a known setting (did you mean "baudRate"?)'],
    ],
    ['a number above the maximum', (d) => (d.web.port = 70000), ['web.port: must be at most 65535 (is 70000)']],
    [
      'a number below the minimum',
      (d) => Object.assign(d.devices[0]!.transport, { baudRate: 12 }),
      ['devices[0].transport.baudRate: must be at least 50 (is 12)'],
    ],
    ['a fraction for a whole number', (d) => (d.web.port = 80.5), ['web.port: must be a whole number (is 80.5)']],
    ['a number in quotes', (d) => (d.web.port = '8080' as never), ['web.port: must be a whole number, without quotes']],
    ['a word for a number', (d) => (d.web.port = 'eighty' as never), ['web.port: must be a whole number']],
    ['a boolean in quotes', (d) => Object.assign(d.devices[0]!, { enabled: 'false' }), ['devices[0].enabled: must be true or false, without quotes']],
    [
      'a choice not offered',
      (d) => Object.assign(d.devices[0]!.transport, { parity: 'mark' }),
      ['devices[0].transport.parity: must be one of "none", "even", "odd"'],
    ],
    ['a literal number choice', (d) => Object.assign(d.devices[0]!.transport, { dataBits: 9 }), ['devices[0].transport.dataBits: must be one of 7, 8']],
    ['a required setting left out, once', (d) => delete d.destinations[0]!.host, ['destinations[0].host: is missing']],
    [
      'a required choice left out, with its values',
      (d) => (d.devices[0]!.transport = { type: 'tcp', port: 4001 }),
      ['devices[0].transport.mode: is missing: one of connect, listen'],
    ],
    ['an empty text', (d) => (d.devices[0]!.transport.path = ''), ['devices[0].transport.path: must not be empty']],
    [
      'a pattern, in the words of its description',
      (d) => (d.devices[0]!.id = 'scale 1'),
      ['devices[0].id: is not in the expected form: letters, digits, _ . - (max 64)'],
    ],
    ['a list that must not be empty', (d) => (d.mqtt = { embedded: { port: 1883, users: [] } }), ['mqtt.embedded.users: needs at least 1 entry (has 0)']],
    ['a list where an object belongs', (d) => (d.web = [] as never), ['web: must be an object { ... }, not a list']],
    ['an object where a list belongs', (d) => (d.devices = {} as never), ['devices: must be a list [ ... ]']],
    ['the broker, neither variant', (d) => (d.mqtt = { port: 1883 }), ['mqtt: needs url (an outside broker) or embedded (the built-in broker)']],
    [
      'the broker, the variant its keys name',
      (d) => (d.mqtt = { embedded: { port: 'x', users: [{ username: 'a', password: 'long enough' }] } }),
      ['mqtt.embedded.port: must be a whole number'],
    ],
    [
      // The outside broker has fewer problems (url missing, embedded unknown), but `embedded` says which broker was meant.
      'the broker, its required key over fewer problems: the embedded one with a stray setting of the other',
      (d) => (d.mqtt = { embedded: { port: 1883, users: [{ username: 'dev', password: 'abcdefg' }] }, username: 'x' }),
      ['mqtt.username: is not a known setting (known here: embedded)', 'mqtt.embedded.users[0].password: needs at least 8 characters'],
    ],
    [
      'the broker, both variants named',
      (d) => (d.mqtt = { embedded: { port: 1883, users: [{ username: 'dev', password: 'abcdefg' }] }, url: 'mqtt://x' }),
      ['mqtt: use url (an outside broker) or embedded (the built-in broker), not both'],
    ],
    [
      'a discriminator spelt with a capital: the key meant, with the choices',
      (d) => (d.devices[0]!.transport = { Type: 'serial', path: '/dev/ttyUSB0' }),
      ['devices[0].transport.Type: is not a known setting (did you mean "type"?): type is one of serial, tcp, mqtt, file'],
    ],
    [
      'a misspelt transport type, two letters swapped',
      (d) => (d.devices[0]!.transport.type = 'tpc'),
      ['devices[0].transport.type: "tpc" is not a known type: one of serial, tcp, mqtt, file (did you mean "tcp"?)'],
    ],
    [
      'web TLS with a misspelt file: the variant meant, no "certFile is missing" beside "did you mean certFile"',
      (d) => (d.web = { port: 8080, tls: { certfile: 'a.pem', keyFile: 'b.pem' } } as never),
      ['web.tls.certfile: is not a known setting (did you mean "certFile"?)'],
    ],
    [
      'web TLS of neither kind',
      (d) => (d.web = { port: 8080, tls: {} } as never),
      ['web.tls: needs certFile and keyFile (certificate files), or selfSigned (a self-signed certificate)'],
    ],
    [
      'a union of a boolean and a list, given text',
      (d) => (d.web = { port: 8080, trustProxy: 'yes' } as never),
      ['web.trustProxy: must be true or false or a list [ ... ]'],
    ],
    [
      'a code map entry: the shape picks one mapping or a list',
      (d) => Object.assign(d.devices[0]!, { codeMap: { GLU: { loinc: '2345' }, NA: [{ loinc: '2951-2', colour: 'red' }] } }),
      [
        'devices[0].codeMap.GLU.loinc: is not in the expected form: LOINC code, e.g. 2345-7',
        'devices[0].codeMap.NA[0].colour: is not a known setting (known here: loinc, display, specimen, instrument, scale)',
      ],
    ],
  ])('%s', (_name, edit, expected) => {
    expect(configProblems(edit)).toEqual(expected);
  });

  it('never says "Expected union value"', () => {
    const all = [
      configProblems((d) => (d.mqtt = {})),
      configProblems((d) => (d.devices[0]!.transport = {})),
      configProblems((d) => (d.destinations[0] = {})),
      configProblems((d) => (d.web = { port: 1, tls: { selfSigned: false } } as never)),
    ].flat();
    expect(all.length).toBeGreaterThan(0);
    for (const line of all) expect(line).not.toMatch(/union/i);
  });

  it('never echoes a secret: no password, URL or text value appears in a message', () => {
    const secret = 'hunter2';
    const lines = configProblems((d) => {
      d.mqtt = { embedded: { port: 1883, users: [{ username: 'dev', password: secret }] } };
      d.destinations.push({ id: 'up', type: 'mqtt', url: `http://u:${secret}@broker`, topic: 't', password: 42 });
      d.devices[0]!.transport.path = 5;
      Object.assign(d.devices[0]!.transport, { parity: secret });
    });
    expect(lines.length).toBe(5);
    for (const line of lines) expect(line).not.toContain(secret);
  });

  it('gives one message per path, the surest', () => {
    const lines = configProblems((d) => {
      delete d.destinations[0]!.host;
      delete d.destinations[0]!.port;
    });
    expect(lines).toEqual(['destinations[0].host: is missing', 'destinations[0].port: is missing']);
  });

  it("speaks of a driver's settings as of the rest (generic-line without fields: once)", () => {
    const r = validateConfig(
      { ...good(), devices: [{ id: 'g', driver: 'generic-line', transport: { type: 'serial', path: '/dev/x' }, settings: { pattern: '^(?<w>\\d+)$' } }] },
      catalog,
    );
    expect(r.ok ? [] : r.problems).toEqual([{ path: 'devices[0].settings.fields', message: 'is missing' }]);
  });

  it("reports a driver's settings together with the rest of the file, for one pass of fixes", () => {
    const r = validateConfig({ ...good(), web: { port: 70000 }, devices: [{ ...good().devices[0], settings: { mode: 'prnt' } }] }, catalog);
    expect(r.ok ? [] : r.problems).toEqual([
      { path: 'web.port', message: 'must be at most 65535 (is 70000)' },
      { path: 'devices[0].settings.mode', message: 'must be one of "stream", "print" (did you mean "print"?)' },
    ]);
  });

  it("places a driver's own check at the setting it names", () => {
    const r = validateConfig(
      {
        ...good(),
        devices: [
          {
            id: 'g',
            driver: 'generic-line',
            transport: { type: 'serial', path: '/dev/x' },
            settings: { pattern: '^(?<w>\\d+)$', fields: { hr: { type: 'pulse' } } },
          },
        ],
      },
      catalog,
    );
    expect(r.ok ? [] : r.problems).toEqual([{ path: 'devices[0].settings.fields.hr', message: 'the pattern has no group named "hr"' }]);
  });

  it('works below a prefix, for a schema of its own', () => {
    const schema = Type.Object(
      { mode: Type.Union([Type.Literal('stream'), Type.Literal('print')]), n: Type.Optional(Type.Integer({ exclusiveMinimum: 0 })) },
      { additionalProperties: false },
    );
    expect(schemaProblems(schema, { mode: 'prnt', n: 0 }, 'devices[2].settings')).toEqual([
      { path: 'devices[2].settings.mode', message: 'must be one of "stream", "print" (did you mean "print"?)' },
      { path: 'devices[2].settings.n', message: 'must be more than 0 (is 0)' },
    ]);
    expect(schemaProblems(schema, 'x')).toEqual([{ path: '(root)', message: 'must be an object { ... }' }]);
  });
});

describe('the discriminator of a union', () => {
  it('is the property every variant fixes, type first', () => {
    const a = Type.Object({ kind: Type.Literal('a'), type: Type.Literal('x') });
    const b = Type.Object({ kind: Type.Literal('b'), type: Type.Literal('y') });
    expect(discriminatorOf([a, b])).toBe('type');
    expect(discriminatorOf([Type.Object({ url: Type.String() }), Type.Object({ embedded: Type.Object({}) })])).toBeUndefined();
    expect(discriminatorOf([a, Type.String()])).toBeUndefined();
  });
});
