// Port discovery against a fake /dev in a temp dir: real files and real symlinks, an injected list.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceConfigT } from '../../../src/config/schema.ts';
import { listSerialPorts, type PortInfo } from '../../../src/devices/serial-ports.ts';

let dev: string;
beforeEach(() => {
  dev = mkdtempSync(join(tmpdir(), 'medgate-dev-'));
  for (const name of ['ttyUSB0', 'ttyUSB1', 'ttyS0']) writeFileSync(join(dev, name), '');
  mkdirSync(join(dev, 'by-id'));
  mkdirSync(join(dev, 'by-path'));
  symlinkSync('../ttyUSB0', join(dev, 'by-id', 'usb-FTDI_FT232R_USB_UART_A10K1ABC-if00-port0'));
  symlinkSync('../ttyUSB1', join(dev, 'by-id', 'usb-1a86_USB_Serial-if00-port0'));
  symlinkSync('../ttyUSB1', join(dev, 'by-path', 'pci-0000:00:14.0-usb-0:2:1.0-port0'));
  symlinkSync('../ttyUSB7', join(dev, 'by-path', 'pci-0000:00:14.0-usb-0:3:1.0-port0')); // dangling
});
afterEach(() => rmSync(dev, { recursive: true, force: true }));

function ports(): PortInfo[] {
  return [
    { path: join(dev, 'ttyUSB1'), manufacturer: '1a86', serialNumber: undefined, pnpId: undefined, locationId: undefined, vendorId: '1A86', productId: '7523' },
    {
      path: join(dev, 'ttyUSB0'),
      manufacturer: 'FTDI',
      serialNumber: 'A10K1ABC',
      pnpId: undefined,
      locationId: undefined,
      vendorId: '0403',
      productId: '6001',
    },
    { path: join(dev, 'ttyS0') } as PortInfo,
  ];
}

function serialDevice(id: string, path: string): DeviceConfigT {
  return { id, driver: 'ad-scale', transport: { type: 'serial', path } };
}

describe('listSerialPorts', () => {
  it('adds the adapter, the stable names and the device that uses each port', async () => {
    const views = await listSerialPorts({
      devices: [
        serialDevice('scale-1', join(dev, 'by-id', 'usb-FTDI_FT232R_USB_UART_A10K1ABC-if00-port0')),
        { id: 'bp-1', driver: 'accutorr', transport: { type: 'tcp', mode: 'connect', port: 4001 } },
      ],
      list: async () => ports(),
      byIdDir: join(dev, 'by-id'),
      byPathDir: join(dev, 'by-path'),
    });
    expect(views.map((v) => v.path)).toEqual([join(dev, 'ttyS0'), join(dev, 'ttyUSB0'), join(dev, 'ttyUSB1')]);
    const [s0, usb0, usb1] = views;
    expect(s0).toEqual({ path: join(dev, 'ttyS0'), stablePaths: [] });
    expect(usb0).toEqual({
      path: join(dev, 'ttyUSB0'),
      manufacturer: 'FTDI',
      serialNumber: 'A10K1ABC',
      vendorId: '0403',
      productId: '6001',
      adapter: { chip: 'FTDI FT232R/FT232BM', kernelDriver: 'ftdi_sio' },
      stablePaths: [join(dev, 'by-id', 'usb-FTDI_FT232R_USB_UART_A10K1ABC-if00-port0')],
      usedBy: 'scale-1',
    });
    expect(usb1?.vendorId).toBe('1a86');
    expect(usb1?.adapter?.kernelDriver).toBe('ch341');
    expect(usb1?.stablePaths).toEqual([join(dev, 'by-id', 'usb-1a86_USB_Serial-if00-port0'), join(dev, 'by-path', 'pci-0000:00:14.0-usb-0:2:1.0-port0')]);
    expect(usb1?.usedBy).toBeUndefined();
  });

  it('matches a device configured by its plain path', async () => {
    const views = await listSerialPorts({
      devices: [serialDevice('oxi', join(dev, 'ttyUSB1'))],
      list: async () => ports(),
      byIdDir: join(dev, 'by-id'),
      byPathDir: join(dev, 'by-path'),
    });
    expect(views.find((v) => v.usedBy === 'oxi')?.path).toBe(join(dev, 'ttyUSB1'));
  });

  it('works without /dev/serial folders (nothing USB plugged in)', async () => {
    const views = await listSerialPorts({ devices: [], list: async () => ports(), byIdDir: join(dev, 'none'), byPathDir: join(dev, 'none2') });
    expect(views.every((v) => v.stablePaths.length === 0)).toBe(true);
  });

  it('says what failed when the ports cannot be listed', async () => {
    await expect(listSerialPorts({ devices: [], list: () => Promise.reject(new Error('udevadm not found')) })).rejects.toThrow(
      'cannot list serial ports: udevadm not found',
    );
  });

  it('lists the ports of this machine through serialport', async () => {
    const views = await listSerialPorts({ devices: [] });
    expect(Array.isArray(views)).toBe(true);
    for (const v of views) expect(v.path).toMatch(/^\//);
  });
});
