// A driver session opened the way a device runner opens one, for tests that feed it bytes straight
// from a simulator or a transport: its reports (the resend memory told each is stored, as the
// runner does after the intake write) and its protocol errors.

import type { DeviceLink, DeviceReport, Driver, DriverSession, ProtocolError } from '../../src/model/driver.ts';
import { silentLogger } from '../../src/model/logger.ts';
import { findDriver } from '../../drivers/index.ts';
import { linkMemory } from './resend-memory.ts';

export interface DriverUnderTest {
  session: DriverSession;
  reports: DeviceReport[];
  errors: ProtocolError[];
}

export function openDriverUnderTest(
  id: string,
  write: (bytes: Uint8Array) => void,
  opts: { deviceId?: string; settings?: Record<string, unknown> } = {},
): DriverUnderTest {
  const driver = findDriver(id) as Driver;
  const reports: DeviceReport[] = [];
  const errors: ProtocolError[] = [];
  const memory = linkMemory();
  const link: DeviceLink = {
    write: async (bytes) => write(bytes),
    device: { id: opts.deviceId ?? 'sim', settings: opts.settings ?? {} },
    now: () => new Date(),
    log: silentLogger,
    resends: memory.resends,
  };
  const session = driver.open(link);
  session.on('report', (r) => {
    reports.push(r);
    memory.stored(r);
  });
  session.on('protocolError', (e) => errors.push(e));
  return { session, reports, errors };
}
