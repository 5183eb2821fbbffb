// The logger's redaction net, end to end through pino: what reaches the destination. Where it says
// "as pino's redact", the reference is pino configured with the `redact` paths this net replaced
// ('patient', '*.patient', ... for each censored key), run on the same calls.

import { Writable } from 'node:stream';
import fc from 'fast-check';
import Fastify, { LogController } from 'fastify';
import { pino, type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger, type LogLevel } from '../../../src/logging.ts';

const CENSORED = ['patient', 'subject', 'hl7', 'body', 'password', 'token', 'authorization'];

function capture(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line !== '') lines.push(line.replace(/"time":\d+,/, ''));
      done();
    },
  });
  return { stream, lines };
}

function gateway(level: LogLevel = 'info'): { log: Logger; lines: string[] } {
  const { stream, lines } = capture();
  return { log: createLogger({ level, pretty: false, destination: stream }), lines };
}

function pinoRedact(): { log: Logger; lines: string[] } {
  const { stream, lines } = capture();
  const paths = CENSORED.flatMap((key) => [key, `*.${key}`]);
  return { log: pino({ level: 'info', base: undefined, redact: { paths, censor: '[redacted]' } }, stream), lines };
}

const parsed = (lines: string[]): Record<string, unknown>[] => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe('createLogger redaction', () => {
  it('censors each key at the top level and one level down, not the rest of the line', () => {
    const { log, lines } = gateway();
    for (const key of CENSORED) log.info({ [key]: 'P^Doe', reading: { id: 'R1', [key]: { mrn: '123' } }, device: 'scale-1' }, 'seen');
    const out = parsed(lines);
    expect(out).toHaveLength(CENSORED.length);
    CENSORED.forEach((key, i) =>
      expect(out[i]).toEqual({ level: 30, [key]: '[redacted]', reading: { id: 'R1', [key]: '[redacted]' }, device: 'scale-1', msg: 'seen' }),
    );
  });

  it('writes an ordinary line as it is and leaves the caller object alone', () => {
    const { log, lines } = gateway();
    const line = { reading: 'R1', device: 'scale-1', observations: 1, to: ['ehr'] };
    log.info(line, 'reading queued');
    const mixed = { patient: 'P^Doe', reading: { hl7: 'MSH|' } };
    log.warn(mixed, 'x');
    expect(parsed(lines)).toEqual([
      { level: 30, reading: 'R1', device: 'scale-1', observations: 1, to: ['ehr'], msg: 'reading queued' },
      { level: 40, patient: '[redacted]', reading: { hl7: '[redacted]' }, msg: 'x' },
    ]);
    expect(mixed).toEqual({ patient: 'P^Doe', reading: { hl7: 'MSH|' } });
  });

  it('leaves arrays as they are, as pino’s *.key paths did', () => {
    const { log, lines } = gateway();
    log.info({ to: ['ehr', 'lis'], items: [{ id: 1 }] }, 'x');
    expect(parsed(lines)[0]).toMatchObject({ to: ['ehr', 'lis'], items: [{ id: 1 }] });
  });

  it('writes patient data at debug', () => {
    const { log, lines } = gateway('debug');
    log.debug({ patient: 'P^Doe', reading: { hl7: 'MSH|' } }, 'detail');
    log.child({ token: 't' }).info('bound');
    expect(parsed(lines)).toEqual([
      { level: 20, patient: 'P^Doe', reading: { hl7: 'MSH|' }, msg: 'detail' },
      { level: 30, token: 't', msg: 'bound' },
    ]);
  });

  it('censors child bindings at the top level and one level down, in grandchildren and setBindings too', () => {
    const { log, lines } = gateway();
    const child = log.child({ part: 'intake', patient: 'P^Doe', link: { token: 'abc', host: 'ehr' } });
    child.info('one');
    child.child({ authorization: 'Bearer x' }).info('two');
    const later = log.child({ part: 'web' });
    later.setBindings({ subject: 'P^Doe' });
    later.info('three');
    expect(parsed(lines)).toEqual([
      { level: 30, part: 'intake', patient: '[redacted]', link: { token: '[redacted]', host: 'ehr' }, msg: 'one' },
      { level: 30, part: 'intake', patient: '[redacted]', link: { token: '[redacted]', host: 'ehr' }, authorization: '[redacted]', msg: 'two' },
      { level: 30, part: 'web', subject: '[redacted]', msg: 'three' },
    ]);
  });

  it('writes { err } as one string (message and causes), never the error’s own properties', () => {
    const err = Object.assign(new Error('send failed', { cause: new Error('socket closed') }), {
      code: 'ECONNRESET',
      body: 'MSH|^~\\&|',
      reply: { token: 't' },
    });
    const { log, lines } = gateway();
    log.error({ err, destination: 'ehr' }, 'delivery failed');
    log.error(err);
    // Not an Error: written as it is, censored one level down.
    log.child({ part: 'x' }).warn({ err: { message: 'plain', patient: 'P^Doe' } }, 'plain object as err');
    expect(parsed(lines)).toEqual([
      { level: 50, err: 'send failed (cause: socket closed)', destination: 'ehr', msg: 'delivery failed' },
      { level: 50, err: 'send failed (cause: socket closed)', msg: 'send failed' },
      { level: 40, part: 'x', err: { message: 'plain', patient: '[redacted]' }, msg: 'plain object as err' },
    ]);
  });

  it('censors values formatted into the message and a message given as an object', () => {
    const { log, lines } = gateway();
    log.info('saw %j', { patient: 'P^Doe', a: { hl7: 'MSH|' } });
    log.info({ n: 1 }, { body: 'x' } as unknown as string);
    expect(parsed(lines)).toEqual([
      { level: 30, msg: 'saw {"patient":"[redacted]","a":{"hl7":"[redacted]"}}' },
      { level: 30, n: 1, msg: { body: '[redacted]' } },
    ]);
  });

  it('gives a child’s serializers the logged value itself and censors what they make', () => {
    const { log, lines } = gateway();
    class Incoming {
      body = 'P^Doe';
      constructor(public url: string) {}
    }
    const request = new Incoming('/api/readings');
    const seen: unknown[] = [];
    const child = log.child({}, { serializers: { req: (r: Incoming) => (seen.push(r), { url: r.url, token: 'from serializer' }) } });
    child.info({ req: request, other: { body: 'x' } }, 'request');
    expect(seen).toEqual([request]);
    expect(seen[0]).toBe(request);
    expect(parsed(lines)).toEqual([{ level: 30, req: { url: '/api/readings', token: '[redacted]' }, other: { body: '[redacted]' }, msg: 'request' }]);
  });

  it('logs a Fastify request under `req` as Fastify’s serializer makes it, with a parsed body', async () => {
    const ours = gateway();
    const reference = pinoRedact();
    for (const { log } of [ours, reference]) {
      const app = Fastify({ loggerInstance: log, logController: new LogController({ disableRequestLogging: true }) });
      app.post('/readings', async (request) => {
        request.log.info({ req: request, reading: request.body }, 'received');
        return { ok: true };
      });
      const res = await app.inject({ method: 'POST', url: '/readings', payload: { patient: 'P^Doe', value: 72 }, remoteAddress: '10.0.0.9' });
      expect(res.statusCode).toBe(200);
      await app.close();
    }
    const strip = (lines: string[]): string[] => lines.map((line) => line.replace(/"reqId":"[^"]*",/, ''));
    expect(strip(ours.lines)).toEqual(strip(reference.lines));
    expect(parsed(ours.lines)[0]).toMatchObject({
      req: { method: 'POST', url: '/readings', remoteAddress: '10.0.0.9' },
      reading: { patient: '[redacted]', value: 72 },
    });
  });

  it('writes the same lines as pino’s redact for any small object and bindings', () => {
    const key = fc.constantFrom(...CENSORED, 'reading', 'device', 'to', 'err', 'msg2', 'x');
    const leaf = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined));
    const inner = fc.dictionary(key, fc.oneof(leaf, fc.array(leaf, { maxLength: 2 })), { maxKeys: 4, noNullPrototype: true });
    // Plain objects: pino's child() calls bindings.hasOwnProperty, which a null-prototype object lacks.
    const value = fc.oneof(leaf, inner, fc.dictionary(key, inner, { maxKeys: 2, noNullPrototype: true }), fc.array(fc.oneof(leaf, inner), { maxLength: 2 }));
    const entries = fc.dictionary(key, value, { maxKeys: 5, noNullPrototype: true });
    fc.assert(
      fc.property(entries, entries, (bindings, line) => {
        const ours = gateway();
        const reference = pinoRedact();
        for (const { log } of [ours, reference]) {
          log.info(line, 'm');
          log.child(bindings).warn(line, 'c');
        }
        expect(ours.lines).toEqual(reference.lines);
      }),
      { numRuns: 300 },
    );
  });
});
