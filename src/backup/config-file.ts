// The one thing backup and restore need from a configuration file: its data folder. Read without
// validating the rest (that needs every driver's settings schema, and a backup must not fail on a
// configuration the running gateway accepted); the field's schema is the configuration's own.

import { dirname, isAbsolute, resolve } from 'node:path';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parseJsonDocument } from '../config/json-document.ts';
import { GatewayConfig } from '../config/schema.ts';
import { isRecord } from '../model/is-record.ts';

const WithDataDir = Type.Object({ dataDir: GatewayConfig.properties.dataDir });

/** The configuration document, checked for its `dataDir` only. */
export function configDocument(text: string, file: string): Record<string, unknown> & { dataDir: string } {
  // Read as the gateway reads it: a file it starts on (one with a byte order mark, say) is backed up and restored.
  const parsed = parseJsonDocument(text);
  if (!parsed.ok) throw new Error(`${file} is ${parsed.problem}`);
  const value = parsed.value;
  if (!isRecord(value) || !Value.Check(WithDataDir, value)) throw new Error(`${file} has no "dataDir"`);
  return value as Record<string, unknown> & { dataDir: string };
}

/** The data folder the configuration `text` (of `file`) names: relative to the file's folder, as the gateway reads it. */
export function dataDirOf(text: string, file: string): string {
  const { dataDir } = configDocument(text, file);
  return isAbsolute(dataDir) ? dataDir : resolve(dirname(resolve(file)), dataDir);
}

/** The configuration `text` with its data folder replaced. */
export function withDataDir(text: string, file: string, dataDir: string): string {
  return `${JSON.stringify({ ...configDocument(text, file), dataDir }, null, 2)}\n`;
}
