// The configuration file as the page edits it: each change is validated as a whole document (the
// same schema and checks as `check-config`), written durably (temp file, fsync, rename), and only
// then applied. The document keeps what the file says (a relative dataDir stays relative).

import { open, rename } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Config } from './schema.ts';
import { validateConfig, type ConfigProblem, type DriverCatalog } from './validate.ts';

export class ConfigChangeRefused extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(`configuration refused: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    this.name = 'ConfigChangeRefused';
  }
}

/** `devices[2].transport.path` -> `transport.path` when it is about the edited item; other paths stay whole. */
export function relativeProblems(problems: ConfigProblem[], prefix: string): ConfigProblem[] {
  return problems.map((p) => {
    if (p.path === prefix) return { path: '(item)', message: p.message };
    if (p.path.startsWith(`${prefix}.`)) return { path: p.path.slice(prefix.length + 1), message: p.message };
    return p;
  });
}

export async function writeDurably(file: string, text: string): Promise<void> {
  const temp = `${file}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
  const dir = await open(dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

export class ConfigFile {
  #doc: Config;
  #chain: Promise<unknown> = Promise.resolve();

  /** `doc` as read from the file (before dataDir was made absolute); `file` undefined: changes stay in memory. */
  constructor(
    readonly file: string | undefined,
    doc: Config,
    private readonly drivers: DriverCatalog,
  ) {
    this.#doc = structuredClone(doc);
  }

  /** The document as the file holds it. */
  get document(): Config {
    return structuredClone(this.#doc);
  }

  /** The document as the gateway runs it: dataDir resolved against the file's folder. */
  resolved(doc: Config = this.#doc): Config {
    const out = structuredClone(doc);
    if (this.file && !isAbsolute(out.dataDir)) out.dataDir = resolve(dirname(resolve(this.file)), out.dataDir);
    return out;
  }

  /**
   * Applies `change` to a copy, validates the whole document, writes it, then runs `apply` with the
   * new resolved configuration. Changes run one at a time, so two editors never interleave.
   */
  update<T>(change: (doc: Config) => T, apply: (next: Config, result: T) => Promise<void>): Promise<T> {
    const run = async () => {
      const draft = structuredClone(this.#doc);
      const result = change(draft);
      const checked = validateConfig(draft, this.drivers);
      if (!checked.ok) throw new ConfigChangeRefused(checked.problems);
      if (this.file) await writeDurably(this.file, `${JSON.stringify(draft, null, 2)}\n`);
      this.#doc = draft;
      await apply(this.resolved(draft), result);
      return result;
    };
    const next = this.#chain.then(run, run);
    this.#chain = next.catch(() => undefined);
    return next;
  }
}
