// Demo mode's simulated devices, started and stopped from the web page: one simulator per
// configured device at most, its view (running, messages sent, why it ended) kept for the page.
// An analyzer that takes orders (the device has `orders`) sends only results for work it was given:
// specimens scanned at it (`scan`, the demo EHR's orders) and, in download mode, its worklist a few
// seconds after each download; results nobody ordered would only be held. A demo analyzer with
// `qc` runs the device's control lots on that schedule (demo-qc.ts).

import type { Config, DeviceConfigT } from '../config/schema.ts';
import { explainLinkError } from '../devices/link-test.ts';
import { RequestError } from '../model/request-error.ts';
import type { Logger } from '../model/logger.ts';
import type { SimulatorStart, SimulatorView } from '../web/api-types.ts';
import { asOrderTaking, simulatorIds, type AnalyzerOrderOptions } from '../../simulators/index.ts';
import { runSimulator, type RunningSimulator } from '../../simulators/runner.ts';
import { demoQcOptions } from './demo-qc.ts';
import { simulatorTarget, type DemoSimulatorT } from './simulator-target.ts';
import { errorText } from '../model/error-text.ts';

/** After the last reading, time for its bytes to leave before the link is closed. */
const DRAIN_MS = 1000;
/** A demo analyzer runs a download this long after it arrives. */
const RUN_WORKLIST_AFTER_MS = 5000;

/** How a demo analyzer's simulator takes orders, from the device's `orders` settings. */
export function demoOrderOptions(device: DeviceConfigT): AnalyzerOrderOptions {
  const mode = device.orders?.mode;
  if (mode === undefined) return {};
  return mode === 'query' ? { unsolicited: false } : { unsolicited: false, runWorklistAfterMs: RUN_WORKLIST_AFTER_MS };
}

export interface SimulatorManagerOptions {
  /** The broker MQTT devices publish to; for an embedded broker on port 0, pass the bound port. */
  mqtt?: Config['mqtt'];
  log: Logger;
  onChange?(view: SimulatorView): void;
}

interface Entry {
  driver: string;
  needsSerialPath: boolean;
  target?: string;
  /** Set while starting or running. */
  run?: Promise<RunningSimulator | undefined>;
  sim?: RunningSimulator;
  sent: number;
  error?: string;
}

export class SimulatorManager {
  #entries = new Map<string, Entry>();

  constructor(private readonly opts: SimulatorManagerOptions) {}

  /** One view per device whose driver has a simulator. */
  list(devices: DeviceConfigT[]): SimulatorView[] {
    return devices
      .filter((d) => simulatorIds.includes(d.driver))
      .map((d) => {
        const entry = this.#entries.get(d.id);
        return entry && entry.driver === d.driver ? this.#view(d.id, entry) : idleView(d, this.opts.mqtt);
      });
  }

  async start(device: DeviceConfigT, opts: SimulatorStart & { demo?: DemoSimulatorT }): Promise<SimulatorView> {
    const previous = this.#entries.get(device.id);
    if (previous?.run) throw new RequestError(409, `the simulator of device "${device.id}" is already running`);
    if (!simulatorIds.includes(device.driver)) throw new RequestError(404, `driver "${device.driver}" of device "${device.id}" has no simulator`);
    const { link, target } = simulatorTarget(device, { serialPath: opts.serialPath, demo: opts.demo, mqtt: this.opts.mqtt });
    const entry: Entry = {
      driver: device.driver,
      needsSerialPath: device.transport.type === 'serial' && !opts.demo?.tcpListen && !opts.demo?.tcpConnect,
      target,
      sent: 0,
    };
    this.#entries.set(device.id, entry);
    const log = this.opts.log.child({ device: device.id });
    const count = opts.count ?? opts.demo?.count;
    const intervalMs = opts.intervalMs ?? opts.demo?.intervalMs;
    const starting = runSimulator({
      driver: device.driver,
      ...link,
      ...(count !== undefined ? { count } : {}),
      ...(intervalMs !== undefined ? { intervalMs } : {}),
      ...(opts.demo?.faults ? { faults: opts.demo.faults } : {}),
      ...demoOrderOptions(device),
      ...demoQcOptions(device, opts.demo),
      // Simulator lines are about the link and reading numbers; debug all the same, they are demo chatter.
      log: (line) => log.debug(line),
    });
    entry.run = starting.then(
      (sim) => {
        entry.sim = sim;
        return sim;
      },
      () => undefined,
    );
    let sim: RunningSimulator;
    try {
      sim = await starting;
    } catch (err) {
      entry.run = undefined;
      entry.error = `could not start: ${explainLinkError(errorText(err))}`;
      log.warn({ target, err: entry.error }, 'simulator did not start');
      this.#changed(device.id, entry);
      throw new RequestError(400, `the simulator of device "${device.id}" (${target}) ${entry.error}`);
    }
    if (entry.sim !== sim) return this.#view(device.id, entry); // stopped while it was starting
    if (link.tcpListen && sim.port !== undefined) entry.target = `tcp ${link.tcpListen.host ?? '127.0.0.1'}:${sim.port}`;
    log.info({ driver: device.driver, target: entry.target }, 'simulator started');
    sim.done.then(
      () => this.#ended(device.id, entry, sim),
      (err: unknown) => this.#ended(device.id, entry, sim, errorText(err)),
    );
    return this.#changed(device.id, entry);
  }

  /** A tube scanned at the device's running analyzer simulator (a host query); false when there is none. */
  scan(deviceId: string, specimenId: string): boolean {
    const device = this.#entries.get(deviceId)?.sim?.device;
    const analyzer = device === undefined ? undefined : asOrderTaking(device);
    analyzer?.scan(specimenId);
    return analyzer !== undefined;
  }

  async stop(deviceId: string): Promise<SimulatorView | undefined> {
    const entry = this.#entries.get(deviceId);
    if (!entry) return undefined;
    const sim = await entry.run;
    if (sim && entry.sim === sim) {
      await this.#halt(entry, sim);
      this.opts.log.info({ part: 'simulator', device: deviceId, sent: entry.sent }, 'simulator stopped');
      return this.#changed(deviceId, entry);
    }
    return this.#view(deviceId, entry);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#entries.keys()].map((id) => this.stop(id)));
  }

  async #ended(deviceId: string, entry: Entry, sim: RunningSimulator, error?: string): Promise<void> {
    if (error === undefined) await new Promise((resolve) => setTimeout(resolve, DRAIN_MS));
    if (entry.sim !== sim || this.#entries.get(deviceId) !== entry) return; // stopped (or restarted) meanwhile
    await this.#halt(entry, sim);
    if (error !== undefined) entry.error = error;
    this.opts.log.info({ part: 'simulator', device: deviceId, sent: entry.sent, err: error }, error ? 'simulator failed' : 'simulator finished');
    this.#changed(deviceId, entry);
  }

  async #halt(entry: Entry, sim: RunningSimulator): Promise<void> {
    entry.sim = undefined;
    entry.run = undefined;
    try {
      await sim.stop();
    } catch (err) {
      entry.error = `stopping failed: ${errorText(err)}`;
    }
    entry.sent = sim.sent;
  }

  #changed(deviceId: string, entry: Entry): SimulatorView {
    const view = this.#view(deviceId, entry);
    try {
      this.opts.onChange?.(view);
    } catch (err) {
      this.opts.log.warn({ part: 'simulator', err }, 'simulator change listener failed');
    }
    return view;
  }

  #view(deviceId: string, entry: Entry): SimulatorView {
    const view: SimulatorView = {
      deviceId,
      driver: entry.driver,
      running: entry.run !== undefined,
      sent: entry.sim?.sent ?? entry.sent,
      needsSerialPath: entry.needsSerialPath,
    };
    if (entry.target !== undefined) view.target = entry.target;
    if (entry.error !== undefined) view.error = entry.error;
    return view;
  }
}

function idleView(device: DeviceConfigT, mqtt: Config['mqtt']): SimulatorView {
  const view: SimulatorView = { deviceId: device.id, driver: device.driver, running: false, sent: 0, needsSerialPath: device.transport.type === 'serial' };
  if (device.transport.type !== 'serial' && device.transport.type !== 'file') {
    try {
      view.target = simulatorTarget(device, { mqtt }).target;
    } catch {
      // No broker configured: the start will say so.
    }
  }
  return view;
}
