// Errors are logged under one key, `err` (pino's error key), as one string: the message, and at debug
// the stack. The gateway's own code never logs under `error` (a journal search for `err` must find them all).

import net, { type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import tls from 'node:tls';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { createLogger, type LogLevel } from '../../../src/logging.ts';
import { guardConnections } from '../../../src/net/connection-guard.ts';
import { nodes, sourceFiles, where } from '../../support/source-files.ts';

const LOG_METHODS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);

/** The keys of the object literal given first to a call of a log method (`log.warn({ ... }, '...')`). */
function logKeys(node: ts.Node): Array<{ key: string; node: ts.Node }> {
  if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression) || !LOG_METHODS.has(node.expression.name.text)) return [];
  const first = node.arguments[0];
  if (first === undefined || !ts.isObjectLiteralExpression(first)) return [];
  return first.properties.flatMap((p) =>
    (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))
      ? [{ key: p.name.text, node: p }]
      : [],
  );
}

// Helpers that hand an object on to a log line: summaryLog().note(key, fields, message) spreads
// `fields` into a warn line, log.child(bindings) into every line.
const LOG_HELPERS = new Set(['note', 'child']);

/**
 * `error` properties in the object literals a call of a log method or helper is given, at any depth
 * (`{ ...(e ? { error: e } : {}) }` too); a function body given as an argument is not looked into.
 */
function nestedErrorKeys(node: ts.Node): ts.Node[] {
  if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression)) return [];
  const name = node.expression.name.text;
  if (!LOG_METHODS.has(name) && !LOG_HELPERS.has(name)) return [];
  const found: ts.Node[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionLike(n)) return;
    if (ts.isObjectLiteralExpression(n)) {
      for (const p of n.properties) {
        if (
          (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)) &&
          (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) &&
          p.name.text === 'error'
        )
          found.push(p);
      }
    }
    ts.forEachChild(n, visit);
  };
  for (const argument of node.arguments) visit(argument);
  return found;
}

function logger(level: LogLevel) {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger({ level, pretty: false, destination }), lines };
}

describe('the error key', () => {
  const boom = () => new Error('EHR connection refused', { cause: new Error('ECONNREFUSED 127.0.0.1:2575') });

  it('holds the message above debug, with its cause', () => {
    const { log, lines } = logger('info');
    log.error({ err: boom(), destination: 'ehr' }, 'delivery failed');
    log.warn({ err: 'already a string' }, 'said');
    expect(lines.map((l) => l.err)).toEqual(['EHR connection refused (cause: ECONNREFUSED 127.0.0.1:2575)', 'already a string']);
  });

  it('holds every error of an AggregateError (a connect to a name with two addresses) and a chain of causes', () => {
    const { log, lines } = logger('info');
    const refused = (address: string) => Object.assign(new Error(`connect ECONNREFUSED ${address}:2575`), { code: 'ECONNREFUSED' });
    const both = Object.assign(new AggregateError([refused('127.0.0.1'), refused('::1')], ''), { code: 'ECONNREFUSED' });
    log.error({ err: both }, 'connect failed');
    log.error({ err: new Error('a', { cause: new Error('b', { cause: new Error('c') }) }) }, 'chained');
    expect(lines.map((l) => l.err)).toEqual(['ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:2575; connect ECONNREFUSED ::1:2575)', 'a (cause: b (cause: c))']);
  });

  it('holds the stack at debug', () => {
    const { log, lines } = logger('debug');
    log.error({ err: boom() }, 'delivery failed');
    const text = String(lines[0]!.err);
    expect(text.startsWith('Error: EHR connection refused\n    at ')).toBe(true);
    expect(text).toContain('error-key.test.ts');
  });

  it('holds an Error given as the whole log object, as pino files it under `err`', () => {
    const { log, lines } = logger('info');
    log.warn(boom());
    expect(lines[0]).toMatchObject({ err: 'EHR connection refused (cause: ECONNREFUSED 127.0.0.1:2575)', msg: 'EHR connection refused' });
  });

  it('is the only key the code logs errors under', () => {
    const files = sourceFiles(['src', 'drivers', 'simulators'], (path) => path.startsWith('src/web/page'));
    const offenders: string[] = [];
    let errKeys = 0;
    for (const file of files) {
      for (const node of nodes(file.tree)) {
        for (const { key, node: property } of logKeys(node)) {
          if (key === 'error') offenders.push(where(file, property));
          if (key !== 'err') continue;
          errKeys++;
          // The Error itself, not the text for a person: the serializer adds causes and, at debug, the stack.
          const value = ts.isPropertyAssignment(property) ? property.initializer : undefined;
          if (value && ts.isCallExpression(value) && ts.isIdentifier(value.expression) && value.expression.text === 'errorText')
            offenders.push(where(file, property));
        }
      }
    }
    expect(offenders).toEqual([]);
    // The scan sees log calls at all (a scan that finds nothing would pass forever).
    expect(errKeys).toBeGreaterThan(40);
  });

  it('is the key inside the objects handed to log helpers too (a spread `error` has no serializer and logs as {})', () => {
    const files = sourceFiles(['src', 'drivers', 'simulators'], (path) => path.startsWith('src/web/page'));
    const offenders: string[] = [];
    let helperCalls = 0;
    for (const file of files) {
      for (const node of nodes(file.tree)) {
        if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'note') helperCalls++;
        for (const property of nestedErrorKeys(node)) offenders.push(where(file, property));
      }
    }
    expect(offenders).toEqual([]);
    // The scan sees the summary log's callers (connection guard, MQTT broker).
    expect(helperCalls).toBeGreaterThan(4);
  });

  it('holds the reason of a failed TLS handshake in the summarised refusal line', async () => {
    const { log, lines } = logger('info');
    const server = tls.createServer({});
    guardConnections(server, { allow: ['any'] }, log);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const refusal = () => lines.find((l) => l.reason === 'TLS handshake failed');
    try {
      const { port } = server.address() as AddressInfo;
      // A real peer speaking plain text to a TLS port: the handshake fails on its first bytes.
      const peer = net.connect(port, '127.0.0.1', () => peer.write('GET / HTTP/1.0\r\n\r\n'));
      peer.on('error', () => {});
      await expect.poll(refusal, { timeout: 10_000 }).toBeDefined();
      peer.destroy();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(refusal()).not.toHaveProperty('error');
    expect(refusal()?.err).toEqual(expect.stringMatching(/\w{4,}/));
  });
});
