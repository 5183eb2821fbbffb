// Imports go down, never up: a module may import from its own layer or a lower one. A type a lower
// layer needs (a patient's Visit, a device's counters, MQTT topic matching) lives low, in src/model,
// rather than being reached for in a higher layer.

import ts from 'typescript';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/package-root.ts';
import { nodes, sourceFiles, where } from '../../support/source-files.ts';

/**
 * The layers, lowest first. A file belongs to the longest path in the table that contains it.
 * Single files listed apart from their folder are contracts used from below their folder: the
 * config schema (transports and listeners read their own settings), the web API's types and views
 * (filled by the runtime, sent by the server, read by the page), the process exit codes.
 * `start` starts the gateway, so the commands sit above src/gateway.ts.
 */
const LAYERS: ReadonlyArray<readonly [layer: number, paths: readonly string[]]> = [
  [
    0,
    [
      'src/model',
      'src/package-root.ts',
      'src/node-flags.ts',
      'src/run-mode.ts',
      'src/logging.ts',
      'src/log-output.ts',
      'src/log-redaction.ts',
      'src/commands/exit-codes.ts',
    ],
  ],
  [
    1,
    ['src/hl7', 'src/store', 'src/transports', 'drivers', 'src/net', 'src/mllp', 'src/uplink', 'src/events', 'src/config/schema.ts', 'src/config/secrets.ts'],
  ],
  [
    2,
    [
      'src/pipeline',
      'src/outbox',
      'src/patients',
      'src/orders',
      'src/qc',
      'src/destinations',
      'src/inbound',
      'src/devices',
      'src/metrics',
      'src/health',
      'src/audit',
      'src/backup',
      'src/service',
      'src/config',
      'simulators',
      'src/web/api-types.ts',
      'src/web/list-queries.ts',
      'src/web/reading-views.ts',
    ],
  ],
  [3, ['src/runtime', 'src/demo']],
  [4, ['src/web', 'src/gateway.ts']],
  [5, ['src/commands', 'src/cli.ts']],
];

const TABLE = LAYERS.flatMap(([layer, paths]) => paths.map((path) => ({ path, layer })));

/** The layer of a file (relative to the package root), by the longest path that contains it; undefined outside the table. */
function layerOf(path: string): number | undefined {
  let best: { path: string; layer: number } | undefined;
  for (const entry of TABLE) {
    if ((path === entry.path || path.startsWith(`${entry.path}/`)) && (best === undefined || entry.path.length > best.path.length)) best = entry;
  }
  return best?.layer;
}

/**
 * What a driver may import besides src/model, drivers/_shared and its own folder (src/model/driver.ts):
 * the wire formats its protocol is written in, pure text and byte helpers that know no patient,
 * store or transport. The HL7 analyzer reads HL7 v2 text, answers with an ACK and frames in MLLP;
 * the analyzer, aECG and MQTT JSON drivers read timestamps by the one time-zone rule.
 */
const DRIVER_WIRE_FORMATS = [
  'src/hl7/datetime.ts',
  'src/hl7/delimiters.ts',
  'src/hl7/escape.ts',
  'src/hl7/ack.ts',
  'src/hl7/ack-types.ts',
  'src/mllp/framing.ts',
];

/** Why a file in drivers/ may not import `target` (both relative to the package root); undefined when it may. */
function driverImportProblem(from: string, target: string): string | undefined {
  const inside = (folder: string) => target.startsWith(`${folder}/`);
  if (inside('src/model') || inside('drivers/_shared') || DRIVER_WIRE_FORMATS.includes(target)) return undefined;
  const folder = /^drivers\/([^/]+)\//.exec(from)?.[1];
  // The registry (drivers/*.ts) lists each driver's index.ts; a driver's files stay in its folder.
  if (folder === undefined) return /^drivers\/([^_/][^/]*\/index|[^/]+)\.ts$/.test(target) ? undefined : 'the registry imports only drivers and src/model';
  if (folder !== '_shared' && inside(`drivers/${folder}`)) return undefined;
  return 'a driver imports only src/model, drivers/_shared, its own folder and the wire formats listed';
}

/** Relative module paths a file imports: static imports and exports, `import type` included, and dynamic import(). */
function importsOf(node: ts.Node): Array<{ spec: string; node: ts.Node }> {
  if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
    return [{ spec: node.moduleSpecifier.text, node }];
  }
  if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
    const first = node.arguments[0];
    if (first && ts.isStringLiteral(first)) return [{ spec: first.text, node }];
  }
  return [];
}

describe('layering', () => {
  const files = sourceFiles(['src', 'drivers', 'simulators']);

  it('places every source file in a layer', () => {
    expect(files.filter((f) => layerOf(f.path) === undefined).map((f) => f.path)).toEqual([]);
  });

  /** Every relative import of the project's files: where it is, and the file it names (relative to the package root). */
  const imports = files.flatMap((file) =>
    [...nodes(file.tree)].flatMap((node) =>
      importsOf(node)
        .filter(({ spec }) => spec.startsWith('.'))
        .map(({ spec, node: at }) => ({
          file,
          at: where(file, at),
          target: relative(PACKAGE_ROOT, normalize(join(PACKAGE_ROOT, dirname(file.path), spec)))
            .split('\\')
            .join('/'),
        })),
    ),
  );

  it('has no import from a higher layer, nor of a file outside the table', () => {
    const upward: string[] = [];
    for (const { file, at, target } of imports) {
      const from = layerOf(file.path) ?? -1;
      const to = layerOf(target);
      if (to === undefined) upward.push(`${at} imports ${target}, which is in no layer`);
      else if (to > from) upward.push(`${at} (layer ${from}) imports ${target} (layer ${to})`);
    }
    expect(imports.length).toBeGreaterThan(500);
    expect(upward).toEqual([]);
  });

  it('keeps drivers to src/model, drivers/_shared, their own folder and the wire formats they speak', () => {
    const fromDrivers = imports.filter(({ file }) => file.path.startsWith('drivers/'));
    const problems = fromDrivers.flatMap(({ file, at, target }) => {
      const problem = driverImportProblem(file.path, target);
      return problem === undefined ? [] : [`${at} imports ${target}: ${problem}`];
    });
    expect(fromDrivers.length).toBeGreaterThan(100);
    expect(problems).toEqual([]);
    // Every exception listed is used (a stale list would let the next one in unnoticed).
    expect(DRIVER_WIRE_FORMATS.filter((path) => !fromDrivers.some(({ target }) => target === path))).toEqual([]);
  });

  it('reads the table as intended', () => {
    expect(layerOf('src/model/visit.ts')).toBe(0);
    expect(layerOf('src/config/schema.ts')).toBe(1);
    expect(layerOf('src/config/validate.ts')).toBe(2);
    expect(layerOf('src/web/api-types.ts')).toBe(2);
    expect(layerOf('src/web/server.ts')).toBe(4);
    expect(layerOf('src/web/page/main.ts')).toBe(4);
    expect(layerOf('src/modelling.ts')).toBeUndefined();
    expect(driverImportProblem('drivers/ad-scale/session.ts', 'src/model/driver.ts')).toBeUndefined();
    expect(driverImportProblem('drivers/ad-scale/session.ts', 'drivers/ad-scale/decode.ts')).toBeUndefined();
    expect(driverImportProblem('drivers/ad-scale/session.ts', 'drivers/_shared/line-session.ts')).toBeUndefined();
    expect(driverImportProblem('drivers/hl7-analyzer/session.ts', 'src/hl7/ack.ts')).toBeUndefined();
    expect(driverImportProblem('drivers/index.ts', 'drivers/tanita/index.ts')).toBeUndefined();
    // The same layer, but not a driver's business: storage, transports, another driver, HL7 results.
    expect(driverImportProblem('drivers/ad-scale/session.ts', 'src/store/history.ts')).toBeDefined();
    expect(driverImportProblem('drivers/ad-scale/session.ts', 'src/transports/backoff.ts')).toBeDefined();
    expect(driverImportProblem('drivers/ad-scale/session.ts', 'drivers/tanita/decode.ts')).toBeDefined();
    expect(driverImportProblem('drivers/_shared/settings.ts', 'drivers/tanita/decode.ts')).toBeDefined();
    expect(driverImportProblem('drivers/hl7-analyzer/decode.ts', 'src/hl7/oru-lab.ts')).toBeDefined();
    expect(driverImportProblem('drivers/index.ts', 'drivers/tanita/decode.ts')).toBeDefined();
  });
});
