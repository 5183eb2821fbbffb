// Turns a stream of stable weights into one reading per weighing. An indicator in stream mode
// repeats the same stable weight many times a second; a new reading is only taken after the
// weight went back to near zero (the patient stepped off) or changed by more than a threshold.
// In print mode (the device sends only when PRINT is pressed) every stable weight is a reading.

export interface RepeatFilterOptions {
  mode: 'stream' | 'print';
  /** |weight| at or below this (device units) means the platform is empty. */
  zeroThreshold: number;
  /** In stream mode, a stable weight this far (device units) from the last reading is a new one. */
  changeThreshold: number;
}

export type FilterVerdict = 'emit' | 'repeat' | 'zero';

export class RepeatFilter {
  private last: { value: number; unit: string } | null = null;

  constructor(private readonly options: RepeatFilterOptions) {}

  stable(value: number, unit: string): FilterVerdict {
    if (Math.abs(value) <= this.options.zeroThreshold) {
      this.last = null;
      return 'zero';
    }
    if (this.options.mode === 'print') return 'emit';
    const last = this.last;
    if (last !== null && last.unit === unit && Math.abs(value - last.value) <= this.options.changeThreshold) return 'repeat';
    this.last = { value, unit };
    return 'emit';
  }

  /** Unstable weights only tell us the platform emptied. */
  unstable(value: number): void {
    if (Math.abs(value) <= this.options.zeroThreshold) this.last = null;
  }

  reset(): void {
    this.last = null;
  }
}
