// Composition root: builds every part from the configuration and wires them together. Nothing else wires.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger as PinoLogger } from 'pino';
import type { Config, DestinationConfig, DeviceConfigT } from './config/schema.ts';
import type { DriverCatalog } from './config/validate.ts';
import { startDemo, type RunningDemo } from './demo.ts';
import { DeviceRunner } from './devices/device-runner.ts';
import { RequestError } from './model/request-error.ts';
import { AuditJournal } from './audit/journal.ts';
import { inboundTlsOptions, startInboundListener } from './inbound/listener.ts';
import type { PatientRef } from './model/reading.ts';
import { createSender } from './outbox/create-sender.ts';
import { directoryFile, PatientDirectoryStore } from './patients/directory.ts';
import { defaultPolicy, isPatientHoldReason } from './pipeline/patient.ts';
import { DeliveryWorker } from './outbox/delivery-worker.ts';
import { resend } from './outbox/outbox.ts';
import { Intake } from './pipeline/intake.ts';
import { History } from './store/history.ts';
import { RejectsJournal } from './store/rejects.ts';
import { StateStore } from './store/state-store.ts';
import type { ReadingStatus } from './store/types.ts';
import { createTransport } from './transports/create.ts';
import { setUpMqtt } from './transports/mqtt-setup.ts';
import type { DestinationView, DeviceView, GatewayApi, ReadingView } from './web/api-types.ts';
import { buildWebServer } from './web/server.ts';
import { ensureApiToken, type ApiToken } from './web/token.ts';

export interface RunningGateway {
  url: string;
  token: ApiToken;
  api: GatewayApi;
  stop(): Promise<void>;
}

interface Destination {
  config: DestinationConfig;
  worker: DeliveryWorker;
}

function idOf(p: PatientRef): { mrn: string; assigningAuthority?: string } {
  return p.assigningAuthority ? { mrn: p.mrn, assigningAuthority: p.assigningAuthority } : { mrn: p.mrn };
}

export async function startGateway(config: Config, deps: { logger: PinoLogger; drivers: DriverCatalog }): Promise<RunningGateway> {
  const log = deps.logger;
  const startedAt = new Date();
  await mkdir(config.dataDir, { recursive: true });
  const store = await StateStore.open(join(config.dataDir, 'state.json'), { log: log.child({ part: 'store' }) });
  const history = new History(join(config.dataDir, 'history'), { retentionDays: config.history?.retentionDays, log: log.child({ part: 'history' }) });
  const rejects = new RejectsJournal(join(config.dataDir, 'rejected'), { retentionDays: config.history?.retentionDays, log: log.child({ part: 'rejects' }) });
  const audit = new AuditJournal(join(config.dataDir, 'audit'), { log: log.child({ part: 'audit' }) });
  const journals: Array<{ prune(): Promise<number> }> = [rejects, audit];
  const token = await ensureApiToken(config.dataDir);
  const stoppers: Array<() => Promise<void>> = [() => store.close()];
  const stop = async () => {
    for (const s of stoppers.reverse()) {
      try {
        await s();
      } catch (err) {
        log.error({ error: err instanceof Error ? err.message : String(err) }, 'error while stopping');
      }
    }
  };

  try {
    let demo: RunningDemo | undefined;
    if (config.demo) {
      demo = await startDemo(config, { log });
      stoppers.push(() => demo!.stop());
    }

    const destinations = new Map<string, Destination>();
    for (const dest of config.destinations) {
      const dlog = log.child({ destination: dest.id });
      const worker = new DeliveryWorker({
        destinationId: dest.id,
        sender: await createSender(dest, dlog),
        store,
        history,
        backoff: dest.retry ?? { initialMs: 1000, maxMs: 60_000 },
        log: dlog,
        // The worker logs retries and dead letters itself; the console also says what went through.
        onChange: ({ type, message }) => {
          if (type === 'delivered') {
            dlog.info(
              { reading: message.readingId, controlId: message.controlId, attempts: message.attempts, ack: message.ack?.code },
              dest.type === 'mllp' ? 'forwarded to EHR' : 'published to uplink',
            );
          }
        },
      });
      destinations.set(dest.id, { config: dest, worker });
      stoppers.push(() => worker.stop()); // the worker closes its sender
    }

    // The EHR's patients and orders, when it feeds us ADT and orders.
    let directory: PatientDirectoryStore | undefined;
    if (config.inbound) {
      const inbound = config.inbound;
      const plog = log.child({ part: 'inbound' });
      const dir = await PatientDirectoryStore.open(directoryFile(config.dataDir), { retentionHours: inbound.retentionHours, log: plog });
      directory = dir;
      stoppers.push(() => dir.close());
      const listener = await startInboundListener({
        host: inbound.mllp.host ?? '127.0.0.1',
        port: inbound.mllp.port,
        tls: inbound.mllp.tls && inboundTlsOptions(inbound.mllp.tls),
        directory: dir,
        journalDir: join(config.dataDir, 'inbound'),
        journalRetentionDays: config.history?.retentionDays,
        log: plog,
        application: config.gateway?.application,
        facility: config.gateway?.facility,
      });
      stoppers.push(() => listener.close());
      journals.push(listener.journal);
      plog.info({ port: listener.port }, 'inbound HL7 listener (ADT and orders) listening');
    }

    const intake = new Intake({
      store,
      history,
      directory,
      config,
      log: log.child({ part: 'intake' }),
      onQueued: (id) => destinations.get(id)?.worker.kick(),
    });

    const mqtt = await setUpMqtt(config, log.child({ part: 'mqtt' }));
    if (mqtt) stoppers.push(() => mqtt.closeBroker()); // stoppers run in reverse: the broker goes last

    const runners = new Map<string, { config: DeviceConfigT; runner: DeviceRunner; kind: string }>();
    for (const device of config.devices) {
      if (device.enabled === false) continue;
      const driver = deps.drivers.find(device.driver);
      if (!driver) throw new Error(`device "${device.id}": unknown driver "${device.driver}"`);
      const dlog = log.child({ device: device.id });
      intake.setDevice({ config: device, kind: driver.kind, policy: defaultPolicy(driver.kind, device.patient, config.inbound !== undefined) });
      const runner = new DeviceRunner({
        device,
        driver,
        transport: createTransport(device.transport, driver.serialDefaults, dlog, { mqtt: mqtt?.connection }),
        log: dlog,
        accept: async (dev, report) => {
          await intake.accept(dev.id, report);
        },
        onProtocolError: (deviceId, error) => rejects.keep(deviceId, error.reason, error.bytes),
      });
      runners.set(device.id, { config: device, runner, kind: driver.kind });
      stoppers.push(() => runner.stop());
    }

    // Disconnect before the devices stop: a device that stops unsubscribes, and on the way down that
    // must not reach the broker, or it would stop keeping what is published while we are away.
    if (mqtt) stoppers.push(() => mqtt.connection.stop());
    for (const b of config.demo?.bindings ?? []) await intake.bind(b.device, b.patient, b.minutes);
    const prune = () =>
      Promise.all([history.prune(), ...journals.map((j) => j.prune())]).then((counts) => counts.reduce((a, b) => a + b, 0)).then(
        (n) => n > 0 && log.info({ files: n }, 'old history pruned'),
        (err: unknown) => log.error({ error: err instanceof Error ? err.message : String(err) }, 'history pruning failed'),
      );
    void prune();
    const pruneTimer = setInterval(() => void prune(), 24 * 3600_000).unref();
    stoppers.push(async () => clearInterval(pruneTimer));
    for (const { worker } of destinations.values()) worker.start();
    for (const { runner } of runners.values()) runner.start();
    // After the runners subscribed: what the broker kept for us while we were away finds its device.
    mqtt?.connection.start();

    const api: GatewayApi = {
      devices: (): DeviceView[] =>
        [...runners.values()].map(({ config: c, runner, kind }) => ({
          id: c.id,
          label: c.label,
          driver: c.driver,
          kind,
          enabled: c.enabled !== false,
          transport: c.transport,
          link: runner.status,
          counters: { ...runner.counters },
          unmappedCodes: intake.unmappedCodes(c.id),
          binding: store.data.bindings[c.id],
        })),
      destinations: (): DestinationView[] =>
        [...destinations.values()].map(({ config: c, worker }) => ({
          id: c.id,
          type: c.type,
          address: c.type === 'mllp' ? `${c.host}:${c.port}` : `${c.url} ${c.topic}`,
          worker: worker.status,
        })),
      readings: async (status: ReadingStatus, limit: number): Promise<ReadingView[]> => {
        if (status === 'delivered' || status === 'discarded') {
          const records = await history.recent({ limit, filter: (r) => r.reading.status === status });
          return records.map((r) => ({ ...r.reading, messages: r.messages.map(({ body: _body, ...m }) => m) }));
        }
        const messages = Object.values(store.data.messages);
        return Object.values(store.data.readings)
          .filter((r) => r.status === status)
          .sort((a, b) => (a.reading.id < b.reading.id ? 1 : -1))
          .slice(0, limit)
          .map((r) => ({
            ...structuredClone(r),
            messages: messages.filter((m) => m.readingId === r.reading.id).map(({ body: _body, ...m }) => structuredClone(m)),
          }));
      },
      rejected: (limit, deviceId) => rejects.recent({ limit, deviceId }),
      bind: async (who, deviceId, patient, minutes) => {
        const binding = await intake.bind(deviceId, patient, minutes);
        await audit.record({ who, action: 'bind', device: deviceId, patient: idOf(patient), reason: binding.until ? `until ${binding.until}` : 'next reading' });
        return binding;
      },
      unbind: async (who, deviceId) => {
        const had = await intake.unbind(deviceId);
        if (had) await audit.record({ who, action: 'unbind', device: deviceId });
        return had;
      },
      assign: async (who, readingId, patient, opts) => {
        const before = store.data.readings[readingId]?.holdReasons ?? [];
        const stored = await intake.assign(readingId, patient, opts);
        await audit.record({ who, action: 'assign', device: stored.reading.deviceId, reading: readingId, patient: idOf(patient), reason: before.join('; ') });
        const overridden = before.filter((r) => !isPatientHoldReason(r));
        if (overridden.length > 0) {
          await audit.record({ who, action: 'override', device: stored.reading.deviceId, reading: readingId, patient: idOf(patient), reason: overridden.join('; ') });
        }
        return stored;
      },
      discard: async (who, readingId, reason) => {
        const stored = await intake.discard(readingId, reason);
        await audit.record({ who, action: 'discard', device: stored.reading.deviceId, reading: readingId, reason });
        return stored;
      },
      audit: (query) => audit.recent(query),
      patients: () => (directory ? directory.summary() : undefined),
      message: (messageId) => {
        const m = store.data.messages[messageId];
        if (!m) throw new RequestError(404, `no message "${messageId}" in the outbox (delivered ones are in the history)`);
        return structuredClone(m);
      },
      resend: async (who, messageId) => {
        const m = store.data.messages[messageId];
        if (!m) throw new RequestError(404, `no message "${messageId}" in the outbox`);
        if (m.state !== 'dead') throw new RequestError(409, `message "${messageId}" is ${m.state}; only dead letters can be resent`);
        const again = await store.update((doc) => structuredClone(resend(doc, messageId, new Date())));
        destinations.get(again.destinationId)?.worker.kick();
        await audit.record({ who, action: 'resend', reading: again.readingId, reason: `message ${messageId} to ${again.destinationId}` });
        return again;
      },
    };

    const web = buildWebServer({ api, token: token.token, logger: log.child({ part: 'web' }), startedAt });
    const host = config.web.host ?? '127.0.0.1';
    await web.listen({ host, port: config.web.port });
    stoppers.push(() => web.close());
    const address = web.server.address();
    const port = typeof address === 'object' && address ? address.port : config.web.port;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    log.info(
      { url, apiToken: token.source === 'environment' ? 'from MEDGATE_API_TOKEN' : token.file, devices: runners.size, destinations: destinations.size },
      `medgate listening on ${url}`,
    );
    return { url, token, api, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
