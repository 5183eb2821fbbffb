// The gateway's MQTT side: its one connection, to the configured broker or to the embedded one
// (what applies when the config names no broker), started only when a device speaks MQTT.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../model/logger.ts';
import { startEmbeddedBroker } from './mqtt-broker.ts';
import { MqttConnection } from './mqtt-connection.ts';
import { EmbeddedRouter, type MqttSubscriber } from './mqtt-router.ts';

export interface GatewayMqtt {
  /** An external broker's connection, or the embedded broker's router. */
  connection: MqttSubscriber;
  /** Where the embedded broker listens, when it runs. */
  embeddedPort?: number;
  /** Stops the embedded broker, if any; after the connection and the devices are stopped. */
  closeBroker(): Promise<void>;
}

type EmbeddedBrokerConfig = Extract<NonNullable<Config['mqtt']>, { embedded: unknown }>['embedded'];

const DEFAULT_EMBEDDED: EmbeddedBrokerConfig = { host: '127.0.0.1', port: 1883, users: [] };

/** The settings given, so the broker's defaults apply to the others. */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export async function setUpMqtt(config: Config, log: Logger): Promise<GatewayMqtt | undefined> {
  if (!config.devices.some((d) => d.enabled !== false && d.transport.type === 'mqtt')) return undefined;
  const mqtt = config.mqtt;
  if (mqtt && 'url' in mqtt) {
    const read = async (file: string | undefined) => (file ? readFile(file) : undefined);
    // Stable across restarts, so the broker keeps our session and what was published while we were away.
    const clientId = mqtt.clientId ?? `medgate-${createHash('sha256').update(`${hostname()}|${config.dataDir}`).digest('hex').slice(0, 12)}`;
    const connection = new MqttConnection({
      url: mqtt.url,
      username: mqtt.username,
      password: mqtt.password,
      ca: await read(mqtt.ca),
      cert: await read(mqtt.cert),
      key: await read(mqtt.key),
      clientId,
      log,
    });
    return { connection, closeBroker: async () => undefined };
  }
  const embedded: EmbeddedBrokerConfig = mqtt?.embedded ?? DEFAULT_EMBEDDED;
  // Device publishes are taken inside the broker, so its PUBACK waits until they are durable.
  const connection = new EmbeddedRouter(log);
  const { maxPacketBytes, connectTimeoutMs, maxConnections, maxInflightQos2 } = embedded;
  const broker = await startEmbeddedBroker({
    host: embedded.host ?? '127.0.0.1',
    port: embedded.port,
    users: embedded.users,
    limits: definedOnly({ maxPacketBytes, connectTimeoutMs, maxConnections, maxInflightQos2 }),
    log,
    deviceListens: connection.listens,
    onDevicePublish: connection.deliver,
  });
  return {
    connection,
    embeddedPort: broker.port,
    closeBroker: () => broker.close(),
  };
}
