// The notifier's rules, with the sender replaced: when it sends, what, how often, and when not at all.

import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../../src/model/logger.ts';
import { serviceNotifier, watchdogPingMs } from '../../../src/service/notify.ts';

function recordingLog() {
  const lines: Array<{ level: string; msg: string }> = [];
  const at =
    (level: string) =>
    (a: unknown, b?: string): void => {
      lines.push({ level, msg: typeof a === 'string' ? a : (b ?? '') });
    };
  const log: Logger = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), child: () => log };
  return { log, lines };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('watchdogPingMs', () => {
  it('is half of WATCHDOG_USEC, in ms', () => {
    expect(watchdogPingMs({ WATCHDOG_USEC: '30000000' }, 42)).toBe(15_000);
    expect(watchdogPingMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '42' }, 42)).toBe(15_000);
  });

  it('is undefined when the watchdog is off, malformed, or meant for another process', () => {
    expect(watchdogPingMs({}, 42)).toBeUndefined();
    expect(watchdogPingMs({ WATCHDOG_USEC: '0' }, 42)).toBeUndefined();
    expect(watchdogPingMs({ WATCHDOG_USEC: 'soon' }, 42)).toBeUndefined();
    expect(watchdogPingMs({ WATCHDOG_USEC: '-5' }, 42)).toBeUndefined();
    expect(watchdogPingMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' }, 42)).toBeUndefined();
  });
});

describe('serviceNotifier', () => {
  it('does nothing at all without NOTIFY_SOCKET: no message, no timer', () => {
    vi.useFakeTimers();
    const send = vi.fn(async () => undefined);
    const env = { WATCHDOG_USEC: '1000000' };
    const n = serviceNotifier({ log: recordingLog().log, env, send });
    n.ready();
    vi.advanceTimersByTime(10_000);
    n.stopping();
    expect(send).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
    expect(env).toEqual({ WATCHDOG_USEC: '1000000' });
  });

  it('sends READY=1, pings at half the watchdog interval, and stops pinging at STOPPING=1', async () => {
    vi.useFakeTimers();
    const sent: string[] = [];
    const n = serviceNotifier({ log: recordingLog().log, env: { NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '1000000' }, send: async (m) => void sent.push(m) });
    vi.advanceTimersByTime(5_000);
    expect(sent, 'nothing before ready: the watchdog starts when the start-up is complete').toEqual([]);
    n.ready();
    await vi.advanceTimersByTimeAsync(1_600);
    expect(sent).toEqual(['READY=1', 'WATCHDOG=1', 'WATCHDOG=1', 'WATCHDOG=1']);
    n.stopping();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sent.slice(4)).toEqual(['STOPPING=1']);
  });

  it('takes NOTIFY_SOCKET and WATCHDOG_* out of the environment, so processes it starts do not notify', () => {
    const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '1000000', WATCHDOG_PID: '42', PATH: '/usr/bin' };
    serviceNotifier({ log: recordingLog().log, env, pid: 42, send: async () => undefined });
    expect(env).toEqual({ PATH: '/usr/bin' });
  });

  it('pings only when the watchdog is meant for this process', async () => {
    vi.useFakeTimers();
    const sent: string[] = [];
    const n = serviceNotifier({
      log: recordingLog().log,
      env: { NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '1000000', WATCHDOG_PID: '7' },
      pid: 42,
      send: async (m) => void sent.push(m),
    });
    n.ready();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(sent).toEqual(['READY=1']);
  });

  it('sends one ping at a time while systemd is slow to answer', async () => {
    vi.useFakeTimers();
    const sent: string[] = [];
    let answer = () => undefined as void;
    const n = serviceNotifier({
      log: recordingLog().log,
      env: { NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '1000000' },
      send: (m) => {
        sent.push(m);
        return m === 'WATCHDOG=1' ? new Promise<void>((resolve) => (answer = resolve)) : Promise.resolve();
      },
    });
    n.ready();
    await vi.advanceTimersByTimeAsync(2_600);
    expect(sent).toEqual(['READY=1', 'WATCHDOG=1']);
    answer();
    await vi.advanceTimersByTimeAsync(500);
    expect(sent).toEqual(['READY=1', 'WATCHDOG=1', 'WATCHDOG=1']);
  });

  it('stops pinging while the event loop is blocked', async () => {
    const times: number[] = [];
    const n = serviceNotifier({
      log: recordingLog().log,
      env: { NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '40000' },
      send: async (m) => void (m === 'WATCHDOG=1' && times.push(Date.now())),
    });
    n.ready();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const blockedAt = Date.now();
    while (Date.now() - blockedAt < 300) {
      // a stuck event loop
    }
    const releasedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 100));
    n.stopping();
    expect(times.some((t) => t < blockedAt)).toBe(true);
    expect(times.some((t) => t >= releasedAt)).toBe(true);
    expect(times.filter((t) => t > blockedAt && t < releasedAt)).toEqual([]);
  });

  it('warns once when systemd-notify fails, and says when it works again', async () => {
    vi.useFakeTimers();
    const { log, lines } = recordingLog();
    let failing = true;
    const n = serviceNotifier({
      log,
      env: { NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '1000000' },
      send: async () => {
        if (failing) throw new Error('spawn systemd-notify ENOENT');
      },
    });
    n.ready();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    failing = false;
    await vi.advanceTimersByTimeAsync(600);
    expect(lines.map((l) => l.level)).toEqual(['warn', 'info']);
  });
});
