// Listener defaults: an analyzer or interface engine that keeps one connection open and idle
// overnight is not cut off; only a connection that never sends a byte is closed, after a minute.

import { describe, expect, it } from 'vitest';
import { SILENT_TIMEOUT_MS, withDefaults } from '../../../src/net/connection-guard.ts';
import { DEVICE_LISTENER_DEFAULTS } from '../../../src/transports/tcp.ts';

describe('listener defaults', () => {
  it('closes no connection for idling, only one that never sent a byte', () => {
    const limits = withDefaults(undefined, DEVICE_LISTENER_DEFAULTS);
    expect(limits.idleTimeoutMs).toBe(0);
    expect(limits.silentTimeoutMs).toBe(SILENT_TIMEOUT_MS);
    expect(SILENT_TIMEOUT_MS).toBe(60_000);
  });

  it('keeps an idle timeout an installation sets', () => {
    expect(withDefaults({ idleTimeoutMs: 900_000 }, DEVICE_LISTENER_DEFAULTS).idleTimeoutMs).toBe(900_000);
  });
});
