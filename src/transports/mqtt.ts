// One MQTT device: a topic filter on the gateway's shared MqttConnection. It opens one Connection for
// the whole life of the device (a broker reconnect does not start a new driver session, so the
// driver's duplicate memory survives it) and turns each publish into a 'message' event whose
// `done` decides the PUBACK.

import type { MessageMeta } from '../model/driver.ts';
import type { Logger } from '../model/logger.ts';
import { LinkStatusTracker } from './link-status.ts';
import type { MqttConnectionStatus, MqttMessageDone } from './mqtt-connection.ts';
import { topicFilterProblem } from './mqtt-topics.ts';
import type { MqttSubscriber } from './mqtt-router.ts';
import type { Connection, Transport } from './types.ts';

export interface MqttTransportOptions {
  connection: MqttSubscriber;
  topic: string;
  log: Logger;
}

export class MqttTransport extends LinkStatusTracker implements Transport {
  #unsubscribe: (() => void) | undefined;
  #conn: Connection | undefined;
  readonly #onStatus = (s: MqttConnectionStatus): void => this.#mirror(s);

  constructor(private readonly opts: MqttTransportOptions) {
    super();
  }

  start(): void {
    if (this.#conn) return;
    const { connection, topic, log } = this.opts;
    const problem = topicFilterProblem(topic);
    if (problem !== undefined) {
      // A configuration error: the device shows it, the other devices keep running.
      log.error({ topic, error: problem }, 'cannot subscribe to the MQTT topic');
      this.setState('stopped', { lastError: `invalid MQTT topic filter: ${problem}` });
      return;
    }
    const conn: Connection = {
      id: `mqtt:${topic}`,
      remote: `mqtt:${topic}`,
      write: () => Promise.reject(new Error('MQTT devices are not written to')),
    };
    this.#conn = conn;
    connection.on('status', this.#onStatus);
    this.#mirror(connection.status);
    this.emit('open', conn);
    this.#unsubscribe = connection.subscribe(topic, (t, payload, meta, done) => this.#message(conn, t, payload, meta.redelivered, done));
  }

  async stop(): Promise<void> {
    const conn = this.#conn;
    if (!conn) return;
    this.#conn = undefined;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.opts.connection.off('status', this.#onStatus);
    this.setConnections(0);
    this.emit('closed', conn, 'stopped');
    this.setState('stopped');
  }

  #mirror(s: MqttConnectionStatus): void {
    if (!this.#conn) return;
    this.setConnections(s.state === 'connected' ? 1 : 0);
    const mine = this.status;
    // The tracker counts a reconnect per 'retrying' it is told about: tell it about changes only.
    if (mine.state === s.state && mine.lastError === s.lastError) return;
    const extra: { lastError?: string; nextRetryAt?: string } = {};
    if (s.lastError !== undefined) extra.lastError = s.lastError;
    if (s.nextRetryAt !== undefined) extra.nextRetryAt = s.nextRetryAt;
    this.setState(s.state, extra);
  }

  #message(conn: Connection, topic: string, payload: Buffer, redelivered: boolean, done: MqttMessageDone): void {
    if (this.#conn !== conn) {
      done(new Error('device transport stopped'));
      return;
    }
    this.countIn(payload.length);
    const meta: MessageMeta = { topic, receivedAt: new Date(), redelivered };
    try {
      if (!this.emit('message', conn, payload, meta, done)) done(new Error(`nobody takes messages from MQTT topic ${this.opts.topic}`));
    } catch (err) {
      done(err instanceof Error ? err : new Error(String(err)));
    }
  }
}
