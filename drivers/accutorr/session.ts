// The Accutorr session shell: a poll timer running while the link is up, answers -> tracker -> reports.

import type { DeviceLink, DriverSession, Measurement } from '../../src/model/driver.ts';
import { createLineSession, type LineHandlerContext } from '../_shared/line-session.ts';
import { decodeWithResync } from '../_shared/resync.ts';
import { decodeAccutorrLine, POLL_COMMAND, STATUS2_CUFF_OVERPRESSURE, STATUS2_MOTION_ARTIFACT, type PatientData } from './decode.ts';
import { NibpTracker } from './nibp-tracker.ts';

export interface AccutorrOptions {
  pollIntervalMs: number;
  maxAgeMinutes: number;
}

const POLL_BYTES = Uint8Array.from(Buffer.from(POLL_COMMAND, 'latin1'));

export function openAccutorrSession(link: DeviceLink, options: AccutorrOptions): DriverSession {
  const tracker = new NibpTracker(options.maxAgeMinutes);
  let timer: ReturnType<typeof setInterval> | undefined;

  function poll(): void {
    link.write(POLL_BYTES).catch((err: unknown) => {
      link.log.debug({ err }, 'Accutorr poll write failed');
    });
  }
  function startPolling(): void {
    stopPolling();
    poll();
    timer = setInterval(poll, options.pollIntervalMs);
    timer.unref();
  }
  function stopPolling(): void {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  }

  function onLine(line: string, { events, link: l }: LineHandlerContext): void {
    const { result, discarded } = decodeWithResync(line, decodeAccutorrLine, (a) => a.kind === 'patient');
    if (discarded !== undefined) events.protocolError('incomplete answer fragment discarded', discarded);
    if (!result.ok) {
      events.protocolError(result, line);
      return;
    }
    const answer = result.value;
    if (answer.kind !== 'patient') {
      l.log.debug(`Accutorr ${answer.kind} line ignored`);
      return;
    }
    const verdict = tracker.observe(answer.data);
    if (verdict !== 'new') {
      if (verdict === 'stale') l.log.info('Accutorr: NIBP result older than maxAgeMinutes at start-up not forwarded');
      return;
    }
    const status2 = answer.data.status[2] ?? 0;
    if ((status2 & (STATUS2_CUFF_OVERPRESSURE | STATUS2_MOTION_ARTIFACT)) !== 0) {
      l.log.warn({ status2 }, 'Accutorr reports cuff overpressure or motion artifact with this NIBP result');
    }
    void events.report({ measurements: measurementsOf(answer.data), raw: line.slice(discarded?.length ?? 0).replace(/^[>\s]+/, '') });
  }

  return createLineSession(link, {
    onLine,
    onLinkUp: startPolling,
    onLinkDown: stopPolling,
    onClose: stopPolling,
  });
}

export function measurementsOf(data: PatientData): Measurement[] {
  const out: Measurement[] = [];
  const push = (type: Measurement['type'], field: { value: number; text: string } | null, unit: string): void => {
    if (field !== null) out.push({ type, value: field.value, unit, valueText: field.text });
  };
  push('bp.systolic', data.systolic, 'mmHg');
  push('bp.diastolic', data.diastolic, 'mmHg');
  push('bp.mean', data.mean, 'mmHg');
  // One pulse field: with an active SpO2 sensor it is taken as the oximeter's (UNVERIFIED, README).
  push(data.spo2 !== null ? 'pulse.oximetry' : 'pulse.nibp', data.pulse, 'bpm');
  push('spo2', data.spo2, '%');
  return out;
}
