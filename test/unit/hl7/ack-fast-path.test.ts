// parseAck reads the usual ACK (default separators, segments starting at the line start) with a
// scan of its own; these properties hold it to the general splitter on any text, and check what
// parseAck answers for the layouts only the general splitter reads.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAck } from '../../../src/hl7/ack.ts';
import { nthPiece, splitMessage, splitPlainMessage } from '../../../src/hl7/message-text.ts';

const MSH = 'MSH|^~\\&|EHR|HOSP|MEDGATE|CLINIC|20250114093017||ACK^R01^ACK|A77|P|2.6';

/** `text` written with other separators: `|^~\&` in it become field, component, repetition, escape, subcomponent. */
function withSeparators(text: string, separators: string): string {
  const map: Record<string, string> = { '|': separators[0]!, '^': separators[1]!, '~': separators[2]!, '\\': separators[3]!, '&': separators[4] ?? '&' };
  return text.replace(/[|^~\\&]/g, (ch) => map[ch] ?? ch);
}

const fieldValues = fc.oneof(
  fc.constantFrom(
    '',
    'AA',
    'aa',
    ' AE ',
    'AR',
    'CA',
    'CE',
    'CR',
    'OK',
    'MG000123',
    '204^Unknown key identifier^HL70357',
    'a\\F\\b',
    'one~two',
    '101&Required&HL70357',
    'PID^1^3^101&Required field missing&HL70357',
    '\\X0D\\',
    '\\.br\\',
    '\\Z\\',
  ),
  fc.string({ maxLength: 8 }),
);
const segmentNames = fc.constantFrom('MSA', 'MSA', 'ERR', 'EVN', 'ZZZ', 'MSH', 'MSA ', 'msa', 'MSAX', 'ER');
const segments = fc.tuple(segmentNames, fc.array(fieldValues, { maxLength: 8 })).map(([name, fields]) => [name, ...fields].join('|'));
const acknowledgement = fc
  .tuple(fc.constantFrom('AA', 'AE', 'AR', 'CA', 'CE', 'CR', ' aa'), fc.constantFrom('MG1', ' MG2 ', 'a\\F\\b', 'X~Y'), fc.array(fieldValues, { maxLength: 5 }))
  .map(([code, id, rest]) => ['MSA', code, id, ...rest].join('|'));

// ACK text in every layout parseAck takes: other separators (valid or not), LF/CRLF/CR ends,
// a BOM or whitespace before MSH and before segments, MSA missing, first, or after other
// segments, ERR segments, stray lines.
const ackTexts = fc
  .record({
    separators: fc.constantFrom('|^~\\&', '|^~\\&', '|^~\\&', '|^~\\', '#*!/%', '|^~\\&#', '|^^\\&', '|a~\\&', '| ~\\&', '|^~'),
    lead: fc.oneof({ arbitrary: fc.constant(''), weight: 6 }, fc.constantFrom('\uFEFF', ' ', '\r', '\n\n', '\u00a0')),
    end: fc.constantFrom('\r', '\r', '\n', '\r\n', '\n\r'),
    indents: fc.array(fc.oneof({ arbitrary: fc.constant(''), weight: 12 }, fc.constantFrom(' ', '\t', '\uFEFF', '\u3000', '\u00a0')), {
      minLength: 6,
      maxLength: 6,
    }),
    msa: fc.option(acknowledgement, { freq: 4 }),
    others: fc.array(segments, { maxLength: 4 }),
    msaAt: fc.nat({ max: 4 }),
    finalEnd: fc.boolean(),
  })
  .map((a) => {
    const lines = [...a.others];
    if (a.msa !== null) lines.splice(Math.min(a.msaAt, lines.length), 0, a.msa);
    const body = [MSH, ...lines].map((line, i) => (a.indents[i] ?? '') + withSeparators(line, a.separators));
    return a.lead + body.join(a.end) + (a.finalEnd ? a.end : '');
  });

const anyText = fc.oneof(
  ackTexts,
  ackTexts,
  ackTexts,
  fc.string({ maxLength: 60 }),
  fc.string({ maxLength: 40 }).map((s) => `${MSH}\r${s}\rMSA|${s}`),
);

/** What parseAck comes to: the Ack, or the message it threw. */
function outcome(text: string): unknown {
  try {
    return parseAck(text);
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

describe('splitPlainMessage', () => {
  it('property: where it reads a text at all, it reads it as splitMessage does', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const plain = splitPlainMessage(text);
        if (plain !== undefined) expect(plain).toEqual(splitMessage(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('reads the ACK an EHR usually sends, and leaves every other layout to splitMessage', () => {
    const typical = `${MSH}\rMSA|AA|MG000123\r`;
    expect(splitPlainMessage(typical)).toEqual(splitMessage(typical));
    expect(splitPlainMessage(typical.replace(/\r/g, '\r\n'))).toEqual(splitMessage(typical));
    for (const other of [
      `\uFEFF${typical}`,
      ` ${typical}`,
      `${MSH}\r MSA|AA|X\r`,
      `${MSH}\r\tMSA|AA|X\r`,
      withSeparators(typical, '#*!/%'),
      typical.replace('^~\\&', '^~\\'),
    ]) {
      expect(splitPlainMessage(other), JSON.stringify(other)).toBeUndefined();
    }
  });
});

describe('nthPiece', () => {
  it('property: is split(separator)[index], or empty past the last piece', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 20, unit: fc.constantFrom('a', 'b', '|', '^', '~', ' ') }),
        fc.constantFrom('|', '^', '~'),
        fc.nat({ max: 8 }),
        (text, separator, index) => {
          expect(nthPiece(text, separator, index)).toBe(text.split(separator)[index] ?? '');
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('parseAck in every layout', () => {
  it('reads the same acknowledgement whatever the separators, segment ends, BOM and indentation', () => {
    const expected = { code: 'AE', controlId: 'MG7', text: 'Unknown | patient', errorCode: '204' };
    const ack = `${MSH}\rMSA|AE|MG7|Unknown \\F\\ patient\rERR|||204^Unknown key identifier^HL70357|E\r`;
    const layouts = [
      ack,
      ack.replace(/\r/g, '\n'),
      ack.replace(/\r/g, '\r\n'),
      `\uFEFF${ack}`,
      ` \t${ack.replace('\rMSA', '\r  MSA')}`,
      ack.replace('\rMSA', '\rEVN|A01\rZZZ|x\rMSA').replace(/\r$/, '\rZZZ|y\r'),
    ];
    for (const text of layouts) expect(parseAck(text), JSON.stringify(text)).toMatchObject(expected);
    // With `#` as the field separator, \F\ (here /F/) stands for `#`.
    expect(parseAck(withSeparators(ack, '#*!/%'))).toMatchObject({ ...expected, text: 'Unknown # patient' });
  });

  it('names what is missing, on either path', () => {
    expect(() => parseAck(`${MSH}\rEVN|A01\r`)).toThrow('ACK has no MSA segment');
    expect(() => parseAck(`\uFEFF${MSH}\n`)).toThrow('ACK has no MSA segment');
    expect(() => parseAck(`${MSH}\rMSAX|AA|X\r`)).toThrow('ACK has no MSA segment');
    expect(() => parseAck('MSH|^^\\&|EHR\rMSA|AA|X\r')).toThrow(/no MSH segment/);
  });

  it('property: the first MSA decides, wherever it sits; random text never throws anything but a plain Error', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const result = outcome(text);
        const p = splitMessage(text);
        const msa = p?.segments.find((s) => s.name === 'MSA');
        if (p === undefined) expect(result).toEqual({ error: 'ACK has no MSH segment (or its MSH-1/MSH-2 separators are unusable)' });
        else if (msa === undefined) expect(result).toEqual({ error: 'ACK has no MSA segment' });
        else if ('code' in (result as object)) expect((result as { raw: string }).raw).toBe(text);
        else expect(result).toHaveProperty('error');
      }),
      { numRuns: 3000 },
    );
  });
});
