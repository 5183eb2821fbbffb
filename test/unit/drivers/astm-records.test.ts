// astm-lis2, the E1394 / LIS2-A2 records: delimiters, escapes, repeats and components, and the
// grouping into one report per order on realistic chemistry, hematology and urinalysis messages.

import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../../../drivers/astm-lis2/decode.ts';
import { AstmRecord, DEFAULT_DELIMITERS, delimitersOf, unescapeText } from '../../../drivers/astm-lis2/records.ts';
import { astmDate, astmDateTime } from '../../../drivers/astm-lis2/timestamp.ts';
import { driver } from '../../../drivers/astm-lis2/index.ts';
import { framesOf } from '../../support/astm-wire.ts';
import { open } from './harness.ts';
import { linkMemory } from '../../support/resend-memory.ts';

const H = 'H|\\^&|||CHEM-300^4.1^SN1187|||||MEDGATE||P|LIS2-A2|20250114101500';

describe('astm-lis2 record text', () => {
  it('reads the delimiters the H record declares', () => {
    expect(delimitersOf('H|\\^&|||X')).toEqual(DEFAULT_DELIMITERS);
    expect(delimitersOf('H!@~$!!!X')).toEqual({ field: '!', repeat: '@', component: '~', escape: '$' });
    expect(delimitersOf('H|\\^')).toEqual({ field: '|', repeat: '\\', component: '^', escape: '' });
    expect(delimitersOf('H|')).toBeUndefined();
    expect(delimitersOf('H|||')).toBeUndefined(); // the same char twice
    expect(delimitersOf('P|1')).toBeUndefined();
  });

  it('resolves escape sequences with the declared escape char', () => {
    expect(unescapeText('a&F&b&S&c&R&d&E&e', DEFAULT_DELIMITERS)).toBe('a|b^c\\d&e');
    expect(unescapeText('&X41&&X4243&', DEFAULT_DELIMITERS)).toBe('ABC');
    expect(unescapeText('bold &H& text & more &', DEFAULT_DELIMITERS)).toBe('bold &H& text & more &');
    expect(unescapeText('a$F$b', { field: '!', repeat: '@', component: '~', escape: '$' })).toBe('a!b');
    expect(unescapeText('a&F&b', { ...DEFAULT_DELIMITERS, escape: '' })).toBe('a&F&b');
  });

  it('splits fields, repeats and components; field numbers as in the standard', () => {
    const r = new AstmRecord('R|1|^^^GLU^2|1&S&2|mg/dL|70-99\\40-400|H', DEFAULT_DELIMITERS);
    expect(r.type).toBe('R');
    expect(r.seq).toBe('1');
    expect(r.components(3)).toEqual(['', '', '', 'GLU', '2']);
    expect(r.field(4)).toBe('1^2');
    expect(r.repeats(6)).toEqual(['70-99', '40-400']);
    expect(r.raw(20)).toBe('');
  });

  it('converts ASTM date-times to ISO without an offset (device local time)', () => {
    expect(astmDateTime('20250114093010')).toBe('2025-01-14T09:30:10');
    expect(astmDateTime('202501140930')).toBe('2025-01-14T09:30:00');
    expect(astmDateTime('20250114093010+0100')).toBe('2025-01-14T09:30:10+01:00');
    expect(astmDateTime('20250114')).toBeUndefined();
    expect(astmDateTime('20250230093010')).toBeUndefined();
    expect(astmDateTime('20250114253010')).toBeUndefined();
    expect(astmDateTime('')).toBeUndefined();
    expect(astmDate('19800214')).toBe('1980-02-14');
    expect(astmDate('19800214120000')).toBe('1980-02-14');
    expect(astmDate('1980-02-14')).toBeUndefined();
  });
});

describe('astm-lis2 messages to reports', () => {
  it('chemistry: two patients, one order each, flags and critical values', () => {
    const out = decodeMessage([
      H,
      'P|1|PID0007||L55|Garcia^Maria^L||19671103|F',
      'O|1|SP1001|R12-3|^^^GLU\\^^^K\\^^^NA|R|20250114080000|20250114081500|||||||20250114083000|serum||||||||||F',
      'R|1|^^^GLU|262|mg/dL|70-99|HH||F||OPER1|20250114100000|20250114100500|CHEM-300',
      'R|2|^^^K|2.9|mmol/L|3.5-5.1|LL||F||OPER1|20250114100000|20250114100600|CHEM-300',
      'R|3|^^^NA|140|mmol/L|135-145|N||F||OPER1|20250114100000|20250114100400|CHEM-300',
      'P|2||L56|',
      'O|1|SP1002||^^^CREA|R',
      'R|1|^^^CREA|1.42|mg/dL|0.60-1.30|H||F||OPER2||20250114101000|',
      'L|1|N',
    ]);
    expect(out.problems).toEqual([]);
    expect(out.reports).toHaveLength(2);
    const [a, b] = out.reports;
    expect(a).toMatchObject({
      subject: { mrn: 'PID0007', family: 'Garcia', given: 'Maria', dob: '1967-11-03', sex: 'F' },
      specimen: { id: 'SP1001', collectedAt: '2025-01-14T08:15:00' },
      order: { placer: 'SP1001', filler: 'R12-3', code: { system: 'L', code: 'GLU' } },
      equipment: 'CHEM-300 SN1187',
      observedAt: '2025-01-14T10:06:00',
    });
    expect(a?.measurements.map((m) => [m.code?.local?.code, m.value, m.unit, m.referenceRange, m.flags, m.status])).toEqual([
      ['GLU', 262, 'mg/dL', '70-99', ['HH'], 'F'],
      ['K', 2.9, 'mmol/L', '3.5-5.1', ['LL'], 'F'],
      ['NA', 140, 'mmol/L', '135-145', ['N'], 'F'],
    ]);
    expect(a?.raw.split('\r')).toHaveLength(6); // H, its P, O and three R: never the other patient's records
    // Practice id empty: the lab-assigned id; no name, no birth date.
    expect(b?.subject).toEqual({ mrn: 'L56' });
    expect(b?.order).toEqual({ placer: 'SP1002', code: { system: 'L', code: 'CREA' } });
    expect(b?.measurements[0]).toMatchObject({ value: 1.42, valueText: '1.42', flags: ['H'], observedAt: '2025-01-14T10:10:00' });
    expect(b?.raw).not.toContain('Garcia');
  });

  it('hematology: several results, units like 10*3/uL, a result comment and an order comment', () => {
    const out = decodeMessage([
      'H|\\^&|||HEMA-5D^2.0.3^SN0571|||||MEDGATE||P|LIS2-A2|20250114111500',
      'P|1|PID0002|||Nguyen^Minh||19900101|M',
      'O|1|SP2001||^^^WBC\\^^^RBC\\^^^HGB\\^^^HCT\\^^^PLT|R||20250114103000||||||||whole blood||||||||||F',
      'C|1|I|Sample clotted&E& re-run|G',
      'R|1|^White blood cells^^WBC|12.4|10*3/uL|4.0-11.0|H||F||OP|20250114110000|20250114110100|HEMA-5D',
      'R|2|^^^RBC|4.61|10*6/uL|4.20-5.90|N||F||OP|20250114110000|20250114110100|HEMA-5D',
      'R|3|^^^HGB|11.2|g/dL|12.0-17.5|L||F||OP|20250114110000|20250114110100|HEMA-5D',
      'C|2|I|Verified by repeat analysis^smear reviewed|G',
      'R|4|^^^HCT|36.9|%|36.0-52.0|N||F||OP|20250114110000|20250114110100|HEMA-5D',
      'R|5|^^^PLT|98|10*3/uL|150-400|L\\A||F||OP|20250114110000|20250114110200|HEMA-5D',
      'L|1|N',
    ]);
    expect(out.problems).toEqual([]);
    const [r] = out.reports;
    expect(r?.comments).toEqual(['Sample clotted& re-run']);
    expect(r?.measurements).toHaveLength(5);
    expect(r?.measurements[0]?.code).toEqual({ local: { system: 'L', code: 'WBC', display: 'White blood cells' } });
    expect(r?.measurements[0]?.unit).toBe('10*3/uL');
    expect(r?.measurements[2]?.comments).toEqual(['Verified by repeat analysis smear reviewed']);
    expect(r?.measurements[4]?.flags).toEqual(['L', 'A']);
    expect(r?.observedAt).toBe('2025-01-14T11:02:00');
    // O.16 names the specimen, and every test O.5 lists is kept (each gets its own OBR).
    expect(r?.specimen).toEqual({ id: 'SP2001', collectedAt: '2025-01-14T10:30:00', type: 'whole blood' });
    expect(r?.order?.tests?.map((t) => t.code)).toEqual(['WBC', 'RBC', 'HGB', 'HCT', 'PLT']);
    expect(r?.measurements.map((m) => m.instrument)).toEqual(['HEMA-5D', 'HEMA-5D', 'HEMA-5D', 'HEMA-5D', 'HEMA-5D']);
  });

  it('urinalysis: text values stay text, numbers become numbers', () => {
    const out = decodeMessage([
      'H|\\^&|||UA-200^2.10^SN0042|||||MEDGATE||P|LIS2-A2|20250114093015',
      'P|1|PID0001|||Doe^Jane||19800214|F',
      'O|1|SPEC9|||R',
      'R|1|^^^GLU|NEG||NEG|N||F',
      'R|2|^^^PRO|1+||NEG|A||F',
      'R|3|^^^PH|6.5||5.0-8.0|N||F',
      'R|4|^^^SG|1.020||1.005-1.030|N||F',
      'R|5|^^^BIL|<0.5|mg/dL||<||F',
      'R|6|^^^KET| 5 |mg/dL||||F',
      'L|1|N',
    ]);
    expect(out.problems).toEqual([]);
    const ms = out.reports[0]?.measurements ?? [];
    expect(ms.map((m) => m.value)).toEqual(['NEG', '1+', 6.5, 1.02, '<0.5', 5]);
    expect(ms.map((m) => m.valueText)).toEqual(['NEG', '1+', '6.5', '1.020', '<0.5', ' 5 ']);
    expect(ms[1]?.flags).toEqual(['A']);
    expect(ms[4]?.flags).toEqual(['<']);
    expect(ms[0]?.unit).toBeUndefined();
    // The O record names no test: no order code; the specimen id is still the placer's.
    expect(out.reports[0]?.order).toEqual({ placer: 'SPEC9' });
    expect(out.reports[0]?.subject).toEqual({ mrn: 'PID0001', family: 'Doe', given: 'Jane', dob: '1980-02-14', sex: 'F' });
  });

  it('result status: F and V final, C correction, everything else preliminary; X and I are no result', () => {
    const out = decodeMessage([
      H,
      'P|1|PID1',
      'O|1|S1',
      'R|1|^^^A|1|||||F',
      'R|2|^^^B|2|||||V',
      'R|3|^^^C|3|||||C',
      'R|4|^^^D|4|||||P',
      'R|5|^^^E|5|||||R',
      'R|6|^^^F|6||||',
      'R|7|^^^G||||||X',
      'R|8|^^^H||||||I',
      'L|1|N',
    ]);
    expect(out.reports[0]?.measurements.map((m) => [m.code?.local?.code, m.status])).toEqual([
      ['A', 'F'],
      ['B', 'F'],
      ['C', 'C'],
      ['D', 'P'],
      ['E', 'P'],
      ['F', 'P'],
    ]);
    expect(out.reports[0]?.comments).toEqual(['G: test could not be done']);
  });

  it('unknown flags are ignored with a debug note; Q records are host queries; M and S records are ignored; L codes other than N noted', () => {
    const out = decodeMessage([H, 'Q|1|^SP77||^^^ALL||||||||O', 'M|1|VENDOR|x', 'P|1|PID1', 'O|1|S1', 'R|1|^^^A|1|||ZZ\\H', 'S|1|x', 'L|1|T']);
    expect(out.reports[0]?.measurements[0]?.flags).toEqual(['H']);
    expect(out.notes).toEqual(
      expect.arrayContaining([
        { level: 'debug', msg: 'Q record 1: host query for 1 specimen(s)' },
        { level: 'debug', msg: 'M record 1 ignored' },
        { level: 'debug', msg: 'R record 1 (A): abnormal flag "ZZ" not mapped: ignored' },
        { level: 'info', msg: 'L record termination code "T" (not N, normal)' },
      ]),
    );
    expect(out.queries).toEqual([{ specimenIds: ['SP77'], cancel: false, instrumentSpecimen: {} }]);
    expect(out.problems).toEqual([]);
  });

  it('names what it cannot use, without patient data', () => {
    const out = decodeMessage([
      H,
      'P|1|PID1|||Doe^Jane||1980-02-14|X',
      'O|1|S1||^^^A||20250114|2025011',
      'R|1||5',
      'R|2|^^^B|',
      'R|3|^^^C|7||||||||yesterday',
      'Z|1',
      'L|1|N',
    ]);
    expect(out.problems.map((p) => p.reason)).toEqual([
      'P record 1: birth date is not YYYYMMDD: ignored',
      'O record 1: collection time is not YYYYMMDDHHMM[SS]: ignored',
      'R record 1: no test code in R.3: result skipped',
      'R record 2 (B): empty value: result skipped',
      'R record 3 (C): test time is not YYYYMMDDHHMM[SS]: ignored',
      'unknown record type ignored',
    ]);
    // What the sender wrote is quoted in the detail only (debug log, review).
    expect(out.problems.map((p) => p.detail).filter((d) => d !== undefined)).toEqual([
      'O record 1: collection time "2025011" is not YYYYMMDDHHMM[SS]: ignored',
      'unknown record type "Z" ignored',
    ]);
    expect(JSON.stringify(out.problems)).not.toMatch(/Doe|Jane|1980/);
    expect(out.reports[0]?.measurements.map((m) => m.value)).toEqual([7]);
    expect(out.reports[0]?.subject).toEqual({ mrn: 'PID1', family: 'Doe', given: 'Jane' });
  });

  it('honours other declared delimiters and escapes', () => {
    const out = decodeMessage([
      'H!@~$!!!ANALYZER~1~SN9',
      'P!1!PID$F$9',
      'O!1!S$S$1!!~~~GLU',
      'R!1!~~~GLU!5!mmol$R$L!3.9-5.5@2.0-25!N',
      'C!1!I!a$F$b~c!G',
      'L!1!N',
    ]);
    expect(out.problems).toEqual([]);
    const r = out.reports[0];
    expect(r?.subject?.mrn).toBe('PID!9');
    expect(r?.specimen?.id).toBe('S~1');
    expect(r?.equipment).toBe('ANALYZER SN9');
    expect(r?.measurements[0]).toMatchObject({ value: 5, unit: 'mmol@L', referenceRange: '3.9-5.5', comments: ['a!b c'] });
  });

  it('an R record before any O is still reported; comments after H and P reach every report', () => {
    const out = decodeMessage([H, 'C|1|L|Batch 12|G', 'P|1|PID1', 'C|1|P|Fasting|G', 'R|1|^^^GLU|90|mg/dL', 'O|2|S2', 'R|1|^^^K|4.0|mmol/L', 'L|1|N']);
    expect(out.reports).toHaveLength(2);
    expect(out.reports[0]?.comments).toEqual(['Batch 12', 'Fasting']);
    expect(out.reports[0]?.specimen).toBeUndefined();
    expect(out.reports[1]?.comments).toEqual(['Batch 12', 'Fasting']);
    expect(out.reports[1]?.specimen).toEqual({ id: 'S2' });
    expect(out.notes).toContainEqual({ level: 'info', msg: 'R record 1 before any O record: reported without an order' });
  });

  it('an order without results, or a message without H, is handled', () => {
    expect(decodeMessage([H, 'P|1|PID1', 'O|1|S1', 'L|1|N']).reports).toEqual([]);
    const noHeader = decodeMessage(['P|1|PID1', 'O|1|S1', 'R|1|^^^A|1', 'L|1|N']);
    expect(noHeader.problems.map((p) => [p.reason, p.detail])).toEqual([
      ['message does not start with an H record: default delimiters assumed', 'message starts with a P record instead of H: default delimiters assumed'],
    ]);
    expect(noHeader.reports).toHaveLength(1);
    expect(noHeader.reports[0]?.observedAt).toBeUndefined();
  });

  it('report time falls back to H.14 when no result carries a time', () => {
    expect(decodeMessage([H, 'P|1|PID1', 'O|1|S1', 'R|1|^^^A|1', 'L|1|N']).reports[0]?.observedAt).toBe('2025-01-14T10:15:00');
  });

  it('two messages (H..L twice) in one transmission, and utf8 text when set', async () => {
    const records = [
      'H|\\^&|||UA-200^2.10^SN0042',
      'P|1|PID0005|||MÃ¼ller^Jörg', // "Müller" as UTF-8 bytes read as latin1, then "Jörg" in latin1
      'O|1|S5',
      'R|1|^^^PH|6.0',
      'L|1|N',
      'H|\\^&|||UA-200^2.10^SN0042',
      'P|1|PID0006',
      'O|1|S6',
      'R|1|^^^PH|7.0',
      'L|1|N',
    ];
    const latin = open(driver);
    latin.feed('\x05' + framesOf(records).join('') + '\x04');
    await new Promise((resolve) => setImmediate(resolve));
    expect(latin.reports.map((r) => r.specimen?.id)).toEqual(['S5', 'S6']);
    expect(latin.reports[0]?.subject?.family).toBe('MÃ¼ller');
    const utf8 = open(driver, { textEncoding: 'utf8' });
    utf8.feed('\x05' + framesOf(records.slice(0, 5)).join('') + '\x04');
    await new Promise((resolve) => setImmediate(resolve));
    expect(utf8.reports[0]?.subject?.family).toBe('Müller');
  });
});

describe('astm-lis2 duplicate keys (a transmission sent again)', () => {
  const order = ['P|1|PID1', 'O|1|S1||^^^GLU', 'R|1|^^^GLU|98|mg/dL||N||F||OP|20250114100000|20250114100500', 'L|1|N'];
  const keyOf = (records: string[]): string | undefined => decodeMessage(records).reports[0]?.resendKey;

  it('a specimen with result times is identifiable; the message time (H.14) may change on a resend', () => {
    const key = keyOf([H, ...order]);
    expect(key).toBeDefined();
    expect(JSON.parse(key!)).toEqual(['CHEM-300^4.1^SN1187', '', expect.any(String)]);
    expect(keyOf([H.replace('20250114101500', '20250114102000'), ...order])).toBe(key);
  });

  it('another value, result time, specimen or sender is another key', () => {
    const key = keyOf([H, ...order]);
    expect(keyOf([H, order[0]!, order[1]!, order[2]!.replace('|98|', '|99|'), 'L|1|N'])).not.toBe(key);
    expect(keyOf([H, order[0]!, order[1]!, order[2]!.replace('20250114100500', '20250114110500'), 'L|1|N'])).not.toBe(key);
    expect(keyOf([H, order[0]!, 'O|1|S2||^^^GLU', order[2]!, 'L|1|N'])).not.toBe(key);
    expect(keyOf([H.replace('SN1187', 'SN2000'), ...order])).not.toBe(key);
  });

  it('without H.3 and without result times a report has no key: two identical runs stay two readings', () => {
    expect(keyOf([H, 'P|1|PID1', 'O|1|S1||^^^GLU', 'R|1|^^^GLU|98|mg/dL||N||F', 'L|1|N'])).toBeUndefined();
    expect(keyOf([H, 'P|1|PID1', 'R|1|^^^GLU|98|mg/dL||N||F||OP|20250114100000|20250114100500', 'L|1|N'])).toBeUndefined();
  });

  it('the message control ID (H.3) identifies a message even without specimen or times', () => {
    const withId = (id: string) => keyOf([`H|\\^&|${id}||CHEM-300^4.1^SN1187|||||MEDGATE||P|LIS2-A2|20250114101500`, 'P|1|PID1', 'R|1|^^^GLU|98', 'L|1|N']);
    expect(JSON.parse(withId('MSG-77')!)).toEqual(['CHEM-300^4.1^SN1187', 'MSG-77', expect.any(String)]);
    expect(withId('MSG-78')).not.toBe(withId('MSG-77'));
  });

  it('a transmission sent again after a restart (a new session, the same durable memory) is acknowledged and not reported', async () => {
    const memory = linkMemory();
    const transmission = '\x05' + framesOf([H, ...order]).join('') + '\x04';
    const before = open(driver, {}, memory);
    before.feed(transmission);
    await new Promise((resolve) => setImmediate(resolve));
    expect(before.reports).toHaveLength(1);
    before.session.close();
    const after = open(driver, {}, memory);
    after.feed(transmission);
    await new Promise((resolve) => setImmediate(resolve));
    expect(after.reports).toEqual([]);
    expect(after.writes.join('')).toBe('\x06'.repeat(1 + order.length + 1)); // ENQ and every frame ACKed
    expect(after.logs.filter((l) => l.level === 'info' && /received again/.test(l.msg))).toHaveLength(1);
  });
});
