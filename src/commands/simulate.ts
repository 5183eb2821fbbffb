// `medgate simulate <driver> ...`: one device simulator speaking its wire protocol, for bench work.

import { parseArgs } from 'node:util';
import { simulatorIds } from '../../simulators/index.ts';
import { runSimulator } from '../../simulators/runner.ts';
import { FAULTS, type Fault } from '../../simulators/types.ts';
import { intArg, UsageError } from './usage-error.ts';

function hostPort(name: string, value: string, defaultHost: string): { host: string; port: number } {
  const m = /^(?:(.+):)?(\d+)$/.exec(value);
  if (!m?.[2]) throw new UsageError(`--${name} must be [HOST:]PORT, got "${value}"`);
  return { host: m[1] ?? defaultHost, port: Number(m[2]) };
}

export async function run(args: string[]): Promise<number> {
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
