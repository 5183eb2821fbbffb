import { describe, expect, it } from 'vitest';
import { chooseDevice } from '../../../../src/web/page/lib/device-choice.ts';

const bound = { patient: { mrn: 'X' } };
const devices = [{ id: 'a', binding: bound }, { id: 'b' }, { id: 'c' }];

describe('the device the bind form selects', () => {
  it('never defaults to a device that is already bound', () => {
    expect(chooseDevice(devices, '')).toBe('b');
    expect(chooseDevice([{ id: 'a', binding: bound }], '')).toBe('');
    expect(chooseDevice([], '')).toBe('');
  });

  it('takes the device the person came for, even a bound one, over what was shown', () => {
    expect(chooseDevice(devices, 'b', 'c')).toBe('c');
    expect(chooseDevice(devices, '', 'a')).toBe('a');
    expect(chooseDevice(devices, '', 'gone')).toBe('b');
  });

  it('keeps the selection across reloads, also once that device is bound', () => {
    expect(chooseDevice(devices, 'a')).toBe('a');
    expect(chooseDevice(devices, 'removed')).toBe('b');
  });

  it('never chooses a device that files by order, not even the one asked for', () => {
    const withAnalyzer = [{ id: 'chem', patientMode: 'order' }, ...devices.slice(1)];
    expect(chooseDevice(withAnalyzer, '', 'chem')).toBe('b');
    expect(chooseDevice(withAnalyzer, 'chem')).toBe('b');
    expect(chooseDevice([{ id: 'chem', patientMode: 'order' }], '')).toBe('');
    expect(chooseDevice([{ id: 'a1c', patientMode: 'reported' }], '')).toBe('a1c');
  });
});
