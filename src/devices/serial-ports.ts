// The serial ports this machine has, for the technician picking one: which USB adapter chip each
// is, its stable /dev/serial names (ttyUSB numbers change with plug order) and which configured
// device already uses it.

import { readdir, realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SerialPort } from 'serialport';
import type { DeviceConfigT } from '../config/schema.ts';
import type { SerialPortView } from '../web/api-types.ts';
import { adapterHint, normalizeUsbId } from './usb-adapters.ts';
import { errorText } from '../model/error-text.ts';

export type PortInfo = Awaited<ReturnType<typeof SerialPort.list>>[number];

export interface ListSerialPortsOptions {
  devices: DeviceConfigT[];
  /** Defaults to serialport's SerialPort.list(); tests pass their own. */
  list?: () => Promise<PortInfo[]>;
  byIdDir?: string;
  byPathDir?: string;
}

/** A symlink in a /dev/serial folder and the port it points to. */
export interface StableLink {
  link: string;
  target: string;
}

export async function listSerialPorts(opts: ListSerialPortsOptions): Promise<SerialPortView[]> {
  const list = opts.list ?? (() => SerialPort.list());
  let ports: PortInfo[];
  try {
    ports = await list();
  } catch (err) {
    throw new Error(`cannot list serial ports: ${errorText(err)}`);
  }
  const links = [...(await readLinks(opts.byIdDir ?? '/dev/serial/by-id')), ...(await readLinks(opts.byPathDir ?? '/dev/serial/by-path'))];
  const devicePorts = await Promise.all(
    opts.devices.map(async (d) => (d.transport.type === 'serial' ? { id: d.id, target: await canonical(d.transport.path) } : undefined)),
  );
  const used = devicePorts.filter((d) => d !== undefined);
  const views = await Promise.all(ports.map(async (p) => portView(p, await canonical(p.path), links, used)));
  return views.sort((a, b) => a.path.localeCompare(b.path));
}

/** One port's view from what serialport reported and what the links and devices resolve to. Pure. */
export function portView(port: PortInfo, target: string, links: StableLink[], used: Array<{ id: string; target: string }>): SerialPortView {
  const view: SerialPortView = {
    path: port.path,
    stablePaths: links
      .filter((l) => l.target === target)
      .map((l) => l.link)
      .sort(),
  };
  if (port.manufacturer) view.manufacturer = port.manufacturer;
  if (port.serialNumber) view.serialNumber = port.serialNumber;
  const vendorId = normalizeUsbId(port.vendorId);
  const productId = normalizeUsbId(port.productId);
  if (vendorId !== undefined) view.vendorId = vendorId;
  if (productId !== undefined) view.productId = productId;
  const adapter = adapterHint(vendorId, productId);
  if (adapter) view.adapter = adapter;
  const user = used.find((u) => u.target === target);
  if (user) view.usedBy = user.id;
  return view;
}

/** The symlinks in `dir` and the real paths they resolve to; nothing when the folder is absent (no USB serial plugged). */
export async function readLinks(dir: string): Promise<StableLink[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const links = await Promise.all(
    names.map(async (name) => {
      const link = join(dir, name);
      try {
        return { link, target: await realpath(link) };
      } catch {
        return undefined; // a dangling link: the adapter was just unplugged
      }
    }),
  );
  return links.filter((l) => l !== undefined);
}

async function canonical(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return resolve(path);
  }
}
