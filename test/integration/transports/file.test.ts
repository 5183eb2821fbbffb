import { describe, it, expect, afterEach } from 'vitest';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile, appendFile, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../src/model/logger.ts';
import { FileDropTransport } from '../../../src/transports/file.ts';
import type { Connection, MessageDone } from '../../../src/transports/types.ts';
import type { MessageMeta } from '../../../src/model/driver.ts';
import { eventually } from '../../support/eventually.ts';
import { DeviceRunner } from '../../../src/devices/device-runner.ts';
import { driver as aecgDriver } from '../../../drivers/ekg-aecg/index.ts';
import type { DeviceReport, ProtocolError } from '../../../src/model/driver.ts';
import { create as createCart, fileDropIo } from '../../../simulators/ekg-cart.ts';
import { memoryResends } from '../../support/resend-memory.ts';

interface Got {
  conn: Connection;
  payload: string;
  meta: MessageMeta;
  done: MessageDone;
}

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'medgate-drop-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A transport polled by hand (after the scan start() does, its timer is an hour away), recording what it emits. */
async function manual(path: string, suffix?: string): Promise<{ t: FileDropTransport; got: Got[]; opened: Connection[]; closed: string[] }> {
  const t = new FileDropTransport({ path, pollMs: 3_600_000, retry: { initialMs: 100, maxMs: 1000 }, log: silentLogger, ...(suffix ? { suffix } : {}) });
  const got: Got[] = [];
  const opened: Connection[] = [];
  const closed: string[] = [];
  t.on('open', (c) => opened.push(c));
  t.on('closed', (_c, reason) => closed.push(reason));
  t.on('message', (conn, payload, meta, done) => got.push({ conn, payload: payload.toString('utf8'), meta, done }));
  t.start();
  cleanup.push(() => t.stop());
  await eventually(() => expect(t.status.state).not.toBe('connecting'));
  return { t, got, opened, closed };
}

describe('FileDropTransport (real folders)', () => {
  it('reads a file once it is stable, as one message, and moves it to processed/ when done', async () => {
    const dir = await folder();
    const { t, got, opened } = await manual(dir);
    await writeFile(join(dir, 'ECG0001.xml'), '<a/>');
    await t.poll();
    expect(opened).toHaveLength(1);
    expect(t.status.state).toBe('connected');
    expect(got).toEqual([]); // seen once: not yet known to be complete
    await t.poll();
    expect(got).toHaveLength(1);
    expect(got[0]?.payload).toBe('<a/>');
    expect(got[0]?.meta.file).toBe('ECG0001.xml');
    expect(got[0]?.conn).toBe(opened[0]);
    got[0]?.done();
    await eventually(async () => expect(await readdir(join(dir, 'processed'))).toEqual(['ECG0001.xml']));
    expect(await readdir(dir)).toEqual(['processed']);
    await t.poll();
    await t.poll();
    expect(got).toHaveLength(1); // processed/ is never read again
    expect(t.status.bytesIn).toBe(4);
  });

  it('does not read a file that is still growing', async () => {
    const dir = await folder();
    const { t, got } = await manual(dir);
    const file = join(dir, 'ECG0002.xml');
    await writeFile(file, '<AnnotatedECG>');
    await t.poll();
    await appendFile(file, '<id/>');
    await t.poll();
    expect(got).toEqual([]);
    await appendFile(file, '</AnnotatedECG>');
    await t.poll();
    expect(got).toEqual([]);
    await t.poll();
    expect(got.map((g) => g.payload)).toEqual(['<AnnotatedECG><id/></AnnotatedECG>']);
  });

  it('leaves a file whose store failed in place and offers it again later', async () => {
    const dir = await folder();
    const { t, got } = await manual(dir);
    await writeFile(join(dir, 'a.xml'), 'A');
    await t.poll();
    await t.poll();
    got[0]?.done(new Error('disk full'));
    await t.poll();
    expect(await readdir(dir)).toEqual(['a.xml']);
    await eventually(async () => {
      await t.poll();
      expect(got).toHaveLength(2);
    });
    got[1]?.done();
    await eventually(async () => expect(await readdir(join(dir, 'processed'))).toEqual(['a.xml']));
  });

  it('takes only files with the suffix, skips temporary names, and hands files on oldest first', async () => {
    const dir = await folder();
    const { t, got } = await manual(dir, '.XML');
    await writeFile(join(dir, 'new.xml'), 'new');
    await writeFile(join(dir, 'old.Xml'), 'old');
    await writeFile(join(dir, 'notes.txt'), 'txt');
    await writeFile(join(dir, 'part.xml.tmp'), 'tmp');
    await writeFile(join(dir, '.hidden.xml'), 'hidden');
    const past = new Date(Date.now() - 60_000);
    await utimes(join(dir, 'old.Xml'), past, past);
    await t.poll();
    await t.poll();
    // One at a time: the next file waits for the previous done().
    expect(got.map((g) => g.payload)).toEqual(['old']);
    got[0]?.done();
    await eventually(() => expect(got.map((g) => g.payload)).toEqual(['old', 'new']));
    got[1]?.done();
    await eventually(async () => expect((await readdir(join(dir, 'processed'))).sort()).toEqual(['new.xml', 'old.Xml']));
  });

  it('never overwrites a processed file when a cart reuses a name', async () => {
    const dir = await folder();
    const { t, got } = await manual(dir);
    for (const content of ['first', 'second']) {
      await writeFile(join(dir, 'ECG.xml'), content);
      await t.poll();
      await t.poll();
      got.at(-1)?.done();
      await eventually(async () => expect(await readdir(dir)).toEqual(['processed']));
    }
    const kept = await readdir(join(dir, 'processed'));
    expect(kept).toHaveLength(2);
    const contents = await Promise.all(kept.map((f) => readFile(join(dir, 'processed', f), 'utf8')));
    expect(contents.sort()).toEqual(['first', 'second']);
  });

  it('is retrying with the reason while the folder is missing, and recovers when it appears', async () => {
    const parent = await folder();
    const dir = join(parent, 'export');
    const { t, got, opened } = await manual(dir);
    await t.poll();
    expect(t.status.state).toBe('retrying');
    expect(t.status.lastError).toMatch(/ENOENT/);
    expect(opened).toEqual([]);
    await mkdir(dir);
    await writeFile(join(dir, 'x.xml'), 'X');
    await t.poll();
    expect(t.status.state).toBe('connected');
    expect(opened).toHaveLength(1);
    await t.poll();
    expect(got.map((g) => g.payload)).toEqual(['X']);
    got[0]?.done();
  });

  it('closes its connection when the folder goes away', async () => {
    const parent = await folder();
    const dir = join(parent, 'export');
    await mkdir(dir);
    const { t, closed } = await manual(dir);
    await t.poll();
    await rm(dir, { recursive: true });
    await t.poll();
    expect(closed).toHaveLength(1);
    expect(t.status.state).toBe('retrying');
  });

  it('polls on its own timer', async () => {
    const dir = await folder();
    const t = new FileDropTransport({ path: dir, pollMs: 100, log: silentLogger });
    cleanup.push(() => t.stop());
    const got: string[] = [];
    t.on('message', (_c, payload, _m, done) => {
      got.push(payload.toString());
      done();
    });
    t.start();
    await writeFile(join(dir, 'timer.xml'), 'T');
    await eventually(async () => {
      expect(got).toEqual(['T']);
      expect(await readdir(join(dir, 'processed'))).toEqual(['timer.xml']);
    });
    await t.stop();
    expect(t.status.state).toBe('stopped');
  });
});

describe('watched folder -> ekg-aecg -> device runner (EKG cart simulator exporting files)', () => {
  it('stores each document, then moves it; a refused document is acknowledged and moved too; a failed store is retried', async () => {
    const dir = await folder();
    const transport = new FileDropTransport({ path: dir, pollMs: 50, retry: { initialMs: 50, maxMs: 200 }, suffix: '.xml', log: silentLogger });
    const stored: DeviceReport[] = [];
    const refused: ProtocolError[] = [];
    let failNext = true;
    const runner = new DeviceRunner({
      device: { id: 'ekg-1', driver: 'ekg-aecg', transport: { type: 'file', path: dir } },
      driver: aecgDriver,
      transport,
      log: silentLogger,
      accept: async (_device, report) => {
        if (failNext) {
          failNext = false;
          throw new Error('journal unavailable');
        }
        return `R${stored.push(report)}`;
      },
      resends: memoryResends(),
      onProtocolError: (_id, e) => refused.push(e),
    });
    runner.start();
    cleanup.push(() => runner.stop());
    const cart = createCart({ format: 'aecg', count: 2, intervalMs: 10, seed: 3 });
    cart.start(fileDropIo(dir));
    await cart.done;
    cart.stop();
    await writeFile(join(dir, 'broken.xml'), '<AnnotatedECG xmlns="urn:hl7-org:v3">');
    await eventually(async () => {
      expect(stored).toHaveLength(2);
      expect(refused).toHaveLength(1);
      expect((await readdir(dir)).filter((f) => f !== 'processed')).toEqual([]);
    }, 15_000);
    expect((await readdir(join(dir, 'processed'))).length).toBe(3);
    expect(refused[0]?.reason).toMatch(/^not well-formed XML/);
    // The first store failed, so that document came again after the other one.
    const rates = (xs: unknown[]): unknown[] => [...xs].sort();
    expect(rates(stored.map((r) => r.measurements.find((m) => m.type === 'ecg.heart_rate')?.value))).toEqual(
      rates(cart.readings.map((r) => r.claims.heartRate)),
    );
    expect(runner.counters.rejected).toBe(1);
  });
});
