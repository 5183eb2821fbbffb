// The link test's verdict: the captured bytes fed to a real session of the device's driver, and
// what it emitted in one sentence ("1 reading: weight 64.20 kg", "1 message, not a reading
// for the Lab analyzer driver: checksum mismatch: NAK", "nothing arrived"). The cases are the ones where a re-implementation of the decoding disagreed
// with the running driver; each verdict is what the session does with the same bytes.

import { describe, expect, it } from 'vitest';
import { driver as accutorr } from '../../../drivers/accutorr/index.ts';
import { driver as adScale } from '../../../drivers/ad-scale/index.ts';
import { driver as astm } from '../../../drivers/astm-lis2/index.ts';
import { driver as ekgSerial } from '../../../drivers/ekg-serial/index.ts';
import { driver as genericLine, noninExample } from '../../../drivers/generic-line/index.ts';
import { driver as hl7 } from '../../../drivers/hl7-analyzer/index.ts';
import { driver as mqttJson } from '../../../drivers/mqtt-json/index.ts';
import { driver as tanita } from '../../../drivers/tanita/index.ts';
import { recogniseLinkTest, RECOGNISE_MAX_BYTES, type TestedLink } from '../../../src/devices/link-recognition.ts';
import { describeChunk } from '../../../src/devices/link-test.ts';
import { encodeFrame } from '../../../src/mllp/framing.ts';
import type { DeviceReport, Driver } from '../../../src/model/driver.ts';
import { silentLogger } from '../../../src/model/logger.ts';
import type { LinkRecognition, LinkTestResult } from '../../../src/web/api-types.ts';
import { formatAdLine } from '../../../simulators/ad-scale.ts';
import { buildOru } from '../../../simulators/hl7-analyzer.ts';
import { createRng } from '../../../simulators/prng.ts';
import { tanitaRecord } from '../../../simulators/tanita.ts';
import { ENQ, EOT, frame, framesOf } from '../../support/astm-wire.ts';

const settingsOf = (s: object) => s as Record<string, unknown>;

/** A result as the link test gives it, the bytes cut into chunks as a serial port might deliver them. */
function captured(...chunks: Array<string | Uint8Array>): LinkTestResult {
  const described = chunks.map((c) => describeChunk(typeof c === 'string' ? Buffer.from(c, 'latin1') : Buffer.from(c), new Date('2026-03-01T08:00:00Z')));
  return { opened: true, chunks: described, bytes: described.reduce((n, c) => n + c.bytes, 0), truncated: false };
}

async function verdict(
  driver: Driver,
  chunks: Array<string | Uint8Array>,
  settings: object = {},
  link: TestedLink = 'new',
): Promise<LinkRecognition | undefined> {
  return (await recogniseLinkTest(captured(...chunks), driver, settingsOf(settings), link)).recognised;
}

/** What a session of `driver`, opened here on its own, reports for the same bytes in one piece. */
async function sessionReports(driver: Driver, bytes: string | Uint8Array, settings: object = {}): Promise<DeviceReport[]> {
  const reports: DeviceReport[] = [];
  const session = driver.open({
    write: async () => undefined,
    device: { id: 'dev', settings: settingsOf(settings) },
    now: () => new Date(),
    log: silentLogger,
    resends: { recall: () => undefined },
  });
  session.on('report', (r) => {
    reports.push(r);
  });
  session.receive(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  session.close();
  return reports;
}

const ASTM_RECORDS = ['H|\\^&|||SIM^1', 'P|1||PAT1', 'O|1|S123||^^^GLU', 'R|1|^^^GLU|95|mg/dL||N||F', 'L|1|N'];

describe('the link test verdict', () => {
  it('names the reading an A&D scale sent, the bytes split anywhere, and keeps the bytes beside it', async () => {
    const result = await recogniseLinkTest(captured('ST,GS,+00', '64.20kg\r', '\n'), adScale, {}, 'new');
    expect(result.recognised).toEqual({ outcome: 'read', text: '1 reading: weight 64.20 kg' });
    expect(result.chunks).toHaveLength(3);
  });

  it('counts what the A&D session stores, not every line: settling, repeated, tare, overload and unit-less lines', async () => {
    // A scale in stream mode repeats its stable weight: the session stores it once.
    expect((await verdict(adScale, [formatAdLine('ST', 64.2), formatAdLine('ST', 64.2), formatAdLine('ST', 64.2)]))?.text).toBe('1 reading: weight 64.20 kg');
    expect(await verdict(adScale, ['US,GS,+0063.90kg\r\n', 'ST,TR,+0001.00kg\r\n'])).toEqual({
      outcome: 'incomplete',
      text: 'bytes arrived but no complete reading',
    });
    expect(await verdict(adScale, ['OL,GS,+    .  kg\r\n', 'ST,GS,+0064.20  \r\n'])).toEqual({
      outcome: 'refused',
      text: '2 messages, none of them a reading for the A&D scale / indicator driver: scale overload or out of range: weight ignored; weight without unit ignored',
    });
  });

  it('says in plain words that lines of another device are none of them a reading, each reason once', async () => {
    const other = Array.from({ length: 16 }, (_, i) => `SpO2 ${90 + (i % 10)} %\r\n`);
    expect(await verdict(adScale, other)).toEqual({
      outcome: 'refused',
      text: '16 messages, none of them a reading for the A&D scale / indicator driver: not A&D standard format (expected like "ST,GS,+0070.50kg")',
    });
    const mixed = await verdict(adScale, [formatAdLine('ST', 64.2), 'SpO2 97 %\r\n', 'SpO2 98 %\r\n']);
    expect(mixed?.text).toBe('1 reading: weight 64.20 kg. 2 messages refused: not A&D standard format (expected like "ST,GS,+0070.50kg")');
  });

  it('says when bytes came without a complete reading, and when nothing came', async () => {
    expect(await verdict(adScale, ['ST,GS,+0064'])).toEqual({ outcome: 'incomplete', text: 'bytes arrived but no complete reading' });
    expect(await verdict(adScale, [])).toEqual({ outcome: 'nothing', text: 'nothing arrived' });
    const closed: LinkTestResult = { opened: false, error: 'no such port', chunks: [], bytes: 0, truncated: false };
    expect(await recogniseLinkTest(closed, adScale, {}, 'new')).toEqual(closed);
  });

  it('reads an ASTM transmission as the session does: its frame numbers checked, a repeated frame taken once', async () => {
    const frames = framesOf(ASTM_RECORDS);
    const whole = await verdict(astm, [`${ENQ}${frames.join('')}${EOT}`]);
    expect(whole?.outcome).toBe('read');
    expect(whole?.text).toBe('1 reading: GLU 95 mg/dL (specimen S123)');
    // The first frame sent twice (its ACK lost): one message, not two H records.
    expect((await verdict(astm, [`${ENQ}${frames[0]}${frames.join('')}${EOT}`]))?.text).toBe('1 reading: GLU 95 mg/dL (specimen S123)');
    expect((await verdict(astm, [`${ENQ}${frame(3, 'H|\\^&|||SIM^1\r')}`]))?.text).toBe(
      '1 message, not a reading for the Lab analyzer driver: frame number 3, expected 1: NAK',
    );
    const good = frame(1, 'H|\\^&|||SIM^1\r');
    const bad = good.replace(/..\r\n$/, (cs) => `${cs[0] === '0' ? '1' : '0'}${cs.slice(1)}`);
    expect((await verdict(astm, [`${ENQ}${bad}`]))?.text).toBe('1 message, not a reading for the Lab analyzer driver: checksum mismatch: NAK');
  });

  it('tells the technician that a device waiting for an answer sends no more on a new link, and not on a running one', async () => {
    const asking = await verdict(astm, [`${ENQ}${ENQ}`]);
    expect(asking).toMatchObject({ outcome: 'incomplete', text: 'bytes arrived but no complete reading' });
    expect(asking?.note).toMatch(/answers this device .* a test of a new link does not/);
    expect((await verdict(astm, [`${ENQ}${ENQ}`], {}, 'running'))?.note).toBeUndefined();
  });

  it('says an Accutorr must be polled only for a new link, and lists only its answers as readings', async () => {
    const newLink = await verdict(accutorr, []);
    expect(newLink).toMatchObject({ outcome: 'nothing', text: 'nothing arrived' });
    expect(newLink?.note).toMatch(/polls/);
    expect(await verdict(accutorr, [], {}, 'running')).toEqual({ outcome: 'nothing', text: 'nothing arrived' });
    const answer = await verdict(accutorr, ['>P:097,072,120,093,080,000,000,000,002\r\n>']);
    expect(answer?.text).toBe('1 reading: 5 results: bp systolic 120 mmHg, bp diastolic 80 mmHg, bp mean 93 mmHg and 2 more');
  });

  it('reads an HL7 analyzer message into one reading per order, and a frame without its end as incomplete', async () => {
    const message = buildOru(0, createRng(1), Date.parse('2026-03-01T08:00:00Z'));
    const v = await verdict(hl7, [encodeFrame(message.text)]);
    expect(v?.outcome).toBe('read');
    expect(v?.text).toMatch(new RegExp(`^1 reading: ${message.results.length} results: `));
    expect(await verdict(hl7, ['\x0bMSH|^~\\&|X'])).toEqual({ outcome: 'incomplete', text: 'bytes arrived but no complete reading' });
  });

  it('keeps an EKG line the session keeps (up to 512 bytes), cutting a long text value in the sentence', async () => {
    const block = ['ECG REPORT', 'DATE: 2026-03-01 08:00:00', 'HR: 72 bpm', `INTERP: ${'Sinus rhythm. '.repeat(22)}`, 'END', ''].join('\r\n');
    const v = await verdict(ekgSerial, [block]);
    expect(v?.outcome).toBe('read');
    expect(v?.text).toMatch(/^1 reading: .*72 bpm, EKG impression Sinus rhythm\. .{20,}\u2026$/);
  });

  it('reads a Tanita record of the simulator, ignoring the stray signal after it', async () => {
    const v = await verdict(tanita, [`${tanitaRecord(createRng(3), '00000002', 82.7)}\x00\r\n`]);
    expect(v?.text).toMatch(/^1 reading: 11 results: weight 82\.7 kg, /);
  });

  it("checks a generic-line device's settings with the driver before any pattern runs", async () => {
    expect((await verdict(genericLine, ['SPO2=097 HR=072\r\n'], noninExample))?.text).toBe('1 reading: spo2 97 %, pulse oximetry 72 bpm');
    const invalid = await verdict(genericLine, ['SPO2=097 HR=072\r\n'], { ...noninExample, pattern: '(' });
    expect(invalid?.outcome).toBe('failed');
    expect(invalid?.text).toMatch(/^the driver cannot use these settings yet: settings\.pattern: not a valid regular expression/);
    // Valid to the schema, refused by the driver: a field the pattern has no group for.
    const unmapped = await verdict(genericLine, ['SPO2=097 HR=072\r\n'], { ...noninExample, pattern: 'SPO2=(?<spo2>\\d+)' });
    expect(unmapped?.outcome).toBe('failed');
  });

  it('completes a generic-line report only once its groups were all seen, as the session does', async () => {
    const settings = {
      pattern: '^(?:SPO2=(?<spo2>\\d+)|HR=(?<pulse>\\d+))$',
      fields: { spo2: { type: 'spo2', unit: '%' }, pulse: { type: 'pulse.oximetry', unit: 'bpm' } },
      complete: { afterGroups: ['spo2', 'pulse'] },
    };
    expect(await verdict(genericLine, ['SPO2=097\r\n'], settings)).toEqual({ outcome: 'incomplete', text: 'bytes arrived but no complete reading' });
    expect((await verdict(genericLine, ['SPO2=097\r\nHR=072\r\n'], settings))?.text).toBe('1 reading: spo2 97 %, pulse oximetry 72 bpm');
  });

  it('reads only the first 8 KiB and says so', async () => {
    const lines = formatAdLine('ST', 64.2).repeat(1200);
    const v = await verdict(adScale, [lines]);
    expect(v?.text).toBe(`1 reading: weight 64.20 kg (the first ${RECOGNISE_MAX_BYTES} of ${lines.length} bytes read)`);
  });

  it('says a message driver takes whole messages', async () => {
    expect((await verdict(mqttJson, ['{}']))?.outcome).toBe('unsupported');
  });

  it('agrees with a session of the driver for the simulators and test devices, reading for reading', async () => {
    const message = buildOru(2, createRng(5), Date.parse('2026-03-01T08:00:00Z'));
    const cases: Array<{ driver: Driver; bytes: string | Uint8Array; settings?: object }> = [
      { driver: adScale, bytes: ['ST', 'US', 'ST'].map((h, i) => formatAdLine(h as 'ST' | 'US', 60 + i)).join('') },
      { driver: tanita, bytes: `${tanitaRecord(createRng(7), '00000003', 70.1)}\x00\r\n` },
      { driver: astm, bytes: `${ENQ}${framesOf(ASTM_RECORDS).join('')}${EOT}` },
      { driver: hl7, bytes: encodeFrame(message.text) },
      { driver: genericLine, bytes: 'SPO2=097 HR=072\r\n---\r\nSPO2=098 HR=070\r\n', settings: noninExample },
    ];
    for (const c of cases) {
      const reports = await sessionReports(c.driver, c.bytes, c.settings);
      expect(reports.length, c.driver.id).toBeGreaterThan(0);
      const v = await verdict(c.driver, [c.bytes], c.settings);
      expect(v?.text, c.driver.id).toMatch(new RegExp(`^${reports.length} readings?: `));
    }
  });
});
