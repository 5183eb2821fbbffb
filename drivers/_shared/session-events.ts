// Listener bookkeeping for driver sessions. A listener that throws or rejects must not break the
// session or surface as an unhandled rejection: its failure is logged (without patient data).

import type { Logger } from '../../src/model/logger.ts';
import type { DeviceReport, ProtocolError, ProtocolErrorListener, Refusal, ReportListener } from '../../src/model/driver.ts';

export class SessionEvents {
  private readonly reportListeners: ReportListener[] = [];
  private readonly errorListeners: ProtocolErrorListener[] = [];

  constructor(private readonly log: Logger) {}

  on(event: 'report', cb: ReportListener): void;
  on(event: 'protocolError', cb: ProtocolErrorListener): void;
  on(event: 'report' | 'protocolError', cb: ReportListener | ProtocolErrorListener): void {
    if (event === 'report') this.reportListeners.push(cb as ReportListener);
    else this.errorListeners.push(cb as ProtocolErrorListener);
  }

  /** Calls every report listener; resolves when all returned promises settled (for drivers that ACK). */
  report(report: DeviceReport): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const cb of this.reportListeners) {
      try {
        const result = cb(report);
        if (result instanceof Promise) pending.push(result.catch((err: unknown) => this.listenerFailed('report', err)));
      } catch (err) {
        this.listenerFailed('report', err);
      }
    }
    return Promise.all(pending).then(() => undefined);
  }

  /**
   * Calls every report listener; resolves when all of them succeeded, rejects with the first failure
   * once all have settled. For drivers that acknowledge only what the listeners made durable.
   */
  reportAndWait(report: DeviceReport): Promise<void> {
    const pending: Promise<unknown>[] = [];
    for (const cb of this.reportListeners) {
      try {
        pending.push(Promise.resolve(cb(report)));
      } catch (err) {
        pending.push(Promise.reject(err));
      }
    }
    return Promise.allSettled(pending).then((results) => {
      for (const r of results) if (r.status === 'rejected') throw r.reason;
    });
  }

  /** `problem`: a reason alone, or a refusal whose detail quotes the input (kept for review, logged at debug). */
  protocolError(problem: string | Refusal, bytes: string): void {
    const error: ProtocolError = typeof problem === 'string' ? { reason: problem, bytes } : { ...refusalOf(problem), bytes };
    for (const cb of this.errorListeners) {
      try {
        cb(error);
      } catch (err) {
        this.listenerFailed('protocolError', err);
      }
    }
  }

  private listenerFailed(event: string, err: unknown): void {
    this.log.warn({ event, err }, 'driver session listener failed');
  }
}

// Only the two fields: a decoder's result object (`ok`, ...) must not travel with the error.
function refusalOf(problem: Refusal): Refusal {
  return problem.detail === undefined ? { reason: problem.reason } : { reason: problem.reason, detail: problem.detail };
}
