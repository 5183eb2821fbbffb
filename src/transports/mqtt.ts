// One MQTT device: a topic filter on the gateway's shared MqttConnection. It opens one Connection for
// the whole life of the device (a broker reconnect does not start a new driver session, so the
// driver's duplicate memory survives it) and turns each publish into a 'message' event whose
// `done` decides the PUBACK.

import type { MessageMeta } from '../model/driver.ts';
import type { Logger } from '../model/logger.ts';
import { LinkStatusTracker } from './link-status.ts';
import type { MqttConnectionStatus, MqttMessageDone } from './mqtt-connection.ts';
import { topicFilterProblem } from '../model/mqtt-topics.ts';
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
  /** The connection's last error as last mirrored. */
  #seenError: string | undefined;
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
      log.error({ topic, err: problem }, 'cannot subscribe to the MQTT topic');
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
    // An error the shared connection kept from before this device started is not this device's news.
    this.#seenError = connection.status.state === 'connected' ? connection.status.lastError : undefined;
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
    // The connection keeps its last error after it is back; on a link that is up only a new one is
    // news (a refused subscription), the old one is the outage that just ended.
    const fresh = s.lastError !== this.#seenError;
    this.#seenError = s.lastError;
    const lastError = s.state === 'connected' && !fresh ? undefined : s.lastError;
    // The tracker counts a reconnect per 'retrying' it is told about: tell it about changes only.
    if (mine.state === s.state && (lastError === undefined || mine.lastError === lastError)) return;
    const extra: { lastError?: string; nextRetryAt?: string } = {};
    if (lastError !== undefined) extra.lastError = lastError;
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
