// The serial transport on a real pty pair: stopping while the port opens releases its lock.

import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/model/logger.ts';
import { SerialTransport } from '../../../src/transports/serial.ts';
import type { Connection } from '../../../src/transports/types.ts';
import { eventually } from '../../support/eventually.ts';
import { openPtyPair, type PtyPair } from '../../support/pty.ts';

let pty: PtyPair | undefined;
afterEach(async () => {
  await pty?.close();
});

const settings = { baudRate: 9600, dataBits: 8 as const, parity: 'none' as const, stopBits: 1 as const };

describe('SerialTransport', () => {
  it('stopped while opening: the port is closed again and can be opened by the next transport', async () => {
    pty = await openPtyPair();
    const first = new SerialTransport({ path: pty.a, ...settings, log: silentLogger });
    const opened: Connection[] = [];
    first.on('open', (c) => opened.push(c));
    first.start();
    await first.stop();
    await new Promise((r) => setTimeout(r, 200));
    expect(opened).toHaveLength(0);

    const second = new SerialTransport({ path: pty.a, ...settings, backoff: { initialMs: 50, maxMs: 100 }, log: silentLogger });
    const again: Connection[] = [];
    second.on('open', (c) => again.push(c));
    second.start();
    try {
      await eventually(() => expect(again).toHaveLength(1), 3000);
      expect(second.status.lastError).toBeUndefined();
    } finally {
      await second.stop();
    }
  });

  it('reports a missing device path as retrying with the error, and opens once it appears', async () => {
    pty = await openPtyPair();
    const missing = `${pty.a}-not-yet`;
    const t = new SerialTransport({ path: missing, ...settings, backoff: { initialMs: 50, maxMs: 100 }, log: silentLogger });
    t.start();
    try {
      await eventually(() => expect(t.status.state).toBe('retrying'));
      expect(t.status.lastError).toMatch(/No such file|ENOENT|cannot open/i);
    } finally {
      await t.stop();
    }
    expect(t.status.state).toBe('stopped');
  });
});
