// The gateway's one MQTT client. Every MQTT device subscribes through it; each message is handed to
// the devices whose filter matches and acknowledged (PUBACK) only once all of them said it is
// durable. A message that fails or never finishes is not acknowledged: the connection is dropped so
// the broker, which keeps our session (clean: false, stable client id), delivers it again.
//
// mqtt.js notes (5.16.0, read in node_modules/mqtt/build/lib):
// - `customHandleAcks` is only honoured with protocolVersion 5; aedes speaks 3.1.1 only. With v4 the
//   PUBACK is sent from the callback of `client.handleMessage(packet, cb)`, so we override that.
// - mqtt.js processes incoming packets one at a time and waits for that callback: messages are
//   handled in order, one in flight per connection. A stuck handler would stall the link, hence the
//   handler timeout that drops the connection.
// - Its `reconnectPeriod` is a fixed interval, and its reconnect reuses client state. We set it to 0
//   and build a fresh client per attempt with our own capped backoff; a late `done()` from an old
//   client can then never PUBACK a packet id on a new connection.

import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { connect, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { redactUrl } from '../config/secrets.ts';
import type { Logger } from '../model/logger.ts';
import { backoffDelay, type BackoffPolicy } from './backoff.ts';
import './mqtt-packet-memory.ts';
import { topicFilterProblem, topicMatches } from '../model/mqtt-topics.ts';
import { errorText } from '../model/error-text.ts';

export type MqttMessageDone = (error?: Error) => void;
export type MqttMessageHandler = (topic: string, payload: Buffer, meta: { redelivered: boolean }, done: MqttMessageDone) => void;

export type MqttConnectionState = 'stopped' | 'connecting' | 'connected' | 'retrying';

export interface MqttConnectionStatus {
  state: MqttConnectionState;
  since: string;
  lastError?: string;
  nextRetryAt?: string;
  reconnects: number;
  /** Messages acknowledged to the broker. */
  acknowledged: number;
}

export interface MqttConnectionOptions {
  url: string;
  username?: string;
  password?: string;
  ca?: Buffer | string;
  cert?: Buffer | string;
  key?: Buffer | string;
  /** Stable across restarts, so the broker keeps our subscriptions and queues messages meanwhile. */
  clientId: string;
  log: Logger;
  backoff?: BackoffPolicy;
  /** A message not done within this time drops the connection, so the broker redelivers it. */
  handlerTimeoutMs?: number;
  connectTimeoutMs?: number;
  keepaliveSeconds?: number;
}

interface ConnectionEvents {
  status: [MqttConnectionStatus];
}

interface Subscription {
  filter: string;
  handler: MqttMessageHandler;
}

const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000 };
const MAX_UNACKED_REMEMBERED = 1000;

// A broker's or library's reason, kept short: it is shown in the device's status.
function shortReason(err: unknown): string {
  return errorText(err).slice(0, 300);
}

export class MqttConnection extends EventEmitter<ConnectionEvents> {
  #status: MqttConnectionStatus = { state: 'stopped', since: new Date().toISOString(), reconnects: 0, acknowledged: 0 };
  #subs = new Map<number, Subscription>();
  #filterCounts = new Map<string, number>();
  #nextSubId = 0;
  #client: MqttClient | undefined;
  /** Bumped whenever a client is given up: callbacks from older clients are ignored. */
  #generation = 0;
  #stopped = true;
  #timer: NodeJS.Timeout | undefined;
  #attempt = 0;
  /** The last drop was a handler failure: a reconnect alone does not reset the backoff then. */
  #droppedForHandler = false;
  /**
   * Messages handed out but never acknowledged. The broker resends such a message with the same
   * packet id; not every broker sets DUP then (aedes 1.2 does not), so we recognise it ourselves.
   */
  #unacked = new Set<string>();
  /** Messages being handled on the current client; mqtt.js cannot end gracefully while one is. */
  #busy = 0;

  constructor(private readonly opts: MqttConnectionOptions) {
    super();
  }

  get status(): MqttConnectionStatus {
    return { ...this.#status };
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#attempt = 0;
    this.#connect();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#generation++;
    const client = this.#client;
    this.#client = undefined;
    // DISCONNECT when idle (the broker keeps our session either way); with a message still being
    // handled mqtt.js' stream is held up, so the socket is simply closed and that message comes back.
    if (client) await endClient(client, this.#busy > 0);
    this.#busy = 0;
    this.#setState('stopped');
  }

  /**
   * Routes messages whose topic matches `filter` to `handler` (QoS 1). Subscribing before start()
   * means messages the broker queued while we were away find their handler at once.
   * Throws when the filter is not valid MQTT.
   */
  subscribe(filter: string, handler: MqttMessageHandler): () => void {
    const problem = topicFilterProblem(filter);
    if (problem !== undefined) throw new Error(problem);
    const id = ++this.#nextSubId;
    this.#subs.set(id, { filter, handler });
    const count = (this.#filterCounts.get(filter) ?? 0) + 1;
    this.#filterCounts.set(filter, count);
    if (count === 1) this.#brokerSubscribe([filter]);
    return () => {
      if (!this.#subs.delete(id)) return;
      const left = (this.#filterCounts.get(filter) ?? 1) - 1;
      if (left > 0) {
        this.#filterCounts.set(filter, left);
        return;
      }
      this.#filterCounts.delete(filter);
      const client = this.#client;
      if (client?.connected) {
        client.unsubscribe(filter, (err) => {
          if (err) this.opts.log.warn({ filter, err }, 'MQTT unsubscribe failed');
        });
      }
    };
  }

  #setState(state: MqttConnectionState, extra: { lastError?: string; nextRetryAt?: string } = {}): void {
    const s = this.#status;
    if (state !== s.state) s.since = new Date().toISOString();
    s.state = state;
    if (extra.lastError !== undefined) s.lastError = extra.lastError;
    if (state === 'retrying') {
      s.reconnects++;
      if (extra.nextRetryAt !== undefined) s.nextRetryAt = extra.nextRetryAt;
    } else {
      delete s.nextRetryAt;
    }
    this.emit('status', this.status);
  }

  #connect(): void {
    const generation = ++this.#generation;
    this.#setState('connecting');
    const o = this.opts;
    const options: IClientOptions = {
      protocolVersion: 4,
      clean: false,
      clientId: o.clientId,
      reconnectPeriod: 0,
      resubscribe: false,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
      keepalive: o.keepaliveSeconds ?? 30,
    };
    if (o.username !== undefined) options.username = o.username;
    if (o.password !== undefined) options.password = o.password;
    if (o.ca !== undefined) options.ca = o.ca;
    if (o.cert !== undefined) options.cert = o.cert;
    if (o.key !== undefined) options.key = o.key;

    let client: MqttClient;
    try {
      client = connect(o.url, options);
    } catch (err) {
      // A malformed URL: nothing will change by itself, but keep retrying like any other failure.
      this.#drop(generation, undefined, shortReason(err));
      return;
    }
    this.#client = client;
    let lastError: string | undefined;
    // Errors are kept in the status; the client's 'error' is always handled, also after we gave it up.
    client.on('error', (err) => {
      lastError = shortReason(err);
      if (generation === this.#generation && !client.connected) this.#drop(generation, client, lastError);
    });
    client.on('close', () => this.#drop(generation, client, lastError ?? 'connection closed'));
    client.on('connect', (connack) => {
      if (generation !== this.#generation) return;
      if (!this.#droppedForHandler) this.#attempt = 0;
      this.#setState('connected');
      o.log.info({ url: redactUrl(o.url), clientId: o.clientId, sessionPresent: connack.sessionPresent }, 'MQTT connected');
      // Always resubscribe: a broker that lost our session (restart without persistence) forgot them.
      this.#brokerSubscribe([...this.#filterCounts.keys()]);
    });
    client.handleMessage = (packet, callback) => this.#onPublish(generation, client, packet, callback);
  }

  #brokerSubscribe(filters: string[]): void {
    const client = this.#client;
    if (!client?.connected || filters.length === 0) return;
    const generation = this.#generation;
    client.subscribe(Object.fromEntries(filters.map((f) => [f, { qos: 1 as const }])), (err, granted) => {
      if (generation !== this.#generation) return;
      const refused = (granted ?? []).filter((g) => g.qos === 128).map((g) => g.topic);
      const problem = err ? shortReason(err) : refused.length > 0 ? `broker refused the subscription to ${refused.join(', ')}` : undefined;
      if (problem === undefined) return;
      this.opts.log.error({ filters, err: problem }, 'MQTT subscribe failed');
      this.#status.lastError = problem;
      this.emit('status', this.status);
    });
  }

  #onPublish(generation: number, client: MqttClient, packet: IPublishPacket, ack: (err?: Error) => void): void {
    const topic = packet.topic;
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload, 'utf8') : Buffer.from(packet.payload);
    const targets = [...this.#subs.values()].filter((s) => topicMatches(s.filter, topic));
    if (targets.length === 0) {
      // Left over in our broker session from a device that was removed or changed its topic.
      this.opts.log.warn({ topic }, 'MQTT message on a topic no device subscribes to: acknowledged and dropped');
      this.#acknowledged(generation, ack);
      return;
    }
    const key = `${packet.messageId ?? ''}\u0000${topic}\u0000${createHash('sha256').update(payload).digest('base64')}`;
    const meta = { redelivered: packet.dup === true || this.#unacked.has(key) };
    this.#unacked.add(key);
    if (this.#unacked.size > MAX_UNACKED_REMEMBERED) this.#unacked.delete(this.#unacked.values().next().value ?? key);
    let pending = targets.length;
    let failure: string | undefined;
    let finished = false;
    this.#busy++;
    const timer = setTimeout(() => {
      if (finished) return;
      finished = true;
      if (generation === this.#generation) this.#busy--;
      this.#handlerFailed(generation, client, topic, `not finished within ${this.opts.handlerTimeoutMs ?? 60_000} ms`);
    }, this.opts.handlerTimeoutMs ?? 60_000);
    timer.unref();
    const settle = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (generation === this.#generation) this.#busy--;
      if (failure !== undefined) this.#handlerFailed(generation, client, topic, failure);
      else if (this.#acknowledged(generation, ack)) this.#unacked.delete(key);
    };
    for (const target of targets) {
      let called = false;
      const done: MqttMessageDone = (err) => {
        if (called) return;
        called = true;
        if (err) failure ??= shortReason(err);
        if (--pending === 0) settle();
      };
      try {
        target.handler(topic, payload, meta, done);
      } catch (err) {
        done(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  /** PUBACKs the message unless the connection it came on is gone (the broker resends it then). */
  #acknowledged(generation: number, ack: (err?: Error) => void): boolean {
    if (generation !== this.#generation) return false;
    this.#droppedForHandler = false;
    this.#attempt = 0;
    this.#status.acknowledged++;
    ack();
    return true;
  }

  #handlerFailed(generation: number, client: MqttClient, topic: string, reason: string): void {
    if (generation !== this.#generation) return;
    this.opts.log.warn({ topic, err: reason }, 'MQTT message not stored: reconnecting so the broker delivers it again');
    this.#droppedForHandler = true;
    this.#drop(generation, client, `message on ${topic} not stored: ${reason}`);
  }

  /** Gives up this client (once per generation) and, unless stopped, tries again after a backoff. */
  #drop(generation: number, client: MqttClient | undefined, reason: string): void {
    if (generation !== this.#generation) return;
    this.#generation++;
    this.#busy = 0;
    if (client) {
      if (this.#client === client) this.#client = undefined;
      client.end(true);
    }
    if (this.#stopped) return;
    this.#attempt++;
    const delay = backoffDelay(this.#attempt, this.opts.backoff ?? DEFAULT_BACKOFF);
    this.opts.log.warn({ url: redactUrl(this.opts.url), err: reason, retryInMs: delay }, 'MQTT connection down; will reconnect');
    this.#setState('retrying', { lastError: reason, nextRetryAt: new Date(Date.now() + delay).toISOString() });
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      if (!this.#stopped) this.#connect();
    }, delay);
  }
}

/** Ends the client, with a DISCONNECT unless `force`; never waits long. */
function endClient(client: MqttClient, force: boolean): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => client.end(true, () => resolve()), 2000);
    client.end(force || !client.connected, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
