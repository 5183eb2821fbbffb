// Files a gateway needs that are not in its data folder, so not in a backup: the TLS certificates and
// keys the configuration names (inbound MLLP, MLLP and MQTT destinations, an external MQTT broker)
// and the folders file transports watch. A backup names them (manifest and warning) rather than
// copying them: a private key does not belong in an archive that is kept in more places than the
// machine it protects. Read from the document as written, without validating the rest (as
// config-file.ts reads dataDir); the field names are the configuration schema's (config/schema.ts).

import { dirname, resolve } from 'node:path';
import { isRecord } from '../model/is-record.ts';
import { within } from '../service/unit.ts';

export interface ExternalFile {
  /** Where the configuration names it, e.g. `destinations[0].tls.keyFile`. */
  field: string;
  /** As the configuration writes it. */
  path: string;
}

const INBOUND_TLS = ['certFile', 'keyFile', 'caFile'];
const CLIENT_TLS = ['caFile', 'certFile', 'keyFile'];
const MQTT_TLS = ['ca', 'cert', 'key'];

function named(parent: unknown, keys: readonly string[], prefix: string): ExternalFile[] {
  if (!isRecord(parent)) return [];
  return keys.flatMap((k) => {
    const path = parent[k];
    return typeof path === 'string' && path !== '' ? [{ field: `${prefix}${k}`, path }] : [];
  });
}

const items = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Every file or folder the configuration `doc` names besides its data folder. */
export function referencedFiles(doc: Record<string, unknown>): ExternalFile[] {
  const inbound = isRecord(doc.inbound) && isRecord(doc.inbound.mllp) ? doc.inbound.mllp.tls : undefined;
  return [
    ...named(inbound, INBOUND_TLS, 'inbound.mllp.tls.'),
    ...named(doc.mqtt, MQTT_TLS, 'mqtt.'),
    ...items(doc.devices).flatMap((d, i) =>
      isRecord(d) && isRecord(d.transport) && d.transport.type === 'file' ? named(d.transport, ['path'], `devices[${i}].transport.`) : [],
    ),
    ...items(doc.destinations).flatMap((d, i) =>
      isRecord(d) ? [...named(d.tls, CLIENT_TLS, `destinations[${i}].tls.`), ...named(d, MQTT_TLS, `destinations[${i}].`)] : [],
    ),
  ];
}

/** Those outside `dataDir`; a relative path counts from the configuration file's folder, as a relative dataDir does. */
export function externalFiles(doc: Record<string, unknown>, configFile: string, dataDir: string): ExternalFile[] {
  const base = dirname(resolve(configFile));
  return referencedFiles(doc).filter((f) => !within(resolve(base, f.path), dataDir));
}
