// `medgate simulate <driver> ...`: one device simulator speaking its wire protocol, for bench work.
// The lab analyzers (astm-lis2, hl7-analyzer) also take orders: --scan queries the host for each
// specimen in turn, --orders-only stops the rotating results, --run-worklist-after runs downloads.
// They run controls too: --qc-every runs QC on a schedule, --qc-out-of-control breaks one Westgard
// rule on purpose, --qc-by-sample-id marks the controls only by their sample IDs.

import { parseArgs } from 'node:util';
import { asQcSending, simulatorIds } from '../../simulators/index.ts';
import { runSimulator } from '../../simulators/runner.ts';
import { QC_SCENARIOS } from '../../simulators/qc-material.ts';
import { FAULTS, REFUSALS, type AnalyzerOrderOptions, type AnalyzerQcOptions, type Fault, type SimQcOptions } from '../../simulators/types.ts';
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
      scan: { type: 'string' },
      'scan-interval': { type: 'string' },
      'orders-only': { type: 'boolean' },
      'query-wait': { type: 'string' },
      'results-for-unknown': { type: 'boolean' },
      'run-worklist-after': { type: 'string' },
      'refuse-downloads': { type: 'string' },
      'refuse-reason': { type: 'string' },
      'qc-every': { type: 'string' },
      'qc-out-of-control': { type: 'string' },
      'qc-by-sample-id': { type: 'boolean' },
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
  const orders = orderOptions(values);
  const qc = qcOptions(values);
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
    ...orders,
    ...qc,
    log: (line) => console.error(line),
  });
  console.error(`simulating ${driver}${sim.port ? ` on port ${sim.port}` : ''}; Ctrl-C stops`);
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await Promise.race([sim.done, stopped]);
  await sim.stop();
  const qcDevice = asQcSending(sim.device);
  console.error(
    `sent ${sim.sent} readings${qcDevice?.qcRuns.length ? `, ${qcDevice.qcRuns.length} QC runs (${qcDevice.qcDelivered} control specimens acknowledged)` : ''}`,
  );
  return 0;
}

export interface OrderFlags {
  scan?: string;
  'scan-interval'?: string;
  'orders-only'?: boolean;
  'query-wait'?: string;
  'results-for-unknown'?: boolean;
  'run-worklist-after'?: string;
  'refuse-downloads'?: string;
  'refuse-reason'?: string;
}

/** The lab analyzers' order flags as simulator options; a UsageError for a value that is not one. */
export function orderOptions(values: OrderFlags): AnalyzerOrderOptions {
  const out: AnalyzerOrderOptions = {};
  const scans = (values.scan ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (scans.length > 0) out.scans = scans;
  const scanInterval = intArg('scan-interval', values['scan-interval']);
  if (scanInterval !== undefined) out.scanIntervalMs = scanInterval;
  if (values['orders-only']) out.unsolicited = false;
  const wait = intArg('query-wait', values['query-wait']);
  if (wait !== undefined) out.hostQueryWaitMs = wait;
  if (values['results-for-unknown']) out.resultsForUnknown = true;
  const run = intArg('run-worklist-after', values['run-worklist-after']);
  if (run !== undefined) out.runWorklistAfterMs = run;
  const refuse = values['refuse-downloads'];
  if (refuse !== undefined) {
    const how = REFUSALS.find((r) => r === refuse);
    if (how === undefined) throw new UsageError(`--refuse-downloads must be one of ${REFUSALS.join(', ')}, got "${refuse}"`);
    out.refuseDownloads = how;
  }
  if (values['refuse-reason'] !== undefined) out.refuseReason = values['refuse-reason'];
  return out;
}

export interface QcFlags {
  'qc-every'?: string;
  'qc-out-of-control'?: string;
  'qc-by-sample-id'?: boolean;
}

const OUT_OF_CONTROL = /^(?<rule>[^@:]+)(?:@(?<run>\d+))?(?::(?<test>.+))?$/;

/**
 * The lab analyzers' QC flags as simulator options: `--qc-every MS`, `--qc-out-of-control
 * RULE[@RUN][:TEST]` (the RUNth scheduled run, default 3, breaks RULE on TEST, default the first
 * test of level 1), `--qc-by-sample-id`. A UsageError for a value that is not one.
 */
export function qcOptions(values: QcFlags): AnalyzerQcOptions {
  const qc: SimQcOptions = {};
  const every = intArg('qc-every', values['qc-every']);
  if (every !== undefined) {
    if (every < 100) throw new UsageError(`--qc-every must be at least 100 (milliseconds), got "${values['qc-every']}"`);
    qc.everyMs = every;
  }
  const out = values['qc-out-of-control'];
  if (out !== undefined) {
    const m = OUT_OF_CONTROL.exec(out.trim());
    const rule = QC_SCENARIOS.find((r) => r === m?.groups?.rule);
    if (m?.groups === undefined || rule === undefined) {
      throw new UsageError(`--qc-out-of-control must be RULE[@RUN][:TEST] with RULE one of ${QC_SCENARIOS.join(', ')}, got "${out}"`);
    }
    if (every === undefined) throw new UsageError('--qc-out-of-control needs --qc-every (it names a scheduled QC run)');
    const run = m.groups.run === undefined ? 3 : Number(m.groups.run);
    if (run < 1) throw new UsageError(`--qc-out-of-control: the run counts from 1, got "${out}"`);
    qc.outOfControl = m.groups.test === undefined ? { rule, run } : { rule, run, test: m.groups.test };
  }
  if (values['qc-by-sample-id']) qc.mark = 'sample-id';
  return Object.keys(qc).length === 0 ? {} : { qc };
}
