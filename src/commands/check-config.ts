// `medgate check-config FILE`: validates a configuration without starting anything.

import { ConfigError, loadConfig } from '../config/load.ts';
import { configWarnings } from '../config/validate.ts';
import { catalog } from './catalog.ts';
import { UsageError } from './usage-error.ts';

export async function run(args: string[]): Promise<number> {
  const file = args[0];
  if (!file) throw new UsageError('check-config needs a FILE');
  try {
    const config = await loadConfig(file, await catalog());
    for (const w of configWarnings(config)) console.warn(`${file}: warning: ${w.path}: ${w.message}`);
    console.log(`${file}: OK`);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
}
