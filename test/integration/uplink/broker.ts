// A real MQTT broker (aedes) on a loopback port, and a real subscriber (an mqtt.js client of its own),
// for the uplink tests.

import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { Aedes, type AedesOptions } from 'aedes';
import { connectAsync, type MqttClient } from 'mqtt';
import { freePort } from '../../support/free-port.ts';

/** A free port with nothing listening on it: "the broker is down". */
export { freePort };

export interface Broker {
  aedes: Aedes;
  port: number;
  url: string;
  stop(): Promise<void>;
}

/** With `secure`, the broker speaks MQTT over TLS (mqtts://) with that key and certificate. */
export async function startBroker(options: AedesOptions = {}, port = 0, secure?: { key: Buffer; cert: Buffer }): Promise<Broker> {
  const aedes = await Aedes.createBroker(options);
  const sockets = new Set<net.Socket>();
  const onSocket = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    aedes.handle(socket);
  };
  const server = secure ? tls.createServer({ key: secure.key, cert: secure.cert }, onSocket) : net.createServer(onSocket);
  if (secure) server.on('tlsClientError', () => undefined); // an untrusting client hangs up mid-handshake
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    aedes,
    port: actual,
    url: `${secure ? 'mqtts' : 'mqtt'}://${secure ? 'localhost' : '127.0.0.1'}:${actual}`,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface Received {
  topic: string;
  body: string;
  qos: number;
}

export interface Subscriber {
  client: MqttClient;
  received: Received[];
  close(): Promise<void>;
}

export async function subscribe(url: string, filter: string, tlsOptions: { ca?: Buffer } = {}): Promise<Subscriber> {
  const client = await connectAsync(url, {
    protocolVersion: 4,
    clientId: `sub-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    reconnectPeriod: 0,
    ...tlsOptions,
  });
  client.on('error', () => undefined);
  const received: Received[] = [];
  client.on('message', (topic, payload, packet) => received.push({ topic, body: payload.toString('utf8'), qos: packet.qos }));
  await client.subscribeAsync(filter, { qos: 1 });
  return { client, received, close: () => client.endAsync(true) };
}
