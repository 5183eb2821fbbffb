// An MQTT device's card: the outage's error goes once the shared connection is back (the connection
// itself keeps it), but a broker refusing the device's subscription on a connection that is up stays
// in sight: the device receives nothing while it says "connected".

import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/model/logger.ts';
import { MqttTransport } from '../../../src/transports/mqtt.ts';
import type { MqttConnectionStatus } from '../../../src/transports/mqtt-connection.ts';
import type { MqttSubscriber } from '../../../src/transports/mqtt-router.ts';

class FakeConnection extends EventEmitter<{ status: [MqttConnectionStatus] }> implements MqttSubscriber {
  status: MqttConnectionStatus = { state: 'connected', since: new Date().toISOString(), reconnects: 0, acknowledged: 0 };
  subscribe(): () => void {
    return () => undefined;
  }
  start(): void {}
  async stop(): Promise<void> {}
  /** What MqttConnection does: changes its status, keeps its last error, and tells. */
  tell(change: Partial<MqttConnectionStatus>): void {
    this.status = { ...this.status, ...change };
    this.emit('status', this.status);
  }
}

describe('MQTT device link errors', () => {
  it('clears the outage error once connected, keeps a refused subscription while connected', () => {
    const conn = new FakeConnection();
    const t = new MqttTransport({ connection: conn, topic: 'ward/#', log: silentLogger });
    t.start();
    expect(t.status).toMatchObject({ state: 'connected' });
    expect(t.status.lastError).toBeUndefined();

    conn.tell({ state: 'retrying', lastError: 'connect ECONNREFUSED 127.0.0.1:1883', reconnects: 1 });
    expect(t.status).toMatchObject({ state: 'retrying', lastError: 'connect ECONNREFUSED 127.0.0.1:1883' });
    conn.tell({ state: 'connecting' });
    conn.tell({ state: 'connected' }); // the connection's status still carries the old error
    expect(t.status.state).toBe('connected');
    expect(t.status.lastError).toBeUndefined();

    conn.tell({ lastError: 'broker refused the subscription to ward/#' });
    expect(t.status).toMatchObject({ state: 'connected', lastError: 'broker refused the subscription to ward/#' });
    conn.tell({ acknowledged: 1 }); // another status with the same error: still shown
    expect(t.status.lastError).toBe('broker refused the subscription to ward/#');
  });

  it('a device started on a connection that is up does not show the error of an earlier outage', () => {
    const conn = new FakeConnection();
    conn.status = { ...conn.status, lastError: 'connection closed', reconnects: 2 };
    const t = new MqttTransport({ connection: conn, topic: 'ward/#', log: silentLogger });
    t.start();
    expect(t.status.state).toBe('connected');
    expect(t.status.lastError).toBeUndefined();
  });
});
