// The gateway's MQTT client logs its broker URL: never with any part of a password in it, even one
// with an '@' (issue 13: "passwords in URLs are redacted in every response and log").

import net from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { MqttConnection } from '../../../src/transports/mqtt-connection.ts';
import { eventually } from '../../support/eventually.ts';
import { capturingLogger } from './helpers.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it("logs the broker URL without the password, even one containing '@'", async () => {
  // A port that refuses: bound, then closed.
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const lines: string[] = [];
  const connection = new MqttConnection({
    url: `mqtt://dev:p@ss@127.0.0.1:${port}`,
    clientId: 'url-test',
    log: capturingLogger(lines),
    backoff: { initialMs: 60_000, maxMs: 60_000 },
  });
  cleanups.push(() => connection.stop());
  connection.start();
  await eventually(() => expect(lines.some((l) => l.includes('will reconnect'))).toBe(true), 10_000);
  const text = lines.join('\n');
  expect(text).toContain(`mqtt://127.0.0.1:${port}`);
  expect(text).not.toContain('ss@');
  expect(text).not.toContain('p@ss');
  expect(text).not.toContain('dev:');
});
