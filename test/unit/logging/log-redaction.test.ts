import { describe, expect, it } from 'vitest';
import { CENSOR, censorFormatArgs, censorLogObject, censorProperties, censorSerializer, isCensoredKey } from '../../../src/log-redaction.ts';

const CENSORED = ['patient', 'subject', 'hl7', 'body', 'password', 'token', 'authorization'];

describe('isCensoredKey', () => {
  it('names exactly the patient and secret keys', () => {
    for (const key of CENSORED) expect(isCensoredKey(key)).toBe(true);
    for (const key of ['reading', 'device', 'err', 'msg', 'Patient', 'patientId', '']) expect(isCensoredKey(key)).toBe(false);
  });
});

describe('censorLogObject', () => {
  it('returns the very object when nothing needs censoring', () => {
    const line = { reading: 'R1', device: 'scale-1', observations: 1, to: ['ehr'], link: { host: 'ehr', port: 2575 } };
    expect(censorLogObject(line)).toBe(line);
  });

  it('censors at the top level and one level down, in a copy', () => {
    const line = { patient: { mrn: '123' }, token: 'abc', reading: { id: 'R1', hl7: 'MSH|...', deeper: { body: 'kept' } }, n: 1 };
    const out = censorLogObject(line);
    expect(out).toEqual({ patient: CENSOR, token: CENSOR, reading: { id: 'R1', hl7: CENSOR, deeper: { body: 'kept' } }, n: 1 });
    expect(line).toEqual({ patient: { mrn: '123' }, token: 'abc', reading: { id: 'R1', hl7: 'MSH|...', deeper: { body: 'kept' } }, n: 1 });
    expect(Object.keys(out)).toEqual(Object.keys(line));
  });

  it('leaves a top-level undefined alone and censors a nested key whatever it holds, as pino did', () => {
    expect(censorLogObject({ patient: undefined, a: 1 })).toEqual({ patient: undefined, a: 1 });
    expect(censorLogObject({ a: { patient: undefined } })).toEqual({ a: { patient: CENSOR } });
  });

  it('leaves arrays, dates and inherited properties as they are', () => {
    const line = { to: [{ patient: 'x' }], at: new Date(0), inherits: Object.create({ patient: 'x' }) as object };
    expect(censorLogObject(line)).toBe(line);
  });

  it('keeps the prototype of a copied value, so its toJSON still applies', () => {
    class Box {
      constructor(
        public body: string,
        public size: number,
      ) {}
      toJSON(): object {
        return { boxed: this.body, size: this.size };
      }
    }
    const out = censorLogObject({ box: new Box('secret', 2) });
    expect(JSON.stringify(out)).toBe('{"box":{"boxed":"[redacted]","size":2}}');
  });

  it('leaves values under serialized keys to their serializer', () => {
    const err = Object.assign(new Error('boom'), { body: 'secret' });
    const line = { err, other: { body: 'x' } };
    const out = censorLogObject(line, new Set(['err']));
    expect(out.err).toBe(err);
    expect(out.other).toEqual({ body: CENSOR });
  });
});

describe('censorProperties', () => {
  it('copies only a value that has a censored key of its own', () => {
    const plain = { a: 1 };
    expect(censorProperties(plain)).toBe(plain);
    expect(censorProperties('patient')).toBe('patient');
    expect(censorProperties({ a: 1, authorization: 'Bearer x' })).toEqual({ a: 1, authorization: CENSOR });
  });
});

describe('censorSerializer', () => {
  it('censors what the serializer makes, one level down', () => {
    const serialize = censorSerializer((e: Error & { body?: string }) => ({ type: e.name, message: e.message, body: e.body }));
    expect(serialize(Object.assign(new Error('boom'), { body: 'secret' }))).toEqual({ type: 'Error', message: 'boom', body: CENSOR });
  });
});

describe('censorFormatArgs', () => {
  it('returns the very arguments when nothing needs censoring', () => {
    const args = [{ reading: 'R1' }, 'reading queued'];
    expect(censorFormatArgs(args)).toBe(args);
  });

  it('censors format values and a message given as an object, never the first argument', () => {
    const first = { patient: 'left to formatters.log' };
    const args = [first, 'saw %j in %j', { patient: 'p', a: { token: 't' } }, [{ body: 'b' }, 'x']];
    const out = censorFormatArgs(args);
    expect(out).toEqual([first, 'saw %j in %j', { patient: CENSOR, a: { token: CENSOR } }, [{ body: CENSOR }, 'x']]);
    expect(args[2]).toEqual({ patient: 'p', a: { token: 't' } });
  });
});
