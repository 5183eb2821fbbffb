// The GatewayApi the web server calls, built from the running parts. Every change a person makes
// goes through here and into the audit journal; configuration changes go through ConfigFile.

import { realpathSync } from 'node:fs';
import type { AuditJournal, AuditRecord } from '../audit/journal.ts';
import { ConfigChangeRefused, relativeProblems, type ConfigFile } from '../config/config-file.ts';
import {
  Destination as DestinationSchema,
  DeviceConfig as DeviceSchema,
  PatientBody,
  type Config,
  type DestinationConfig,
  type DeviceConfigT,
} from '../config/schema.ts';
import { keepSecrets, redactDestination } from '../config/secrets.ts';
import type { DriverCatalog } from '../config/validate.ts';
import type { SimulatorManager } from '../demo/simulators.ts';
import { loadAdapter } from '../destinations/index.ts';
import { recogniseLinkTest } from '../devices/link-recognition.ts';
import { testLink, watchBytes } from '../devices/link-test.ts';
import { gatherHealthFacts } from '../health/gather.ts';
import { judgeHealth } from '../health/judge.ts';
import { healthThresholds } from '../health/thresholds.ts';
import type { GatewayMetrics, ScrapeSources } from '../metrics/gateway-metrics.ts';
import { OutboxTally } from '../metrics/outbox-tally.ts';
import { listSerialPorts } from '../devices/serial-ports.ts';
import { holdLabel, type HoldKind, type HoldReason } from '../model/hold.ts';
import type { Logger } from '../model/logger.ts';
import type { PatientRef } from '../model/reading.ts';
import { RequestError } from '../model/request-error.ts';
import { sameLink } from '../model/same-link.ts';
import { discardDeadQc, resend } from '../outbox/outbox.ts';
import type { PatientDirectoryStore } from '../patients/directory.ts';
import type { OrdersService } from '../orders/orders-service.ts';
import type { QcApi, QcReviewer } from '../qc/qc-api.ts';
import { qcRoleRefusal } from '../qc/review-role.ts';
import type { ReleaseConfirmations } from '../pipeline/release.ts';
import { bindingActive, defaultPolicy } from '../pipeline/patient.ts';
import { devicePatientSettings } from '../orders/device-patient.ts';
import type { BindingMode } from '../patients/types.ts';
import { searchDirectory } from '../patients/search.ts';
import type { Intake, Released } from '../pipeline/intake.ts';
import type { StorageEngine } from '../store/engine.ts';
import type { HistoryStore } from '../store/history-store.ts';
import type { RejectsJournal } from '../store/rejects.ts';
import type { StateStore } from '../store/state-store.ts';
import type { DeviceRunner } from '../devices/device-runner.ts';
import type { DeviceView, GatewayApi, GatewayEvent, LinkTestResult, SlimReading } from '../web/api-types.ts';
import { liveContext, liveMessageView, slimReading, tracingOf } from '../web/reading-views.ts';
import { findMessages } from './find-messages.ts';
import { findReadings } from './find-readings.ts';
import type { DestinationFleet } from './destination-fleet.ts';
import type { DeviceFleet, FleetEntry } from './device-fleet.ts';
import { destinationRetryRefusal, deviceRetryRefusal } from './retry-refusal.ts';
import { statusSource } from './status-source.ts';

export interface GatewayParts {
  store: StateStore;
  /** For what /healthz says about storage. */
  engine: Pick<StorageEngine, 'damaged'>;
  /** Lists give readings slimmed (web/reading-views.ts). */
  history: HistoryStore<SlimReading>;
  rejects: RejectsJournal;
  audit: AuditJournal;
  intake: Intake;
  directory?: PatientDirectoryStore;
  /** Orders to the analyzers; present with an inbound feed. */
  orders?: OrdersService;
  /** The QC log, its targets and rejections (src/qc/); always there in a running gateway. */
  qc?: QcApi;
  devices: DeviceFleet;
  destinations: DestinationFleet;
  /** Told what happens as it happens; reads the rest from here when scraped (set up in buildGatewayApi). */
  metrics: GatewayMetrics;
  configFile: ConfigFile;
  drivers: DriverCatalog;
  /** Present in demo mode only. */
  simulators?: SimulatorManager;
  hasSimulator(driverId: string): boolean;
  subscribe(listener: (event: GatewayEvent) => void): () => void;
  /** A function is called only when someone listens (a view that costs to build). */
  emit(event: GatewayEvent | (() => GatewayEvent)): void;
  /** The intake's view of the destinations, updated when they change. */
  setDestinations(destinations: DestinationConfig[]): void;
  log: Logger;
}

/** Bytes of a running device's link, with what its link state says about whether it is open. */
async function watchRunning(runner: DeviceRunner, seconds: number): Promise<LinkTestResult> {
  const result = await watchBytes(runner, seconds);
  const link = runner.status;
  const open = link.state === 'connected' || link.state === 'listening';
  return { ...result, opened: open, ...(open ? {} : { error: link.lastError ?? `the link is ${link.state}` }) };
}

/** A serial path as the device it names (a by-id link and /dev/ttyUSB0 are one port); as written when it does not exist. */
function realSerialPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function idOf(p: PatientRef): { mrn: string; assigningAuthority?: string } {
  return p.assigningAuthority ? { mrn: p.mrn, assigningAuthority: p.assigningAuthority } : { mrn: p.mrn };
}

/** "value/implausible: <text>; ..." for the audit journal (on disk and behind sign-in, unlike the logs). */
function reasonsText(reasons: readonly HoldReason[]): string {
  return reasons.map((r) => `${holdLabel(r)}: ${r.text}`).join('; ');
}

/** Binding a device whose results go by order would look as if it chose the chart: it never does. */
export const ORDER_MODE_NO_BINDING = "this analyzer files each result under its order's patient (by specimen ID): binding does not apply";

const CONFIRMATION: Partial<Record<HoldKind, string>> = { value: 'acceptImplausible', code: 'acceptLocalCode', qc: 'acceptQcFailure' };

/** One audit entry per confirmation a person gave, and one for a delivery retried, naming the kinds and codes settled. */
function settlementEntries(who: string, released: Released): AuditRecord[] {
  const { stored } = released;
  const base = { who, device: stored.reading.deviceId, reading: stored.reading.id, ...(stored.patient ? { patient: idOf(stored.patient) } : {}) };
  const entries: AuditRecord[] = [];
  for (const kind of ['value', 'code', 'qc'] as const) {
    const overridden = released.overridden.filter((r) => r.kind === kind);
    if (overridden.length === 0) continue;
    const local =
      kind === 'code' && released.localCodeOnly.length > 0
        ? ` (observation ${released.localCodeOnly.map((i) => i + 1).join(', ')} sent under the analyzer's own code)`
        : '';
    entries.push({ ...base, action: 'override', reason: `${CONFIRMATION[kind]}${local}: ${reasonsText(overridden)}` });
  }
  const delivery = released.settled.filter((r) => r.kind === 'delivery');
  if (delivery.length > 0) entries.push({ ...base, action: 'resend', reason: `held reading released for another try: ${reasonsText(delivery)}` });
  return entries;
}

export function buildGatewayApi(parts: GatewayParts): GatewayApi {
  const { store, history, rejects, audit, intake, directory, devices, destinations, configFile, drivers, metrics, log } = parts;
  const { qc } = parts;
  const tally = new OutboxTally(store);
  /** Dead QC messages being discarded now: two people pressing Discard at once record one discard. */
  const discarding = new Set<string>();
  const running: ScrapeSources = {
    devices: () => devices.entries.map((e) => ({ id: e.config.id, enabled: e.config.enabled !== false, state: devices.status(e).state })),
    destinationIds: () => destinations.ids(),
    messages: () => Object.values(store.data.messages),
    outboxFacts: () => tally.facts(destinations.ids()),
    ...(qc ? { qcProblems: () => qc.problems() } : {}),
  };
  metrics.readFrom(running);

  const healthFacts = () => {
    const storage = () => ({ writesFailing: store.writesFailing, ...api.storage() });
    return gatherHealthFacts({ metrics, devices: running.devices, storage, ...(qc ? { qc: () => qc.problems() } : {}) });
  };

  const { orders } = parts;
  const status = statusSource({
    store,
    devices,
    destinations,
    healthFacts,
    thresholds: () => healthThresholds(configFile.document.health),
    ...(orders ? { orders: () => orders.problems() } : {}),
  });
  // Sending a result its failed QC holds is the review's decision, one reading at a time: the review's role.
  const mayAcceptQcFailure = (who: QcReviewer, confirm: ReleaseConfirmations): void => {
    if (confirm.acceptQcFailure !== true) return;
    const refusal = qcRoleRefusal(who, configFile.document.qc, 'sending a result held for failed QC (acceptQcFailure)');
    if (refusal !== undefined) throw new RequestError(403, refusal);
  };
  const noQcRejection = (id: string): never => {
    throw new RequestError(404, `no QC rejection "${id}"`);
  };
  const noOrders = (): never => {
    throw new RequestError(404, "orders come from the EHR's feed: no inbound feed is configured");
  };

  const refuse = (err: unknown, prefix: string): never => {
    if (err instanceof ConfigChangeRefused) throw new ConfigChangeRefused(relativeProblems(err.problems, prefix));
    throw err;
  };

  /**
   * A running device's link watched: what arrives is also taken as its readings (a real device's
   * output is never dropped), so the answer says so, and names the patient it was bound to: at the
   * start (a "next reading" binding ends with the reading a test sends), else at the end.
   */
  const watchRunningDevice = async (device: DeviceConfigT, runner: DeviceRunner, seconds: number): Promise<LinkTestResult> => {
    const boundAt = () => {
      const entry = devices.get(device.id);
      // A device that files by order ignores its binding (one left from an earlier configuration).
      if (entry && patientModeOf(entry) === 'order') return undefined;
      const binding = store.data.bindings[device.id];
      return bindingActive(binding, new Date()) ? binding.patient : undefined;
    };
    const before = boundAt();
    const result = await watchRunning(runner, seconds);
    const boundTo = before ?? boundAt();
    return { ...result, running: true, runningDevice: { id: device.id, ...(device.label ? { label: device.label } : {}) }, ...(boundTo ? { boundTo } : {}) };
  };

  /** A device's binding mode as the pipeline applies it: its own, the orders default (`order`), else its kind's. */
  const patientModeOf = (e: FleetEntry): BindingMode => defaultPolicy(e.kind, devicePatientSettings(e.config), false).mode;

  const api: GatewayApi = {
    devices: (): DeviceView[] =>
      devices.entries.map((e) => ({
        id: e.config.id,
        label: e.config.label,
        driver: e.config.driver,
        kind: e.kind,
        enabled: e.config.enabled !== false,
        transport: e.config.transport,
        link: devices.status(e),
        counters: e.runner ? { ...e.runner.counters } : { reports: 0, protocolErrors: 0, rejected: 0 },
        unmappedCodes: intake.unmappedCodes(e.config.id),
        unmappedSpecimens: intake.unmappedSpecimens(e.config.id),
        binding: store.data.bindings[e.config.id],
        patientMode: patientModeOf(e),
        lastReading: e.lastReading && slimReading(e.lastReading),
      })),
    destinations: () => destinations.views(),
    readings: async (query) => findReadings({ doc: store.data, history }, query),
    rejected: async (query) => rejects.recent({ limit: query.limit, deviceId: query.device, before: query.before }),
    rejectedDropped: () => rejects.droppedAll(),
    storage: () => (parts.engine.damaged ? { damaged: parts.engine.damaged } : {}),
    health: async () => judgeHealth(await healthFacts(), healthThresholds(configFile.document.health)),
    status: () => status.get(),
    retryDevice: (who, deviceId) => {
      const outcome = devices.retryNow(deviceId);
      if (outcome === 'unknown') throw new RequestError(404, `no device "${deviceId}"`);
      const entry = devices.get(deviceId);
      const link = entry ? devices.status(entry) : undefined;
      const mqtt = entry?.config.transport.type === 'mqtt';
      if (outcome === 'retried' && link) {
        status.invalidate();
        log.info({ device: deviceId, user: who }, "device link retried now at a person's request");
        return { link };
      }
      if (link?.state === 'connecting' && !mqtt) return { link, already: true };
      throw new RequestError(409, deviceRetryRefusal(deviceId, link?.state, entry?.config.transport.type));
    },
    retryDestination: (who, destinationId) => {
      const outcome = destinations.retryNow(destinationId);
      if (outcome === 'unknown') throw new RequestError(404, `no destination "${destinationId}"`);
      const worker = destinations.view(destinationId)?.worker;
      if (outcome === 'retried' && worker) {
        status.invalidate();
        log.info({ destination: destinationId, user: who }, "destination retried now at a person's request");
        return { worker };
      }
      if (worker?.state === 'sending') return { worker, already: true };
      throw new RequestError(409, destinationRetryRefusal(destinationId, worker?.state));
    },
    metrics: async () => ({ contentType: metrics.contentType, text: await metrics.text() }),
    bind: async (who, deviceId, patient, minutes) => {
      const entry = devices.get(deviceId);
      if (entry && patientModeOf(entry) === 'order') throw new RequestError(409, ORDER_MODE_NO_BINDING);
      const binding = await intake.bind(deviceId, patient, minutes);
      await audit.record({ who, action: 'bind', device: deviceId, patient: idOf(patient), reason: binding.until ? `until ${binding.until}` : 'next reading' });
      return binding;
    },
    unbind: async (who, deviceId) => {
      const had = await intake.unbind(deviceId);
      if (had) await audit.record({ who, action: 'unbind', device: deviceId });
      return had;
    },
    assign: async (actingUser, readingId, patient, confirm) => {
      mayAcceptQcFailure(actingUser, confirm);
      const who = actingUser.name;
      const released = await intake.assign(readingId, patient, confirm);
      const { stored } = released;
      await audit.record({
        who,
        action: 'assign',
        device: stored.reading.deviceId,
        reading: readingId,
        patient: idOf(patient),
        reason: reasonsText(released.settled),
      });
      for (const entry of settlementEntries(who, released)) await audit.record(entry);
      return stored;
    },
    release: async (actingUser, readingId, confirm) => {
      mayAcceptQcFailure(actingUser, confirm);
      const released = await intake.release(readingId, confirm);
      for (const entry of settlementEntries(actingUser.name, released)) await audit.record(entry);
      return released.stored;
    },
    discard: async (who, readingId, reason) => {
      const stored = await intake.discard(readingId, reason, who);
      await audit.record({ who, action: 'discard', device: stored.reading.deviceId, reading: readingId, reason });
      return stored;
    },
    audit: (query) => audit.recent(query),
    patients: () => directory?.summary(),
    searchPatients: (query, limit) =>
      directory ? searchDirectory(directory.state, query, limit).map((e) => ({ patient: e.patient, visit: e.visit, status: e.status })) : undefined,
    message: async (messageId) => {
      const live = store.data.messages[messageId];
      if (live) return { ...structuredClone(live), ...liveContext(store.data, live) };
      const archived = history.byMessageId(messageId);
      if (!archived) throw new RequestError(404, `no message "${messageId}" in the outbox or the history`);
      return { ...archived.message, deviceId: archived.deviceId, ...(archived.patient ? { patient: archived.patient } : {}) };
    },
    messages: async (query) => findMessages({ doc: store.data, history }, query),
    resend: async (who, messageId) => {
      const m = store.data.messages[messageId];
      if (!m) throw new RequestError(404, `no message "${messageId}" in the outbox`);
      if (m.state !== 'dead') throw new RequestError(409, `message "${messageId}" is ${m.state}; only dead letters can be resent`);
      const again = await store.update((doc) => structuredClone(resend(doc, messageId, new Date())));
      destinations.kick(again.destinationId);
      // A QC message carries QC entries, not a reading: the audit names the device and the entries.
      const what = again.qc ? { device: again.qc.device } : { reading: again.readingId };
      const qcNote = again.qc ? ` (QC entries ${again.qc.entries.join(', ')})` : '';
      await audit.record({ who, action: 'resend', ...what, reason: `message ${messageId} to ${again.destinationId}${qcNote}` });
      parts.emit({ type: 'message', message: liveMessageView(store.data, again) });
      return again;
    },
    discardMessage: async (who, messageId, reason) => {
      const m = store.data.messages[messageId];
      if (!m) throw new RequestError(404, `no message "${messageId}" in the outbox`);
      if (!m.qc || m.state !== 'dead')
        throw new RequestError(
          409,
          `message "${messageId}" is not a dead QC message: a patient message is settled through its reading (release or discard it)`,
        );
      if (discarding.has(messageId)) throw new RequestError(409, `message "${messageId}" is being discarded by someone else just now`);
      discarding.add(messageId);
      let gone: Awaited<ReturnType<GatewayApi['discardMessage']>>;
      try {
        // Journaled first: a message never leaves without its reason on record.
        await audit.record({
          who,
          action: 'discard',
          device: m.qc.device,
          reason: `QC message ${messageId} to ${m.destinationId} (QC entries ${m.qc.entries.join(', ')}): ${reason}`,
        });
        gone = await store.update((doc) => structuredClone(discardDeadQc(doc, messageId)));
      } finally {
        discarding.delete(messageId);
      }
      // Health's dead-letter count drops now, not at the next status round.
      status.invalidate();
      return gone;
    },
    tracing: async (readingId, maxSamples) => {
      const live = store.data.readings[readingId];
      const stored = live ?? history.byReadingId(readingId)?.reading ?? devices.entries.map((e) => e.lastReading).find((r) => r?.reading.id === readingId);
      if (!stored) throw new RequestError(404, `no reading "${readingId}"`);
      return tracingOf(stored, maxSamples);
    },
    orders: (query) => orders?.list(query),
    order: (key) => (orders ? orders.get(key) : noOrders()),
    resendOrder: async (who, key, device) => {
      if (!orders) return noOrders();
      const view = await orders.resend(who, key, device);
      status.invalidate();
      log.info({ device, by: who }, 'rejected order download queued again');
      return view;
    },
    qcLog: (query) => qc?.list(query) ?? { entries: [] },
    qcOverview: () => qc?.overview() ?? { series: [], rejections: [], reviewRole: 'admin' },
    qcRejection: (id) => (qc ? qc.rejection(id) : noQcRejection(id)),
    reviewQc: async (who, id, body) => {
      if (!qc) return noQcRejection(id);
      const view = await qc.review(who, id, body);
      // The strip's "QC failed" item goes now, not a second later.
      status.invalidate();
      return view;
    },
    subscribe: parts.subscribe,

    drivers: () =>
      drivers.ids().flatMap((id) => {
        const d = drivers.find(id);
        if (!d) return [];
        return [
          {
            id: d.id,
            title: d.title,
            kind: d.kind,
            transports: [...d.transports],
            serialDefaults: d.serialDefaults,
            settings: d.settings,
            simulator: parts.hasSimulator(d.id),
          },
        ];
      }),
    schemas: () => ({ device: DeviceSchema, destination: DestinationSchema, patient: PatientBody }),
    deviceConfigs: () => configFile.document.devices,
    deviceConfig: (id) => {
      const device = configFile.document.devices.find((d) => d.id === id);
      if (!device) throw new RequestError(404, `no device "${id}"`);
      return device;
    },
    putDevice: async (who, device, { create }) => {
      const doc = configFile.document;
      const index = doc.devices.findIndex((d) => d.id === device.id);
      if (create && index >= 0) throw new RequestError(409, `a device "${device.id}" exists already: pick another ID`);
      if (!create && index < 0) throw new RequestError(404, `no device "${device.id}"`);
      const at = create ? doc.devices.length : index;
      await configFile
        .update(
          (d) => {
            if (create) d.devices.push(device);
            else d.devices[at] = device;
          },
          async (next: Config) => {
            const applied = next.devices.find((d) => d.id === device.id)!;
            await devices.set(applied, next);
          },
        )
        .catch((err: unknown) => refuse(err, `devices[${at}]`));
      log.info({ device: device.id, driver: device.driver, by: who }, create ? 'device added' : 'device changed; its link restarted');
      await audit.record({ who, action: 'configure', device: device.id, reason: create ? 'device added' : 'device changed' });
      parts.emit({ type: 'config', what: 'device', id: device.id, change: create ? 'added' : 'updated' });
      return device;
    },
    removeDevice: async (who, id) => {
      if (!configFile.document.devices.some((d) => d.id === id)) throw new RequestError(404, `no device "${id}"`);
      await configFile
        .update(
          (d) => {
            d.devices = d.devices.filter((x) => x.id !== id);
            if (d.demo?.simulators) d.demo.simulators = d.demo.simulators.filter((s) => s.device !== id);
            if (d.demo?.bindings) d.demo.bindings = d.demo.bindings.filter((b) => b.device !== id);
          },
          async () => {
            await parts.simulators?.stop(id);
            await devices.remove(id);
          },
        )
        .catch((err: unknown) => refuse(err, '(root)'));
      log.info({ device: id, by: who }, 'device removed');
      await audit.record({ who, action: 'configure', device: id, reason: 'device removed' });
      parts.emit({ type: 'config', what: 'device', id, change: 'removed' });
    },
    destinationConfigs: () => configFile.document.destinations.map(redactDestination),
    putDestination: async (who, edited, { create }) => {
      const doc = configFile.document;
      const index = doc.destinations.findIndex((d) => d.id === edited.id);
      if (create && index >= 0) throw new RequestError(409, `a destination "${edited.id}" exists already: pick another ID`);
      if (!create && index < 0) throw new RequestError(404, `no destination "${edited.id}"`);
      const dest = keepSecrets(edited, doc.destinations[index]);
      const at = create ? doc.destinations.length : index;
      await configFile
        .update(
          (d) => {
            if (create) d.destinations.push(dest);
            else d.destinations[at] = dest;
          },
          async (next: Config) => {
            // Before the intake sees the destination: it encodes for it at the next reading.
            await loadAdapter(dest.type);
            parts.setDestinations(next.destinations);
            await destinations.set(next.destinations.find((d) => d.id === dest.id)!);
          },
        )
        .catch((err: unknown) => refuse(err, `destinations[${at}]`));
      log.info({ destination: dest.id, by: who }, create ? 'destination added' : 'destination changed; its connection restarted');
      await audit.record({ who, action: 'configure', reason: `destination ${dest.id} ${create ? 'added' : 'changed'}` });
      parts.emit({ type: 'config', what: 'destination', id: dest.id, change: create ? 'added' : 'updated' });
      return redactDestination(dest);
    },
    removeDestination: async (who, id) => {
      if (!configFile.document.destinations.some((d) => d.id === id)) throw new RequestError(404, `no destination "${id}"`);
      const waiting = destinations.undelivered(id);
      if (waiting > 0)
        throw new RequestError(409, `destination "${id}" still has ${waiting} undelivered message(s); deliver or resend them first, or they would be lost`);
      await configFile
        .update(
          (d) => {
            d.destinations = d.destinations.filter((x) => x.id !== id);
          },
          async (next: Config) => {
            parts.setDestinations(next.destinations);
            await destinations.remove(id);
          },
        )
        .catch((err: unknown) => refuse(err, '(root)'));
      log.info({ destination: id, by: who }, 'destination removed');
      await audit.record({ who, action: 'configure', reason: `destination ${id} removed` });
      parts.emit({ type: 'config', what: 'destination', id, change: 'removed' });
    },

    serialPorts: () => listSerialPorts({ devices: configFile.document.devices }),
    testLink: async (request) => {
      if (request.deviceId) {
        const entry = devices.get(request.deviceId);
        if (!entry) throw new RequestError(404, `no device "${request.deviceId}"`);
        if (!entry.runner) throw new RequestError(409, `device "${request.deviceId}" is disabled: enable it to watch its link`);
        const watched = await watchRunningDevice(entry.config, entry.runner, request.seconds);
        return recogniseLinkTest(watched, drivers.find(entry.config.driver), entry.config.settings, 'running');
      }
      if (!request.transport) throw new RequestError(400, 'give deviceId (a saved device) or transport (a link to try)');
      const t = request.transport;
      const driver = request.driver ? drivers.find(request.driver) : undefined;
      // A port a running device holds cannot be opened twice: watch that device instead.
      const holder = devices.entries.find((e) => e.runner && sameLink(e.config.transport, t, realSerialPath));
      const result = holder?.runner
        ? await watchRunningDevice(holder.config, holder.runner, request.seconds)
        : { ...(await testLink({ transport: t, serialDefaults: driver?.serialDefaults, seconds: request.seconds, log })), running: false }; // testLink names its part and link itself
      return recogniseLinkTest(result, driver, request.settings, holder?.runner ? 'running' : 'new');
    },

    simulators: () => parts.simulators?.list(configFile.document.devices),
    startSimulator: async (who, deviceId, opts) => {
      if (!parts.simulators) throw new RequestError(404, 'simulators run in demo mode only (a config with a "demo" section)');
      const device = configFile.document.devices.find((d) => d.id === deviceId);
      if (!device) throw new RequestError(404, `no device "${deviceId}"`);
      const demo = configFile.document.demo?.simulators?.find((s) => s.device === deviceId);
      const view = await parts.simulators.start(device, { ...opts, demo });
      log.info({ device: deviceId, by: who }, 'simulator started from the page');
      return view;
    },
    stopSimulator: async (who, deviceId) => {
      if (!parts.simulators) throw new RequestError(404, 'simulators run in demo mode only (a config with a "demo" section)');
      const view = await parts.simulators.stop(deviceId);
      if (!view) throw new RequestError(404, `no simulator for device "${deviceId}"`);
      log.info({ device: deviceId, by: who }, 'simulator stopped from the page');
      return view;
    },
  };
  return api;
}
