// The configuration document: one TypeBox schema gives both the TypeScript types and the JSON
// schema that validates the file, the API and the web form.

import { Type, type Static } from '@sinclair/typebox';
import { DEFAULT_LOCAL_CODE_SYSTEM, LOCAL_CODE_SYSTEM_PATTERN } from '../hl7/local-code-system.ts';
import { DeviceOrders } from '../model/order-settings.ts';
import { DestinationReceives, DeviceQc, QcConfig, QcRule } from '../model/qc-settings.ts';

const Id = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', description: 'letters, digits, _ . - (max 64)' });
const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const PortOrZero = Type.Integer({ minimum: 0, maximum: 65535 });
const Host = Type.String({ minLength: 1 });

export const SerialTransport = Type.Object(
  {
    type: Type.Literal('serial'),
    path: Type.String({ minLength: 1, description: 'device path, e.g. /dev/ttyUSB0 or /dev/serial/by-id/...' }),
    baudRate: Type.Optional(Type.Integer({ minimum: 50, maximum: 4_000_000 })),
    dataBits: Type.Optional(Type.Union([Type.Literal(7), Type.Literal(8)])),
    parity: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('even'), Type.Literal('odd')])),
    stopBits: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2)])),
    rtscts: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** Who may connect to a listener: checked when a connection is accepted, before a byte is read. */
const Allow = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
  minItems: 1,
  maxItems: 256,
  description:
    'addresses and CIDR ranges that may connect, e.g. ["10.1.2.0/24", "10.1.3.7"]; ["any"] accepts anyone. Required on an address other than loopback',
});
const MaxConnections = (fallback: number) =>
  Type.Integer({ minimum: 1, maximum: 1000, description: `connections open at once; one more is closed at once (default ${fallback})` });
const IdleTimeoutMs = Type.Integer({
  minimum: 0,
  maximum: 86_400_000,
  description:
    'any connection that sends nothing for this long is closed (default 0: never, since analyzers and interface engines keep one connection open and idle for hours). Independently, a connection that never sends a byte is closed after 60 s',
});

/** TLS on a listener (inbound feed, device TCP listener); with `requestCert`, only peers with a certificate signed by `caFile`. */
export const ListenerTls = Type.Object(
  {
    certFile: Type.String({ description: 'PEM certificate (chain) file of this listener' }),
    keyFile: Type.String({ description: 'PEM private key file of this listener' }),
    caFile: Type.Optional(Type.String({ description: "PEM file of the CA that signs the peers' certificates" })),
    requestCert: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const TcpTransport = Type.Object(
  {
    type: Type.Literal('tcp'),
    mode: Type.Union([Type.Literal('connect'), Type.Literal('listen')], {
      description: 'connect: the gateway dials the device (serial device servers); listen: the device dials the gateway',
    }),
    host: Type.Optional(Host),
    port: Port,
    allow: Type.Optional(Allow),
    maxConnections: Type.Optional(MaxConnections(2)),
    idleTimeoutMs: Type.Optional(IdleTimeoutMs),
    tls: Type.Optional(ListenerTls),
  },
  { additionalProperties: false },
);

export const MqttTransport = Type.Object(
  {
    type: Type.Literal('mqtt'),
    topic: Type.String({ minLength: 1, maxLength: 256, description: 'topic filter the device publishes on; + and # allowed, e.g. clinic/vitals/+/reading' }),
  },
  { additionalProperties: false },
);

export const FileTransport = Type.Object(
  {
    type: Type.Literal('file'),
    path: Type.String({ minLength: 1, description: 'folder the device exports into (EKG carts); each new file is one message' }),
    suffix: Type.Optional(
      Type.String({ maxLength: 16, description: 'only files ending so, e.g. .xml (check-config warns when absent: every file would be read)' }),
    ),
    pollMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
  },
  { additionalProperties: false },
);

export const Transport = Type.Union([SerialTransport, TcpTransport, MqttTransport, FileTransport]);

export const PatientBody = Type.Object(
  {
    mrn: Type.String({ minLength: 1, maxLength: 64 }),
    assigningAuthority: Type.Optional(Type.String({ maxLength: 64 })),
    family: Type.String({ minLength: 1, maxLength: 128 }),
    given: Type.String({ minLength: 1, maxLength: 128 }),
    dob: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'date of birth as YYYY-MM-DD' })),
    sex: Type.Optional(Type.Union([Type.Literal('M'), Type.Literal('F'), Type.Literal('O'), Type.Literal('U')])),
  },
  { additionalProperties: false },
);

/** LOINC scale (Scale_Typ) of a mapped code the gateway does not know: Qn codes never carry text values. */
export const LoincScaleSchema = Type.Union([Type.Literal('Qn'), Type.Literal('Ord'), Type.Literal('OrdQn'), Type.Literal('Nom'), Type.Literal('Nar')], {
  description:
    'the LOINC scale of the code (Qn quantitative, Ord ordinal, OrdQn either, Nom nominal, Nar narrative); needed only for codes the gateway does not know',
});

/** One mapping of an analyzer test code; `specimen` and `instrument` narrow it to some results. */
export const CodeMapping = Type.Object(
  {
    loinc: Type.Optional(Type.String({ pattern: '^\\d{1,7}-\\d$', description: 'LOINC code, e.g. 2345-7' })),
    display: Type.Optional(Type.String({ maxLength: 200, description: 'the LOINC long common name, sent as the text of OBX-3' })),
    specimen: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 40 }), {
        minItems: 1,
        description:
          'the specimen types this mapping is for: HL7 table 0487 codes (SER, PLAS, WB, UR ...) or the words the analyzer sends; absent: any specimen',
      }),
    ),
    instrument: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'only for results of this instrument or module (as the analyzer names it)' }),
    ),
    scale: Type.Optional(LoincScaleSchema),
  },
  { additionalProperties: false },
);

export type CodeMappingT = Static<typeof CodeMapping>;

export const DeviceConfig = Type.Object(
  {
    id: Id,
    driver: Type.String({ minLength: 1 }),
    label: Type.Optional(Type.String({ maxLength: 128 })),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    transport: Transport,
    settings: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    patient: Type.Optional(
      Type.Object(
        {
          mode: Type.Union([Type.Literal('reported'), Type.Literal('bind'), Type.Literal('order'), Type.Literal('hold')], {
            description:
              'reported: the device sends the patient ID; bind: a person binds the device; order: the specimen ID finds the order and its patient; hold: every reading waits for a person. A device with "orders" takes order (the default there): its results are matched to their order by specimen ID',
          }),
          verify: Type.Optional(
            Type.Boolean({ description: 'reported mode: the ID must match the patient directory (default: true when an inbound feed is configured)' }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    codeMap: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 64 }), Type.Union([CodeMapping, Type.Array(CodeMapping, { minItems: 1 })]), {
        description:
          "the device's own test codes to LOINC: one mapping, or a list with one mapping per specimen (or instrument); unmapped codes go out as local codes and are counted",
      }),
    ),
    lab: Type.Optional(
      Type.Object(
        {
          localCodeSystem: Type.Optional(
            Type.String({
              pattern: '^(L|99[A-Za-z0-9]{1,3})$',
              description: "coding system of the analyzer's own codes in OBX-3 (HL7 table 0396: L or 99zzz); default 99MDG",
            }),
          ),
          specimenType: Type.Optional(
            Type.Object(
              {
                code: Type.String({ minLength: 1, maxLength: 20 }),
                display: Type.Optional(Type.String({ maxLength: 100 })),
                system: Type.Optional(Type.String({ maxLength: 20 })),
              },
              {
                additionalProperties: false,
                description: 'SPM-4 (HL7 table 0487), e.g. { "code": "UR", "display": "Urine" }; with it the specimen goes out in an SPM segment',
              },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    orders: Type.Optional(DeviceOrders),
    qc: Type.Optional(DeviceQc),
    equipment: Type.Optional(
      Type.Object(
        {
          eui64: Type.Optional(Type.String({ pattern: '^[0-9A-Fa-f]{16}$', description: 'EUI-64: 16 hexadecimal digits, e.g. 0012A3FFFE4B5C6D' })),
          model: Type.Optional(Type.String({ maxLength: 64 })),
          serialNumber: Type.Optional(Type.String({ maxLength: 64 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const TlsClientOptions = Type.Object(
  {
    caFile: Type.Optional(Type.String()),
    certFile: Type.Optional(Type.String()),
    keyFile: Type.Optional(Type.String()),
    servername: Type.Optional(Type.String()),
    rejectUnauthorized: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const MllpDestination = Type.Object(
  {
    id: Id,
    type: Type.Literal('mllp'),
    host: Host,
    port: Port,
    tls: Type.Optional(TlsClientOptions),
    receivingApplication: Type.Optional(Type.String({ maxLength: 64 })),
    receivingFacility: Type.Optional(Type.String({ maxLength: 64 })),
    receives: Type.Optional(DestinationReceives),
    // Defaults as the senders and the destination fleet apply them (src/mllp/client.ts, src/runtime/destination-fleet.ts); stated so the page shows them.
    ackTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000, default: 30_000 })),
    connectTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000, default: 10_000 })),
    retry: Type.Optional(
      Type.Object(
        {
          initialMs: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 1000 }),
          maxMs: Type.Integer({ minimum: 10, maximum: 86_400_000, default: 60_000 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const MqttDestination = Type.Object(
  {
    id: Id,
    type: Type.Literal('mqtt'),
    url: Type.String({ pattern: '^mqtts?://', description: 'the upstream broker, mqtt:// or mqtts://' }),
    topic: Type.String({ minLength: 1, maxLength: 256, description: 'publish topic; {deviceId} and {kind} are replaced' }),
    format: Type.Optional(
      Type.Union([Type.Literal('json'), Type.Literal('fhir')], { description: 'json: the normalized reading; fhir: FHIR R4 Observations in a Bundle' }),
    ),
    maxInlineBytes: Type.Optional(
      Type.Integer({
        minimum: 1024,
        description: 'attachments (EKG tracings) larger than this go without their content; many brokers cap a message at 128-256 kB',
      }),
    ),
    clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    receives: Type.Optional(DestinationReceives),
    username: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
    ca: Type.Optional(Type.String({ description: 'CA certificate file' })),
    cert: Type.Optional(Type.String({ description: 'client certificate file' })),
    key: Type.Optional(Type.String({ description: 'client key file' })),
    ackTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000, default: 30_000 })),
    retry: Type.Optional(
      Type.Object(
        { initialMs: Type.Integer({ minimum: 10, default: 1000 }), maxMs: Type.Integer({ minimum: 10, default: 60_000 }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const Destination = Type.Union([MllpDestination, MqttDestination]);

const MqttUser = Type.Object(
  {
    username: Type.String({ minLength: 1 }),
    password: Type.String({ minLength: 8 }),
    publish: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
        description: 'topic filters this user may publish to, inside the topics its devices listen on, e.g. clinic/ekg/cart-1/#; without it, nothing',
      }),
    ),
  },
  { additionalProperties: false },
);

export const MqttBrokerConfig = Type.Union([
  Type.Object(
    {
      url: Type.String({ pattern: '^mqtts?://', description: 'the broker, mqtt:// or mqtts://' }),
      username: Type.Optional(Type.String()),
      password: Type.Optional(Type.String()),
      ca: Type.Optional(Type.String({ description: 'CA certificate file' })),
      cert: Type.Optional(Type.String({ description: 'client certificate file' })),
      key: Type.Optional(Type.String({ description: 'client key file' })),
      clientId: Type.Optional(
        Type.String({ minLength: 1, maxLength: 64, description: 'stable id, so the broker keeps our session (and queued messages) while we are away' }),
      ),
    },
    { additionalProperties: false, title: 'an outside broker' },
  ),
  Type.Object(
    {
      embedded: Type.Object(
        {
          host: Type.Optional(Host),
          port: PortOrZero,
          users: Type.Array(MqttUser, { minItems: 1 }),
          maxPacketBytes: Type.Optional(
            Type.Integer({
              minimum: 1024,
              maximum: 268_435_455,
              description: 'largest MQTT packet a device may send; default 1048576 (1 MiB, 4x a 12-lead aECG)',
            }),
          ),
          connectTimeoutMs: Type.Optional(
            Type.Integer({ minimum: 1000, maximum: 120_000, description: 'a client must sign in (CONNECT) within this time; default 10000' }),
          ),
          maxConnections: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'connections the broker accepts at once; default 32' })),
          maxInflightQos2: Type.Optional(
            Type.Integer({ minimum: 1, maximum: 65_535, description: 'QoS 2 messages one client may hold unreleased; default 8' }),
          ),
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false, title: 'the built-in broker' },
  ),
]);

export const DemoSimulator = Type.Object(
  {
    device: Id,
    /** The simulator serves the device's bytes on this port (the device's transport dials it)... */
    tcpListen: Type.Optional(Type.Object({ host: Type.Optional(Host), port: PortOrZero }, { additionalProperties: false })),
    /** ...or dials the gateway, as analyzers that send results over TCP do (the device's transport listens). */
    tcpConnect: Type.Optional(Type.Object({ host: Type.Optional(Host), port: Port }, { additionalProperties: false })),
    intervalMs: Type.Optional(Type.Integer({ minimum: 50 })),
    count: Type.Optional(Type.Integer({ minimum: 1 })),
    faults: Type.Optional(Type.Array(Type.Union([Type.Literal('garbage'), Type.Literal('unstable'), Type.Literal('partial'), Type.Literal('implausible')]))),
    /** Lab analyzers: QC runs of the device's control lots (`qc.lots`), one of them out of control on purpose. */
    qc: Type.Optional(
      Type.Object(
        {
          everyMs: Type.Integer({ minimum: 1000, description: 'a QC run soon after start, then one every everyMs' }),
          outOfControl: Type.Optional(
            Type.Object(
              { rule: QcRule, run: Type.Integer({ minimum: 1 }), test: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) },
              { additionalProperties: false, description: 'the run-th QC run breaks this Westgard rule (on `test`, default the first test of level 1)' },
            ),
          ),
          mark: Type.Optional(Type.Union([Type.Literal('wire'), Type.Literal('sample-id')], { description: 'wire (default): ASTM O-12 Q, HL7 SPM-11 Q' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const DemoConfig = Type.Object(
  {
    ehr: Type.Optional(Type.Object({ host: Type.Optional(Host), port: Port }, { additionalProperties: false })),
    simulators: Type.Optional(Type.Array(DemoSimulator)),
    bindings: Type.Optional(
      Type.Array(Type.Object({ device: Id, patient: PatientBody, minutes: Type.Integer({ minimum: 1, maximum: 525_600 }) }, { additionalProperties: false })),
    ),
    /** Patients the built-in EHR registers through the inbound feed at start (with those of `bindings`). */
    patients: Type.Optional(Type.Array(PatientBody, { maxItems: 100 })),
  },
  { additionalProperties: false },
);

/** When GET /api/health calls the gateway degraded or failing (docs/monitoring.md); every field optional. */
export const HealthConfig = Type.Object(
  {
    destinationStalledMinutes: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 7 * 24 * 60,
        description: 'messages wait and the destination delivered nothing for this long: failing (default 10)',
      }),
    ),
    deviceDownMinutes: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: 7 * 24 * 60, description: "an enabled device's link down for this long: degraded (default 5)" }),
    ),
    diskLowPercent: Type.Optional(
      Type.Number({ minimum: 0, maximum: 100, description: "free space of the data folder's disk below this: degraded (default 10)" }),
    ),
    diskCriticalPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: 'below this: failing (default 2)' })),
  },
  { additionalProperties: false },
);

/** HTTPS for the page: certificate files, or a self-signed certificate made at first start in the data folder. */
export const WebTls = Type.Union([
  Type.Object(
    {
      certFile: Type.String({ minLength: 1, description: 'PEM certificate (chain) file' }),
      keyFile: Type.String({ minLength: 1, description: 'PEM private key file' }),
    },
    { additionalProperties: false, title: 'certificate files' },
  ),
  Type.Object(
    {
      selfSigned: Type.Literal(true, {
        description: 'create a certificate at first start; compare its fingerprint (console, page) with what the browser shows',
      }),
    },
    { additionalProperties: false, title: 'a self-signed certificate' },
  ),
]);

export const GatewayConfig = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    dataDir: Type.String({ minLength: 1 }),
    web: Type.Object(
      {
        host: Type.Optional(Host),
        port: PortOrZero,
        tls: Type.Optional(WebTls),
        trustProxy: Type.Optional(
          Type.Union([Type.Boolean(), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], {
            description: 'a TLS-terminating proxy in front: its addresses or CIDR ranges (true trusts any); X-Forwarded-For/-Proto from it are believed',
          }),
        ),
      },
      { additionalProperties: false },
    ),
    gateway: Type.Optional(
      Type.Object(
        {
          application: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          facility: Type.Optional(Type.String({ maxLength: 64 })),
          eui64: Type.Optional(Type.String({ pattern: '^[0-9A-Fa-f]{16}$', description: 'EUI-64: 16 hexadecimal digits, e.g. 0012A3FFFE4B5C6D' })),
          assigningAuthority: Type.Optional(Type.String({ maxLength: 64 })),
          localCodeSystem: Type.Optional(
            Type.String({
              pattern: LOCAL_CODE_SYSTEM_PATTERN,
              default: DEFAULT_LOCAL_CODE_SYSTEM,
              description:
                "coding system of every local code in the messages sent (HL7 table 0396: L or 99zzz); a device's lab.localCodeSystem overrides it; default 99MDG",
            }),
          ),
          duplicateWindowHours: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 24 * 365,
              default: 72,
              description:
                'how long the gateway remembers a stored device message (HL7 MSH-10, MQTT message id, aECG document id, ASTM transmission) so a resend, also after a restart, is acknowledged and not stored twice; default 72',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    log: Type.Optional(
      Type.Object(
        { level: Type.Union([Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug')]) },
        { additionalProperties: false },
      ),
    ),
    history: Type.Optional(Type.Object({ retentionDays: Type.Integer({ minimum: 1, maximum: 3650 }) }, { additionalProperties: false })),
    health: Type.Optional(HealthConfig),
    mqtt: Type.Optional(MqttBrokerConfig),
    inbound: Type.Optional(
      Type.Object(
        {
          mllp: Type.Object(
            {
              host: Type.Optional(Host),
              port: PortOrZero,
              allow: Type.Optional(Allow),
              maxConnections: Type.Optional(MaxConnections(4)),
              idleTimeoutMs: Type.Optional(IdleTimeoutMs),
              tls: Type.Optional(ListenerTls),
            },
            { additionalProperties: false, description: 'where the EHR sends ADT and orders' },
          ),
          retentionHours: Type.Optional(
            Type.Integer({ minimum: 1, maximum: 24 * 365, description: 'how long a discharged visit stays in the directory (default 48)' }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    qc: Type.Optional(QcConfig),
    devices: Type.Array(DeviceConfig),
    destinations: Type.Array(Destination),
    demo: Type.Optional(DemoConfig),
  },
  { additionalProperties: false },
);

export type SerialTransportConfig = Static<typeof SerialTransport>;
export type TcpTransportConfig = Static<typeof TcpTransport>;
export type ListenerTlsConfig = Static<typeof ListenerTls>;
export type TransportConfig = Static<typeof Transport>;
export type DeviceConfigT = Static<typeof DeviceConfig>;
export type DestinationConfig = Static<typeof Destination>;
export type MllpDestinationConfig = Static<typeof MllpDestination>;
export type MqttDestinationConfig = Static<typeof MqttDestination>;
export type MqttBrokerConfigT = Static<typeof MqttBrokerConfig>;
export type MqttTransportConfig = Static<typeof MqttTransport>;
export type FileTransportConfig = Static<typeof FileTransport>;
export type PatientBodyT = Static<typeof PatientBody>;
export type DemoConfigT = Static<typeof DemoConfig>;
export type Config = Static<typeof GatewayConfig>;
export type HealthConfigT = Static<typeof HealthConfig>;
