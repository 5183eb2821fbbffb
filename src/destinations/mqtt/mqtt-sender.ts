// The publisher of an MQTT uplink: publishes each outbox body at QoS 1 and resolves when the
// broker's PUBACK arrives. The outbox is the only queue: nothing is published while the connection is
// down, and mqtt.js never keeps a message to send later on its own.
//
// How that is kept (see src/uplink/README.md):
// - one mqtt.js client per connection, with auto-reconnect off; a lost connection throws its client
//   away, and with it anything mqtt.js held for a resend. The outbox resends the same bytes instead,
//   in order, after its backoff;
// - clean session: a persistent session would oblige the client to resend unacknowledged PUBLISHes
//   on reconnect (MQTT 3.1.1 4.4), a second queue beside the outbox that would double-send;
// - a stable client id all the same, so a half-open connection from our previous life is taken over.

import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { readFile } from 'node:fs/promises';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { MqttDestinationConfig } from '../../config/schema.ts';
import { redactUrl as safeUrl } from '../../config/secrets.ts';
import { silentLogger, type Logger } from '../../model/logger.ts';
import { SendError, type SendErrorKind } from '../../model/send-error.ts';
import { resolveTopic } from '../../uplink/topic.ts';
import '../../transports/mqtt-packet-memory.ts';
import { errorText } from '../../model/error-text.ts';

export type MqttSendErrorKind = SendErrorKind;

export class MqttSendError extends SendError {
  override name = 'MqttSendError';
}

export interface MqttSenderOptions {
  /** mqtt:// or mqtts:// */
  url: string;
  /** Publish topic; {deviceId} and {kind} are filled from each body (src/uplink/topic.ts). */
  topic: string;
  /** Stable per gateway and destination. */
  clientId: string;
  username?: string;
  password?: string;
  /** TLS material (file contents, not paths). */
  ca?: Buffer | string;
  cert?: Buffer | string;
  key?: Buffer | string;
  /** Default true. */
  rejectUnauthorized?: boolean;
  /** From the PUBLISH to its PUBACK. Default 30 s. */
  ackTimeoutMs?: number;
  /** TCP (and TLS) connect plus CONNACK. Default 10 s. */
  connectTimeoutMs?: number;
  /** Seconds. Default 30. */
  keepalive?: number;
  log?: Logger;
}

export type MqttLinkState = 'idle' | 'connecting' | 'connected' | 'closed';

interface InFlight {
  fail(err: MqttSendError): void;
}

/**
 * Emits 'state' (state: MqttLinkState, lastError?: string). send() calls are taken one at a time in
 * call order (the DeliveryWorker makes one at a time anyway).
 */
export class MqttSender extends EventEmitter {
  private readonly opts: MqttSenderOptions & { ackTimeoutMs: number; connectTimeoutMs: number };
  private readonly log: Logger;
  private client: MqttClient | undefined;
  private inFlight: InFlight | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly ended = new WeakSet<MqttClient>();
  private _state: MqttLinkState = 'idle';
  private lastError: string | undefined;

  constructor(opts: MqttSenderOptions) {
    super();
    if (!/^mqtts?:\/\//.test(opts.url)) throw new Error(`MQTT uplink url must start with mqtt:// or mqtts:// (got ${safeUrl(opts.url)})`);
    if (/[+#]/.test(opts.topic) || opts.topic === '') throw new Error(`MQTT uplink topic "${opts.topic}" must be non-empty and hold no wildcard (+ or #)`);
    this.opts = { ...opts, ackTimeoutMs: opts.ackTimeoutMs ?? 30_000, connectTimeoutMs: opts.connectTimeoutMs ?? 10_000 };
    this.log = (opts.log ?? silentLogger).child({ mqtt: safeUrl(opts.url) });
  }

  get state(): MqttLinkState {
    return this._state;
  }

  /** Resolves on the PUBACK (MQTT 3.1.1 4.3.2: the broker now owns the message); rejects with an MqttSendError. */
  send(body: string, controlId: string): Promise<void> {
    const result = this.tail.then(() => this.transmit(body, controlId));
    this.tail = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    if (this._state === 'closed') return;
    this.setState('closed');
    this.inFlight?.fail(new MqttSendError('closed', 'MQTT sender closed before the PUBACK'));
    const client = this.client;
    this.client = undefined;
    if (client) await this.end(client, !client.connected);
  }

  private async transmit(body: string, controlId: string): Promise<void> {
    if (this._state === 'closed') throw new MqttSendError('closed', 'MQTT sender is closed');
    let topic: string;
    try {
      topic = resolveTopic(this.opts.topic, body);
    } catch (err) {
      throw new MqttSendError('protocol', `no topic for ${controlId}: ${errorText(err)}`);
    }
    const client = await this.connected();
    return new Promise<void>((resolve, reject) => {
      let done = false;
      const settle = (result?: MqttSendError): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (this.inFlight === inFlight) this.inFlight = undefined;
        if (result) reject(result);
        else resolve();
      };
      const inFlight: InFlight = { fail: settle };
      this.inFlight = inFlight;
      const timer = setTimeout(() => {
        this.log.warn({ controlId, timeoutMs: this.opts.ackTimeoutMs }, 'no PUBACK in time; dropping the connection');
        settle(new MqttSendError('timeout', `no PUBACK for ${controlId} within ${this.opts.ackTimeoutMs} ms`));
        // Dropped so mqtt.js cannot resend it on its own: the outbox decides when it goes again.
        this.discard(client, 'PUBACK timeout');
      }, this.opts.ackTimeoutMs);
      if (!client.connected) {
        settle(new MqttSendError('closed', `connection lost before ${controlId} could be published`));
        return;
      }
      client.publish(topic, body, { qos: 1 }, (err) => {
        if (err) settle(new MqttSendError(client.connected ? 'protocol' : 'closed', `publish of ${controlId} failed: ${err.message}`));
        else settle();
      });
    });
  }

  /** The open connection, or a new one; rejects with kind 'connect' when the broker cannot be reached or refuses us. */
  private async connected(): Promise<MqttClient> {
    const current = this.client;
    if (current?.connected) return current;
    if (current) this.discard(current, 'stale connection');
    this.setState('connecting');
    const o = this.opts;
    const options: IClientOptions = {
      clientId: o.clientId,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: o.connectTimeoutMs,
      keepalive: o.keepalive ?? 30,
      queueQoSZero: false,
      resubscribe: false,
      rejectUnauthorized: o.rejectUnauthorized ?? true,
    };
    if (o.username !== undefined) options.username = o.username;
    if (o.password !== undefined) options.password = o.password;
    if (o.ca !== undefined) options.ca = o.ca;
    if (o.cert !== undefined) options.cert = o.cert;
    if (o.key !== undefined) options.key = o.key;

    const client = connect(o.url, options);
    this.client = client;
    let lastError: string | undefined;
    // Kept for the client's life: an 'error' without a listener would crash the process.
    client.on('error', (err) => {
      lastError = err.message;
      this.log.debug({ err }, 'MQTT client error');
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const fail = (why: string): void => {
          cleanup();
          reject(new MqttSendError('connect', `cannot connect to ${safeUrl(o.url)}: ${why}`));
        };
        const onConnect = (): void => {
          cleanup();
          resolve();
        };
        const onError = (err: Error): void => fail(err.message);
        const onClose = (): void => fail(lastError ?? 'connection closed');
        const timer = setTimeout(() => fail(`no CONNACK within ${o.connectTimeoutMs} ms`), o.connectTimeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          client.off('connect', onConnect);
          client.off('error', onError);
          client.off('close', onClose);
        };
        client.on('connect', onConnect);
        client.on('error', onError);
        client.on('close', onClose);
      });
    } catch (err) {
      this.discard(client, errorText(err));
      if (this._state === 'closed') throw new MqttSendError('closed', 'MQTT sender closed while connecting');
      this.setState('idle', errorText(err));
      throw err;
    }
    if (this._state === 'closed' || this.client !== client) {
      void this.end(client, true);
      throw new MqttSendError('closed', 'MQTT sender closed while connecting');
    }
    client.on('close', () => {
      if (this.client !== client) return;
      const why = lastError ?? 'connection closed by the broker';
      this.inFlight?.fail(new MqttSendError('closed', `connection lost before the PUBACK: ${why}`));
      this.discard(client, why);
    });
    this.setState('connected');
    this.log.debug('connected');
    return client;
  }

  /** Forgets a client and ends it at once, dropping whatever it still held. */
  private discard(client: MqttClient, why: string): void {
    if (this.client === client) {
      this.client = undefined;
      if (this._state !== 'closed') this.setState('idle', why);
    }
    void this.end(client, true);
  }

  private end(client: MqttClient, force: boolean): Promise<void> {
    // mqtt.js never calls back a second end() on a client whose stream is already gone.
    if (this.ended.has(client)) return Promise.resolve();
    this.ended.add(client);
    return new Promise<void>((resolve) => {
      // A broker that never finishes the goodbye must not hold shutdown up.
      const timer = setTimeout(() => {
        client.stream?.destroy();
        resolve();
      }, 1_000);
      timer.unref();
      try {
        client.end(force, {}, () => {
          clearTimeout(timer);
          resolve();
        });
      } catch (err) {
        this.log.debug({ err }, 'ending the MQTT client failed');
        clearTimeout(timer);
        client.stream?.destroy();
        resolve();
      }
    });
  }

  private setState(state: MqttLinkState, lastError?: string): void {
    if (this._state === state && lastError === this.lastError) return;
    this._state = state;
    this.lastError = lastError;
    this.emit('state', state, lastError);
  }
}

/**
 * The client id when the config names none: stable for this machine and destination, distinct between
 * gateways (two clinics with a destination "cloud" must not take over each other's session), and 23
 * bytes at most, the length every MQTT 3.1.1 broker must accept.
 */
export function defaultClientId(destinationId: string, host: string = hostname()): string {
  return `mg-${createHash('sha256').update(`${host}\n${destinationId}`).digest('hex').slice(0, 20)}`;
}

/** An MqttSender for a configured uplink destination: reads the TLS files, picks a stable client id. */
export async function createMqttSender(dest: MqttDestinationConfig, log: Logger): Promise<MqttSender> {
  const read = (file: string | undefined) => (file ? readFile(file) : undefined);
  return new MqttSender({
    url: dest.url,
    topic: dest.topic,
    clientId: dest.clientId ?? defaultClientId(dest.id),
    username: dest.username,
    password: dest.password,
    ca: await read(dest.ca),
    cert: await read(dest.cert),
    key: await read(dest.key),
    ackTimeoutMs: dest.ackTimeoutMs,
    log,
  });
}
