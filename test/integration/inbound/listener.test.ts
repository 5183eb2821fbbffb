// The inbound listener with a real PatientDirectoryStore in a temp folder, fed by the ADT sender
// running as its own process (its own MLLP framing) over one connection, in every chunking.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inboundTlsOptions, startInboundListener, type InboundListener } from '../../../src/inbound/listener.ts';
import type { LogFn, Logger } from '../../../src/model/logger.ts';
import { directoryFile, PatientDirectoryStore, type DirectoryDoc } from '../../../src/patients/directory.ts';
import type { DocumentAdapter } from '../../../src/store/durable-document.ts';
import { DurableFileAdapter } from '../../../src/store/durable-file-adapter.ts';
import { sendAdt, type Chunking } from '../../support/adt-sender.ts';
import { a01, a01WithoutPid3, a03, a04, a08, a11, a31, a40, oml, ormNew, siu } from '../../unit/inbound/fixtures.ts';
import { writeSelfSignedCertificate } from '../../support/test-certificate.ts';

interface RecordingLogger extends Logger {
  lines: string[];
}

/** Keeps every line above debug, as text, to check what reaches the log. */
function recordingLogger(): RecordingLogger {
  const lines: string[] = [];
  const fn =
    (level: string): LogFn =>
    (a: string | object, b?: string) => {
      if (level !== 'debug') lines.push(`${level} ${typeof a === 'string' ? a : `${JSON.stringify(a)} ${b ?? ''}`}`);
    };
  const log: RecordingLogger = { lines, error: fn('error'), warn: fn('warn'), info: fn('info'), debug: fn('debug'), child: () => log };
  return log;
}

interface Rig {
  dir: string;
  store: PatientDirectoryStore;
  listener: InboundListener;
  log: RecordingLogger;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function rig(
  opts: { adapter?: DocumentAdapter<DirectoryDoc>; dir?: string; tls?: Parameters<typeof startInboundListener>[0]['tls'] } = {},
): Promise<Rig> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'medgate-inbound-'));
  if (!opts.dir) cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const log = recordingLogger();
  const store = await PatientDirectoryStore.open(directoryFile(dir), { pruneIntervalMs: 0, log, ...(opts.adapter ? { adapter: opts.adapter } : {}) });
  cleanups.push(() => store.close());
  const listener = await startInboundListener({
    host: '127.0.0.1',
    port: 0,
    directory: store,
    journalDir: join(dir, 'inbound'),
    log,
    application: 'MEDGATE',
    facility: 'CLINIC_A',
    ...(opts.tls ? { tls: opts.tls } : {}),
  });
  cleanups.push(() => listener.close());
  return { dir, store, listener, log };
}

/** A morning of the feed, good and bad messages mixed, and what each must be answered. */
const FEED: Array<[string, string, string?]> = [
  [a01(), 'AA'],
  [a04(), 'AA'],
  [a01('ADT0010', 'MRN3003', 'V9'), 'AA'],
  [a08(), 'AA'],
  [siu(), 'AR', '200'],
  [ormNew(), 'AA'],
  [oml(), 'AA'],
  [a31(), 'AR', '201'],
  ['this is not HL7 at all', 'AR', '100'],
  [a01WithoutPid3(), 'AE', '101'],
  [a40(), 'AA'],
  [a03(), 'AA'],
  [a11(), 'AA'],
];

function controlIdOf(text: string): string {
  return text.startsWith('MSH') ? (text.split('\r')[0]!.split('|')[9] ?? '') : '';
}

function expectDirectoryAfterFeed(doc: DirectoryDoc): void {
  const byMrn = new Map(doc.entries.map((e) => [e.patient.mrn, e]));
  expect(byMrn.get('MRN1001')).toMatchObject({ status: 'discharged', patient: { family: 'SMITH-DOE' }, visit: { visitNumber: 'V5001' } });
  expect(byMrn.get('MRN3003')?.mergedInto).toBe('MRN1001');
  expect(byMrn.has('MRN2002')).toBe(false); // its admit was cancelled (A11)
  expect(doc.orders.map((o) => [o.placer, o.mrn, o.specimenId, o.status]).sort()).toEqual([
    ['PL7001', 'MRN1001', 'SP7001', 'open'],
    ['PL8001', 'MRN2002', 'SP8001', 'open'],
  ]);
}

describe('inbound listener', () => {
  for (const chunking of ['split', 'merged', 'bytewise'] satisfies Chunking[]) {
    it(`answers a mixed feed in order on one connection (${chunking}), durably before each ACK`, async () => {
      const { dir, store, listener, log } = await rig();
      const acks = await sendAdt(
        listener.port,
        FEED.map(([text]) => text),
        chunking,
      );

      expect(acks.map((a) => a.code)).toEqual(FEED.map(([, code]) => code));
      expect(acks.map((a) => a.controlId)).toEqual(FEED.map(([text]) => controlIdOf(text)));
      expect(acks.map((a) => a.errorCode)).toEqual(FEED.map(([, , errorCode]) => errorCode));
      expect(acks.find((a) => a.code === 'AR' && a.errorCode === '201')?.text).toContain('A31');
      expect(acks[0]!.raw).toMatch(/^MSH\|\^~\\&\|MEDGATE\|CLINIC_A\|EPIC\|CLINIC_A\|/);

      // Read the file behind the store's back, before any close: every AA'd change is on disk.
      expectDirectoryAfterFeed(JSON.parse(readFileSync(directoryFile(dir), 'utf8')) as DirectoryDoc);
      expect(store.byMrn('MRN3003')).toMatchObject({ patient: { mrn: 'MRN1001' }, status: 'discharged' });
      expect(store.orderBySpecimen('SP8001')?.mrn).toBe('MRN2002');

      // Every message is in the journal with its answer; the rejected ones with their reason and text.
      const journal = await listener.journal.recent({ limit: 100 });
      expect(journal).toHaveLength(FEED.length);
      const rejected = await listener.journal.recent({ limit: 100, rejectedOnly: true });
      expect(rejected.map((r) => [r.outcome, r.errorCode]).sort()).toEqual([
        ['AE', '101'],
        ['AR', '100'],
        ['AR', '200'],
        ['AR', '201'],
      ]);
      expect(rejected.find((r) => r.errorCode === '100')).toMatchObject({ text: 'this is not HL7 at all', reason: expect.stringContaining('MSH') });
      expect(rejected.find((r) => r.errorCode === '200')).toMatchObject({ controlId: 'SIU0001', type: 'SIU^S12', text: siu() });

      // The log names types, control IDs and outcomes, never the patient.
      const logged = log.lines.join('\n');
      expect(logged).toContain('ADT0001');
      expect(logged).not.toMatch(/MRN1001|MRN2002|DOE|Müller|1980-01-02|19800102/);

      // A restart (reopen the file) still has it all.
      await listener.close();
      await store.close();
      const reopened = await PatientDirectoryStore.open(directoryFile(dir), { pruneIntervalMs: 0 });
      cleanups.push(() => reopened.close());
      expect(reopened.byMrn('MRN3003')?.patient.mrn).toBe('MRN1001');
      expect(reopened.orderByNumber('FL7001')?.placer).toBe('PL7001');
      expect(reopened.summary()).toEqual({ active: 0, discharged: 1, merged: 1, openOrders: 2, cancelledOrders: 0 });
    });
  }

  it('answers AE when the directory cannot be stored, and AA to the resend once it can', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medgate-inbound-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const real = await DurableFileAdapter.open<DirectoryDoc>(directoryFile(dir));
    let failures = 1;
    const adapter: DocumentAdapter<DirectoryDoc> = {
      read: () => real.read(),
      write: (data) => (failures-- > 0 ? Promise.reject(new Error('EIO (injected)')) : real.write(data)),
      close: () => real.close(),
    };
    const { store, listener } = await rig({ adapter, dir });

    const [first] = await sendAdt(listener.port, [a01()], 'split');
    expect(first).toMatchObject({ code: 'AE', errorCode: '207', controlId: 'ADT0001' });
    const [again] = await sendAdt(listener.port, [a01()], 'split');
    expect(again).toMatchObject({ code: 'AA', controlId: 'ADT0001' });
    expect(store.byMrn('MRN1001')?.status).toBe('active');
    expect((JSON.parse(readFileSync(directoryFile(dir), 'utf8')) as DirectoryDoc).entries).toHaveLength(1);

    const journal = await listener.journal.recent({ limit: 10 });
    expect(
      journal
        .filter((r) => r.controlId === 'ADT0001')
        .map((r) => [r.outcome, r.followUp ?? false])
        .sort(),
    ).toEqual([
      ['AA', false],
      ['AA', false],
      ['AE', true],
    ]);
  });

  it('does not ACK while the directory write is still pending', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medgate-inbound-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const real = await DurableFileAdapter.open<DirectoryDoc>(directoryFile(dir));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const adapter: DocumentAdapter<DirectoryDoc> = {
      read: () => real.read(),
      write: async (data) => {
        await gate; // the disk is slow today
        await real.write(data);
      },
      close: () => real.close(),
    };
    const { listener } = await rig({ adapter, dir });
    cleanups.push(() => release()); // before the store closes (cleanups run in reverse)
    await expect(sendAdt(listener.port, [a01()], 'split', { timeoutMs: 800 })).rejects.toThrow(/after 0 ACKs.*timed out waiting for ACK 1/s);
    release();
    const [ack] = await sendAdt(listener.port, [a04()], 'split');
    expect(ack).toMatchObject({ code: 'AA', controlId: 'ADT0002' });
  });

  it('listens with TLS when configured (certificate and key files)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medgate-inbound-tls-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeSelfSignedCertificate(join(dir, 'key.pem'), join(dir, 'cert.pem'));
    const tls = inboundTlsOptions({ certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') });
    const { store, listener } = await rig({ tls });
    const acks = await sendAdt(listener.port, [a04(), oml()], 'merged', { ca: join(dir, 'cert.pem') });
    expect(acks.map((a) => a.code)).toEqual(['AA', 'AA']);
    expect(store.byVisit('V6002')?.patient.mrn).toBe('MRN2002');
  });
});
