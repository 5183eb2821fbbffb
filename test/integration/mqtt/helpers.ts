// Shared bits of the MQTT integration tests: a logger that keeps every line (to check what is and
// is not logged), a device that publishes QoS 1 like a real one, and a transport recorder.

import { connectAsync, type MqttClient } from 'mqtt';
import type { MessageMeta } from '../../../src/model/driver.ts';
import type { LogFn, Logger } from '../../../src/model/logger.ts';
import type { MqttTransport } from '../../../src/transports/mqtt.ts';
import type { Connection, MessageDone } from '../../../src/transports/types.ts';

export function capturingLogger(lines: string[]): Logger {
  const fn =
    (level: string): LogFn =>
    (a: string | object, b?: string) => {
      lines.push(`${level} ${typeof a === 'string' ? a : `${b ?? ''} ${JSON.stringify(a)}`}`);
    };
  const logger: Logger = { error: fn('error'), warn: fn('warn'), info: fn('info'), debug: fn('debug'), child: () => logger };
  return logger;
}

export function device(url: string, credentials: { username?: string; password?: string } = {}): Promise<MqttClient> {
  return connectAsync(url, { protocolVersion: 4, clean: true, reconnectPeriod: 0, connectTimeout: 5000, ...credentials });
}

export interface Received {
  conn: Connection;
  text: string;
  meta: MessageMeta;
  done: MessageDone;
}

export function record(transport: MqttTransport): { opened: Connection[]; received: Received[]; closed: string[] } {
  const opened: Connection[] = [];
  const received: Received[] = [];
  const closed: string[] = [];
  transport.on('open', (c) => opened.push(c));
  transport.on('message', (conn, payload, meta, done) => received.push({ conn, text: payload.toString('utf8'), meta, done }));
  transport.on('closed', (_c, reason) => closed.push(reason));
  return { opened, received, closed };
}
