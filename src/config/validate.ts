// Validates a configuration document and names every problem with its JSON path, so a technician
// can fix a file (or a web form) in one pass instead of one error at a time.

import { Value } from '@sinclair/typebox/value';
import type { Driver } from '../model/driver.ts';
import { filtersOverlap } from '../model/mqtt-topics.ts';
import { embeddedUserProblems, embeddedUserWarnings } from '../transports/mqtt-user-rules.ts';
import { GatewayConfig, type Config } from './schema.ts';
import { didYouMean } from './close-name.ts';
import { inDocumentOrder } from './document-order.ts';
import { MAX_CONFIG_DEPTH, tooDeepAt } from './nesting.ts';
import { isRecord } from '../model/is-record.ts';
import { schemaProblems, type ConfigProblem } from './schema-problems.ts';
import { codeMapProblems } from '../pipeline/code-map.ts';
import { watchedFolderProblem } from '../transports/watched-folder-rule.ts';
import { allowListProblems, isLoopbackHost, parseAllowEntry } from '../net/allow-list.ts';
import { orderProblems } from './order-checks.ts';
import { qcProblems, qcWarnings } from './qc-checks.ts';
import { qcTopicWarnings } from './qc-topic-check.ts';

export { pointerToPath } from './config-path.ts';
export type { ConfigProblem } from './schema-problems.ts';

export interface DriverCatalog {
  find(id: string): Driver | undefined;
  ids(): string[];
  /** Checks beyond the driver's schema (a regular expression that compiles, ...). */
  validateSettings(id: string, settings: unknown): string[];
}

/** A driver's own check says `settings.fields.hr: ...`: the location goes into the path, as for schema problems. */
export function driverSettingProblem(at: string, text: string): ConfigProblem {
  const match = /^settings((?:\.[^\s.:[]+|\[\d+\])*): (.+)$/s.exec(text);
  return match ? { path: `${at}${match[1] ?? ''}`, message: match[2] ?? text } : { path: at, message: text };
}

function duplicates(ids: string[]): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const id of ids) (seen.has(id) ? dup : seen).add(id);
  return dup;
}

/** A listener off loopback must say who may connect; each allow entry must be an address or a range. */
function listenerProblems(at: string, listener: { host?: string; allow?: string[]; tls?: { requestCert?: boolean; caFile?: string } }): ConfigProblem[] {
  return [...listenerAllowProblems(at, listener), ...listenerTlsProblems(at, listener.tls)];
}

function listenerAllowProblems(at: string, listener: { host?: string; allow?: string[] }): ConfigProblem[] {
  // Both kinds of listener bind to loopback when no host is given.
  const host = listener.host ?? '127.0.0.1';
  if (listener.allow === undefined) {
    if (isLoopbackHost(host)) return [];
    return [
      {
        path: `${at}.allow`,
        message: `the listener on "${host}" would accept anyone on the network: list the addresses or ranges that may connect (e.g. ["10.1.2.0/24", "10.1.3.7"]), or write ["any"] to accept anyone on purpose`,
      },
    ];
  }
  return allowListProblems(listener.allow).map((p) => ({ path: `${at}.allow[${p.index}]`, message: p.message }));
}

/** Without a CA file, Node checks client certificates against its public roots: anyone with a public certificate would get in. */
function listenerTlsProblems(at: string, tls: { requestCert?: boolean; caFile?: string } | undefined): ConfigProblem[] {
  if (!tls?.requestCert || tls.caFile) return [];
  return [
    {
      path: `${at}.tls.caFile`,
      message:
        "requestCert without caFile would accept any client certificate a public authority signed: name the file of the CA that signs your devices' certificates",
    },
  ];
}

/** The proxy's addresses, parsed like an allow list; "any" is spelled `true` here (and warned about). */
function trustProxyProblems(trustProxy: boolean | string[] | undefined): ConfigProblem[] {
  if (!Array.isArray(trustProxy)) return [];
  return trustProxy.flatMap((entry, index) => {
    const parsed = parseAllowEntry(entry);
    const message = !parsed.ok
      ? parsed.message
      : parsed.range === 'any'
        ? '"any" is not a proxy address: list the proxy\'s addresses (e.g. "127.0.0.1")'
        : undefined;
    return message ? [{ path: `web.trustProxy[${index}]`, message }] : [];
  });
}

function semanticProblems(config: Config, drivers: DriverCatalog): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const dupDevices = duplicates(config.devices.map((d) => d.id));
  config.devices.forEach((device, i) => {
    const at = `devices[${i}]`;
    if (dupDevices.has(device.id)) problems.push({ path: `${at}.id`, message: `duplicate device id "${device.id}"` });
    const driver = drivers.find(device.driver);
    if (!driver) {
      // Alphabetical, for reading: not the registry's order.
      const ids = [...drivers.ids()].sort();
      problems.push({
        path: `${at}.driver`,
        message: `unknown driver "${device.driver}"${didYouMean(device.driver, ids)}: known drivers are ${ids.join(', ')}`,
      });
      return;
    }
    if (!driver.transports.includes(device.transport.type)) {
      problems.push({
        path: `${at}.transport.type`,
        message: `driver "${driver.id}" does not speak over ${device.transport.type} (it supports ${driver.transports.join(', ')})`,
      });
    }
    const transport = device.transport;
    if (transport.type === 'tcp' && transport.mode === 'listen') problems.push(...listenerProblems(`${at}.transport`, transport));
    if (transport.type === 'tcp' && transport.mode === 'connect') {
      for (const key of ['allow', 'maxConnections', 'idleTimeoutMs', 'tls'] as const) {
        if (transport[key] !== undefined) problems.push({ path: `${at}.transport.${key}`, message: 'applies to a listener only (mode "listen"): remove it' });
      }
    }
    for (const p of codeMapProblems(device.codeMap)) problems.push({ path: `${at}.${p.path}`, message: p.message });
    problems.push(...orderProblems(config, device, at, driver));
    problems.push(...qcProblems(device, at, driver));
    const folderProblem = device.transport.type === 'file' ? watchedFolderProblem(device.transport.path, config.dataDir) : undefined;
    if (folderProblem) problems.push({ path: `${at}.transport.path`, message: folderProblem });
    // The settings fit the driver's schema here (driverSchemaProblems): these are the driver's checks beyond it.
    for (const message of drivers.validateSettings(driver.id, device.settings ?? {})) problems.push(driverSettingProblem(`${at}.settings`, message));
  });
  // One publish must become one reading: no topic may reach two devices (and maybe two patients).
  const mqttDevices = config.devices.flatMap((d, i) => (d.transport.type === 'mqtt' && d.enabled !== false ? [{ i, topic: d.transport.topic }] : []));
  for (const [k, a] of mqttDevices.entries()) {
    for (const b of mqttDevices.slice(k + 1)) {
      if (filtersOverlap(a.topic, b.topic)) {
        problems.push({
          path: `devices[${b.i}].transport.topic`,
          message: `overlaps the topic of devices[${a.i}] ("${a.topic}"): a publish matching both would be filed twice`,
        });
      }
    }
  }
  problems.push(...embeddedUserProblems(config));
  if (config.inbound) problems.push(...listenerProblems('inbound.mllp', config.inbound.mllp));
  problems.push(...trustProxyProblems(config.web.trustProxy));
  const dupDest = duplicates(config.destinations.map((d) => d.id));
  config.destinations.forEach((dest, i) => {
    if (dupDest.has(dest.id)) problems.push({ path: `destinations[${i}].id`, message: `duplicate destination id "${dest.id}"` });
    if (dest.retry && dest.retry.maxMs < dest.retry.initialMs) {
      problems.push({ path: `destinations[${i}].retry.maxMs`, message: 'must be at least retry.initialMs' });
    }
  });
  const deviceIds = new Set(config.devices.map((d) => d.id));
  config.demo?.simulators?.forEach((sim, i) => {
    if (!deviceIds.has(sim.device)) problems.push({ path: `demo.simulators[${i}].device`, message: `no device "${sim.device}"` });
    // Without either, the simulator follows the device's own transport (its TCP port, its MQTT topic).
    if (sim.tcpListen && sim.tcpConnect) problems.push({ path: `demo.simulators[${i}]`, message: 'give at most one of tcpListen and tcpConnect' });
  });
  config.demo?.bindings?.forEach((b, i) => {
    if (!deviceIds.has(b.device)) problems.push({ path: `demo.bindings[${i}].device`, message: `no device "${b.device}"` });
  });
  return problems;
}

export type ValidationResult = { ok: true; config: Config } | { ok: false; problems: ConfigProblem[] };

/**
 * Each device's settings against its driver's schema (defaults filled in, as the driver gets them),
 * with the rest of the schema problems, so a file with a bad port and a bad setting is fixed in one pass.
 */
function driverSchemaProblems(doc: unknown, drivers: DriverCatalog): ConfigProblem[] {
  if (!isRecord(doc) || !Array.isArray(doc.devices)) return [];
  return doc.devices.flatMap((device: unknown, i) => {
    if (!isRecord(device) || typeof device.driver !== 'string') return [];
    const schema = drivers.find(device.driver)?.settings;
    const settings = device.settings ?? {};
    // Settings that are no object are the configuration schema's to report.
    if (!schema || !isRecord(settings)) return [];
    return schemaProblems(schema, Value.Default(schema, structuredClone(settings)), `devices[${i}].settings`);
  });
}

export function validateConfig(doc: unknown, drivers: DriverCatalog): ValidationResult {
  const tooDeep = tooDeepAt(doc);
  if (tooDeep !== undefined)
    return { ok: false, problems: [{ path: tooDeep, message: `nested too deeply here: no setting lies more than ${MAX_CONFIG_DEPTH} levels down` }] };
  const structural = inDocumentOrder(doc, [...schemaProblems(GatewayConfig, doc), ...driverSchemaProblems(doc, drivers)]);
  if (structural.length > 0 || !Value.Check(GatewayConfig, doc)) return { ok: false, problems: structural };
  const problems = inDocumentOrder(doc, semanticProblems(doc, drivers));
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config: doc };
}

/** What is allowed but unsafe: the configuration runs, and check-config and the start say why it should not. */
export function configWarnings(config: Config): ConfigProblem[] {
  const warnings: ConfigProblem[] = [];
  const host = config.web.host ?? '127.0.0.1';
  if (!config.web.tls && !isLoopbackHost(host)) {
    warnings.push({
      path: 'web.tls',
      message: `web.host "${host}" is reachable from the network but the page is plain HTTP: passwords, session cookies and patient data would cross the LAN in clear; add "tls": { "selfSigned": true } (or "certFile" and "keyFile"), or listen on 127.0.0.1 behind a TLS proxy on this host with "trustProxy": ["127.0.0.1"]`,
    });
  }
  config.devices.forEach((d, i) => {
    if (d.transport.type === 'file' && !d.transport.suffix) {
      warnings.push({
        path: `devices[${i}].transport.suffix`,
        message:
          'without a suffix every file in the folder is read as a result, whatever anyone with write access to the share drops there: add the ending the device writes, e.g. ".xml"',
      });
    }
  });
  if (config.web.trustProxy === true) {
    warnings.push({
      path: 'web.trustProxy',
      message:
        'true believes X-Forwarded-For from any client: anyone could claim any address, past the sign-in limits and any address-based decision; list the proxy\'s addresses instead (e.g. ["127.0.0.1"])',
    });
  }
  warnings.push(...embeddedUserWarnings(config));
  warnings.push(...qcWarnings(config));
  warnings.push(...qcTopicWarnings(config));
  return warnings;
}
