// The one thing backup and restore need from a configuration file: its data folder. Read without
// validating the rest (that needs every driver's settings schema, and a backup must not fail on a
// configuration the running gateway accepted); the field's schema is the configuration's own.

import { dirname, isAbsolute, resolve } from 'node:path';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { GatewayConfig } from '../config/schema.ts';
import { isRecord } from '../model/is-record.ts';

const WithDataDir = Type.Object({ dataDir: GatewayConfig.properties.dataDir });

/** The configuration document, checked for its `dataDir` only. */
export function configDocument(text: string, file: string): Record<string, unknown> & { dataDir: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not valid JSON (medgate check-config ${file} says where)`);
  }
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
