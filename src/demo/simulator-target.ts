// Where a device's simulator must send so the gateway hears it: the mirror image of the device's
// transport (the gateway dials -> the simulator listens, and so on), unless the demo config names
// a TCP endpoint itself. Pure: the manager runs what this returns.

import type { Config, DemoSimulator, DeviceConfigT } from '../config/schema.ts';
import type { Static } from '@sinclair/typebox';
import { RequestError } from '../model/request-error.ts';
import { topicMatches } from '../model/mqtt-topics.ts';
import type { RunSimulatorOptions } from '../../simulators/runner.ts';

export type DemoSimulatorT = Static<typeof DemoSimulator>;

export type SimulatorLink = Pick<RunSimulatorOptions, 'serial' | 'tcpListen' | 'tcpConnect' | 'mqtt'>;

export interface SimulatorTarget {
  link: SimulatorLink;
  /** For the page: "tcp 127.0.0.1:47001", "serial /dev/pts/4", "mqtt clinic/vitals/x/reading". No credentials. */
  target: string;
}

export interface TargetOptions {
  serialPath?: string;
  demo?: DemoSimulatorT;
  mqtt?: Config['mqtt'];
}

export function simulatorTarget(device: DeviceConfigT, opts: TargetOptions): SimulatorTarget {
  const { demo } = opts;
  if (demo?.tcpListen) {
    const host = demo.tcpListen.host ?? '127.0.0.1';
    return { link: { tcpListen: { host, port: demo.tcpListen.port } }, target: `tcp ${host}:${demo.tcpListen.port}` };
  }
  if (demo?.tcpConnect) {
    const host = demo.tcpConnect.host ?? '127.0.0.1';
    return { link: { tcpConnect: { host, port: demo.tcpConnect.port } }, target: `tcp ${host}:${demo.tcpConnect.port}` };
  }
  const t = device.transport;
  switch (t.type) {
    case 'tcp': {
      if (t.mode === 'connect') {
        const host = t.host ?? '127.0.0.1';
        return { link: { tcpListen: { host, port: t.port } }, target: `tcp ${host}:${t.port}` };
      }
      const host = dialable(t.host ?? '127.0.0.1');
      return { link: { tcpConnect: { host, port: t.port } }, target: `tcp ${host}:${t.port}` };
    }
    case 'serial': {
      const path = opts.serialPath?.trim();
      if (!path) {
        throw new RequestError(
          400,
          `device "${device.id}" is on serial port ${t.path}: give serialPath, the other end of the cable or pty pair the simulator writes to`,
        );
      }
      const serial = t.baudRate !== undefined ? { path, baudRate: t.baudRate } : { path };
      return { link: { serial }, target: `serial ${path}` };
    }
    case 'mqtt': {
      const topic = publishTopic(t.topic, device.id);
      return { link: { mqtt: { ...brokerOf(opts.mqtt, device.id, topic), topic } }, target: `mqtt ${topic}` };
    }
    case 'file':
      throw new RequestError(400, `device "${device.id}" reads export files from a folder: a simulator for a file transport is not supported`);
  }
}

/** A concrete topic inside the device's filter: each `+` level and a trailing `#` become the device id. */
export function publishTopic(filter: string, deviceId: string): string {
  return filter
    .split('/')
    .map((level, i, all) => (level === '+' || (level === '#' && i === all.length - 1) ? deviceId : level))
    .join('/');
}

function brokerOf(mqtt: Config['mqtt'], deviceId: string, topic: string): { url: string; username?: string; password?: string } {
  if (!mqtt) throw new RequestError(400, `device "${deviceId}" publishes over MQTT but no broker is configured (config "mqtt")`);
  if ('embedded' in mqtt) {
    const { embedded } = mqtt;
    if (embedded.port === 0) throw new RequestError(400, 'the embedded MQTT broker has no fixed port (port 0): the simulator cannot find it');
    // The user allowed to publish there (the broker refuses the others), else the first.
    const user = embedded.users.find((u) => u.publish?.some((f) => topicMatches(f, topic))) ?? embedded.users[0];
    const url = `mqtt://${urlHost(dialable(embedded.host ?? '127.0.0.1'))}:${embedded.port}`;
    return user ? { url, username: user.username, password: user.password } : { url };
  }
  return {
    url: mqtt.url,
    ...(mqtt.username !== undefined ? { username: mqtt.username } : {}),
    ...(mqtt.password !== undefined ? { password: mqtt.password } : {}),
  };
}

/** A wildcard bind address is not something to dial: use loopback. */
function dialable(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
