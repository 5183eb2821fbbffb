// What every orders integration test starts with: the EHR stand-in (its own process), the gateway
// process with an inbound feed on a free port and the analyzers given, its serial analyzers' links
// up, and the patients registered through the feed (ADT^A04 over real MLLP, from its own process).

import type { CodeMappingT, Config, DeviceConfigT } from '../../src/config/schema.ts';
import type { DeviceOrdersT } from '../../src/model/order-settings.ts';
import { sendAdt } from './adt-sender.ts';
import { gatewayConfig } from './configs.ts';
import { startEhrStandin, type EhrStandin } from './ehr-standin-client.ts';
import { freePort } from './free-port.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from './gateway-process.ts';
import { CREATININE, GLUCOSE, POTASSIUM, registration, type FeedPatient } from './order-feed.ts';
import { openPtyPair, type PtyPair } from './pty.ts';
import { openDeviceEnd, type SerialDeviceEnd } from './serial-device.ts';

/** A chemistry analyzer's own codes to LOINC: one to one, so its orders can use the map in reverse. */
export const CHEMISTRY_CODES: Record<string, CodeMappingT> = {
  GLU: { loinc: GLUCOSE.code, display: GLUCOSE.display },
  CREA: { loinc: CREATININE.code, display: CREATININE.display },
  K: { loinc: POTASSIUM.code, display: POTASSIUM.display },
};

/** The gateway's E1381 waits made short, so a contention or a lost reply costs seconds, not the standard's 15-20 s. */
export const QUICK_E1381 = { receiveTimeoutMs: 5000, replyTimeoutMs: 5000, busyWaitMs: 1000, contentionWaitMs: 2000 };

/** An HL7 analyzer the gateway listens for, with its chemistry codes and these orders settings. */
export function hl7Analyzer(id: string, port: number, orders: DeviceOrdersT): DeviceConfigT {
  return {
    id,
    driver: 'hl7-analyzer',
    label: `Chemistry analyzer (HL7, ${orders.mode})`,
    transport: { type: 'tcp', mode: 'listen', host: '127.0.0.1', port },
    settings: { orderAckTimeoutMs: 3000 },
    codeMap: CHEMISTRY_CODES,
    orders,
  };
}

/** An ASTM chemistry analyzer the gateway dials at `port` (a test's analyzer-server.ts), with its codes, quick E1381 waits and `more` (label, qc, orders). */
export function dialledAstmAnalyzer(id: string, port: number, more: Partial<DeviceConfigT> = {}): DeviceConfigT {
  return {
    id,
    driver: 'astm-lis2',
    label: `Chemistry analyzer ${id} (ASTM)`,
    transport: { type: 'tcp', mode: 'connect', host: '127.0.0.1', port },
    settings: QUICK_E1381,
    codeMap: CHEMISTRY_CODES,
    ...more,
  };
}

export interface OrdersRig {
  ehr: EhrStandin;
  gw: GatewayProcess;
  /** The gateway's inbound feed (ADT and orders). */
  inbound: number;
  config: Config;
  dir: string;
  /** Stops the gateway, then the EHR stand-in. */
  stop(): Promise<void>;
}

export async function startOrdersRig(devices: DeviceConfigT[], patients: FeedPatient[]): Promise<OrdersRig> {
  const ehr = await startEhrStandin();
  const inbound = await freePort();
  const dir = tempDir();
  const config = gatewayConfig(dir, ehr.port, devices, { inbound: { mllp: { host: '127.0.0.1', port: inbound } } });
  const gw = await startGatewayProcess(config, { dir }).catch(async (err: unknown) => {
    await ehr.stop();
    throw err;
  });
  const rig: OrdersRig = {
    ehr,
    gw,
    inbound,
    config,
    dir,
    stop: async () => {
      await rig.gw.stop();
      await ehr.stop();
    },
  };
  try {
    for (const d of devices.filter((x) => x.transport.type === 'serial')) {
      await gw.waitForLog((l) => l.msg === 'device link up' && l.device === d.id, 15_000, `${d.id}'s link`);
    }
    const acks = await sendAdt(
      inbound,
      patients.map((p) => registration(`ADT${p.mrn}`, p)),
    );
    if (acks.some((a) => a.code !== 'AA')) throw new Error(`the registrations were not all accepted: ${acks.map((a) => a.code).join(', ')}`);
  } catch (err) {
    await rig.stop();
    throw err;
  }
  return rig;
}

export interface SerialAnalyzerRig {
  rig: OrdersRig;
  pty: PtyPair;
  /** The analyzer's end of the serial line, written by the test. */
  end: SerialDeviceEnd;
  stop(): Promise<void>;
}

/** The rig with one analyzer on a pty pair: `device` gets the gateway's end of the line; the test writes the other. */
export async function startWithSerialAnalyzer(device: (path: string) => DeviceConfigT, patients: FeedPatient[]): Promise<SerialAnalyzerRig> {
  const pty = await openPtyPair();
  const rig = await startOrdersRig([device(pty.a)], patients).catch(async (err: unknown) => {
    await pty.close();
    throw err;
  });
  const end = await openDeviceEnd(pty.b);
  return {
    rig,
    pty,
    end,
    stop: async () => {
      await end.close();
      await rig.stop();
      await pty.close();
    },
  };
}
