// The session shell: one MQTT message at a time -> decode -> drop it if it was stored before ->
// hand the report to the listeners and resolve once they made it durable (the PUBACK waits for that).

import type { DeviceLink, DriverSession, MessageMeta, ProtocolErrorListener, ReportListener } from '../../src/model/driver.ts';
import { SessionEvents } from '../_shared/session-events.ts';
import { decodeReading, payloadText, type DecodedReading } from './decode.ts';
import { RecentMessages } from '../_shared/recent-messages.ts';

export interface MqttJsonOptions {
  duplicateMemory: number;
}

/** Key under which a stored message is remembered: the device's message id, else what it says. */
function memoryKey(d: DecodedReading): string {
  return d.id !== undefined ? `id\u0000${d.device}\u0000${d.id}` : `content\u0000${d.digest}`;
}

export function openMqttJsonSession(link: DeviceLink, options: MqttJsonOptions): DriverSession {
  const events = new SessionEvents(link.log);
  const recent = new RecentMessages(options.duplicateMemory);
  const inFlight = new Map<string, Promise<void>>();
  let closed = false;

  /**
   * Whether this message was stored before. Without an id and without a time, two identical
   * messages may be two real measurements (the same weight twice): only a redelivery the broker
   * flags as such is taken for a repeat then.
   */
  function storedBefore(d: DecodedReading, key: string, meta: MessageMeta): boolean {
    if (d.id === undefined && !d.timed && meta.redelivered !== true) return false;
    const digest = recent.get(key);
    if (digest === undefined) return false;
    if (digest === d.digest) return true;
    // Same id, other content: a device whose counter restarted. Never drop a reading on a guess.
    link.log.warn({ device: d.device, id: d.id }, 'mqtt-json: message id seen before with other content; stored as a new reading');
    return false;
  }

  async function receiveMessage(payload: Uint8Array, meta: MessageMeta): Promise<void> {
    if (closed) throw new Error('mqtt-json session is closed');
    let decoded: ReturnType<typeof decodeReading>;
    try {
      decoded = decodeReading(payload);
    } catch (err) {
      decoded = { ok: false, reason: `internal decoder error: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (!decoded.ok) {
      events.protocolError(decoded.reason, payloadText(payload));
      return;
    }
    const d = decoded.value;
    const key = memoryKey(d);
    // The same message twice at once (two matching subscriptions): the second waits for the first.
    const earlier = inFlight.get(key);
    if (earlier) await earlier.catch(() => undefined);
    if (storedBefore(d, key, meta)) {
      link.log.info({ device: d.device, topic: meta.topic, redelivered: meta.redelivered === true }, 'mqtt-json: message received again: acknowledged, not stored twice');
      return;
    }
    const stored = events.reportAndWait(d.report);
    inFlight.set(key, stored);
    try {
      await stored;
      recent.remember(key, d.digest);
    } finally {
      if (inFlight.get(key) === stored) inFlight.delete(key);
    }
  }

  return {
    receive(chunk: Uint8Array): void {
      events.protocolError('mqtt-json takes whole messages: configure the device with an MQTT transport', Buffer.from(chunk).toString('latin1').slice(0, 40));
    },
    receiveMessage,
    on(event: 'report' | 'protocolError', cb: ReportListener | ProtocolErrorListener): void {
      if (event === 'report') events.on('report', cb as ReportListener);
      else events.on('protocolError', cb as ProtocolErrorListener);
    },
    close(): void {
      closed = true;
    },
  };
}
