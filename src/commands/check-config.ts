// `medgate check-config FILE`: validates a configuration without starting anything.

import { ConfigError, loadConfig } from '../config/load.ts';
import { catalog } from './catalog.ts';
import { UsageError } from './usage-error.ts';

export async function run(args: string[]): Promise<number> {
  const file = args[0];
  if (!file) throw new UsageError('check-config needs a FILE');
  try {
    await loadConfig(file, await catalog());
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
