// Standard output for the log's JSON lines. A write to a pipe wakes its reader (journald, a test),
// which on a small machine cost more than making the line, twice per reading; so lines leave
// together, at most FLUSH_MS after the first of them. A warning or error leaves at once, with what
// waited before it: the line that explains a crash must not wait in memory for a timer that never
// fires (an abort, a native crash). What is left at exit is written then. Written synchronously
// (pino's sonic-boom, which also deals with partial writes and EAGAIN): the thread pool's async
// writes would wait behind the journal's O_DSYNC writes and the serial ports' reads.

import { pino } from 'pino';

/** How long a line may wait for others to go out with. */
const FLUSH_MS = 5;
/** pino's level number for warn: this and above go out at once. */
const WARN = 40;
/** Past this much waiting, it goes out without waiting for the timer. */
const MAX_WAITING = 64 * 1024;

const outputs = new Set<BatchedOutput>();
let exitHooked = false;

/** pino's lines begin `{"level":NN`; anything else counts as urgent. */
function levelOf(line: string): number {
  if (!line.startsWith('{"level":')) return Number.POSITIVE_INFINITY;
  const level = Number.parseInt(line.slice(9, 12), 10);
  return Number.isNaN(level) ? Number.POSITIVE_INFINITY : level;
}

export class BatchedOutput {
  // maxLength: a standard output that refuses writes (a full disk behind a redirect) drops lines
  // beyond this rather than keeping them all in memory.
  readonly #out = pino.destination({ sync: true, maxLength: 16 * 1024 * 1024 });
  #waiting: string[] = [];
  #length = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor() {
    outputs.add(this);
    if (!exitHooked) {
      exitHooked = true;
      process.on('exit', () => {
        for (const o of outputs) o.flush();
      });
    }
  }

  /** pino's destination contract: one serialized line at a time. */
  write(line: string): boolean {
    this.#waiting.push(line);
    this.#length += line.length;
    if (levelOf(line) >= WARN || this.#length >= MAX_WAITING) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), FLUSH_MS).unref(); // unref: exit writes what is left
    return true;
  }

  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#waiting.length === 0) return;
    const text = this.#waiting.join('');
    this.#waiting = [];
    this.#length = 0;
    try {
      this.#out.write(text);
    } catch {
      // Standard output is gone (EPIPE after the reader left): nothing left to tell.
    }
  }
}
