// `medgate install-service --config FILE`: writes the systemd unit that runs this installation as a
// service (default /etc/systemd/system/medgate.service; --output FILE elsewhere, --print to stdout)
// and prints what is left to do. It reads the configuration for the folders the service must write.

import { constants } from 'node:fs';
import { access, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, readConfigFile } from '../config/load.ts';
import { PACKAGE_ROOT } from '../package-root.ts';
import { nextSteps, SYSTEM_UNIT_DIR } from '../service/next-steps.ts';
import { DEFAULT_SERVICE_USER, DEFAULT_WATCHDOG_SEC, serviceUnit, ServiceSetupError } from '../service/unit.ts';
import { catalog } from './catalog.ts';
import { intArg, UsageError } from './usage-error.ts';
import { errorText } from '../model/error-text.ts';

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string', short: 'c' },
      user: { type: 'string' },
      node: { type: 'string' },
      entry: { type: 'string' },
      'watchdog-sec': { type: 'string' },
      output: { type: 'string', short: 'o' },
      print: { type: 'boolean' },
    },
  });
  if (!values.config) throw new UsageError('install-service needs --config FILE (an absolute path)');
  if (!isAbsolute(values.config)) throw new UsageError(`--config must be an absolute path, got "${values.config}" (the service does not start in this folder)`);
  if (values.print && values.output) throw new UsageError('give --output FILE or --print, not both');
  const unitFile = values.output ? resolve(values.output) : join(SYSTEM_UNIT_DIR, 'medgate.service');

  let config;
  try {
    ({ config } = await readConfigFile(values.config, await catalog()));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`${err.message}\n(install-service reads the configuration the service will run: fix it first)`);
      return 1;
    }
    throw err;
  }
  const configDir = dirname(values.config);
  const options = {
    configFile: values.config,
    dataDir: config.dataDir,
    // The gateway reads a relative watched folder against its working directory, which the unit sets to the configuration's folder.
    watchedFolders: config.devices.flatMap((d) => (d.transport.type === 'file' ? [resolve(configDir, d.transport.path)] : [])),
    user: values.user ?? DEFAULT_SERVICE_USER,
    node: values.node ?? process.execPath,
    // Another installation's entry point, when this command runs from a copy the service will not use.
    entry: values.entry ?? join(PACKAGE_ROOT, 'bin', 'medgate.js'),
    watchdogSec: intArg('watchdog-sec', values['watchdog-sec']) ?? DEFAULT_WATCHDOG_SEC,
  };

  let unit;
  try {
    unit = serviceUnit(options);
    await access(options.node, constants.X_OK).catch(() => {
      throw new ServiceSetupError([`the Node.js binary ${options.node} does not exist or cannot be run (give it with --node PATH)`]);
    });
  } catch (err) {
    if (err instanceof ServiceSetupError) {
      console.error(`cannot install the service:\n${err.problems.map((p) => `  ${p}`).join('\n')}`);
      return 1;
    }
    throw err;
  }

  if (values.print) {
    process.stdout.write(unit.text);
    console.error(nextSteps(options, unitFile, unit.notes));
    return 0;
  }
  try {
    await writeFile(unitFile, unit.text, { mode: 0o644 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied (run it with sudo, or give --output FILE or --print)' : errorText(err);
    console.error(`cannot write ${unitFile}: ${why}`);
    return 1;
  }
  console.log(`wrote ${unitFile}\n${nextSteps(options, unitFile, unit.notes)}`);
  return 0;
}
