// One configured device at run time: its transport, a driver session per connection, and counters.
// It hands every report to `accept` and never lets a driver's or the pipeline's failure escape.

import type { DeviceConfigT } from '../config/schema.ts';
import type { DeviceCounters } from '../model/device-counters.ts';
import type { DeviceReport, Driver, DriverSession, MessageMeta, ProtocolError } from '../model/driver.ts';
import type { Logger } from '../model/logger.ts';
import type { DownloadOutcome, WorkOrder, Worklist } from '../model/work-order.ts';
import { takesDownloads } from '../orders/dispatch.ts';
import type { RecentMessages } from '../store/recent-store.ts';
import type { Connection, LinkStatus, MessageDone, Transport } from '../transports/types.ts';

export interface DeviceRunnerOptions {
  device: DeviceConfigT;
  driver: Driver;
  transport: Transport;
  log: Logger;
  /** Makes the report durable and resolves with the id of the reading it became; a driver that acknowledges waits for this. */
  accept(device: DeviceConfigT, report: DeviceReport): Promise<string>;
  /** The durable duplicate memory behind every session's `DeviceLink.resends`. */
  resends: RecentMessages;
  onStatus?(deviceId: string, status: LinkStatus): void;
  onProtocolError?(deviceId: string, error: ProtocolError): void;
  /** The open work for host queries, given to each session as `DeviceLink.worklist` (query devices only); read at each session's opening. */
  worklist?(): Worklist | undefined;
  /** A session opened: a download waiting for the analyzer goes now. */
  onSessionOpen?(deviceId: string): void;
}

/** Control characters made visible, so a log line shows what garbage arrived without breaking the log. */
export function visibleBytes(text: string, max = 120): string {
  const shown = text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text;
  return shown.replace(/[\x00-\x1f\x7f]/g, (c) => `<${c.charCodeAt(0).toString(16).padStart(2, '0')}>`);
}

function worklistOf(opts: DeviceRunnerOptions): { worklist?: Worklist } {
  const worklist = opts.worklist?.();
  return worklist ? { worklist } : {};
}

export class DeviceRunner {
  readonly counters: DeviceCounters = { reports: 0, protocolErrors: 0, rejected: 0 };
  #sessions = new Map<string, DriverSession>();
  /** Connection ids, oldest first: a download goes on the newest. */
  #order: string[] = [];
  #taps = new Set<(chunk: Buffer) => void>();
  /** The last report was refused: further refusals in a row are logged at debug only. */
  #refusing = false;
  /** Reports with a duplicate key being stored now, by key. */
  #inFlight = new Map<string, Promise<void>>();

  constructor(private readonly opts: DeviceRunnerOptions) {
    const { transport } = opts;
    transport.on('open', (conn) => this.#open(conn));
    transport.on('data', (conn, chunk) => this.#receive(conn, chunk));
    transport.on('message', (conn, payload, meta, done) => this.#message(conn, payload, meta, done));
    transport.on('closed', (conn, reason) => this.#closed(conn, reason));
    transport.on('status', (status) => opts.onStatus?.(opts.device.id, status));
    // Separate listeners, so a link test watching the bytes cannot change what the driver gets.
    transport.on('data', (_conn, chunk) => this.#feedTaps(chunk));
    transport.on('message', (_conn, payload) => this.#feedTaps(payload));
  }

  /** Every chunk the link delivers, as it arrives (link test); returns the function that stops it. */
  tap(listener: (chunk: Buffer) => void): () => void {
    this.#taps.add(listener);
    return () => {
      this.#taps.delete(listener);
    };
  }

  #feedTaps(chunk: Buffer): void {
    for (const listener of this.#taps) {
      try {
        listener(chunk);
      } catch (err) {
        this.opts.log.warn({ err }, 'byte tap failed');
      }
    }
  }

  get id(): string {
    return this.opts.device.id;
  }

  get status(): LinkStatus {
    return this.opts.transport.status;
  }

  start(): void {
    this.opts.transport.start();
  }

  /** Tries the link again now if it waits out a backoff (transports.Transport.retryNow). */
  retryNow(): boolean {
    return this.opts.transport.retryNow?.() ?? false;
  }

  async stop(): Promise<void> {
    await this.opts.transport.stop();
    for (const session of this.#sessions.values()) session.close();
    this.#sessions.clear();
    this.#order = [];
  }

  /**
   * Sends one order on the newest session that takes downloads. Never rejects: no session is
   * `retry` "not connected" (the gateway keeps the order and tries again when a session opens).
   */
  async download(order: WorkOrder): Promise<DownloadOutcome> {
    const id = [...this.#order].reverse().find((c) => this.#sessions.get(c)?.download !== undefined);
    const session = id === undefined ? undefined : this.#sessions.get(id);
    if (!session?.download) {
      const reason = this.opts.driver.orders?.download ? 'not connected' : `driver "${this.opts.driver.id}" takes no downloads`;
      return { outcome: 'retry', reason };
    }
    try {
      return await session.download(order);
    } catch (err) {
      this.opts.log.error({ err }, 'driver download failed (a download must not reject)');
      return { outcome: 'retry', reason: 'the driver failed while sending' };
    }
  }

  #open(conn: Connection): void {
    const { device, driver } = this.opts;
    const log = this.opts.log.child({ conn: conn.remote });
    let session: DriverSession;
    try {
      session = driver.open({
        write: (bytes) => conn.write(bytes),
        ...(conn.close ? { close: (reason: string) => conn.close?.(reason) } : {}),
        device: { id: device.id, label: device.label, settings: device.settings ?? {} },
        now: () => new Date(),
        log,
        resends: { recall: (key) => this.opts.resends.recall(device.id, key) },
        ...worklistOf(this.opts),
      });
    } catch (err) {
      log.error({ err }, 'driver could not open a session');
      return;
    }
    session.on('report', (report) => this.#report(report));
    session.on('protocolError', (error) => {
      this.counters.protocolErrors++;
      this.counters.lastProtocolError = { at: new Date().toISOString(), reason: error.reason };
      // What arrived may be a result: the reason names the field and what was wrong; the detail (which
      // quotes it) and the bytes are kept for review (GET /api/rejected) and logged at debug only.
      log.warn({ reason: error.reason, length: error.bytes.length }, 'protocol error from device');
      log.debug({ detail: error.detail, bytes: visibleBytes(error.bytes) }, 'protocol error bytes');
      this.opts.onProtocolError?.(device.id, error);
    });
    this.#sessions.set(conn.id, session);
    this.#order.push(conn.id);
    session.linkUp?.();
    log.info({ driver: driver.id }, 'device link up');
    // An analyzer that reconnects while its old socket is half-open: downloads must not vanish into
    // the old one unnoticed. Said once as the second opens, not again for a third.
    if (this.#order.length === 2 && takesDownloads({ orders: device.orders, capabilities: driver.orders })) {
      log.warn({ connections: 2 }, '2 connections from the analyzer: orders go to the newest');
    }
    try {
      this.opts.onSessionOpen?.(device.id);
    } catch (err) {
      log.error({ err }, 'session-open listener failed');
    }
  }

  /** Bytes to the connection's session. It runs in the socket's data handler: a driver that throws must not end the process. */
  #receive(conn: Connection, chunk: Buffer): void {
    try {
      this.#sessions.get(conn.id)?.receive(chunk);
    } catch (err) {
      this.opts.log.error({ err, conn: conn.remote }, 'the driver failed on bytes from the device; they were dropped');
    }
  }

  #message(conn: Connection, payload: Buffer, meta: MessageMeta, done: MessageDone): void {
    const session = this.#sessions.get(conn.id);
    if (!session?.receiveMessage) {
      // A driver without message support on a message transport: config validation prevents it.
      done(new Error(`driver "${this.opts.driver.id}" cannot take whole messages`));
      return;
    }
    let handled: Promise<void>;
    try {
      handled = session.receiveMessage(payload, meta);
    } catch (err) {
      // A driver that throws instead of rejecting: the message is refused, the process goes on.
      this.opts.log.error({ err, conn: conn.remote }, 'the driver failed on a message from the device');
      done(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    handled.then(
      () => done(),
      (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
    );
  }

  #closed(conn: Connection, reason: string): void {
    const session = this.#sessions.get(conn.id);
    if (!session) return;
    this.#sessions.delete(conn.id);
    this.#order = this.#order.filter((c) => c !== conn.id);
    session.linkDown?.();
    session.close();
    this.opts.log.info({ conn: conn.remote, reason }, 'device link down');
  }

  async #report(report: DeviceReport): Promise<void> {
    const key = report.resendKey;
    if (key === undefined) return this.#store(report);
    // A copy that arrives while the first is still being stored (a resend on a second connection, a
    // redelivery when the disk is slow) waits for it: stored, this one is a duplicate; refused, this
    // one is stored in its place. Never both, so never two control IDs for one result.
    const first = this.#inFlight.get(key);
    if (first) {
      const stored = await first.then(
        () => true,
        () => false,
      );
      if (stored) {
        this.opts.log.info('report received again while its first copy was being stored: acknowledged, not stored again');
        return;
      }
      return this.#report(report);
    }
    const storing = this.#store(report);
    this.#inFlight.set(key, storing);
    try {
      await storing;
    } finally {
      if (this.#inFlight.get(key) === storing) this.#inFlight.delete(key);
    }
  }

  async #store(report: DeviceReport): Promise<void> {
    this.counters.reports++;
    this.counters.lastReportAt = new Date().toISOString();
    let readingId: string;
    try {
      readingId = await this.opts.accept(this.opts.device, report);
    } catch (err) {
      // Not durable: the device is not acknowledged (drivers that ACK see the rejection) and we say so
      // loudly, once per run of failures: a full disk refuses every report until it recovers, and the
      // store itself logs when writing fails and when it works again.
      this.counters.rejected++;
      const fields = { err };
      if (this.#refusing) this.opts.log.debug(fields, 'report could not be stored');
      else this.opts.log.error(fields, 'report could not be stored');
      this.#refusing = true;
      throw err;
    }
    this.#refusing = false;
    if (report.resendKey === undefined) return;
    // After the reading is durable and before the driver acknowledges: a resend finds its first copy.
    try {
      await this.opts.resends.remember(this.opts.device.id, report.resendKey, readingId);
    } catch (err) {
      // The reading is stored, so the device is acknowledged; only a resend of it could be stored twice.
      this.opts.log.warn({ err, readingId }, 'reading stored but its duplicate key could not be kept: a resend of it would be stored again');
    }
  }
}
