// The event stream carries patient data: it must end with the session that opened it.

import { afterEach, describe, expect, it } from 'vitest';
import { gatewayConfig } from '../../support/configs.ts';
import { eventually } from '../../support/eventually.ts';
import { startGatewayProcess, tempDir } from '../../support/gateway-process.ts';
import { firstAdmin } from '../../support/sign-in.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('event stream and session', () => {
  it('stops streaming once the user signs out', async () => {
    const dir = tempDir();
    const gw = await startGatewayProcess(gatewayConfig(dir, 9, []), { dir });
    cleanups.push(() => gw.stop());
    const { cookie, csrf } = await firstAdmin(gw);

    const res = await fetch(`${gw.url}/api/events`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const received: string[] = [];
    let ended = false;
    void (async () => {
      for await (const chunk of res.body!) received.push(Buffer.from(chunk as Uint8Array).toString('utf8'));
      ended = true;
    })().catch(() => (ended = true));

    const add = (id: string) =>
      gw.api('POST', '/api/config/devices', { device: { id, driver: 'ad-scale', transport: { type: 'serial', path: `/dev/medgate-test-${id}` } } });
    await add('one');
    await eventually(() => expect(received.join('')).toContain('"id":"one"'));

    const out = await fetch(`${gw.url}/api/session`, { method: 'DELETE', headers: { cookie, 'x-csrf-token': csrf } });
    expect(out.status).toBe(204);
    await add('two');
    await eventually(() => expect(ended).toBe(true));
    expect(received.join('')).not.toContain('"id":"two"');
    // And the cookie no longer opens a stream.
    expect((await fetch(`${gw.url}/api/events`, { headers: { cookie } })).status).toBe(401);
  });
});
