// The embedded MQTT broker (aedes, in-process) for clinics without one. Every client must give a
// configured username and password; the gateway's own client gets a random user made at start.
// Sessions and queued messages live in memory: a gateway restart forgets them (see README).

import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import net from 'node:net';
import { Aedes, type AuthenticateError } from 'aedes';
import type { Logger } from '../model/logger.ts';
import './mqtt-packet-memory.ts';

export interface BrokerUser {
  username: string;
  password: string;
}

export interface EmbeddedBrokerOptions {
  host?: string;
  port: number;
  users: BrokerUser[];
  log: Logger;
  /**
   * Takes each device publish before the broker acknowledges it: the PUBACK goes only once this
   * resolves (the reading is durable); a rejection drops the device's connection without one, so
   * the device sends again. Without it the broker acknowledges on receipt, as brokers do.
   */
  onDevicePublish?: (topic: string, payload: Buffer, redelivered: boolean) => Promise<void>;
}

export interface EmbeddedBroker {
  /** The bound port (useful with port 0). */
  port: number;
  /** For the gateway's own MqttConnection; never shown anywhere. */
  internalCredentials: BrokerUser;
  close(): Promise<void>;
}

// MQTT 3.1.1 CONNACK return code 4: bad user name or password.
const BAD_USERNAME_OR_PASSWORD = 4;

/** Fixed-length digests, so the comparison takes the same time whatever the lengths. */
function digest(text: string | Buffer): Buffer {
  return createHash('sha256').update(text).digest();
}

function credentialsMatch(users: readonly BrokerUser[], username: string | undefined, password: Buffer | undefined): boolean {
  if (username === undefined || password === undefined) return false;
  const u = digest(username);
  const p = digest(password);
  let ok = false;
  // Look at every user, so timing does not say which usernames exist.
  for (const user of users) {
    const nameOk = timingSafeEqual(u, digest(user.username));
    const passwordOk = timingSafeEqual(p, digest(user.password));
    ok = ok || (nameOk && passwordOk);
  }
  return ok;
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const { log } = options;
  const internalCredentials: BrokerUser = {
    username: `medgate-${randomBytes(6).toString('hex')}`,
    password: randomBytes(24).toString('base64url'),
  };
  const users = [...options.users, internalCredentials];

  const internalClients = new Set<string>();
  const broker = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      if (credentialsMatch(users, username, password)) {
        if (username === internalCredentials.username) internalClients.add(client.id);
        done(null, true);
        return;
      }
      // The username is logged to help a technician; the password never is.
      log.warn({ clientId: client.id, username: username ?? '(none)' }, 'MQTT client refused: wrong or missing username/password');
      const err = Object.assign(new Error('bad username or password'), { returnCode: BAD_USERNAME_OR_PASSWORD }) as AuthenticateError;
      done(err, false);
    },
    // aedes acknowledges a QoS 1 publish right after this callback and keeps its queues in memory
    // only: so the device's message is stored here, before the callback, or it could be lost.
    authorizePublish: (client, packet, callback) => {
      const deliver = options.onDevicePublish;
      if (!deliver || !client || internalClients.has(client.id)) {
        callback(null);
        return;
      }
      deliver(packet.topic, Buffer.from(packet.payload), packet.dup === true).then(
        () => callback(null),
        (err: unknown) => {
          log.warn({ clientId: client.id, error: err }, 'device message not stored: no PUBACK, the device will send it again');
          callback(err instanceof Error ? err : new Error(String(err)));
        },
      );
    },
  });
  broker.on('client', (client) => log.info({ clientId: client.id }, 'MQTT client connected'));
  broker.on('clientDisconnect', (client) => log.info({ clientId: client.id }, 'MQTT client disconnected'));
  broker.on('clientError', (client, err) => log.debug({ clientId: client.id, error: err }, 'MQTT client error'));
  broker.on('connectionError', (client, err) => log.debug({ clientId: client.id, error: err }, 'MQTT connection error'));

  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A reset socket is aedes' business (clientError); never an unhandled 'error'.
    socket.on('error', () => undefined);
    broker.handle(socket);
  });
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
  server.on('error', (err) => log.error({ error: err }, 'MQTT broker listener error'));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  log.info({ host: options.host ?? '127.0.0.1', port, users: options.users.length }, 'embedded MQTT broker listening');

  let closing: Promise<void> | undefined;
  return {
    port,
    internalCredentials,
    close: () => {
      closing ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        await new Promise<void>((resolve) => broker.close(() => resolve()));
        for (const s of sockets) s.destroy();
        await serverClosed;
      })();
      return closing;
    },
  };
}
