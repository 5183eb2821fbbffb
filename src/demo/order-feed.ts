// Demo mode's EHR also places lab orders now and then, the way a real EHR does: OML^O21 or ORM^O01
// (HL7 v2.5.1 chapter 4) over MLLP to the inbound feed, for one of its registered patients, with a
// specimen ID and LOINC tests an order-taking demo analyzer performs. Once the feed has stored the
// order, the analyzer's simulator "scans" the specimen (a host query), so the page shows the order
// going to the analyzer and its results coming back under the patient. Never a value or a name in
// the logs: only control IDs and counts.

import { hl7Timestamp } from '../hl7/datetime.ts';
import { escapeHl7 } from '../hl7/escape.ts';
import { MllpClient } from '../mllp/client.ts';
import type { DeviceConfigT } from '../config/schema.ts';
import type { Logger } from '../model/logger.ts';
import type { DemoPatient } from './adt-feed.ts';

export interface DemoPanel {
  name: string;
  /** HL7 table 0487. */
  specimenType: string;
  tests: Array<{ loinc: string; display: string }>;
}

/** What the demo EHR orders: a basic chemistry on serum and a urine dipstick (LOINC codes the demo analyzer's code map knows). */
export const DEMO_PANELS: readonly DemoPanel[] = [
  {
    name: 'chemistry',
    specimenType: 'SER',
    tests: [
      { loinc: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma' },
      { loinc: '2951-2', display: 'Sodium [Moles/volume] in Serum or Plasma' },
      { loinc: '2823-3', display: 'Potassium [Moles/volume] in Serum or Plasma' },
    ],
  },
  {
    name: 'urinalysis',
    specimenType: 'UR',
    tests: [
      { loinc: '25428-4', display: 'Glucose [Presence] in Urine by Test strip' },
      { loinc: '5803-2', display: 'pH of Urine by Test strip' },
      { loinc: '20454-5', display: 'Protein [Presence] in Urine by Test strip' },
    ],
  },
];

export interface DemoOrder {
  controlId: string;
  /** OML^O21 carries the specimen in SPM-2; ORM^O01 (no SPM in 2.5.1) in OBR-20, as sites agree it. */
  structure: 'OML' | 'ORM';
  patient: DemoPatient;
  placer: string;
  specimenId: string;
  panel: DemoPanel;
}

/** The order message: PID, PV1, one ORC (NW) and one OBR per test, SPM for OML. Pure. */
export function demoOrderMessage(o: DemoOrder, now: Date): string {
  const e = escapeHl7;
  const at = hl7Timestamp(now);
  const oml = o.structure === 'OML';
  const p = o.patient;
  const type = oml ? 'OML^O21^OML_O21' : 'ORM^O01^ORM_O01';
  const placer = `${e(o.placer)}^DEMO_EHR`;
  const segments = [
    `MSH|^~\\&|DEMO_EHR|DEMO|MEDGATE|DEMO_CLINIC|${at}||${type}|${e(o.controlId)}|P|2.5.1|||AL|NE`,
    `PID|1||${e(p.mrn)}^^^${e(p.assigningAuthority ?? 'DEMO')}^MR||${e(p.family)}^${e(p.given)}||${(p.dob ?? '').replace(/-/g, '')}|${p.sex ?? ''}`,
    ['PV1', '1', 'O', 'DEMO^EXAM1', ...Array<string>(15).fill(''), `V${e(p.mrn)}`].join('|'),
    `ORC|NW|${placer}||||||||${at}`,
  ];
  o.panel.tests.forEach((t, i) => {
    // ORM: OBR-15 specimen source after OBR-7..14, then OBR-20 the specimen ID after OBR-16..19.
    const obr = ['OBR', String(i + 1), placer, '', `${t.loinc}^${e(t.display)}^LN`, '', at];
    if (!oml) obr.push(...Array<string>(8).fill(''), e(o.panel.specimenType), '', '', '', '', e(o.specimenId));
    segments.push(obr.join('|'));
  });
  if (oml) segments.push(`SPM|1|${e(o.specimenId)}&DEMO_EHR||${e(o.panel.specimenType)}^^HL70487`);
  return segments.join('\r');
}

/** An order-taking demo analyzer: which of the demo panels it performs, and how to scan a tube at it. */
export interface DemoOrderTarget {
  deviceId: string;
  /** The LOINC codes it performs (its `orders.tests` keys, else its code map's LOINC codes). */
  loinc: ReadonlySet<string>;
  /** Tell its simulator to scan the specimen; false when it is not running. */
  scan(specimenId: string): boolean;
}

export interface DemoOrdersOptions {
  host: string;
  port: number;
  patients: DemoPatient[];
  targets: DemoOrderTarget[];
  log: Logger;
  /** First order this long after start (default 10 s), then one every `everyMs` (default 60 s). */
  firstAfterMs?: number;
  everyMs?: number;
  /** Between the feed's ACK and the scan at the analyzer (default 5 s: the tube reaches the instrument). */
  scanAfterMs?: number;
}

/**
 * The demo's order-taking analyzers: devices with `orders`. A query-mode one is told to scan each
 * specimen (`scan`); a download-mode one gets the order from the gateway unasked, so nothing to do.
 */
export function demoOrderTargets(devices: readonly DeviceConfigT[], scan: (deviceId: string, specimenId: string) => boolean): DemoOrderTarget[] {
  return devices.flatMap((d) => {
    const orders = d.orders;
    if (orders === undefined || d.enabled === false) return [];
    const mapped = Object.values(d.codeMap ?? {})
      .flatMap((m) => (Array.isArray(m) ? m : [m]).map((x) => x.loinc))
      .filter((c): c is string => c !== undefined);
    const loinc = new Set(orders.tests !== undefined ? Object.keys(orders.tests) : mapped);
    const queries = orders.mode !== 'download';
    return [{ deviceId: d.id, loinc, scan: (specimenId: string) => (queries ? scan(d.id, specimenId) : true) }];
  });
}

/** The panels a target performs wholly. */
export function panelsFor(target: Pick<DemoOrderTarget, 'loinc'>): DemoPanel[] {
  return DEMO_PANELS.filter((p) => p.tests.every((t) => target.loinc.has(t.loinc)));
}

/** Places a demo order now and then until stopped; a failure is logged and the next one tried later. */
export function startDemoOrders(opts: DemoOrdersOptions): { stop(): Promise<void> } {
  const plans = opts.targets.flatMap((target) => panelsFor(target).map((panel) => ({ target, panel })));
  const patients = opts.patients;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const scans = new Set<ReturnType<typeof setTimeout>>();
  const client = new MllpClient({ host: opts.host, port: opts.port, connectTimeoutMs: 5000, ackTimeoutMs: 5000, log: opts.log });
  const base = Date.now().toString(36).toUpperCase();
  let n = 0;

  const placeOne = async (): Promise<void> => {
    const plan = plans[n % plans.length];
    const patient = patients[n % patients.length];
    n++;
    if (plan === undefined || patient === undefined) return;
    const order: DemoOrder = {
      controlId: `DEMOORD${String(n).padStart(4, '0')}`,
      structure: n % 2 === 1 ? 'OML' : 'ORM',
      patient,
      placer: `DEMO-${base}-${n}`,
      specimenId: `DEMO-SPC-${base}-${n}`,
      panel: plan.panel,
    };
    try {
      const ack = await client.send(demoOrderMessage(order, new Date()), order.controlId);
      if (ack.code !== 'AA' && ack.code !== 'CA') {
        opts.log.warn({ controlId: order.controlId, ack: ack.code, reason: ack.text }, 'the inbound feed refused a demo order');
        return;
      }
      opts.log.info({ controlId: order.controlId, device: plan.target.deviceId, panel: plan.panel.name }, 'built-in EHR placed a lab order (demo)');
      const t = setTimeout(() => {
        scans.delete(t);
        if (!stopped && !plan.target.scan(order.specimenId)) opts.log.debug({ device: plan.target.deviceId }, 'demo analyzer not running: the order waits');
      }, opts.scanAfterMs ?? 5000);
      scans.add(t);
    } catch (err) {
      opts.log.warn({ err }, 'built-in EHR could not place a demo order through the inbound feed');
    }
  };

  const loop = (delay: number): void => {
    timer = setTimeout(() => {
      void placeOne().finally(() => {
        if (!stopped) loop(opts.everyMs ?? 60_000);
      });
    }, delay);
  };
  if (plans.length > 0 && patients.length > 0) loop(opts.firstAfterMs ?? 10_000);

  return {
    stop: async () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      for (const t of scans) clearTimeout(t);
      await client.close();
    },
  };
}
