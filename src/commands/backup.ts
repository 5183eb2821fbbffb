// `medgate backup --config FILE --to ARCHIVE [--with-token]`: the data folder and configuration of a
// gateway, running or stopped, in one archive (src/backup/take-backup.ts).

import { parseArgs } from 'node:util';
import { UsageError } from './usage-error.ts';
import { errorText } from '../model/error-text.ts';

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' }, to: { type: 'string' }, 'with-token': { type: 'boolean' } } });
  if (!values.config || !values.to) throw new UsageError('backup needs --config FILE and --to ARCHIVE');
  const { takeBackup } = await import('../backup/take-backup.ts');
  try {
    const r = await takeBackup({ configFile: values.config, to: values.to, withToken: values['with-token'], say: (line) => console.error(line) });
    console.error(
      `${r.archive}: ${r.manifest.files.length} files, ${r.bytes} bytes, data format ${r.manifest.dataFormat}, API token ${r.manifest.tokenIncluded ? 'included' : 'not included'}`,
    );
    console.error('the archive holds patient data: it is readable by its owner only (mode 0600); keep it that way wherever it is copied');
    return 0;
  } catch (err) {
    console.error(`backup: ${errorText(err)}`);
    return 1;
  }
}
