import fc from 'fast-check';
import { Message } from 'node-hl7-client';
import { describe, expect, it } from 'vitest';
import { buildAck, parseAck } from '../../../src/hl7/ack.ts';
import { escapeHl7, unescapeHl7 } from '../../../src/hl7/escape.ts';

// docs/protocols.md#mllp-framing
const ACK_31 = 'MSH|^~\\&|EHR|HOSP|MEDGATE|CLINIC|20250114093017||ACK^R01^ACK|A77|P|2.6\rMSA|AA|MG000123\r';

const ORU =
  'MSH|^~\\&|MEDGATE^080019FFFE3ED02D^EUI-64|CLINIC|EHR|HOSP|20250114093016||ORU^R01^ORU_R01|MG000123|P|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO\r' +
  'PID|||HO2009001^^^NIST^PI||Hon^Albert^^^^^L\r' +
  'OBX|1|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.1.1|120|mm[Hg]^mm[Hg]^UCUM|||||R\r';

describe('parseAck', () => {
  it('reads the ACK of docs/protocols.md#mllp-framing', () => {
    expect(parseAck(ACK_31)).toEqual({ code: 'AA', controlId: 'MG000123', raw: ACK_31 });
  });

  it('reads MSA-3 text and the v2.5 ERR-3 code', () => {
    const text =
      'MSH|^~\\&|EHR|HOSP|MEDGATE|CLINIC|20250114093017||ACK^R01^ACK|A78|P|2.5\r' +
      'MSA|AE|MG000124|Unknown patient \\F\\ MRN\r' +
      'ERR|||204^Unknown key identifier^HL70357|E||||Patient not found\r';
    expect(parseAck(text)).toMatchObject({ code: 'AE', controlId: 'MG000124', text: 'Unknown patient | MRN', errorCode: '204' });
  });

  it('takes ERR-8 when MSA-3 is empty, and ERR-3 text when ERR-8 is too', () => {
    const base = 'MSH|^~\\&|EHR|HOSP|MEDGATE|CLINIC|20250114093017||ACK^R01^ACK|A78|P|2.5\rMSA|AR|X1\r';
    expect(parseAck(base + 'ERR|||207^Application internal error^HL70357|E||||Database down\r')).toMatchObject({
      code: 'AR',
      text: 'Database down',
      errorCode: '207',
    });
    expect(parseAck(base + 'ERR|||206^Application record locked^HL70357|E\r')).toMatchObject({ text: 'Application record locked', errorCode: '206' });
  });

  it('reads v2.3 MSA-6 and ERR-1 (ELD)', () => {
    const msa6 = 'MSH|^~\\&|EHR|HOSP|MEDGATE|CLINIC|20250114093017||ACK|A1|P|2.3\rMSA|AE|MG9||||101^Required field missing\r';
    expect(parseAck(msa6)).toMatchObject({ code: 'AE', controlId: 'MG9', errorCode: '101', text: 'Required field missing' });
    const eld = 'MSH|^~\\&|EHR|HOSP|MEDGATE|CLINIC|20250114093017||ACK|A1|P|2.4\rMSA|AE|MG9\rERR|PID^1^3^101&Required field missing&HL70357\r';
    expect(parseAck(eld)).toMatchObject({ errorCode: '101', text: 'Required field missing' });
  });

  it('uses the separators declared in MSH-1/MSH-2, and tolerates LF segment ends', () => {
    const odd = 'MSH#*!/%#EHR#HOSP#MEDGATE#CLINIC#20250114093017##ACK*R01*ACK#A1#P#2.6\nMSA#CA#MG10#a /F/ b\n';
    expect(parseAck(odd)).toMatchObject({ code: 'CA', controlId: 'MG10', text: 'a # b' });
  });

  it('names what is missing', () => {
    expect(() => parseAck('')).toThrow(/no MSH/);
    expect(() => parseAck('hello\rworld')).toThrow(/no MSH/);
    expect(() => parseAck('MSH|^~\\&|EHR\r')).toThrow(/no MSA/);
    expect(() => parseAck('MSH|^~\\&|EHR\rMSA|OK|X\r')).toThrow(/MSA-1 is "OK"/);
    expect(() => parseAck('MSH|^~\\&|EHR\rMSA||X\r')).toThrow(/MSA-1 is empty/);
    expect(() => parseAck('MSH|^~\\&|EHR\rMSA|AA|\r')).toThrow(/MSA-2/);
    expect(() => parseAck('MSH|^~\\&|EHR\rMSA|AA\r')).toThrow(/MSA-2/);
  });

  it('property: random text never throws anything but a plain Error', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.boolean(), (s, prefix) => {
        const text = prefix ? `MSH|^~\\&|${s}\rMSA|${s}` : s;
        try {
          parseAck(text);
        } catch (err) {
          expect(err).toBeInstanceOf(Error);
        }
      }),
    );
  });
});

describe('escapeHl7 / unescapeHl7', () => {
  it('escapes separators and control characters, and round-trips', () => {
    const raw = 'a|b^c&d~e\\f\rg\x0bh\x1c';
    const escaped = escapeHl7(raw);
    expect(escaped).toBe('a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f\\X0D\\g\\X0B\\h\\X1C\\');
    expect(unescapeHl7(escaped)).toBe(raw);
  });
});

describe('buildAck', () => {
  const now = new Date(Date.UTC(2025, 0, 14, 9, 30, 17));

  it('answers a PCD-01 ORU, and node-hl7-client reads it back', () => {
    const ack = buildAck(ORU, 'AA', { controlId: 'ACK1', now });
    expect(ack).toBe('MSH|^~\\&|EHR|HOSP|MEDGATE^080019FFFE3ED02D^EUI-64|CLINIC|20250114093017+0000||ACK^R01^ACK|ACK1|P|2.6\rMSA|AA|MG000123\r');
    const m = new Message({ text: ack });
    expect(m.get('MSH.9.1').toString()).toBe('ACK');
    expect(m.get('MSH.9.2').toString()).toBe('R01');
    expect(m.get('MSH.10').toString()).toBe('ACK1');
    expect(m.get('MSH.5.1').toString()).toBe('MEDGATE');
    expect(m.get('MSA.1').toString()).toBe('AA');
    expect(m.get('MSA.2').toString()).toBe('MG000123');
    expect(parseAck(ack)).toEqual({ code: 'AA', controlId: 'MG000123', raw: ack });
  });

  it('adds an escaped reason and a v2.5+ ERR segment for an error', () => {
    const ack = buildAck(ORU, 'AE', { text: 'bad | field ^ here\rnext', errorCode: '207', sendingApp: 'MEDGATE^GW', sendingFacility: 'CLINIC' });
    const m = new Message({ text: ack });
    expect(m.get('MSH.3.1').toString()).toBe('MEDGATE');
    expect(m.get('MSH.3.2').toString()).toBe('GW');
    expect(m.get('MSA.1').toString()).toBe('AE');
    expect(m.get('MSA.3').toString()).toBe('bad | field ^ here\rnext');
    expect(m.get('ERR.3.1').toString()).toBe('207');
    expect(m.get('ERR.4').toString()).toBe('E');
    expect(parseAck(ack)).toMatchObject({ code: 'AE', controlId: 'MG000123', text: 'bad | field ^ here\rnext', errorCode: '207' });
    expect(ack.split('\r').filter((s) => s !== '')).toHaveLength(3); // the CR in the reason did not split a segment
  });

  it('writes ERR-1 for versions before 2.5', () => {
    const v23 = 'MSH|^~\\&|LAB|L|GW|C|20250101||ORU^R01|X9|P|2.3\rPID|||1\r';
    const ack = buildAck(v23, 'AR', { text: 'nope', errorCode: '200' });
    expect(ack).toContain('\rERR|^^^200&nope&HL70357\r');
    expect(new Message({ text: ack }).get('ERR.1.4.1').toString()).toBe('200');
    expect(parseAck(ack)).toMatchObject({ code: 'AR', controlId: 'X9', errorCode: '200', text: 'nope' });
  });

  it('keeps the sender separators', () => {
    const odd = 'MSH#*!/%#LAB#L#GW#C#20250101##ORU*R01#X9#P#2.6\r';
    const ack = buildAck(odd, 'AE', { text: 'a#b', controlId: 'Z' });
    expect(ack.startsWith('MSH#*!/%#GW#C#LAB#L#')).toBe(true);
    expect(ack).toContain('\rMSA#AE#X9#a/F/b\r');
    expect(parseAck(ack)).toMatchObject({ controlId: 'X9', text: 'a#b' });
  });

  it('answers garbage with a reject and an empty MSA-2 instead of throwing', () => {
    for (const garbage of ['', 'hello', '\x00\x01\x02', 'MSH', 'MSH|AB|x', 'MSHA^~\\&A']) {
      const ack = buildAck(garbage, 'AA');
      const parsed = new Message({ text: ack });
      expect(parsed.get('MSA.1').toString()).toBe('AR');
      expect(parsed.get('MSA.2').toString()).toBe('');
      expect(parsed.get('MSA.3').toString()).toMatch(/no usable MSH/);
    }
    expect(buildAck('junk', 'CA')).toContain('\rMSA|CR||');
    expect(buildAck('junk', 'AE', { text: 'x' })).toContain('\rMSA|AE||x\r');
  });

  it('generates a fresh control id of at most 20 characters', () => {
    const a = new Message({ text: buildAck(ORU, 'AA') }).get('MSH.10').toString();
    const b = new Message({ text: buildAck(ORU, 'AA') }).get('MSH.10').toString();
    expect(a).not.toBe(b);
    expect(a.length).toBeGreaterThan(5);
    expect(a.length).toBeLessThanOrEqual(20);
  });

  it('property: never throws, always yields a readable ACK', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 300 }),
        fc.constantFrom('AA', 'AE', 'AR', 'CA', 'CE', 'CR' as const),
        fc.string({ maxLength: 40 }),
        (msg, code, text) => {
          for (const message of [msg, `MSH|^~\\&|${msg}`, `MSH|^~\\&|A|B|C|D|2025||ORU^R01|${msg}|P|2.6\r`]) {
            const ack = buildAck(message, code, { text, errorCode: '207' });
            expect(
              ack
                .split('\r')
                .filter((s) => s !== '')
                .map((s) => s.slice(0, 3)),
            ).toEqual(['MSH', 'MSA', 'ERR']);
            const parsed = new Message({ text: ack });
            expect(['AA', 'AE', 'AR', 'CA', 'CE', 'CR']).toContain(parsed.get('MSA.1').toString());
            // v2.5+ puts the code in ERR-3, older versions in ERR-1.4 (what MSH-12 says depends on the input).
            expect(parsed.get('ERR.3.1').toString() === '207' || parsed.get('ERR.1.4.1').toString() === '207').toBe(true);
          }
        },
      ),
    );
  });
});
