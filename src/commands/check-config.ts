// `medgate check-config FILE` (or `--config FILE`, as the other commands take it): validates a
// configuration without starting anything. Exit 0 when it would start, 1 when it would not.

import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/load.ts';
import { configWarnings } from '../config/validate.ts';
import { catalog } from './catalog.ts';
import { UsageError } from './usage-error.ts';
import { errorText } from '../model/error-text.ts';

function filesNamed(args: string[]): string[] {
  try {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { config: { type: 'string', short: 'c' } } });
    return [...(values.config === undefined ? [] : [values.config]), ...positionals];
  } catch (err) {
    throw new UsageError(errorText(err));
  }
}

function fileArgument(args: string[]): string {
  const [file, ...more] = filesNamed(args);
  if (file === undefined) throw new UsageError('check-config needs a FILE');
  if (more.length > 0) throw new UsageError('check-config checks one FILE at a time');
  return file;
}

export async function run(args: string[]): Promise<number> {
  const file = fileArgument(args);
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
