// The embedded MQTT broker (aedes, in-process) for clinics without one. Every client must give a
// configured username and password; the gateway's own client gets a random user made at start.
// Devices only publish, each inside its own topics (mqtt-acl.ts); what a client can make the
// broker hold is bounded (packet size, bytes and time before sign-in, connections, QoS 2 in flight).
// Sessions and queued messages live in memory: a gateway restart forgets them (see README).

import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import net from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { Logger } from '../model/logger.ts';
import { publishRefusal, subscribeAllowed } from './mqtt-acl.ts';
import { ClientIdBindings } from './mqtt-client-ids.ts';
import { MeteredSocket, PacketMeter, SignInQueue } from './mqtt-packet-meter.ts';
import { summaryLog } from '../net/connection-guard.ts';
import './mqtt-packet-memory.ts';

export interface BrokerUser {
  username: string;
  password: string;
  /** Topic filters this user may publish to; absent or empty: nothing. */
  publish?: readonly string[];
}

export interface BrokerLimits {
  /** Largest packet a signed-in client may send. */
  maxPacketBytes: number;
  /** Bytes a client may send before its CONNECT is accepted. */
  maxUnauthenticatedBytes: number;
  /** A CONNECT must arrive within this time of connecting. */
  connectTimeoutMs: number;
  maxConnections: number;
  /** QoS 2 messages one client may hold unreleased (received, no PUBREL yet). */
  maxInflightQos2: number;
  /** Connections not yet signed in, in all (at most half of maxConnections, so devices keep theirs). */
  maxUnauthenticatedConnections: number;
  /** Connections not yet signed in from one address. */
  maxUnauthenticatedPerAddress: number;
  /** Largest keepalive a client may ask for; 0 (never time out) is refused, so a login cannot hold a slot for ever. */
  maxKeepaliveSeconds: number;
}

export const DEFAULT_BROKER_LIMITS: BrokerLimits = {
  // The demo EKG cart's largest 12-lead aECG document is 187 KB (10 s at 500 Hz): 4x that, rounded up.
  maxPacketBytes: 1024 * 1024,
  // A CONNECT carries a client id, a username, a password and maybe a small will.
  maxUnauthenticatedBytes: 64 * 1024,
  connectTimeoutMs: 10_000,
  // Signed-in clients can make the broker hold at most maxConnections x maxInflightQos2 x
  // maxPacketBytes of unreleased QoS 2 messages (256 MiB with these): lower it to the devices there are.
  maxConnections: 32,
  maxInflightQos2: 8,
  maxUnauthenticatedConnections: 16,
  maxUnauthenticatedPerAddress: 4,
  // mqtt.js and most device stacks default to 60 s; a silent client goes after 1.5x this [MQTT-3.1.2-24].
  maxKeepaliveSeconds: 600,
};

export interface EmbeddedBrokerOptions {
  host?: string;
  port: number;
  users: BrokerUser[];
  log: Logger;
  limits?: Partial<BrokerLimits>;
  /** Whether a configured device takes this topic; a publish to any other is refused. */
  deviceListens: (topic: string) => boolean;
  /**
   * Takes each device publish before the broker acknowledges it: the PUBACK goes only once this
   * resolves (the reading is durable); a rejection drops the device's connection without one, so
   * the device sends again. Without it the broker acknowledges on receipt, as brokers do.
   */
  onDevicePublish?: (topic: string, payload: Buffer, redelivered: boolean) => Promise<void>;
  /** The gateway's own client's login; random when not given (a test restarting a broker passes the same). */
  internalCredentials?: BrokerUser;
}

export interface EmbeddedBroker {
  /** The bound port (useful with port 0). */
  port: number;
  /** For the gateway's own MqttConnection; never shown anywhere. */
  internalCredentials: BrokerUser;
  close(): Promise<void>;
}

// MQTT 3.1.1 section 3.2.2.3, CONNACK return codes.
const IDENTIFIER_REJECTED = 2;
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;

function connackError(message: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/** Fixed-length digests, so the comparison takes the same time whatever the lengths. */
function digest(text: string | Buffer): Buffer {
  return createHash('sha256').update(text).digest();
}

function matchingUser(users: readonly BrokerUser[], username: string | undefined, password: Buffer | undefined): BrokerUser | undefined {
  if (username === undefined || password === undefined) return undefined;
  const u = digest(username);
  const p = digest(password);
  let found: BrokerUser | undefined;
  // Look at every user, so timing does not say which usernames exist.
  for (const user of users) {
    const nameOk = timingSafeEqual(u, digest(user.username));
    const passwordOk = timingSafeEqual(p, digest(user.password));
    if (nameOk && passwordOk) found ??= user;
  }
  return found;
}

/** aedes 1.2's persistence (untyped there): drops the unreleased incoming QoS 2 messages of a client id. */
function incomingCleaner(broker: Aedes): (client: Client) => void {
  const persistence: unknown = Reflect.get(broker, 'persistence');
  const clean: unknown = persistence && typeof persistence === 'object' ? Reflect.get(persistence, 'cleanIncoming') : undefined;
  if (typeof clean !== 'function') throw new Error('aedes persistence without cleanIncoming: devices could hoard QoS 2 messages');
  return (client) => void Promise.resolve(clean.call(persistence, client)).catch(() => undefined);
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const { log } = options;
  const limits: BrokerLimits = { ...DEFAULT_BROKER_LIMITS, ...options.limits };
  const internalCredentials: BrokerUser = options.internalCredentials ?? {
    username: `medgate-${randomBytes(6).toString('hex')}`,
    password: randomBytes(24).toString('base64url'),
  };
  const users = [...options.users, internalCredentials];

  // By client object, not id: an id is whatever the client sends.
  const internalClients = new WeakSet<Client>();
  const userOf = new WeakMap<Client, BrokerUser>();
  const meterOf = new WeakMap<object, PacketMeter>();
  const bindings = new ClientIdBindings();
  const refusals = summaryLog(log);
  const refuse = (client: Client, what: string, reason: string, topic: string): void => {
    const username = userOf.get(client)?.username;
    refusals.note(
      `${username ?? '?'}\u0000${what}\u0000${reason}`,
      { clientId: client.id, username, topic, reason },
      `MQTT ${what} refused: the client is disconnected`,
    );
  };

  const broker = await Aedes.createBroker({
    connectTimeout: limits.connectTimeoutMs,
    maxInflightInbound: limits.maxInflightQos2,
    keepaliveLimit: limits.maxKeepaliveSeconds,
    authenticate: (client, username, password, done) => {
      const user = matchingUser(users, username, password);
      if (!user) {
        // The username is logged to help a technician; the password never is.
        log.warn({ clientId: client.id, username: username ?? '(none)' }, 'MQTT client refused: wrong or missing username/password');
        done(connackError('bad username or password', BAD_USERNAME_OR_PASSWORD), false);
        return;
      }
      const claim = bindings.claim(client.id, user.username);
      if (claim !== 'ok') {
        const why = claim === 'taken' ? 'this client id belongs to another user' : 'this user holds too many client ids';
        log.warn({ clientId: client.id, username: user.username }, `MQTT client refused: ${why}`);
        done(connackError(why, claim === 'taken' ? IDENTIFIER_REJECTED : SERVER_UNAVAILABLE), false);
        return;
      }
      if (user === internalCredentials) internalClients.add(client);
      userOf.set(client, user);
      meterOf.get(client.conn)?.authenticated();
      done(null, true);
    },
    authorizeSubscribe: (client, subscription, callback) => {
      if (client && subscribeAllowed(internalClients.has(client), subscription.topic)) {
        callback(null, subscription);
        return;
      }
      if (client) refuse(client, 'subscribe', 'devices may only publish', subscription.topic);
      callback(new Error('not authorized to subscribe'), null);
    },
    // aedes acknowledges a QoS 1 publish right after this callback and keeps its queues in memory
    // only: so the device's message is stored here, before the callback, or it could be lost.
    authorizePublish: (client, packet, callback) => {
      if (client && internalClients.has(client)) {
        // aedes' own default refuses $SYS publishes (its issue #597); this handler replaces it.
        callback(packet.topic.startsWith('$') ? new Error('topics beginning with $ are reserved') : null);
        return;
      }
      const refusal = client
        ? publishRefusal({
            allowed: userOf.get(client)?.publish,
            topic: packet.topic,
            retain: packet.retain,
            deviceListens: options.deviceListens(packet.topic),
          })
        : 'a will of a client that is gone';
      if (refusal !== undefined) {
        // MQTT 3.1.1 has no refusal for a PUBLISH: the connection is closed instead [MQTT-3.3.5-2].
        if (client) refuse(client, 'publish', refusal, packet.topic);
        callback(new Error(refusal));
        return;
      }
      const deliver = options.onDevicePublish;
      if (!deliver || !client) {
        callback(null);
        return;
      }
      deliver(packet.topic, Buffer.from(packet.payload), packet.dup === true).then(
        () => callback(null),
        (err: unknown) => {
          log.warn({ clientId: client.id, err }, 'device message not stored: no PUBACK, the device will send it again');
          callback(err instanceof Error ? err : new Error(String(err)));
        },
      );
    },
  });
  const cleanIncoming = incomingCleaner(broker);
  broker.on('client', (client) => {
    // aedes keeps a client's unreleased incoming QoS 2 messages by client id and clears them only for
    // clean sessions, while maxInflightQos2 counts per connection: reconnecting with clean: false would
    // pile up 8 more each time. aedes has already handed each such message on when it sent PUBREC
    // (and the device's reading is stored in authorizePublish), so for a device the store only guards
    // against a duplicate; a device's session is made clean here (this runs where aedes takes over an
    // earlier connection, as its own clean-session wipe does), which drops that store now and when it
    // goes. The cost: a QoS 2 message resent after a reconnect may arrive twice, flagged redelivered.
    // Devices may not subscribe, so a session holds nothing else of theirs.
    if (!internalClients.has(client)) {
      client.clean = true;
      cleanIncoming(client);
    }
    log.info({ clientId: client.id }, 'MQTT client connected');
  });
  broker.on('clientDisconnect', (client) => log.info({ clientId: client.id }, 'MQTT client disconnected'));
  broker.on('clientError', (client, err) => log.debug({ clientId: client.id, err }, 'MQTT client error'));
  broker.on('connectionError', (client, err) => log.debug({ clientId: client.id, err }, 'MQTT connection error'));

  const sockets = new Set<net.Socket>();
  // Connections count against maxConnections before they sign in, so those are capped on their own:
  // idle sockets reopened as fast as connectTimeoutMs closes them must not keep devices out.
  const preSignIn = new SignInQueue(Math.min(limits.maxUnauthenticatedConnections, Math.ceil(limits.maxConnections / 2)), limits.maxUnauthenticatedPerAddress);
  const server = net.createServer((socket) => {
    const address = socket.remoteAddress ?? '?';
    if (!preSignIn.enter(address)) {
      socket.destroy();
      refusals.note('pre-sign-in', { remoteAddress: address, reason: 'too many connections not signed in' }, 'MQTT connection refused');
      return;
    }
    let waiting = true;
    const leave = (): void => {
      if (waiting) preSignIn.leave(address);
      waiting = false;
    };
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      leave();
    });
    // A reset socket is aedes' business (clientError); never an unhandled 'error'.
    socket.on('error', () => undefined);
    const meter = new PacketMeter(limits, leave);
    const metered = new MeteredSocket(socket, meter, (reason) =>
      refusals.note('over limits', { remoteAddress: address, reason }, 'MQTT connection closed: over the broker limits'),
    );
    metered.on('error', () => undefined);
    meterOf.set(metered, meter);
    broker.handle(metered);
  });
  server.maxConnections = limits.maxConnections;
  server.on('drop', (peer?: net.DropArgument) =>
    refusals.note(
      'max connections',
      { maxConnections: limits.maxConnections, remoteAddress: peer?.remoteAddress },
      'MQTT connection refused: the broker is at its maximum connections',
    ),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw err;
  }
  server.on('error', (err) => log.error({ err }, 'MQTT broker listener error'));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  log.info({ host: options.host ?? '127.0.0.1', port, users: options.users.length, ...limits }, 'embedded MQTT broker listening');

  let closing: Promise<void> | undefined;
  return {
    port,
    internalCredentials,
    close: () => {
      closing ??= (async () => {
        refusals.stop();
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        await new Promise<void>((resolve) => broker.close(() => resolve()));
        for (const s of sockets) s.destroy();
        await serverClosed;
      })();
      return closing;
    },
  };
}
