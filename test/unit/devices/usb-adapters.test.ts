import { describe, expect, it } from 'vitest';
import { adapterHint, normalizeUsbId, USB_ADAPTERS } from '../../../src/devices/usb-adapters.ts';

describe('adapterHint', () => {
  it('names the chip and kernel driver of each adapter family', () => {
    expect(adapterHint('0403', '6001')).toEqual({ chip: 'FTDI FT232R/FT232BM', kernelDriver: 'ftdi_sio' });
    expect(adapterHint('067b', '2303')?.kernelDriver).toBe('pl2303');
    expect(adapterHint('067b', '23c3')?.chip).toContain('PL2303GT');
    expect(adapterHint('10c4', 'ea60')?.kernelDriver).toBe('cp210x');
    expect(adapterHint('1a86', '7523')).toEqual({ chip: 'WCH CH340/HL-340', kernelDriver: 'ch341' });
    expect(adapterHint('1a86', '5523')?.chip).toBe('WCH CH341');
  });

  it('takes hex in any case, with or without 0x, and short forms', () => {
    expect(adapterHint('0x10C4', '0xEA60')?.kernelDriver).toBe('cp210x');
    expect(adapterHint('10C4', 'Ea60')?.kernelDriver).toBe('cp210x');
    expect(adapterHint('403', '6001')?.kernelDriver).toBe('ftdi_sio');
  });

  it('recognizes a counterfeit FTDI chip showing product ID 0000', () => {
    expect(adapterHint('0403', '0000')?.chip).toMatch(/counterfeit/);
    expect(adapterHint('0403', '0')?.chip).toMatch(/counterfeit/);
  });

  it('knows nothing of other IDs or of garbage', () => {
    expect(adapterHint('0403', '6048')).toBeUndefined();
    expect(adapterHint('1234', '5678')).toBeUndefined();
    expect(adapterHint(undefined, '6001')).toBeUndefined();
    expect(adapterHint('zz', '6001')).toBeUndefined();
    expect(adapterHint('04030', '6001')).toBeUndefined();
  });

  it('has one entry per VID:PID, all in canonical form', () => {
    const keys = USB_ADAPTERS.map((a) => `${a.vendorId}:${a.productId}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const a of USB_ADAPTERS) {
      expect(normalizeUsbId(a.vendorId)).toBe(a.vendorId);
      expect(normalizeUsbId(a.productId)).toBe(a.productId);
    }
  });
});
