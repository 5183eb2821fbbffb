// astm-lis2, the E1381 link: checksums, framing, chunk invariance, every fault path, and the
// rule that the frame ending a message is acknowledged only once its reports are durable.

import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import astmDefault, { driver } from '../../../drivers/astm-lis2/index.ts';
import { checksum, checksumOfText } from '../../../drivers/astm-lis2/e1381.ts';
import type { DeviceReport } from '../../../src/model/driver.ts';
import { frame, framesOf } from '../../support/astm-wire.ts';
import { bytes, chunksAt, oneByteAtATime, open, type Harness } from './harness.ts';

const ENQ = '\x05';
const ACK = '\x06';
const NAK = '\x15';
const EOT = '\x04';

// docs/protocols.md#astm-example-transmission, frames exactly as printed there (checksums computed by hand and self-checked).
const FRAMES_4_3 = [
  '\x021H|\\^&|||UA-200^2.10^SN0042|||||MEDGATE||P|LIS2-A2|20250114093015\r\x03B0\r\n',
  '\x022P|1||PID0001||Doe^Jane||19800214|F\r\x0314\r\n',
  '\x023O|1|SPEC123||^^^GLU\\^^^PH|R|20250114090000|20250114090500|||||||20250114091000|urine||||||||||F\r\x0399\r\n',
  '\x024R|1|^^^GLU|100|mg/dL|0-15|H||F||OPER1|20250114093000|20250114093010|UA-200\r\x03DD\r\n',
  '\x025R|2|^^^PH|6.5||5.0-8.0|N||F||OPER1|20250114093000|20250114093010|UA-200\r\x037D\r\n',
  '\x026C|1|I|Sample hemolyzed|G\r\x038D\r\n',
  '\x027L|1|N\r\x030A\r\n',
];
const TRANSMISSION_4_3 = ENQ + FRAMES_4_3.join('') + EOT;

const RAW_4_3 = [
  'H|\\^&|||UA-200^2.10^SN0042|||||MEDGATE||P|LIS2-A2|20250114093015',
  'P|1||PID0001||Doe^Jane||19800214|F',
  'O|1|SPEC123||^^^GLU\\^^^PH|R|20250114090000|20250114090500|||||||20250114091000|urine||||||||||F',
  'R|1|^^^GLU|100|mg/dL|0-15|H||F||OPER1|20250114093000|20250114093010|UA-200',
  'R|2|^^^PH|6.5||5.0-8.0|N||F||OPER1|20250114093000|20250114093010|UA-200',
  'C|1|I|Sample hemolyzed|G',
];

const REPORT_4_3: DeviceReport = {
  subject: { mrn: 'PID0001', family: 'Doe', given: 'Jane', dob: '1980-02-14', sex: 'F' },
  specimen: { id: 'SPEC123', collectedAt: '2025-01-14T09:05:00', type: 'urine' },
  order: {
    placer: 'SPEC123',
    code: { system: 'L', code: 'GLU' },
    tests: [
      { system: 'L', code: 'GLU' },
      { system: 'L', code: 'PH' },
    ],
  },
  equipment: 'UA-200 SN0042',
  observedAt: '2025-01-14T09:30:10',
  measurements: [
    {
      code: { local: { system: 'L', code: 'GLU' } },
      value: 100,
      valueText: '100',
      unit: 'mg/dL',
      referenceRange: '0-15',
      flags: ['H'],
      status: 'F',
      observedAt: '2025-01-14T09:30:10',
      instrument: 'UA-200',
    },
    {
      code: { local: { system: 'L', code: 'PH' } },
      value: 6.5,
      valueText: '6.5',
      referenceRange: '5.0-8.0',
      flags: ['N'],
      status: 'F',
      observedAt: '2025-01-14T09:30:10',
      instrument: 'UA-200',
      comments: ['Sample hemolyzed'],
    },
  ],
  raw: RAW_4_3.join('\r'),
  // No H.3, but a specimen and result times: the sender (H.5), an empty H.3 and the digest of P..C.
  resendKey: JSON.stringify(['UA-200^2.10^SN0042', '', createHash('sha256').update(RAW_4_3.slice(1).join('\r')).digest('base64')]),
};

const RECORDS_4_3 = REPORT_4_3.raw.split('\r').concat('L|1|N');

/** Lets pending promises (the report listeners, the deferred ACK) settle. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const replies = (h: Harness): string => h.writes.join('');

async function run(chunks: Uint8Array[], settings: Record<string, unknown> = {}) {
  const h = open(driver, settings);
  for (const c of chunks) h.session.receive(c);
  await settle();
  h.session.close();
  return { reports: h.reports, errors: h.errors, writes: replies(h) };
}

describe('astm-lis2 checksum (docs/protocols.md#astm-e1381-low-level)', () => {
  it('matches the python-astm example and every 4.3 frame', () => {
    expect(checksumOfText('1A|B|C|D\r\x03')).toBe('BF');
    for (const f of FRAMES_4_3) {
      const body = f.slice(1, f.length - 4);
      expect(checksumOfText(body)).toBe(f.slice(f.length - 4, f.length - 2));
    }
    expect(checksumOfText('3O|1|SPEC123||^^^GLU\\^^^PH|R|202501140900\x17')).toBe('2D');
    expect(checksumOfText('400|20250114090500|||||||20250114091000|urine||||||||||F\r\x03')).toBe('B7');
    expect(checksum([0xff, 0x02])).toBe('01');
    expect(checksum([])).toBe('00');
  });
});

describe('astm-lis2 driver', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is exported as default and named, 9600 8N1, lab, serial and tcp; settings default cleanly', () => {
    expect(astmDefault).toBe(driver);
    expect(driver).toMatchObject({ id: 'astm-lis2', kind: 'lab', transports: ['serial', 'tcp'] });
    expect(driver.serialDefaults).toEqual({ baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 });
    expect(driver.validateSettings({})).toEqual([]);
    expect(driver.validateSettings({ receiveTimeoutMs: 15_000, maxFrameText: 1000, textEncoding: 'utf8' })).toEqual([]);
    expect(driver.validateSettings({ receiveTimeoutMs: 5 }).join()).toMatch(/receiveTimeoutMs/);
    expect(driver.validateSettings({ nope: 1 })).not.toEqual([]);
  });

  it('receives the transmission of docs/protocols.md#astm-example-transmission: an ACK per ENQ and frame, one report', async () => {
    const out = await run([bytes(TRANSMISSION_4_3)]);
    expect(out.writes).toBe(ACK.repeat(8));
    expect(out.errors).toEqual([]);
    expect(out.reports).toEqual([REPORT_4_3]);
  });

  it('gives the same reports, errors and replies for any chunking', async () => {
    // Noise, a corrupted frame and its retransmission, a repeated frame: the state machine is busy.
    const bad = FRAMES_4_3[3]!.replace('DD\r\n', 'DE\r\n');
    const input = bytes(`\x00junk${ENQ}${FRAMES_4_3.slice(0, 3).join('')}${bad}${FRAMES_4_3[3]}${FRAMES_4_3[3]}${FRAMES_4_3.slice(4).join('')}${EOT}`);
    const whole = await run([input]);
    expect(whole.reports).toEqual([REPORT_4_3]);
    expect(whole.writes).toBe(ACK.repeat(4) + NAK + ACK.repeat(5));
    expect(whole.errors.map((e) => e.reason)).toEqual(['5 byte(s) outside a frame ignored', 'checksum mismatch: NAK']);
    expect(await run(oneByteAtATime(input))).toEqual(whole);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: input.length }), { maxLength: 30 }), async (cuts) => {
        expect(await run(chunksAt(input, cuts))).toEqual(whole);
      }),
      { numRuns: 60 },
    );
  });

  it('joins a record continued with ETB (the 4.3 split example)', async () => {
    const split = ['\x023O|1|SPEC123||^^^GLU\\^^^PH|R|202501140900\x172D\r\n', '\x024' + '00|20250114090500|||||||20250114091000|urine||||||||||F\r\x03B7\r\n'];
    const renumbered = [
      FRAMES_4_3[0]!,
      FRAMES_4_3[1]!,
      ...split,
      frame(5, RECORDS_4_3[3] + '\r'),
      frame(6, RECORDS_4_3[4] + '\r'),
      frame(7, RECORDS_4_3[5] + '\r'),
      frame(0, 'L|1|N\r'),
    ];
    const out = await run([bytes(ENQ + renumbered.join('') + EOT)]);
    expect(out.errors).toEqual([]);
    expect(out.writes).toBe(ACK.repeat(9));
    expect(out.reports).toEqual([REPORT_4_3]);
  });

  it('accepts a lowercase checksum', async () => {
    const lower = FRAMES_4_3.map((f) => f.replace(/([0-9A-F]{2})\r\n$/, (cs) => cs.toLowerCase()));
    const out = await run([bytes(ENQ + lower.join('') + EOT)]);
    expect(out.errors).toEqual([]);
    expect(out.reports).toHaveLength(1);
  });

  it('bad checksum: NAK, then the retransmission is taken once', async () => {
    const bad = FRAMES_4_3[4]!.replace('7D\r\n', '7E\r\n');
    const h = open(driver);
    h.feed(ENQ + FRAMES_4_3.slice(0, 4).join('') + bad);
    expect(replies(h)).toBe(ACK.repeat(5) + NAK);
    expect(h.errors.map((e) => e.reason)).toEqual(['checksum mismatch: NAK']);
    expect(h.errors[0]?.detail).toBe('checksum mismatch: frame carries "7E", computed "7D": NAK');
    // The frame's structure is shown, its text (results) is not.
    expect(h.errors[0]?.bytes).toBe('\x025[72 text chars]\x037E');
    h.feed(FRAMES_4_3.slice(4).join('') + EOT);
    await settle();
    expect(replies(h)).toBe(ACK.repeat(5) + NAK + ACK.repeat(3));
    expect(h.reports).toEqual([REPORT_4_3]);
  });

  it('lost ACK: a repeated frame is acknowledged but not appended again', async () => {
    const h = open(driver);
    h.feed(ENQ + FRAMES_4_3.slice(0, 5).join('') + FRAMES_4_3[4] + FRAMES_4_3.slice(5).join(''));
    await settle();
    // ... and the final frame repeated after its ACK (that ACK lost too) is not delivered twice.
    h.feed(FRAMES_4_3[6]! + EOT);
    await settle();
    expect(replies(h)).toBe(ACK.repeat(10));
    expect(h.errors).toEqual([]);
    expect(h.reports).toEqual([REPORT_4_3]);
  });

  it('wrong frame number (neither the next nor a repeat): NAK', async () => {
    const h = open(driver);
    h.feed(ENQ + FRAMES_4_3[0]! + frame(3, 'P|1||PID0001\r'));
    expect(replies(h)).toBe(ACK + ACK + NAK);
    expect(h.errors.map((e) => e.reason)).toEqual(['frame number 3, expected 2: NAK']);
    h.feed(frame(0, 'P|1\r'));
    expect(h.errors.map((e) => e.reason)[1]).toBe('frame number 0, expected 2: NAK');
    h.feed(FRAMES_4_3.slice(1).join('') + EOT);
    await settle();
    expect(h.reports).toEqual([REPORT_4_3]);
  });

  it('frame numbers wrap 7 -> 0 -> 1', async () => {
    const records = [RECORDS_4_3[0]!, RECORDS_4_3[1]!, RECORDS_4_3[2]!];
    for (let i = 0; i < 8; i++) records.push(`R|${i + 1}|^^^T${i}|${i}|mg/dL||N||F`);
    records.push('L|1|N');
    const out = await run([bytes(ENQ + framesOf(records).join('') + EOT)]);
    expect(out.errors).toEqual([]);
    expect(out.writes).toBe(ACK.repeat(records.length + 1));
    expect(out.reports[0]?.measurements.map((m) => m.code?.local?.code)).toEqual(['T0', 'T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7']);
  });

  it('a frame over the size limit is refused with NAK; the limit is a setting', async () => {
    const long = `C|1|I|${'x'.repeat(240)}|G\r`; // 249 text chars in one frame
    const input = ENQ + FRAMES_4_3.slice(0, 3).join('') + frame(4, long);
    const h = open(driver);
    h.feed(input);
    expect(replies(h)).toBe(ACK.repeat(4) + NAK);
    expect(h.errors.map((e) => e.reason)).toEqual(['frame text of 249 chars is over the limit of 240: NAK']);
    const roomy = open(driver, { maxFrameText: 300 });
    roomy.feed(input);
    expect(replies(roomy)).toBe(ACK.repeat(5));
    expect(roomy.errors).toEqual([]);
  });

  it('bytes outside frames are ignored and reported once per run', async () => {
    const h = open(driver);
    h.feed('noise\r\n');
    h.feed('more');
    h.feed(ENQ);
    h.feed('\xff\xfe');
    h.feed(FRAMES_4_3.join(''));
    h.feed(ACK + NAK); // from the analyzer side: ignored, not noise
    h.feed(EOT);
    await settle();
    expect(h.errors.map((e) => e.reason)).toEqual(['11 byte(s) outside a frame ignored', '2 byte(s) outside a frame ignored']);
    expect(h.errors[0]?.bytes).toBe('.....\r\n....');
    expect(h.reports).toEqual([REPORT_4_3]);
    // A frame without ENQ first is noise too (an idle receiver listens only for ENQ).
    const idle = open(driver);
    idle.feed(FRAMES_4_3[0]!);
    idle.session.close();
    expect(idle.writes).toEqual([]);
    expect(idle.errors.map((e) => e.reason)).toEqual([`${FRAMES_4_3[0]!.length} byte(s) outside a frame ignored`]);
  });

  it('receiver timeout: a silent sender loses the open transmission, nothing of it is delivered', async () => {
    vi.useFakeTimers();
    const h = open(driver);
    h.feed(ENQ + FRAMES_4_3.slice(0, 5).join(''));
    await vi.advanceTimersByTimeAsync(29_999);
    expect(h.errors).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.errors.map((e) => e.reason)).toEqual([
      'receiver timeout: no frame or EOT within 30000 ms: nothing of the transmission after its last complete message was delivered',
    ]);
    // The rest arriving late is outside any transmission: noise, no ACK, no report.
    h.feed(FRAMES_4_3.slice(5).join('') + EOT);
    await vi.advanceTimersByTimeAsync(0);
    h.session.close();
    expect(h.reports).toEqual([]);
    expect(replies(h)).toBe(ACK.repeat(6));
    // The analyzer starts over: delivered once.
    const again = open(driver, { receiveTimeoutMs: 200 });
    again.feed(ENQ + FRAMES_4_3.slice(0, 2).join(''));
    await vi.advanceTimersByTimeAsync(150);
    again.feed(FRAMES_4_3[2]!); // each frame restarts the timer
    await vi.advanceTimersByTimeAsync(150);
    expect(again.errors).toEqual([]);
    await vi.advanceTimersByTimeAsync(100);
    expect(again.errors.map((e) => e.reason)[0]).toMatch(/^receiver timeout: no frame or EOT within 200 ms/);
    again.feed(TRANSMISSION_4_3);
    await vi.advanceTimersByTimeAsync(0);
    expect(again.reports).toEqual([REPORT_4_3]);
  });

  it('EOT after an ETB frame (a record cut in two) delivers nothing', async () => {
    const h = open(driver);
    h.feed(ENQ + FRAMES_4_3.slice(0, 2).join('') + '\x023O|1|SPEC123||^^^GLU\\^^^PH|R|202501140900\x172D\r\n' + EOT);
    await settle();
    expect(h.reports).toEqual([]);
    expect(h.errors.map((e) => e.reason)).toEqual(['transmission ended inside a record (after an ETB frame): nothing of it was delivered']);
  });

  it('EOT without an L record: the complete records are delivered at EOT', async () => {
    const h = open(driver);
    h.feed(ENQ + FRAMES_4_3.slice(0, 6).join('') + EOT);
    await settle();
    expect(h.errors).toEqual([]);
    expect(h.reports).toEqual([REPORT_4_3]);
    expect(h.logs.some((l) => l.level === 'info' && /without an L terminator/.test(l.msg))).toBe(true);
  });

  it('EOT right after a NAK (the sender gave up on a frame) delivers nothing', async () => {
    const h = open(driver);
    h.feed(ENQ + FRAMES_4_3.slice(0, 5).join('') + FRAMES_4_3[5]!.replace('8D\r\n', '00\r\n') + EOT);
    await settle();
    expect(h.reports).toEqual([]);
    expect(h.errors.map((e) => e.reason)).toEqual([
      'checksum mismatch: NAK',
      'the sender ended the transmission after a NAK (it gave up on a frame): nothing of the transmission after its last complete message was delivered',
    ]);
  });

  it('ENQ while a transmission is open: the sender started over; the partial one is discarded', async () => {
    const h = open(driver);
    h.feed(ENQ + FRAMES_4_3.slice(0, 4).join('') + TRANSMISSION_4_3);
    await settle();
    expect(replies(h)).toBe(ACK.repeat(5) + ACK.repeat(8));
    expect(h.reports).toEqual([REPORT_4_3]);
    expect(h.errors.map((e) => e.reason)).toEqual([
      'ENQ during an open transmission (the sender started over): nothing of the transmission after its last complete message was delivered',
    ]);
    // ENQ twice at the start: nothing to discard, no error.
    const twice = open(driver);
    twice.feed(ENQ + TRANSMISSION_4_3);
    await settle();
    expect(twice.errors).toEqual([]);
    expect(twice.reports).toEqual([REPORT_4_3]);
  });

  it('a frame cut off by the next STX is ignored and the next frame read', async () => {
    const out = await run([bytes(ENQ + FRAMES_4_3[0]! + '\x022P|1||PI' + FRAMES_4_3.slice(1).join('') + EOT)]);
    expect(out.errors.map((e) => e.reason)).toEqual(['frame cut off: STX before the end of the previous frame; the cut frame is ignored']);
    expect(out.reports).toEqual([REPORT_4_3]);
  });

  it('acknowledges the final frame only after the report is durable', async () => {
    const h = open(driver);
    let resolveStore: () => void = () => undefined;
    h.session.on('report', () => new Promise<void>((resolve) => (resolveStore = resolve)));
    h.feed(ENQ + FRAMES_4_3.join(''));
    await settle();
    expect(replies(h)).toBe(ACK.repeat(7)); // ENQ + six frames; the L frame waits
    h.feed(EOT); // an impatient sender: held until the reply is out
    await settle();
    expect(replies(h)).toBe(ACK.repeat(7));
    resolveStore();
    await settle();
    expect(replies(h)).toBe(ACK.repeat(8));
    expect(h.reports).toEqual([REPORT_4_3]);
  });

  it('NAKs the final frame when storing fails; the retransmission delivers only what was not stored', async () => {
    // Two specimens in one message: the first is stored, the second fails once.
    const records = [...RECORDS_4_3.slice(0, 6), 'O|2|SPEC124||^^^GLU|R||20250114090600', 'R|1|^^^GLU|90|mg/dL|0-15|H||F', 'L|1|N'];
    const frames = framesOf(records);
    const h = open(driver);
    const stored: string[] = [];
    let failSpec124 = true;
    h.session.on('report', async (r) => {
      if (r.specimen?.id === 'SPEC124' && failSpec124) {
        failSpec124 = false;
        throw new Error('disk full');
      }
      stored.push(r.specimen?.id ?? '');
    });
    h.feed(ENQ + frames.join(''));
    await settle();
    expect(replies(h)).toBe(ACK.repeat(9) + NAK);
    expect(stored).toEqual(['SPEC123']);
    h.feed(frames[frames.length - 1]!); // the analyzer resends the last frame
    await settle();
    expect(replies(h)).toBe(ACK.repeat(9) + NAK + ACK);
    expect(stored).toEqual(['SPEC123', 'SPEC124']);
    h.feed(EOT);
    await settle();
    expect(stored).toEqual(['SPEC123', 'SPEC124']);
    expect(h.logs.some((l) => l.level === 'warn' && /could not be made durable/.test(l.msg))).toBe(true);
  });

  it('NAKs ENQ while a transmission that ended at EOT is still being stored', async () => {
    const h = open(driver);
    let resolveStore: () => void = () => undefined;
    h.session.on('report', () => new Promise<void>((resolve) => (resolveStore = resolve)));
    h.feed(ENQ + FRAMES_4_3.slice(0, 6).join('') + EOT + ENQ);
    await settle();
    expect(replies(h)).toBe(ACK.repeat(7) + NAK);
    resolveStore();
    await settle();
    h.feed(ENQ);
    expect(replies(h)).toBe(ACK.repeat(7) + NAK + ACK);
  });

  it('link down mid-transmission discards it; the next session starts clean', async () => {
    const h = open(driver);
    h.feed(ENQ + FRAMES_4_3.slice(0, 5).join(''));
    h.session.linkDown?.();
    h.feed(FRAMES_4_3.slice(5).join('') + EOT);
    await settle();
    expect(h.reports).toEqual([]);
    h.feed(TRANSMISSION_4_3);
    await settle();
    expect(h.reports).toEqual([REPORT_4_3]);
  });

  it('random bytes never throw, and the link recovers for the next transmission', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (noise) => {
        const h = open(driver);
        expect(() => h.session.receive(noise)).not.toThrow();
        h.feed(EOT + TRANSMISSION_4_3); // EOT closes whatever the noise opened
        await settle();
        expect(h.reports.filter((r) => r.specimen?.id === 'SPEC123')).toHaveLength(1);
        h.session.close();
      }),
      { numRuns: 100 },
    );
  });
});
