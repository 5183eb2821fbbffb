// Validates a configuration document and names every problem with its JSON path, so a technician
// can fix a file (or a web form) in one pass instead of one error at a time.

import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Driver } from '../model/driver.ts';
import { filtersOverlap } from '../transports/mqtt-topics.ts';
import { embeddedUserProblems, embeddedUserWarnings } from '../transports/mqtt-user-rules.ts';
import { GatewayConfig, type Config } from './schema.ts';
import { codeMapProblems } from '../pipeline/code-map.ts';
import { watchedFolderProblem } from '../transports/watched-folder-rule.ts';
import { isRecord } from '../model/is-record.ts';
import { allowListProblems, isLoopbackHost, parseAllowEntry } from '../net/allow-list.ts';

export interface ConfigProblem {
  path: string;
  message: string;
}

export interface DriverCatalog {
  find(id: string): Driver | undefined;
  ids(): string[];
  /** Checks beyond the driver's schema (a regular expression that compiles, ...). */
  validateSettings(id: string, settings: unknown): string[];
}

/** `/devices/0/transport/path` -> `devices[0].transport.path` */
export function pointerToPath(pointer: string): string {
  if (pointer === '' || pointer === '/') return '(root)';
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

function joinPath(prefix: string, pointer: string): string {
  const rest = pointerToPath(pointer);
  if (rest === '(root)') return prefix;
  return rest.startsWith('[') ? `${prefix}${rest}` : `${prefix}.${rest}`;
}

/** The variant of a `type`-discriminated union that the value names, so errors speak of it alone. */
function discriminatedVariant(schema: TSchema, value: unknown): TSchema | undefined {
  const variants: unknown = (schema as { anyOf?: unknown }).anyOf;
  if (!Array.isArray(variants) || !isRecord(value) || typeof value.type !== 'string') return undefined;
  return variants.find((v: unknown): v is TSchema => {
    if (!isRecord(v) || !isRecord(v.properties)) return false;
    const t = v.properties.type;
    return isRecord(t) && t.const === value.type;
  });
}

/** The variant of a union of an object and an array (a code map entry: one mapping or a list) that the value's shape picks. */
function shapeVariant(schema: TSchema, value: unknown): TSchema | undefined {
  const variants: unknown = (schema as { anyOf?: unknown }).anyOf;
  if (!Array.isArray(variants) || (!Array.isArray(value) && !isRecord(value))) return undefined;
  const want = Array.isArray(value) ? 'array' : 'object';
  const matching = variants.filter((v: unknown): v is TSchema => isRecord(v) && v.type === want);
  return matching.length === 1 ? matching[0] : undefined;
}

/** The allowed values of a union of constants ("Expected union value" tells a technician nothing). */
function literalChoices(schema: TSchema): unknown[] | undefined {
  const variants: unknown = (schema as { anyOf?: unknown }).anyOf;
  if (!Array.isArray(variants) || variants.length === 0) return undefined;
  const values = variants.map((v: unknown) => (isRecord(v) && 'const' in v ? v.const : undefined));
  return values.every((v) => v !== undefined) ? values : undefined;
}

export function schemaProblems(schema: TSchema, value: unknown, prefix = ''): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const error of Value.Errors(schema, value)) {
    const path = prefix ? joinPath(prefix, error.path) : pointerToPath(error.path);
    const variant = discriminatedVariant(error.schema, error.value) ?? shapeVariant(error.schema, error.value);
    if (variant) {
      problems.push(...schemaProblems(variant, error.value, path));
      continue;
    }
    if (Array.isArray((error.schema as { anyOf?: unknown }).anyOf) && isRecord(error.value) && 'type' in error.value) {
      problems.push({ path: `${path}.type`, message: `unknown type ${JSON.stringify(error.value.type)}` });
      continue;
    }
    const choices = literalChoices(error.schema);
    problems.push({ path, message: choices ? `must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}` : error.message });
  }
  return dedupe(problems);
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
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
      problems.push({ path: `${at}.driver`, message: `unknown driver "${device.driver}" (known: ${drivers.ids().join(', ')})` });
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
    const folderProblem = device.transport.type === 'file' ? watchedFolderProblem(device.transport.path, config.dataDir) : undefined;
    if (folderProblem) problems.push({ path: `${at}.transport.path`, message: folderProblem });
    const settings = device.settings ?? {};
    const settingProblems = driver.settings ? schemaProblems(driver.settings, Value.Default(driver.settings, structuredClone(settings)), `${at}.settings`) : [];
    problems.push(...settingProblems);
    // The driver's own checks go beyond its schema; on a value the schema already refused they would say it twice.
    if (settingProblems.length === 0) {
      for (const message of drivers.validateSettings(driver.id, settings)) problems.push({ path: `${at}.settings`, message });
    }
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

export function validateConfig(doc: unknown, drivers: DriverCatalog): ValidationResult {
  const structural = schemaProblems(GatewayConfig, doc);
  if (structural.length > 0 || !Value.Check(GatewayConfig, doc)) return { ok: false, problems: structural };
  const problems = semanticProblems(doc, drivers);
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
  return warnings;
}
