// USB-serial adapter chips by USB VID:PID (Linux usb-serial driver ID tables; docs/protocols.md#usb-serial-adapters), so the port list can say which
// chip sits behind /dev/ttyUSB0 and which kernel driver should have bound it. The IDs name the
// adapter, never the medical device behind it.

export interface AdapterHint {
  chip: string;
  kernelDriver: string;
}

interface AdapterEntry extends AdapterHint {
  vendorId: string;
  productId: string;
}

const FTDI = '0403';
const PROLIFIC = '067b';
const SILABS = '10c4';
const WCH = '1a86';

export const USB_ADAPTERS: readonly AdapterEntry[] = [
  { vendorId: FTDI, productId: '6001', chip: 'FTDI FT232R/FT232BM', kernelDriver: 'ftdi_sio' },
  { vendorId: FTDI, productId: '6010', chip: 'FTDI FT2232', kernelDriver: 'ftdi_sio' },
  { vendorId: FTDI, productId: '6011', chip: 'FTDI FT4232H', kernelDriver: 'ftdi_sio' },
  { vendorId: FTDI, productId: '6014', chip: 'FTDI FT232H', kernelDriver: 'ftdi_sio' },
  { vendorId: FTDI, productId: '6015', chip: 'FTDI FT-X (FT230X/FT231X)', kernelDriver: 'ftdi_sio' },
  // A counterfeit chip "bricked" by a Windows driver: ftdi_sio does not bind PID 0000 on its own.
  {
    vendorId: FTDI,
    productId: '0000',
    chip: 'FTDI clone with product ID 0000 (counterfeit chip bricked by a Windows driver; reprogram the PID or replace the cable)',
    kernelDriver: 'ftdi_sio',
  },
  { vendorId: PROLIFIC, productId: '2303', chip: 'Prolific PL2303 (legacy; many clones)', kernelDriver: 'pl2303' },
  { vendorId: PROLIFIC, productId: '23a3', chip: 'Prolific PL2303GC', kernelDriver: 'pl2303' },
  { vendorId: PROLIFIC, productId: '23b3', chip: 'Prolific PL2303GB', kernelDriver: 'pl2303' },
  { vendorId: PROLIFIC, productId: '23c3', chip: 'Prolific PL2303GT', kernelDriver: 'pl2303' },
  { vendorId: PROLIFIC, productId: '23d3', chip: 'Prolific PL2303GL', kernelDriver: 'pl2303' },
  { vendorId: PROLIFIC, productId: '23e3', chip: 'Prolific PL2303GE', kernelDriver: 'pl2303' },
  { vendorId: PROLIFIC, productId: '23f3', chip: 'Prolific PL2303GS', kernelDriver: 'pl2303' },
  { vendorId: SILABS, productId: 'ea60', chip: 'Silicon Labs CP210x (CP2102/CP2104)', kernelDriver: 'cp210x' },
  { vendorId: SILABS, productId: 'ea61', chip: 'Silicon Labs CP210x variant', kernelDriver: 'cp210x' },
  { vendorId: SILABS, productId: 'ea63', chip: 'Silicon Labs CP210x (CP2101-4/CP2102N)', kernelDriver: 'cp210x' },
  { vendorId: SILABS, productId: 'ea70', chip: 'Silicon Labs CP2105', kernelDriver: 'cp210x' },
  { vendorId: WCH, productId: '7523', chip: 'WCH CH340/HL-340', kernelDriver: 'ch341' },
  { vendorId: WCH, productId: '7522', chip: 'WCH CH340 variant', kernelDriver: 'ch341' },
  { vendorId: WCH, productId: '5523', chip: 'WCH CH341', kernelDriver: 'ch341' },
];

/** A USB ID as 4 lowercase hex digits ("0x0403", "403", "0403" all give "0403"), or undefined if it is not one. */
export function normalizeUsbId(id: string | undefined): string | undefined {
  if (id === undefined) return undefined;
  const hex = id.trim().replace(/^0x/i, '').toLowerCase();
  if (!/^[0-9a-f]{1,4}$/.test(hex)) return undefined;
  return hex.padStart(4, '0');
}

export function adapterHint(vendorId: string | undefined, productId: string | undefined): AdapterHint | undefined {
  const vid = normalizeUsbId(vendorId);
  const pid = normalizeUsbId(productId);
  if (vid === undefined || pid === undefined) return undefined;
  const entry = USB_ADAPTERS.find((a) => a.vendorId === vid && a.productId === pid);
  return entry ? { chip: entry.chip, kernelDriver: entry.kernelDriver } : undefined;
}
