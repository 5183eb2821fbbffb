// The configured devices at run time: one runner per enabled device, replaced or removed one at a
// time when the configuration changes, so editing a device restarts only that device's link.

import type { Config, DeviceConfigT } from '../config/schema.ts';
import type { DriverCatalog } from '../config/validate.ts';
import { DeviceRunner } from '../devices/device-runner.ts';
import type { Meter } from '../metrics/meter.ts';
import type { Logger } from '../model/logger.ts';
import { defaultPolicy } from '../pipeline/patient.ts';
import type { Intake } from '../pipeline/intake.ts';
import type { RecentMessages } from '../store/recent-store.ts';
import type { RejectsJournal } from '../store/rejects.ts';
import type { StoredReading } from '../store/types.ts';
import { createTransport } from '../transports/create.ts';
import type { MqttSubscriber } from '../transports/mqtt-router.ts';
import type { LinkStatus } from '../transports/types.ts';
import type { Worklist } from '../model/work-order.ts';
import type { DeviceReport } from '../model/driver.ts';
import type { QcIdentity } from '../qc/recognise.ts';
import { devicePatientSettings } from '../orders/device-patient.ts';
import type { DeviceKind } from '../model/reading.ts';
import type { GatewayEvent } from '../web/api-types.ts';
import { slimReading } from '../web/reading-views.ts';

export interface FleetEntry {
  config: DeviceConfigT;
  kind: DeviceKind;
  runner?: DeviceRunner;
  lastReading?: StoredReading;
  /** When a disabled device was last changed, for its link's `since`. */
  since: string;
}

export interface DeviceFleetOptions {
  drivers: DriverCatalog;
  intake: Intake;
  rejects: RejectsJournal;
  /** The durable duplicate memory every device's driver consults (`DeviceLink.resends`). */
  resends: RecentMessages;
  /** The MQTT side, set up on first need (a device that speaks MQTT may be added later). */
  mqtt(config: Config): Promise<MqttSubscriber | undefined>;
  inboundConfigured: boolean;
  log: Logger;
  /** A function is called only when someone listens (a view that costs to build). */
  emit(event: GatewayEvent | (() => GatewayEvent)): void;
  /** Counts readings by outcome and follows link states (monitoring). */
  meter?: Meter;
  /**
   * The QC log (src/qc/): a report it recognises as control material goes there and never to the
   * intake. Without it, a report the analyzer marked as control is refused (never filed as a patient's).
   */
  qc?: {
    recognise(device: DeviceConfigT, report: DeviceReport): QcIdentity | undefined;
    record(device: DeviceConfigT, report: DeviceReport, identity: QcIdentity): Promise<string>;
  };
  /** Orders to the analyzers (src/orders/): host-query worklists and the news that a session opened. */
  orders?: {
    worklistFor(deviceId: string): Worklist | undefined;
    sessionOpened(deviceId: string): void;
    /** Its settings changed at run time (not at start-up): open orders are dispatched to it again. */
    devicesChanged(deviceId: string): void;
  };
}

function stoppedStatus(since: string): LinkStatus {
  return { state: 'stopped', since, reconnects: 0, connections: 0, bytesIn: 0, bytesOut: 0 };
}

export class DeviceFleet {
  readonly #entries = new Map<string, FleetEntry>();

  constructor(private readonly opts: DeviceFleetOptions) {}

  get entries(): FleetEntry[] {
    return [...this.#entries.values()];
  }

  get(id: string): FleetEntry | undefined {
    return this.#entries.get(id);
  }

  status(entry: FleetEntry): LinkStatus {
    return entry.runner?.status ?? stoppedStatus(entry.since);
  }

  /** Adds or replaces a device. `start: false` builds it without opening its link (gateway start-up opens all at once). */
  async set(device: DeviceConfigT, config: Config, opts: { start: boolean } = { start: true }): Promise<void> {
    const driver = this.opts.drivers.find(device.driver);
    if (!driver) throw new Error(`device "${device.id}": unknown driver "${device.driver}"`);
    const previous = this.#entries.get(device.id);
    if (previous?.runner) await previous.runner.stop();
    const { intake } = this.opts;
    const patient = devicePatientSettings(device);
    intake.setDevice({ config: device, kind: driver.kind, policy: defaultPolicy(driver.kind, patient, this.opts.inboundConfigured) });
    const entry: FleetEntry = { config: device, kind: driver.kind, lastReading: previous?.lastReading, since: new Date().toISOString() };
    if (device.enabled !== false) {
      const dlog = this.opts.log.child({ device: device.id });
      const mqtt = device.transport.type === 'mqtt' ? await this.opts.mqtt(config) : undefined;
      entry.runner = new DeviceRunner({
        device,
        driver,
        transport: createTransport(device.transport, driver.serialDefaults, dlog, { mqtt, dataDir: config.dataDir }),
        log: dlog,
        accept: async (dev, report) => {
          const { qc } = this.opts;
          const control = qc?.recognise(dev, report);
          if (qc && control) return qc.record(dev, report, control);
          if (report.control) throw new Error('a control specimen, and no QC log to keep it in: not stored');
          const stored = await intake.accept(dev.id, report);
          this.opts.meter?.reading(dev.id, stored.status === 'held' ? 'held' : 'queued');
          return stored.reading.id;
        },
        resends: this.opts.resends,
        ...(this.opts.orders && device.orders
          ? { worklist: () => this.opts.orders?.worklistFor(device.id), onSessionOpen: (id: string) => this.opts.orders?.sessionOpened(id) }
          : {}),
        onStatus: (deviceId, link) => {
          this.opts.meter?.link(deviceId, link.state);
          this.opts.emit({ type: 'link', deviceId, link });
        },
        onProtocolError: (deviceId, error) => {
          this.opts.meter?.reading(deviceId, 'rejected');
          // A watched folder's unreadable file may be any file the gateway can read: its contents stay out of the journal.
          this.opts.rejects.keep(deviceId, error.reason, error.bytes, new Date(), { withhold: device.transport.type === 'file', detail: error.detail });
        },
      });
      if (opts.start) entry.runner.start();
    }
    this.#entries.set(device.id, entry);
    if (opts.start) this.opts.orders?.devicesChanged(device.id);
    // A running link reports its own states; a disabled one says it is stopped.
    if (opts.start && !entry.runner) this.opts.emit({ type: 'link', deviceId: device.id, link: this.status(entry) });
  }

  async remove(id: string): Promise<void> {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    await entry.runner?.stop();
    this.opts.intake.removeDevice(id);
  }

  /** A device link waiting to retry tries now: 'retried', or why not. */
  retryNow(id: string): 'retried' | 'not-waiting' | 'unknown' {
    const entry = this.#entries.get(id);
    if (!entry) return 'unknown';
    return entry.runner?.retryNow() ? 'retried' : 'not-waiting';
  }

  startAll(): void {
    for (const e of this.#entries.values()) e.runner?.start();
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#entries.values()].map((e) => e.runner?.stop()));
  }

  /** A reading was stored or changed: remember it as the device's last, and tell the page. */
  noteReading(stored: StoredReading): void {
    const entry = this.#entries.get(stored.reading.deviceId);
    if (entry && (!entry.lastReading || entry.lastReading.reading.id <= stored.reading.id)) entry.lastReading = stored;
    this.opts.emit(() => ({ type: 'reading', reading: slimReading(stored) }));
  }
}
