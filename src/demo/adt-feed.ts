// Demo mode's EHR also registers its patients with the gateway the way a real EHR does: ADT^A04
// (register an outpatient) over MLLP to the inbound feed, so the page's patient search finds them
// and the demo's held readings can be assigned from the directory rather than typed.

import { hl7Timestamp } from '../hl7/datetime.ts';
import { escapeHl7 } from '../hl7/escape.ts';
import { MllpClient } from '../mllp/client.ts';
import type { Logger } from '../model/logger.ts';

export interface DemoPatient {
  mrn: string;
  assigningAuthority?: string;
  family: string;
  given: string;
  dob?: string;
  sex?: 'M' | 'F' | 'O' | 'U';
}

/** One patient's registration as HL7 v2.5.1 ADT^A04 (PID-3 with the demo's assigning authority, PV1-19 a visit). Pure. */
export function demoRegistration(p: DemoPatient, controlId: string, now: Date): string {
  const e = escapeHl7;
  const at = hl7Timestamp(now);
  // PV1-19, the visit number, after 15 empty fields (PV1-4 to PV1-18).
  const pv1 = ['PV1', '1', 'O', 'DEMO^EXAM1', ...Array<string>(15).fill(''), `V${e(p.mrn)}`].join('|');
  return [
    `MSH|^~\\&|DEMO_EHR|DEMO|MEDGATE|DEMO_CLINIC|${at}||ADT^A04^ADT_A01|${controlId}|P|2.5.1|||AL|NE`,
    `EVN|A04|${at}`,
    `PID|1||${e(p.mrn)}^^^${e(p.assigningAuthority ?? 'DEMO')}^MR||${e(p.family)}^${e(p.given)}||${(p.dob ?? '').replace(/-/g, '')}|${p.sex ?? ''}`,
    pv1,
  ].join('\r');
}

/** Sends each patient's registration; a failure is logged and the demo goes on without a directory. */
export async function registerDemoPatients(opts: { host: string; port: number; patients: DemoPatient[]; log: Logger }): Promise<void> {
  const unique = [...new Map(opts.patients.map((p) => [p.mrn, p])).values()];
  if (unique.length === 0) return;
  const client = new MllpClient({ host: opts.host, port: opts.port, connectTimeoutMs: 5000, ackTimeoutMs: 5000, log: opts.log });
  try {
    const now = new Date();
    let refused = 0;
    for (const [i, p] of unique.entries()) {
      const controlId = `DEMOADT${String(i + 1).padStart(4, '0')}`;
      const ack = await client.send(demoRegistration(p, controlId, now), controlId);
      if (ack.code !== 'AA' && ack.code !== 'CA') {
        refused++;
        opts.log.warn({ controlId, ack: ack.code, reason: ack.text }, 'the inbound feed refused a demo registration');
      }
    }
    opts.log.info({ patients: unique.length - refused }, 'built-in EHR registered its patients through the inbound feed (demo)');
  } catch (err) {
    opts.log.warn({ err }, 'built-in EHR could not register its patients through the inbound feed (demo)');
  } finally {
    await client.close();
  }
}
