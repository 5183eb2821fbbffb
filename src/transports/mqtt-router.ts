// The embedded broker's side of device messages: each publish goes straight to the devices whose
// topic filter matches, and the broker's PUBACK waits until they have stored it (mqtt-broker.ts).
// It offers devices the same subscribe() as MqttConnection, so an MQTT device does not care which.

import { EventEmitter } from 'node:events';
import type { Logger } from '../model/logger.ts';
import type { MqttConnectionStatus, MqttMessageHandler } from './mqtt-connection.ts';
import { topicFilterProblem, topicMatches } from '../model/mqtt-topics.ts';

/** What an MQTT device transport needs: MqttConnection (an external broker) and EmbeddedRouter both offer it. */
export interface MqttSubscriber extends EventEmitter<{ status: [MqttConnectionStatus] }> {
  readonly status: MqttConnectionStatus;
  subscribe(filter: string, handler: MqttMessageHandler): () => void;
  start(): void;
  stop(): Promise<void>;
}

/** A device handler that never answers must not hold the device's PUBACK (and its next messages) forever. */
const HANDLER_TIMEOUT_MS = 60_000;

export class EmbeddedRouter extends EventEmitter<{ status: [MqttConnectionStatus] }> implements MqttSubscriber {
  readonly #subs = new Map<number, { filter: string; handler: MqttMessageHandler }>();
  #next = 0;
  #status: MqttConnectionStatus = { state: 'stopped', since: new Date().toISOString(), reconnects: 0, acknowledged: 0 };

  constructor(private readonly log: Logger) {
    super();
  }

  get status(): MqttConnectionStatus {
    return { ...this.#status };
  }

  start(): void {
    this.#set('connected');
  }

  async stop(): Promise<void> {
    this.#set('stopped');
  }

  subscribe(filter: string, handler: MqttMessageHandler): () => void {
    const problem = topicFilterProblem(filter);
    if (problem !== undefined) throw new Error(problem);
    const id = ++this.#next;
    this.#subs.set(id, { filter, handler });
    return () => void this.#subs.delete(id);
  }

  /** Whether some device takes this topic: the broker refuses a publish to any other. */
  listens = (topic: string): boolean => [...this.#subs.values()].some((s) => topicMatches(s.filter, topic));

  /** Resolves once every matching device stored the message; rejects when one could not. */
  deliver = async (topic: string, payload: Buffer, redelivered: boolean): Promise<void> => {
    if (this.#status.state !== 'connected') throw new Error('the gateway is not taking device messages now');
    const targets = [...this.#subs.values()].filter((s) => topicMatches(s.filter, topic));
    if (targets.length === 0) {
      // Acknowledged and dropped: a topic no device is configured for would otherwise be resent forever.
      this.log.warn({ topic }, 'MQTT message on a topic no device is configured for: dropped');
      return;
    }
    await Promise.all(
      targets.map(
        (t) =>
          new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`not stored within ${HANDLER_TIMEOUT_MS} ms`)), HANDLER_TIMEOUT_MS);
            t.handler(topic, payload, { redelivered }, (err) => {
              clearTimeout(timer);
              if (err) reject(err);
              else resolve();
            });
          }),
      ),
    );
    this.#status.acknowledged++;
  };

  #set(state: MqttConnectionStatus['state']): void {
    this.#status = { ...this.#status, state, since: new Date().toISOString() };
    this.emit('status', this.status);
  }
}
