// The shipped demo configuration (config/demo.json) as a test or the bench runs it: every port moved
// to a free one, the data folder in a folder of the caller's, and optionally more devices.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../src/config/schema.ts';
import { freePort } from './free-port.ts';
import { ROOT } from './gateway-process.ts';

/** Every `port` in the document moved to a free one; the same old port maps to the same new one. */
async function movePorts(value: unknown, moved = new Map<number, number>()): Promise<unknown> {
  if (Array.isArray(value)) return Promise.all(value.map((v) => movePorts(v, moved)));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'port' && typeof v === 'number' && v !== 0) {
      if (!moved.has(v)) moved.set(v, await freePort());
      out[k] = moved.get(v);
    } else out[k] = await movePorts(v, moved);
  }
  return out;
}

export async function demoConfig(dir: string, devices?: number): Promise<Config> {
  const shipped = JSON.parse(readFileSync(join(ROOT, 'config', 'demo.json'), 'utf8')) as Config;
  const config = (await movePorts({ ...shipped, dataDir: join(dir, 'data') })) as Config;
  for (let i = config.devices.length; i < (devices ?? 0); i++) {
    config.devices.push({
      id: `scale-x${i}`,
      driver: 'ad-scale',
      label: `Scale ${i}`,
      transport: { type: 'tcp', mode: 'listen', host: '127.0.0.1', port: await freePort() },
    });
  }
  return config;
}
