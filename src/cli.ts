// `medgate start | simulate | check-config`: parses arguments and hands over; no work is done here.

import { parseArgs } from 'node:util';
import { drivers, settingsValidators } from '../drivers/index.ts';
import { simulatorIds } from '../simulators/index.ts';
import { runSimulator } from '../simulators/runner.ts';
import { FAULTS, type Fault } from '../simulators/types.ts';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, readConfigFile } from './config/load.ts';
import { driverCatalog } from './devices/driver-catalog.ts';
import { startGateway } from './gateway.ts';
import { createLogger } from './logging.ts';

const USAGE = `usage:
  medgate start --config FILE
  medgate demo            (simulated devices, a built-in EHR and the page; edits go to data/demo/medgate.json)
  medgate check-config FILE
  medgate simulate <driver> (--serial PATH | --tcp-listen [HOST:]PORT | --tcp-connect HOST:PORT)
                   [--count N] [--interval MS] [--faults ${FAULTS.join(',')}] [--seed N]
drivers with simulators: ${simulatorIds.join(', ')}`;

class UsageError extends Error {}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function catalog() {
  return driverCatalog(drivers, settingsValidators);
}

function intArg(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a whole number, got "${value}"`);
  return n;
}

function hostPort(name: string, value: string, defaultHost: string): { host: string; port: number } {
  const m = /^(?:(.+):)?(\d+)$/.exec(value);
  if (!m?.[2]) throw new UsageError(`--${name} must be [HOST:]PORT, got "${value}"`);
  return { host: m[1] ?? defaultHost, port: Number(m[2]) };
}

async function checkConfig(file: string | undefined): Promise<number> {
  if (!file) throw new UsageError('check-config needs a FILE');
  try {
    await loadConfig(file, catalog());
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

async function start(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' } } });
  if (!values.config) throw new UsageError('start needs --config FILE');
  return run(values.config);
}

/** The demo runs from a working copy of config/demo.json, so page edits never change the shipped file. */
async function demo(args: string[]): Promise<number> {
  parseArgs({ args, options: {} });
  const file = join(ROOT, 'data', 'demo', 'medgate.json');
  if (!existsSync(file)) {
    const shipped = JSON.parse(await readFile(join(ROOT, 'config', 'demo.json'), 'utf8')) as Record<string, unknown>;
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${JSON.stringify({ ...shipped, dataDir: '.' }, null, 2)}\n`);
    console.error(`demo configuration: ${file} (a copy of config/demo.json; delete it to start over)`);
  } else {
    console.error(`demo configuration: ${file} (kept from an earlier run; delete it to start from config/demo.json again)`);
  }
  return run(file);
}

async function run(file: string): Promise<number> {
  let config;
  let document;
  try {
    ({ config, document } = await readConfigFile(file, catalog()));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
  const logger = createLogger({ level: config.log?.level });
  process.on('unhandledRejection', (reason) => {
    logger.error({ error: reason instanceof Error ? reason.stack : String(reason) }, 'unhandled rejection (bug): kept running');
  });
  const gateway = await startGateway(config, { logger, drivers: catalog(), configFile: resolve(file), document });
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'stopping');
      resolve();
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
  await gateway.stop();
  logger.info('stopped');
  return 0;
}

async function simulate(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      serial: { type: 'string' },
      'tcp-listen': { type: 'string' },
      'tcp-connect': { type: 'string' },
      count: { type: 'string' },
      interval: { type: 'string' },
      faults: { type: 'string' },
      seed: { type: 'string' },
      baud: { type: 'string' },
    },
  });
  const driver = positionals[0];
  if (!driver) throw new UsageError('simulate needs a driver');
  if (!simulatorIds.includes(driver)) throw new UsageError(`no simulator for "${driver}" (known: ${simulatorIds.join(', ')})`);
  const faults = (values.faults ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean)
    .map((f) => {
      if (!(FAULTS as readonly string[]).includes(f)) throw new UsageError(`unknown fault "${f}" (known: ${FAULTS.join(', ')})`);
      return f as Fault;
    });
  const targets = [values.serial, values['tcp-listen'], values['tcp-connect']].filter((v) => v !== undefined);
  if (targets.length !== 1) throw new UsageError('give exactly one of --serial, --tcp-listen, --tcp-connect');
  const sim = await runSimulator({
    driver,
    serial: values.serial ? { path: values.serial, baudRate: intArg('baud', values.baud) } : undefined,
    tcpListen: values['tcp-listen'] ? hostPort('tcp-listen', values['tcp-listen'], '127.0.0.1') : undefined,
    tcpConnect: values['tcp-connect'] ? hostPort('tcp-connect', values['tcp-connect'], '127.0.0.1') : undefined,
    count: intArg('count', values.count),
    intervalMs: intArg('interval', values.interval),
    seed: intArg('seed', values.seed),
    faults,
    log: (line) => console.error(line),
  });
  console.error(`simulating ${driver}${sim.port ? ` on port ${sim.port}` : ''}; Ctrl-C stops`);
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await Promise.race([sim.done, stopped]);
  await sim.stop();
  console.error(`sent ${sim.sent} readings`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start(rest);
    case 'demo':
      return demo(rest);
    case 'check-config':
      return checkConfig(rest[0]);
    case 'simulate':
      return simulate(rest);
    default:
      throw new UsageError(command ? `unknown command "${command}"` : 'no command');
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
  },
);
