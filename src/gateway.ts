// Composition root: builds every part from the configuration and wires them together. Nothing else wires.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger as PinoLogger } from 'pino';
import { simulatorIds } from '../simulators/ids.ts';
import { AuditJournal } from './audit/journal.ts';
import { ConfigFile } from './config/config-file.ts';
import type { Config } from './config/schema.ts';
import type { DriverCatalog } from './config/validate.ts';
import type { SimulatorManager } from './demo/simulators.ts';
import { EventBus } from './events/bus.ts';
import type { PatientDirectoryStore } from './patients/directory.ts';
import type { OrdersService } from './orders/orders-service.ts';
import { GatewayMetrics } from './metrics/gateway-metrics.ts';
import { Intake } from './pipeline/intake.ts';
import { forwardQc, type QcForwardContext } from './qc/qc-forward.ts';
import { QcService } from './qc/qc-service.ts';
import { DestinationFleet } from './runtime/destination-fleet.ts';
import { DeviceFleet } from './runtime/device-fleet.ts';
import { buildGatewayApi } from './runtime/gateway-api.ts';
import { HistoryStore } from './store/history-store.ts';
import { upgradeHistoryRecord } from './store/hold-migration.ts';
import { openEngine } from './store/engine.ts';
import { HistoryThread } from './runtime/history-thread.ts';
import { RecentStore } from './store/recent-store.ts';
import { keepDataFolderPrivate } from './store/data-folder-modes.ts';
import { RejectsJournal } from './store/rejects.ts';
import { StateStore } from './store/state-store.ts';
import type { GatewayMqtt } from './transports/mqtt-setup.ts';
import type { GatewayApi, GatewayEvent } from './web/api-types.ts';
import { createAuth } from './web/auth/index.ts';
import { loadPage } from './web/page-bundle.ts';
import { slimReading } from './web/reading-views.ts';
import { buildWebServer } from './web/server.ts';
import { configWarnings } from './config/validate.ts';
import { ensureApiToken, type ApiToken } from './web/token.ts';

// History writes move to a thread of their own once they come this fast (history-thread.ts): a
// clinic's pace stays on the main thread and saves the thread's memory; a flood does not.
const HISTORY_THREAD_AT = 50;

export interface RunningGateway {
  url: string;
  token: ApiToken;
  api: GatewayApi;
  /** The one-time link that creates the first administrator, while no user exists. */
  setupUrl?: string;
  stop(): Promise<void>;
}

export interface GatewayDeps {
  logger: PinoLogger;
  drivers: DriverCatalog;
  /** The file the configuration came from and page edits go to; without it, edits last until the gateway stops. */
  configFile?: string;
  /** The configuration as the file holds it (relative dataDir kept); default: `config`. */
  document?: Config;
}

export async function startGateway(config: Config, deps: GatewayDeps): Promise<RunningGateway> {
  const log = deps.logger;
  const startedAt = new Date();
  await mkdir(config.dataDir, { recursive: true });
  // Before any store opens the folder: an older format is migrated, a newer one refused untouched.
  await (await import('./store/data-format.ts')).prepareDataFolder(config.dataDir, { log: log.child({ part: 'data-format' }) });
  await keepDataFolderPrivate(config.dataDir, log.child({ part: 'data-folder' }));
  const store = await StateStore.open(join(config.dataDir, 'state.json'), { log: log.child({ part: 'store' }) });
  const audit = new AuditJournal(join(config.dataDir, 'audit'), { log: log.child({ part: 'audit' }) });
  const journals: Array<{ prune(): Promise<number> }> = [audit];
  const token = await ensureApiToken(config.dataDir);
  const configFile = new ConfigFile(deps.configFile, deps.document ?? config, deps.drivers);
  const bus = new EventBus<GatewayEvent>(log.child({ part: 'events' }));
  const emit = (event: GatewayEvent | (() => GatewayEvent)) => bus.emit(event);
  const stoppers: Array<() => Promise<void>> = [() => store.close()];
  const stop = async () => {
    for (const s of stoppers.reverse()) {
      try {
        await s();
      } catch (err) {
        log.error({ err }, 'error while stopping');
      }
    }
  };

  try {
    // One storage engine for the data folder; closed last (stoppers run in reverse).
    const engine = openEngine(config.dataDir, { log: log.child({ part: 'engine' }) });
    stoppers.push(() => engine.close());
    const resends = new RecentStore(engine, { windowHours: config.gateway?.duplicateWindowHours, log: log.child({ part: 'duplicates' }) });
    stoppers.push(() => resends.close());
    // Each imports the day files an earlier version kept them in, at the first start (journal-import.ts).
    const retentionDays = config.history?.retentionDays;
    const hlog = log.child({ part: 'history' });
    // Appends are written on a thread of their own (history-thread.ts), closed before the engine;
    // should it be gone, a store on this thread writes them (the one below may still be importing).
    const writesHere = new HistoryStore(engine, { listView: slimReading });
    const historyThread = await HistoryThread.start({
      dataDir: config.dataDir,
      log: hlog,
      startAtRecordsPerSecond: HISTORY_THREAD_AT,
      fallback: (records) => writesHere.appendHere(records),
      onWritten: () => engine.resetReads(),
    });
    stoppers.push(() => historyThread.close());
    const history = await HistoryStore.open(engine, config.dataDir, {
      retentionDays,
      log: hlog,
      upgrade: upgradeHistoryRecord,
      listView: slimReading,
      writer: historyThread,
    });
    const rejects = await RejectsJournal.open(engine, config.dataDir, { retentionDays, log: log.child({ part: 'rejects' }) });
    journals.push(rejects);
    // The QC log: control results never reach the intake; a failed QC holds patient results (its qcHolds).
    let intakeForQc: Intake | undefined;
    // Set once the destinations and the intake's config exist (below); QC arrives only after start.
    let qcForwarding: Omit<QcForwardContext, 'device'> | undefined;
    const qc = await QcService.open({
      dataDir: config.dataDir,
      engine,
      audit,
      devices: () => configFile.document.devices,
      config: () => configFile.document.qc,
      readings: () => Object.values(store.data.readings),
      release: (id, confirm) => (intakeForQc ? intakeForQc.release(id, confirm) : Promise.reject(new Error('the intake is not running yet'))),
      dropHolds: (id, drop, add) => (intakeForQc ? intakeForQc.dropHolds(id, drop, add) : Promise.reject(new Error('the intake is not running yet'))),
      emit,
      // The metrics start below; QC results arrive only once the devices run.
      meter: { qcResult: (device, status) => metrics.qcResult(device, status) },
      forward: (entries, device) =>
        qcForwarding ? forwardQc(entries, { ...qcForwarding, device }) : Promise.reject(new Error('destinations are not running yet')),
      log: log.child({ part: 'qc' }),
    });
    stoppers.push(() => qc.close());
    journals.push(qc);
    let simulators: SimulatorManager | undefined;
    if (config.demo?.ehr) {
      const { startDemoEhr } = await import('./demo/ehr.ts');
      const ehr = await startDemoEhr({ host: config.demo.ehr.host, port: config.demo.ehr.port, log: log.child({ part: 'demo-ehr' }) });
      stoppers.push(() => ehr.close());
    }

    const metrics = new GatewayMetrics({ dataDir: config.dataDir, log: log.child({ part: 'metrics' }) });
    stoppers.push(async () => metrics.close());
    const destinations = new DestinationFleet({ store, history, log, emit, meter: metrics });
    stoppers.push(() => destinations.stopAll()); // each worker closes its sender
    for (const dest of config.destinations) await destinations.set(dest, { start: false });

    // The EHR's patients and orders, when it feeds us ADT and orders.
    let directory: PatientDirectoryStore | undefined;
    let inboundPort: number | undefined;
    let orders: OrdersService | undefined;
    // Set once the devices exist: an order's download goes through its device's runner.
    let fleet: DeviceFleet | undefined;
    if (config.inbound) {
      const inbound = config.inbound;
      const plog = log.child({ part: 'inbound' });
      // Loaded only when configured: the HL7 parser is the largest part of the gateway.
      const [{ directoryFile, PatientDirectoryStore }, { inboundTlsOptions, startInboundListener }] = await Promise.all([
        import('./patients/directory.ts'),
        import('./inbound/listener.ts'),
      ]);
      const dir = await PatientDirectoryStore.open(directoryFile(config.dataDir), { retentionHours: inbound.retentionHours, log: plog });
      directory = dir;
      stoppers.push(() => dir.close());
      // Orders to the analyzers (host query and download), from the directory's orders.
      const { OrdersService, ordersDevices } = await import('./orders/orders-service.ts');
      const service = await OrdersService.open({
        dataDir: config.dataDir,
        directory: dir,
        devices: () => ordersDevices(configFile.document.devices, (id) => deps.drivers.find(id)),
        download: async (deviceId, order) => (await fleet?.get(deviceId)?.runner?.download(order)) ?? { outcome: 'retry', reason: 'the device is not running' },
        audit,
        log: log.child({ part: 'orders' }),
        onChange: (key) => emit({ type: 'order', key }),
      });
      orders = service;
      stoppers.push(() => service.close());
      const listener = await startInboundListener({
        host: inbound.mllp.host ?? '127.0.0.1',
        port: inbound.mllp.port,
        tls: inbound.mllp.tls && inboundTlsOptions(inbound.mllp.tls),
        limits: inbound.mllp,
        directory: dir,
        onApplied: (event) => service.inboundApplied(event),
        journalDir: join(config.dataDir, 'inbound'),
        journalRetentionDays: config.history?.retentionDays,
        log: plog,
        application: config.gateway?.application,
        facility: config.gateway?.facility,
      });
      stoppers.push(() => listener.close());
      journals.push(listener.journal);
      plog.info({ port: listener.port }, 'inbound HL7 listener (ADT and orders) listening');
      inboundPort = listener.port;
      // The demo's EHR speaks plain MLLP: with TLS on the feed it registers nobody.
      if (config.demo?.ehr && !inbound.mllp.tls) {
        const { registerDemoPatients } = await import('./demo/adt-feed.ts');
        const patients = [...(config.demo.bindings ?? []).map((b) => b.patient), ...(config.demo.patients ?? [])];
        await registerDemoPatients({ host: inbound.mllp.host ?? '127.0.0.1', port: listener.port, patients, log: log.child({ part: 'demo-ehr' }) });
      }
    }

    // The intake reads destinations at each reading; a page edit swaps them in here.
    const intakeConfig: Pick<Config, 'gateway' | 'destinations'> = { gateway: config.gateway, destinations: config.destinations };
    const intake = new Intake({
      store,
      history,
      directory,
      config: intakeConfig,
      log: log.child({ part: 'intake' }),
      onQueued: (id) => destinations.kick(id),
      onReading: (stored) => {
        destinations.noteQueued(stored);
        fleet?.noteReading(stored);
        orders?.noteReading(stored);
      },
      qcHolds: (deviceId, reading) => qc.holdsFor(deviceId, reading),
    });
    intakeForQc = intake;
    qcForwarding = { store, config: intakeConfig, onQueued: (id) => destinations.kick(id), log: log.child({ part: 'qc' }) };

    let mqtt: GatewayMqtt | undefined;
    let mqttStarting: Promise<GatewayMqtt | undefined> | undefined;
    let mqttStarted = false;
    // Set up on the first device that speaks MQTT, at start-up or when one is added later.
    const mqttFor = async (next: Config) => {
      mqttStarting ??= import('./transports/mqtt-setup.ts')
        .then(({ setUpMqtt }) => setUpMqtt(next, log.child({ part: 'mqtt' })))
        .then((m) => {
          mqtt = m;
          // A device added after start-up: its subscription is made; start the connection now.
          if (m && mqttStarted) m.connection.start();
          return m;
        });
      return (await mqttStarting)?.connection;
    };

    const devices = new DeviceFleet({
      drivers: deps.drivers,
      intake,
      rejects,
      resends,
      mqtt: mqttFor,
      inboundConfigured: config.inbound !== undefined,
      log,
      emit,
      meter: metrics,
      qc,
      ...(orders ? { orders } : {}),
    });
    fleet = devices;
    for (const device of config.devices) await devices.set(device, config, { start: false });
    // Stoppers run in reverse: the MQTT connection goes first, then the devices, then the embedded broker.
    stoppers.push(async () => {
      await mqtt?.closeBroker();
    });
    stoppers.push(() => devices.stopAll());
    // Disconnect before the devices stop: a device that stops unsubscribes, and on the way down that
    // must not reach the broker, or it would stop keeping what is published while we are away.
    stoppers.push(async () => {
      await mqtt?.connection.stop();
    });

    for (const b of config.demo?.bindings ?? []) await intake.bind(b.device, b.patient, b.minutes);
    const prune = () =>
      Promise.all([history.prune(), ...journals.map((j) => j.prune())])
        .then((counts) => counts.reduce((a, b) => a + b, 0))
        .then(
          (n) => n > 0 && log.info({ removed: n }, 'old history pruned'),
          (err: unknown) => log.error({ err }, 'history pruning failed'),
        );
    void prune();
    const pruneTimer = setInterval(() => void prune(), 24 * 3600_000).unref();
    stoppers.push(async () => clearInterval(pruneTimer));
    // Simulated devices first, so the devices that dial them find them listening.
    if (config.demo) {
      const { SimulatorManager } = await import('./demo/simulators.ts');
      const sims = new SimulatorManager({
        mqtt: config.mqtt,
        log: log.child({ part: 'demo' }),
        onChange: (view) => emit({ type: 'simulator', deviceId: view.deviceId, running: view.running, sent: view.sent, error: view.error }),
      });
      simulators = sims;
      stoppers.push(() => sims.stopAll());
      for (const sim of config.demo.simulators ?? []) {
        const device = config.devices.find((d) => d.id === sim.device);
        if (device) await sims.start(device, { demo: sim, intervalMs: sim.intervalMs, count: sim.count });
      }
      // The demo EHR's lab orders for the analyzers that take them (plain MLLP feed only, as its registrations).
      if (config.demo.ehr && config.inbound && !config.inbound.mllp.tls && inboundPort !== undefined) {
        const { demoOrderTargets, startDemoOrders } = await import('./demo/order-feed.ts');
        const feed = startDemoOrders({
          host: config.inbound.mllp.host ?? '127.0.0.1',
          port: inboundPort,
          patients: config.demo.patients ?? (config.demo.bindings ?? []).map((b) => b.patient),
          targets: demoOrderTargets(config.devices, (device, specimen) => sims.scan(device, specimen)),
          log: log.child({ part: 'demo-ehr' }),
        });
        stoppers.push(() => feed.stop());
      }
    }

    destinations.startAll();
    devices.startAll();
    orders?.start();
    // After the runners subscribed: what the broker kept for us while we were away finds its device.
    mqtt?.connection.start();
    mqttStarted = true;

    const api = buildGatewayApi({
      store,
      engine,
      history,
      rejects,
      audit,
      intake,
      directory,
      orders,
      qc,
      devices,
      destinations,
      metrics,
      configFile,
      drivers: deps.drivers,
      simulators,
      hasSimulator: (id) => simulatorIds.includes(id),
      subscribe: (l) => bus.subscribe(l),
      emit,
      setDestinations: (d) => {
        intakeConfig.destinations = d;
      },
      log,
    });

    const auth = await createAuth({ dataDir: config.dataDir, apiToken: token.token, log: log.child({ part: 'auth' }) });
    stoppers.push(() => auth.close());
    const page = await loadPage();
    const host = config.web.host ?? '127.0.0.1';
    // Loaded only when configured, like every optional part.
    const tls = config.web.tls
      ? await (await import('./web/tls/load.ts')).loadWebTls(config.web.tls, { dataDir: config.dataDir, listenHost: host, log: log.child({ part: 'web-tls' }) })
      : undefined;
    for (const w of configWarnings(config)) log.warn({ path: w.path }, w.message);
    const web = buildWebServer({
      api,
      auth,
      page,
      demo: config.demo !== undefined,
      logger: log.child({ part: 'web' }),
      startedAt,
      tls,
      trustProxy: config.web.trustProxy,
    });
    await web.listen({ host, port: config.web.port });
    stoppers.push(() => web.close());
    const address = web.server.address();
    const port = typeof address === 'object' && address ? address.port : config.web.port;
    const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
    // Printed so the technician can compare it with the fingerprint the browser shows before trusting the page.
    if (tls)
      log.warn(
        { fingerprint256: tls.fingerprint256, certificate: tls.source, validTo: tls.validTo },
        `web certificate SHA-256 fingerprint: ${tls.fingerprint256}`,
      );
    log.info(
      {
        url,
        apiToken: token.source === 'environment' ? 'from MEDGATE_API_TOKEN' : token.file,
        devices: devices.entries.length,
        destinations: destinations.size,
      },
      `medgate listening on ${url}`,
    );
    const setupUrl = auth.setupToken ? `${url}/#/setup?token=${auth.setupToken}` : undefined;
    // The one way in on a new install: printed where only the person who started the gateway sees it.
    if (setupUrl) log.warn({ setupUrl }, `no user exists yet: open ${setupUrl} to create the first administrator (the link works once)`);
    // Once up, not before: an older folder's message lists by device and patient take minutes to build.
    const indexing = history.upgradeIndexesInBackground();
    stoppers.push(() => indexing.stop());
    return { url, token, api, setupUrl, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
