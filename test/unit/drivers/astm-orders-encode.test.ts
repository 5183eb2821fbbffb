// astm-lis2, what the gateway sends: E1394 records for a download or a host-query answer, escaped
// with the delimiters its H record declares, and E1381 frames byte-exact against the constructed
// example in docs/protocols.md#astm-download-example (checksums computed by hand).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage } from '../../../drivers/astm-lis2/decode.ts';
import { escapeText, noInformationMessage, orderMessage, orderRecord, patientRecord } from '../../../drivers/astm-lis2/encode.ts';
import { framesOf } from '../../../drivers/astm-lis2/framing.ts';
import { hostQueryOf } from '../../../drivers/astm-lis2/query.ts';
import { AstmRecord, DEFAULT_DELIMITERS, unescapeText } from '../../../drivers/astm-lis2/records.ts';
import { PACKAGE_ROOT } from '../../../src/package-root.ts';
import { DOWNLOAD_FRAMES, NO_INFORMATION_FRAMES, NOW, ORDER } from './astm-orders-example.ts';

const text = (frames: Uint8Array[]): string[] => frames.map((f) => Buffer.from(f).toString('latin1'));

let savedTz: string | undefined;
beforeAll(() => {
  savedTz = process.env.TZ;
  // ASTM times are local: the example is written for UTC.
  process.env.TZ = 'UTC';
});
afterAll(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

describe('records the gateway sends', () => {
  it('a download: H, P, O (N new), L|1|N, framed byte-exact as the protocols page shows', () => {
    expect(text(framesOf(orderMessage([ORDER], NOW), 240, 'latin1'))).toEqual(DOWNLOAD_FRAMES);
  });

  it('the protocols page prints those very frames', () => {
    const page = readFileSync(join(PACKAGE_ROOT, 'docs/protocols.md'), 'utf8');
    const shown = (frame: string): string =>
      frame.replace(/[\x02\x03\x0d\x0a]/g, (c) => ({ '\x02': '<STX>', '\x03': '<ETX>', '\r': '<CR>', '\n': '<LF>' })[c] ?? c);
    for (const f of [...DOWNLOAD_FRAMES, NO_INFORMATION_FRAMES[1] ?? '']) expect(page).toContain(shown(f));
  });

  it('"no information": H and L|1|I', () => {
    expect(text(framesOf(noInformationMessage(NOW), 240, 'latin1'))).toEqual(NO_INFORMATION_FRAMES);
  });

  it('action codes, stat priority, collection time; one P and O per order, each O numbered 1 under its P', () => {
    const records = orderMessage(
      [
        { ...ORDER, action: 'add', priority: 'stat', collectedAt: '2025-01-14T08:55:00Z' },
        { ...ORDER, action: 'cancel', specimenId: 'SPEC124', tests: [{ code: 'PH' }], patient: { mrn: 'PID0002' } },
      ],
      NOW,
    );
    expect(records.slice(1)).toEqual([
      'P|1|PID0001|||Doe^Jane||19800214|F',
      'O|1|SPEC123||^^^GLU\\^^^PH|S|20250114090000|20250114085500||||A||||urine||||||||||O',
      'P|2|PID0002',
      'O|1|SPEC124||^^^PH|R|20250114090000|||||C||||urine||||||||||O',
      'L|1|N',
    ]);
  });

  it('escapes the declared delimiters and blanks control characters, so the analyzer reads back the text sent', () => {
    expect(escapeText('a|b^c\\d&e\rf')).toBe('a&F&b&S&c&R&d&E&e f');
    const p = patientRecord(1, { mrn: 'M|1', family: "O'Brien^Jr", given: 'Ann&Co', sex: 'O' });
    expect(p).toBe("P|1|M&F&1|||O'Brien&S&Jr^Ann&E&Co|||U");
    const rec = new AstmRecord(p, DEFAULT_DELIMITERS);
    expect(rec.field(3)).toBe('M|1');
    expect(rec.components(6)).toEqual(["O'Brien^Jr", 'Ann&Co']);
    const o = orderRecord(1, { ...ORDER, specimenId: 'S\\1', tests: [{ code: 'A^B' }, { code: 'C' }] });
    const back = new AstmRecord(o, DEFAULT_DELIMITERS);
    expect(back.field(3)).toBe('S\\1');
    expect(back.repeats(5).map((_, i) => back.components(5, i)[3])).toEqual(['A^B', 'C']);
    expect(unescapeText('&S&', DEFAULT_DELIMITERS)).toBe('^');
  });

  it("what it sends decodes back to the same specimen, tests and patient with the driver's own decoder", () => {
    const records = orderMessage([ORDER], NOW);
    // As results would come back: the same P and O with one R.
    const out = decodeMessage([...records.slice(0, 3), 'R|1|^^^GLU|5|mg/dL||N||F', 'L|1|N']);
    expect(out.reports[0]?.subject).toEqual({ mrn: 'PID0001', family: 'Doe', given: 'Jane', dob: '1980-02-14', sex: 'F' });
    expect(out.reports[0]?.specimen).toEqual({ id: 'SPEC123', type: 'urine' });
    expect(out.reports[0]?.order?.tests?.map((t) => t.code)).toEqual(['GLU', 'PH']);
  });
});

describe('frames', () => {
  it('splits a record over the frame limit with ETB, numbers frames 1..7, 0, 1 and checks each checksum', () => {
    const frames = text(framesOf(['H|\\^&', 'ABCDEFGHIJ', 'K', 'L', 'M', 'N', 'L|1|N'], 4, 'latin1'));
    // `H|\^&<CR>` takes frames 1-2, `ABCDEFGHIJ<CR>` 3-5, K L M N one each (6, 7, 0, 1), `L|1|N<CR>` 2-3.
    expect(frames.map((f) => f.slice(1, 2)).join('')).toBe('12345670123');
    expect(frames[2]).toBe(`\x023ABCD\x17${sum('3ABCD\x17')}\r\n`);
    expect(frames[4]).toBe(`\x025IJ\r\x03${sum('5IJ\r\x03')}\r\n`);
    for (const f of frames) expect(f.slice(-4, -2)).toBe(sum(f.slice(1, -4)));
  });

  it('latin1: a character it cannot carry goes as "?"; utf8 sends the UTF-8 bytes', () => {
    expect(text(framesOf(['P|1|M|||Łukasz'], 240, 'latin1'))[0]).toContain('P|1|M|||?ukasz\r');
    const utf8 = framesOf(['P|1|M|||Łukasz'], 240, 'utf8')[0] ?? new Uint8Array();
    expect(Buffer.from(utf8).includes(Buffer.from('Łukasz', 'utf8'))).toBe(true);
  });
});

describe('Q record', () => {
  const q = (text: string, component = 2) => hostQueryOf(new AstmRecord(text, DEFAULT_DELIMITERS), component);

  it('takes the specimen id from component 2 of Q.3, else 1 when Q.3 has no components; repeats ask for several; duplicates once', () => {
    expect(q('Q|1|PAT1^SPEC123||ALL||||||||O')).toEqual({ specimenIds: ['SPEC123'], cancel: false, instrumentSpecimen: {} });
    expect(q('Q|1|SPEC123||ALL||||||||O')).toEqual({ specimenIds: ['SPEC123'], cancel: false, instrumentSpecimen: {} });
    expect(q('Q|1|^S1\\^S2\\^S1||ALL')).toEqual({ specimenIds: ['S1', 'S2'], cancel: false, instrumentSpecimen: {} });
  });

  it('a configured component (Roche cobas: 3), and Q.13 A cancels the last query', () => {
    // cobas e 411 host manual p. 51: sample 000004, sequence 40, disk 0, position 5, kept for the answer's O.4.
    const carrier = { '000004': ['40', '0', '5', '', 'S1', 'SC'] };
    expect(q('Q|1|^^000004^40^0^5^^S1^SC||ALL||||||||O', 3)).toEqual({ specimenIds: ['000004'], cancel: false, instrumentSpecimen: carrier });
    expect(q('Q|1|^^000004^40^0^5^^S1^SC||ALL||||||||A', 3)).toEqual({ specimenIds: ['000004'], cancel: true, instrumentSpecimen: carrier });
  });

  it('a Q record without a specimen id is a problem, not a query', () => {
    const out = decodeMessage(['H|\\^&', 'Q|1|||ALL||||||||O', 'L|1|N']);
    expect(out.queries).toEqual([]);
    expect(out.problems.map((p) => p.reason)).toEqual(['Q record 1: no specimen id in Q.3: not answered']);
  });

  it('a patient id alone (`PAT1^`) is never looked up as a specimen id', () => {
    expect(q('Q|1|PAT1^||ALL||||||||O')).toEqual({ specimenIds: [], cancel: false, instrumentSpecimen: {} });
    const out = decodeMessage(['H|\\^&', 'Q|1|PAT1^||ALL||||||||O', 'L|1|N']);
    expect(out.queries).toEqual([]);
    expect(out.problems.map((p) => p.reason)).toEqual(['Q record 1: no specimen id in Q.3: not answered']);
  });
});

function sum(body: string): string {
  let s = 0;
  for (const ch of body) s = (s + ch.charCodeAt(0)) & 0xff;
  return s.toString(16).toUpperCase().padStart(2, '0');
}
