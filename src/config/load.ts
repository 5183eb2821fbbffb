// Reads a configuration file: JSON syntax errors and schema problems are reported with where they are.

import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Config } from './schema.ts';
import { parseJsonDocument } from './json-document.ts';
import { validateConfig, type ConfigProblem, type DriverCatalog } from './validate.ts';
import { errorText } from '../model/error-text.ts';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
    /** The file could not be read (missing, a disk error, no descriptors left): unlike a bad document, that may pass. */
    readonly unreadable = false,
  ) {
    super(`${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function parseConfigText(text: string, file: string, drivers: DriverCatalog): Config {
  const parsed = parseJsonDocument(text);
  if (!parsed.ok) throw new ConfigError(file, [{ path: '(file)', message: parsed.problem }]);
  const result = validateConfig(parsed.value, drivers);
  if (!result.ok) throw new ConfigError(file, result.problems);
  return result.config;
}

export async function loadConfig(file: string, drivers: DriverCatalog): Promise<Config> {
  return (await readConfigFile(file, drivers)).config;
}

/** The file's document as written (for edits to write back) and the configuration as run. */
export async function readConfigFile(file: string, drivers: DriverCatalog): Promise<{ document: Config; config: Config }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ path: '(file)', message: errorText(err) }], true);
  }
  const document = parseConfigText(text, file, drivers);
  const config = structuredClone(document);
  // A relative dataDir is relative to the config file, so the same file works from any directory.
  if (!isAbsolute(config.dataDir)) config.dataDir = resolve(dirname(resolve(file)), config.dataDir);
  return { document, config };
}
