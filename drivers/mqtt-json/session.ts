// The session shell: one MQTT message at a time -> decode -> drop it if it was stored before (the
// link's durable duplicate memory) -> hand the report to the listeners and resolve once they made it
// durable (the PUBACK waits for that).

import type { DeviceLink, DriverSession, MessageMeta, ProtocolErrorListener, ReportListener } from '../../src/model/driver.ts';
import { internalError } from '../_shared/refusal.ts';
import { SessionEvents } from '../_shared/session-events.ts';
import { decodeReading, payloadText, type DecodedReading } from './decode.ts';

export interface MqttJsonOptions {
  /** Whether a message received again is recognised (`link.resends`); off only when the settings say so. */
  detectResends: boolean;
}

/**
 * The duplicate key of a message: the device's message id with what it says (the same id with other
 * content is a device whose counter restarted: a new reading), else what it says alone.
 */
function resendKey(d: DecodedReading): string {
  return JSON.stringify(d.id !== undefined ? ['id', d.device, d.id, d.digest] : ['content', d.digest]);
}

export function openMqttJsonSession(link: DeviceLink, options: MqttJsonOptions): DriverSession {
  const events = new SessionEvents(link.log);
  const inFlight = new Map<string, Promise<void>>();
  let closed = false;

  /**
   * Whether this message may be a repeat. Without an id and without a time, two identical messages
   * may be two real measurements (the same weight twice): only a redelivery the broker flags as such
   * is taken for a repeat then.
   */
  function mayRepeat(d: DecodedReading, meta: MessageMeta): boolean {
    return d.id !== undefined || d.timed || meta.redelivered === true;
  }

  async function receiveMessage(payload: Uint8Array, meta: MessageMeta): Promise<void> {
    if (closed) throw new Error('mqtt-json session is closed');
    let decoded: ReturnType<typeof decodeReading>;
    try {
      decoded = decodeReading(payload);
    } catch (err) {
      decoded = { ok: false, ...internalError(err) };
    }
    if (!decoded.ok) {
      events.protocolError(decoded, payloadText(payload));
      return;
    }
    const d = decoded.value;
    if (!options.detectResends) {
      await events.reportAndWait(d.report);
      return;
    }
    const key = resendKey(d);
    // The same message twice at once (two matching subscriptions): the second waits for the first.
    const earlier = inFlight.get(key);
    if (earlier) await earlier.catch(() => undefined);
    const first = mayRepeat(d, meta) ? link.resends.recall(key) : undefined;
    if (first !== undefined) {
      link.log.info(
        { topic: meta.topic, redelivered: meta.redelivered === true, reading: first.readingId, firstStoredAt: first.at },
        'mqtt-json: message received again: acknowledged, not stored twice',
      );
      return;
    }
    const stored = events.reportAndWait({ ...d.report, resendKey: key });
    inFlight.set(key, stored);
    try {
      await stored;
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
