// Bounds what a client may make the embedded broker buffer. mqtt-packet (the parser under aedes)
// has no size limit: it appends every byte to a list until the whole packet announced in the
// fixed header has arrived, so a CONNECT announcing 100 MB is buffered in full. The meter reads
// each fixed header (MQTT 3.1.1 section 2.2: one type byte, then the Remaining Length in 1 to 4
// bytes of 7 bits each, section 2.2.3) as the bytes pass and refuses a packet as soon as its
// announced size is over the limit, before its body is read; before sign-in it also caps the
// bytes a client may send at all.

import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

export interface PacketLimits {
  /** Largest packet (fixed header included) once signed in. */
  maxPacketBytes: number;
  /** Every byte a client may send before its username and password are accepted. */
  maxUnauthenticatedBytes: number;
}

export class PacketMeter {
  #authenticated = false;
  #total = 0;
  /** Bytes of the current packet's body still to pass; -1 while reading a fixed header. */
  #bodyLeft = -1;
  #header: number[] = [];

  constructor(
    private readonly limits: PacketLimits,
    private readonly onAuthenticated: () => void = () => undefined,
  ) {}

  authenticated(): void {
    this.#authenticated = true;
    this.onAuthenticated();
  }

  /** Why the connection must close, or undefined while the bytes are within the limits. */
  feed(chunk: Uint8Array): string | undefined {
    this.#total += chunk.length;
    if (!this.#authenticated && this.#total > this.limits.maxUnauthenticatedBytes) {
      return `more than ${this.limits.maxUnauthenticatedBytes} bytes before sign-in`;
    }
    let i = 0;
    while (i < chunk.length) {
      if (this.#bodyLeft > 0) {
        const take = Math.min(this.#bodyLeft, chunk.length - i);
        this.#bodyLeft -= take;
        i += take;
        continue;
      }
      this.#header.push(chunk[i++]!);
      const problem = this.#headerDone();
      if (problem !== undefined) return problem;
    }
    return undefined;
  }

  /** Reads the fixed header collected so far; once complete, checks the packet's size. */
  #headerDone(): string | undefined {
    const h = this.#header;
    if (h.length < 2) return undefined;
    const lengthBytes = h.slice(1);
    const last = lengthBytes[lengthBytes.length - 1]!;
    if (last & 0x80) {
      // MQTT 3.1.1 section 2.2.3: at most four bytes of Remaining Length.
      return lengthBytes.length >= 4 ? 'malformed packet length' : undefined;
    }
    const remaining = lengthBytes.reduce((sum, b, k) => sum + (b & 0x7f) * 128 ** k, 0);
    const size = h.length + remaining;
    const limit = this.#authenticated ? this.limits.maxPacketBytes : this.limits.maxUnauthenticatedBytes;
    this.#header = [];
    this.#bodyLeft = remaining;
    if (size > limit) return `a packet of ${size} bytes announced, over the limit of ${limit}${this.#authenticated ? '' : ' before sign-in'}`;
    return undefined;
  }
}

/**
 * The socket as aedes sees it: every byte read passes the meter first, and a packet over the
 * limits destroys the socket before it is buffered. Writes go straight to the socket.
 */
export class MeteredSocket extends Duplex {
  constructor(
    readonly socket: Socket,
    readonly meter: PacketMeter,
    onRefused: (reason: string) => void,
  ) {
    super({ allowHalfOpen: false });
    socket.on('data', (chunk: Buffer) => {
      const problem = meter.feed(chunk);
      if (problem !== undefined) {
        socket.pause();
        onRefused(problem);
        this.destroy(new Error(problem));
        return;
      }
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('close', () => this.destroy());
    socket.on('error', (err) => this.destroy(err));
    socket.pause();
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.socket.write(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }
}

/** Counts connections not yet signed in, in all and per address, refusing any past the caps. */
export class SignInQueue {
  readonly #perAddress = new Map<string, number>();
  #total = 0;

  constructor(
    private readonly maxTotal: number,
    private readonly maxPerAddress: number,
  ) {}

  enter(address: string): boolean {
    const mine = this.#perAddress.get(address) ?? 0;
    if (this.#total >= this.maxTotal || mine >= this.maxPerAddress) return false;
    this.#total++;
    this.#perAddress.set(address, mine + 1);
    return true;
  }

  /** Once per connection that entered: signed in, or gone. */
  leave(address: string): void {
    this.#total--;
    const mine = (this.#perAddress.get(address) ?? 1) - 1;
    if (mine > 0) this.#perAddress.set(address, mine);
    else this.#perAddress.delete(address);
  }
}
