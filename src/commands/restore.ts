// `medgate restore --from ARCHIVE --config FILE [--data-dir DIR] [--force]`: puts a backup back for a
// stopped gateway (src/backup/restore.ts), into the data folder FILE names, or DIR (needed when FILE
// does not exist yet).

import { parseArgs } from 'node:util';
import { UsageError } from './usage-error.ts';
import { errorText } from '../model/error-text.ts';

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { from: { type: 'string' }, config: { type: 'string', short: 'c' }, 'data-dir': { type: 'string' }, force: { type: 'boolean' } },
  });
  if (!values.from || !values.config) throw new UsageError('restore needs --from ARCHIVE and --config FILE');
  const { restoreBackup } = await import('../backup/restore.ts');
  try {
    await restoreBackup({ from: values.from, configFile: values.config, dataDir: values['data-dir'], force: values.force, say: (line) => console.error(line) });
    return 0;
  } catch (err) {
    console.error(`restore: ${errorText(err)}`);
    return 1;
  }
}
