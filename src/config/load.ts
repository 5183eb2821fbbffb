// Reads a configuration file: JSON syntax errors and schema problems are reported with where they are.

import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Config } from './schema.ts';
import { validateConfig, type ConfigProblem, type DriverCatalog } from './validate.ts';

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

/** Line and column of a JSON.parse error, which Node reports only as a character position. */
function locateJsonError(text: string, error: Error): string {
  const match = /position (\d+)/.exec(error.message);
  if (!match?.[1]) return error.message;
  const pos = Number(match[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return `${error.message.replace(/ in JSON at position \d+.*$/, '')} at line ${line}, column ${column}`;
}

export function parseConfigText(text: string, file: string, drivers: DriverCatalog): Config {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? locateJsonError(text, err) : String(err);
    throw new ConfigError(file, [{ path: '(file)', message: `not valid JSON: ${message}` }]);
  }
  const result = validateConfig(doc, drivers);
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
    throw new ConfigError(file, [{ path: '(file)', message: err instanceof Error ? err.message : String(err) }], true);
  }
  const document = parseConfigText(text, file, drivers);
  const config = structuredClone(document);
  // A relative dataDir is relative to the config file, so the same file works from any directory.
  if (!isAbsolute(config.dataDir)) config.dataDir = resolve(dirname(resolve(file)), config.dataDir);
  return { document, config };
}
