// `medgate start --config FILE` and `medgate demo`: run the gateway until SIGINT or SIGTERM.

import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseJsonDocument } from '../config/json-document.ts';
import { ConfigError, readConfigFile } from '../config/load.ts';
import { startGateway } from '../gateway.ts';
import { isRecord } from '../model/is-record.ts';
import { StartRefused } from '../model/start-refused.ts';
import { createLogger } from '../logging.ts';
import { upgradeDemoCopy } from '../demo/upgrade-copy.ts';
import { PACKAGE_ROOT } from '../package-root.ts';
import { serviceNotifier } from '../service/notify.ts';
import { catalog } from './catalog.ts';
import { EXIT_REFUSED } from './exit-codes.ts';
import { UsageError } from './usage-error.ts';

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' } } });
  if (!values.config) throw new UsageError('start needs --config FILE');
  return runGateway(values.config);
}

/** The demo runs from a working copy of config/demo.json, so page edits never change the shipped file. */
export async function demo(args: string[]): Promise<number> {
  parseArgs({ args, options: {} });
  const file = join(PACKAGE_ROOT, 'data', 'demo', 'medgate.json');
  if (!existsSync(file)) {
    const shipped = JSON.parse(await readFile(join(PACKAGE_ROOT, 'config', 'demo.json'), 'utf8')) as Record<string, unknown>;
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${JSON.stringify({ ...shipped, dataDir: '.' }, null, 2)}\n`);
    console.error(`demo configuration: ${file} (a copy of config/demo.json; delete it to start over)`);
  } else {
    console.error(`demo configuration: ${file} (kept from an earlier run; delete it to start from config/demo.json again)`);
    const shipped = JSON.parse(await readFile(join(PACKAGE_ROOT, 'config', 'demo.json'), 'utf8')) as Record<string, unknown>;
    // The copy is the user's to edit: one that is not JSON is left alone, and starting on it says where it is wrong.
    const kept = parseJsonDocument(await readFile(file, 'utf8'));
    if (kept.ok && isRecord(kept.value)) await upgradeKeptCopy(file, kept.value, shipped);
  }
  return runGateway(file);
}

async function upgradeKeptCopy(file: string, kept: Record<string, unknown>, shipped: Record<string, unknown>): Promise<void> {
  const { doc, changed } = upgradeDemoCopy(kept, shipped);
  if (changed.length === 0) return;
  await writeFile(file, `${JSON.stringify(doc, null, 2)}\n`);
  console.error(`demo configuration: brought up to this version's config/demo.json: ${changed.join(', ')}`);
}

async function runGateway(file: string): Promise<number> {
  let config;
  let document;
  const drivers = await catalog();
  try {
    ({ config, document } = await readConfigFile(file, drivers));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return err.unreadable ? 1 : EXIT_REFUSED;
    }
    throw err;
  }
  const logger = createLogger({ level: config.log?.level });
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled rejection (bug): kept running');
  });
  const systemd = serviceNotifier({ log: logger.child({ part: 'systemd' }) });
  let gateway;
  try {
    gateway = await startGateway(config, { logger, drivers, configFile: resolve(file), document });
  } catch (err) {
    // Logged by the check that refused; the console gets the message without a stack.
    if (err instanceof StartRefused) {
      console.error(err.message);
      return EXIT_REFUSED;
    }
    throw err;
  }
  systemd.ready();
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'stopping');
      resolve();
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
  systemd.stopping();
  await gateway.stop();
  logger.info('stopped');
  return 0;
}
