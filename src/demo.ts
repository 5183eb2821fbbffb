// Demo mode: a built-in EHR receiver and simulated devices, so `npm start` shows the whole loop
// on a machine with no hardware and no EHR.

import type { Config } from './config/schema.ts';
import { buildAck } from './hl7/ack.ts';
import { MllpListener } from './mllp/listener.ts';
import type { Logger } from './model/logger.ts';
import { runSimulator } from '../simulators/runner.ts';

export interface RunningDemo {
  ehrPort?: number;
  stop(): Promise<void>;
}

/** The fields the demo receiver prints: message type, control ID and how many results, never their values. */
export function summarizeHl7(message: string): { type: string; controlId: string; observations: number } {
  const segments = message.split(/\r\n|\r|\n/);
  const msh = (segments.find((s) => s.startsWith('MSH')) ?? '').split('|');
  return {
    type: msh[8] ?? '?',
    controlId: msh[9] ?? '?',
    observations: segments.filter((s) => s.startsWith('OBX') && s.split('|')[2] !== '').length,
  };
}

export async function startDemo(config: Config, deps: { log: Logger }): Promise<RunningDemo> {
  const stoppers: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) await s();
  };
  try {
    let ehrPort: number | undefined;
    const ehr = config.demo?.ehr;
    if (ehr) {
      const elog = deps.log.child({ part: 'demo-ehr' });
      const listener = new MllpListener({
        host: ehr.host ?? '127.0.0.1',
        port: ehr.port,
        log: elog,
        handler: (message) => {
          const s = summarizeHl7(message);
          elog.info(s, `built-in EHR received ${s.type} ${s.controlId} with ${s.observations} results`);
          return buildAck(message, 'AA', { sendingApp: 'DEMO_EHR', sendingFacility: 'DEMO' });
        },
      });
      ehrPort = (await listener.start()).port;
      stoppers.push(() => listener.close());
      elog.info({ port: ehrPort }, 'built-in EHR receiver listening (demo)');
    }
    for (const sim of config.demo?.simulators ?? []) {
      const device = config.devices.find((d) => d.id === sim.device);
      if (!device) continue;
      const running = await runSimulator({
        driver: device.driver,
        tcpListen: sim.tcpListen ? { host: sim.tcpListen.host ?? '127.0.0.1', port: sim.tcpListen.port } : undefined,
        tcpConnect: sim.tcpConnect ? { host: sim.tcpConnect.host ?? '127.0.0.1', port: sim.tcpConnect.port } : undefined,
        intervalMs: sim.intervalMs,
        count: sim.count,
        faults: sim.faults,
      });
      stoppers.push(() => running.stop());
      deps.log.info({ part: 'demo', device: device.id, driver: device.driver, port: running.port }, 'simulated device started (demo)');
    }
    return { ehrPort, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
