import { describe, expect, it } from 'vitest';
import type { DeviceConfigT } from '../../../src/config/schema.ts';
import { RequestError } from '../../../src/model/request-error.ts';
import { publishTopic, simulatorTarget } from '../../../src/demo/simulator-target.ts';

const tcp = (mode: 'connect' | 'listen', host?: string): DeviceConfigT => ({
  id: 'dev-1',
  driver: 'ad-scale',
  transport: { type: 'tcp', mode, port: 4001, ...(host ? { host } : {}) },
});

describe('simulatorTarget', () => {
  it('listens where the gateway dials, and dials where it listens', () => {
    expect(simulatorTarget(tcp('connect'), {})).toEqual({ link: { tcpListen: { host: '127.0.0.1', port: 4001 } }, target: 'tcp 127.0.0.1:4001' });
    expect(simulatorTarget(tcp('listen'), {})).toEqual({ link: { tcpConnect: { host: '127.0.0.1', port: 4001 } }, target: 'tcp 127.0.0.1:4001' });
    expect(simulatorTarget(tcp('listen', '0.0.0.0'), {}).link.tcpConnect?.host).toBe('127.0.0.1');
  });

  it('follows the demo entry when it names a TCP endpoint', () => {
    const demo = { device: 'dev-1', tcpListen: { port: 0 } };
    expect(simulatorTarget(tcp('listen'), { demo }).link).toEqual({ tcpListen: { host: '127.0.0.1', port: 0 } });
    const serial: DeviceConfigT = { id: 'dev-1', driver: 'ad-scale', transport: { type: 'serial', path: '/dev/ttyUSB0' } };
    expect(simulatorTarget(serial, { demo: { device: 'dev-1', tcpConnect: { host: 'gw', port: 5000 } } }).target).toBe('tcp gw:5000');
  });

  it('writes a serial device to the given other end, with the configured baud rate', () => {
    const serial: DeviceConfigT = { id: 'scale', driver: 'ad-scale', transport: { type: 'serial', path: '/dev/ttyUSB0', baudRate: 2400 } };
    expect(simulatorTarget(serial, { serialPath: '/dev/pts/4' })).toEqual({
      link: { serial: { path: '/dev/pts/4', baudRate: 2400 } },
      target: 'serial /dev/pts/4',
    });
    expect(() => simulatorTarget(serial, {})).toThrow(RequestError);
    expect(() => simulatorTarget(serial, { serialPath: ' ' })).toThrow(/give serialPath/);
  });

  it('publishes an MQTT device to the embedded broker as its first user', () => {
    const device: DeviceConfigT = { id: 'mon-3', driver: 'mqtt-json', transport: { type: 'mqtt', topic: 'clinic/vitals/+/reading' } };
    const mqtt = {
      embedded: {
        host: '0.0.0.0',
        port: 1884,
        users: [
          { username: 'devices', password: 'secret-pass' },
          { username: 'other', password: 'xxxxxxxx' },
        ],
      },
    };
    expect(simulatorTarget(device, { mqtt })).toEqual({
      link: { mqtt: { url: 'mqtt://127.0.0.1:1884', username: 'devices', password: 'secret-pass', topic: 'clinic/vitals/mon-3/reading' } },
      target: 'mqtt clinic/vitals/mon-3/reading',
    });
  });

  it('publishes to an external broker with its URL and credentials', () => {
    const device: DeviceConfigT = { id: 'mon-3', driver: 'mqtt-json', transport: { type: 'mqtt', topic: 'site/#' } };
    const link = simulatorTarget(device, { mqtt: { url: 'mqtts://broker.example:8883', username: 'u', password: 'p' } }).link;
    expect(link.mqtt).toEqual({ url: 'mqtts://broker.example:8883', username: 'u', password: 'p', topic: 'site/mon-3' });
  });

  it('refuses what it cannot reach', () => {
    const mqttDevice: DeviceConfigT = { id: 'm', driver: 'mqtt-json', transport: { type: 'mqtt', topic: 'a/+' } };
    expect(() => simulatorTarget(mqttDevice, {})).toThrow(/no broker is configured/);
    expect(() => simulatorTarget(mqttDevice, { mqtt: { embedded: { port: 0, users: [{ username: 'u', password: '12345678' }] } } })).toThrow(/port 0/);
    const file: DeviceConfigT = { id: 'ekg', driver: 'ekg-aecg', transport: { type: 'file', path: '/srv/ekg' } };
    expect(() => simulatorTarget(file, {})).toThrow(/not supported/);
  });
});

describe('publishTopic', () => {
  it('replaces each + and a trailing # with the device id', () => {
    expect(publishTopic('a/+/b/+', 'd')).toBe('a/d/b/d');
    expect(publishTopic('a/b/#', 'd')).toBe('a/b/d');
    expect(publishTopic('#', 'd')).toBe('d');
    expect(publishTopic('plain/topic', 'd')).toBe('plain/topic');
  });
});
