// Small builders for test configurations.

import type { Config, DeviceConfigT } from '../../src/config/schema.ts';

export function gatewayConfig(dir: string, ehrPort: number, devices: DeviceConfigT[], extra: Partial<Config> = {}): Config {
  return {
    dataDir: `${dir}/data`,
    web: { host: '127.0.0.1', port: 0 },
    gateway: { application: 'MEDGATE', facility: 'TEST_CLINIC', eui64: '0A1B2CFFFE3D4E5F', assigningAuthority: 'TESTHOSP' },
    log: { level: 'info' },
    devices,
    destinations: [
      { id: 'ehr', type: 'mllp', host: '127.0.0.1', port: ehrPort, ackTimeoutMs: 2000, connectTimeoutMs: 1000, retry: { initialMs: 100, maxMs: 400 } },
    ],
    ...extra,
  };
}

export function serialDevice(id: string, driver: string, path: string, settings?: Record<string, unknown>): DeviceConfigT {
  return { id, driver, label: `${driver} ${id}`, transport: { type: 'serial', path }, ...(settings ? { settings } : {}) };
}

export const ALICE = { mrn: 'MRN4711', family: 'Example', given: 'Alice', dob: '1961-01-01', sex: 'F' as const };
export const BOB = { mrn: 'MRN0815', family: 'Sample', given: 'Bob', dob: '1975-06-15', sex: 'M' as const };
