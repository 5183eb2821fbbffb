// Builds the transport a device's config asks for, with the driver's serial defaults filled in.

import type { TransportConfig } from '../config/schema.ts';
import type { SerialSettings } from '../model/driver.ts';
import type { Logger } from '../model/logger.ts';
import { FileDropTransport } from './file.ts';
import type { MqttSubscriber } from './mqtt-router.ts';
import { MqttTransport } from './mqtt.ts';
import { SerialTransport } from './serial.ts';
import { TcpTransport } from './tcp.ts';
import type { Transport } from './types.ts';

const FALLBACK_SERIAL: SerialSettings = { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 };

export interface TransportContext {
  /** The gateway's one MQTT connection, when any device speaks MQTT. */
  mqtt?: MqttSubscriber;
  /** The gateway's data folder: a watched folder may not be inside it (watched-folder-rule.ts). */
  dataDir?: string;
}

export function createTransport(config: TransportConfig, serialDefaults: SerialSettings | undefined, log: Logger, context: TransportContext = {}): Transport {
  switch (config.type) {
    case 'serial': {
      const d = serialDefaults ?? FALLBACK_SERIAL;
      return new SerialTransport({
        path: config.path,
        baudRate: config.baudRate ?? d.baudRate,
        dataBits: config.dataBits ?? d.dataBits,
        parity: config.parity ?? d.parity,
        stopBits: config.stopBits ?? d.stopBits,
        rtscts: config.rtscts,
        log,
      });
    }
    case 'tcp':
      return new TcpTransport({
        mode: config.mode,
        host: config.host,
        port: config.port,
        log,
        limits: config,
        ...(config.tls === undefined ? {} : { tls: config.tls }),
      });
    case 'mqtt':
      if (!context.mqtt) throw new Error('an MQTT device needs the gateway MQTT connection (config "mqtt")');
      return new MqttTransport({ connection: context.mqtt, topic: config.topic, log });
    case 'file':
      return new FileDropTransport({
        path: config.path,
        suffix: config.suffix,
        pollMs: config.pollMs,
        log,
        ...(context.dataDir === undefined ? {} : { dataDir: context.dataDir }),
      });
  }
}
