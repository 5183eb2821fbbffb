// The EHR's feed into the gateway: an MLLP listener (optionally TLS) whose handler parses each
// message, keeps it in the inbound journal, applies it to the patient directory durably, and only
// then answers AA. A message we cannot or will not process is kept for review and answered AE/AR
// with the reason; if anything cannot be stored, the answer is AE and the EHR sends it again.

import type tls from 'node:tls';
import { buildAck } from '../hl7/ack.ts';
import { MllpListener } from '../mllp/listener.ts';
import { silentLogger, type Logger } from '../model/logger.ts';
import type { PatientDirectoryStore } from '../patients/directory.ts';
import { withDefaults, type ListenerLimits } from '../net/connection-guard.ts';
import { InboundJournal } from './journal.ts';
import { parseInbound } from './parse.ts';
import type { InboundEvent } from './events.ts';
import { errorText } from '../model/error-text.ts';

/** The config's `inbound.mllp.tls` file names to Node TLS options. */
export { listenerTlsOptions as inboundTlsOptions } from '../net/listener-tls.ts';

export interface InboundListenerOptions {
  /** Default 0.0.0.0. */
  host?: string;
  /** 0 = ephemeral. */
  port: number;
  tls?: tls.TlsOptions;
  /** Who may connect, how many at once, how long silent (config `inbound.mllp`). */
  limits?: ListenerLimits;
  directory: Pick<PatientDirectoryStore, 'applyDurably'>;
  /** Told after each event is durable in the directory (orders go to the analyzers); before the ACK, never awaited. */
  onApplied?(event: InboundEvent): void;
  /** Where the inbound journal lives, e.g. <dataDir>/inbound. */
  journalDir: string;
  /** Days of journal kept by journal.prune(); default 90. */
  journalRetentionDays?: number;
  log?: Logger;
  /** MSH-3 / MSH-4 of our ACKs; default: MSH-5 / MSH-6 of the message. */
  application?: string;
  facility?: string;
  now?: () => Date;
}

export interface InboundListener {
  host: string;
  port: number;
  journal: InboundJournal;
  close(): Promise<void>;
}

/** An interface engine keeps one connection; spares for its reconnects while an old one is not yet seen gone. */
const INBOUND_DEFAULTS = { maxConnections: 4 };

const STORE_FAILED = 'the message could not be stored; send it again';

export async function startInboundListener(opts: InboundListenerOptions): Promise<InboundListener> {
  const log = (opts.log ?? silentLogger).child({ component: 'inbound' });
  const now = opts.now ?? (() => new Date());
  const journal = new InboundJournal(opts.journalDir, {
    log,
    ...(opts.journalRetentionDays === undefined ? {} : { retentionDays: opts.journalRetentionDays }),
  });
  const identity = {
    ...(opts.application === undefined ? {} : { sendingApp: opts.application }),
    ...(opts.facility === undefined ? {} : { sendingFacility: opts.facility }),
  };

  const handler = async (text: string): Promise<string> => {
    const at = now().toISOString();
    const parsed = parseInbound(text);
    const { controlId, messageType: type } = parsed;
    const named = { ...(controlId === undefined ? {} : { controlId }), ...(type === undefined ? {} : { type }) };
    // Type, control ID and outcome only: reasons and text can carry patient data.
    const fields = { type: type ?? '?', controlId: controlId ?? '?' };

    if (!parsed.ok) {
      try {
        await journal.keep({ at, ...named, outcome: parsed.code, reason: parsed.reason, errorCode: parsed.errorCode, text });
      } catch (err) {
        log.error({ ...fields, err }, 'could not keep a rejected inbound message; answering AE');
        return buildAck(text, 'AE', { ...identity, text: STORE_FAILED, errorCode: '207' });
      }
      log.warn({ ...fields, outcome: parsed.code, errorCode: parsed.errorCode }, 'inbound message rejected');
      log.debug({ ...fields, reason: parsed.reason }, 'inbound rejection reason');
      return buildAck(text, parsed.code, { ...identity, text: parsed.reason, errorCode: parsed.errorCode });
    }

    try {
      await journal.keep({ at, ...named, outcome: 'AA', ...(parsed.warnings.length > 0 ? { warnings: parsed.warnings } : {}), text });
    } catch (err) {
      log.error({ ...fields, err }, 'could not journal an inbound message; answering AE');
      return buildAck(text, 'AE', { ...identity, text: STORE_FAILED, errorCode: '207' });
    }
    try {
      await opts.directory.applyDurably(parsed.event);
    } catch (err) {
      log.error({ ...fields, err }, 'could not store a directory change; answering AE');
      // The journal already says AA for it: say what was really answered.
      await journal
        .keep({ at: now().toISOString(), ...named, outcome: 'AE', reason: `directory not stored: ${errorText(err)}`, errorCode: '207', text, followUp: true })
        .catch(() => undefined);
      return buildAck(text, 'AE', { ...identity, text: STORE_FAILED, errorCode: '207' });
    }
    try {
      opts.onApplied?.(parsed.event);
    } catch (err) {
      log.error({ ...fields, err }, 'a listener of applied inbound messages failed');
    }
    if (parsed.warnings.length > 0) log.warn({ ...fields, warnings: parsed.warnings.length }, 'inbound message applied with fields left out');
    log.info({ ...fields, outcome: 'AA' }, 'inbound message applied');
    return buildAck(text, 'AA', identity);
  };

  const listener = new MllpListener({
    port: opts.port,
    handler,
    log,
    ...(opts.host === undefined ? {} : { host: opts.host }),
    ...(opts.tls === undefined ? {} : { tls: opts.tls }),
    limits: withDefaults(opts.limits, INBOUND_DEFAULTS),
  });
  const address = await listener.start();
  return { host: address.host, port: address.port, journal, close: () => listener.close() };
}
