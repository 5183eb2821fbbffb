// Serial link on node-serialport: opens with the device's settings and reopens with capped backoff
// when the port vanishes (USB cable pulled) or errors, so a replugged device just comes back.

import { SerialPort } from 'serialport';
import type { SerialSettings } from '../model/driver.ts';
import type { Logger } from '../model/logger.ts';
import { backoffDelay, type BackoffPolicy } from './backoff.ts';
import { LinkStatusTracker } from './link-status.ts';
import type { Connection, Transport } from './types.ts';

export interface SerialTransportOptions extends SerialSettings {
  path: string;
  rtscts?: boolean;
  backoff?: BackoffPolicy;
  log: Logger;
}

export class SerialTransport extends LinkStatusTracker implements Transport {
  #port: SerialPort | undefined;
  #conn: Connection | undefined;
  #timer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #stopped = true;
  #generation = 0;

  constructor(private readonly opts: SerialTransportOptions) {
    super();
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#open();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    // A newer generation makes an open still in progress close its port instead of going live.
    this.#generation++;
    const port = this.#port;
    this.#drop('stopped');
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    this.setState('stopped');
  }

  retryNow(): boolean {
    if (this.#stopped || this.status.state !== 'retrying') return false;
    clearTimeout(this.#timer);
    this.#attempt = 0;
    this.#open();
    return true;
  }

  #open(): void {
    const generation = ++this.#generation;
    this.setState('connecting');
    const port = new SerialPort({
      path: this.opts.path,
      baudRate: this.opts.baudRate,
      dataBits: this.opts.dataBits,
      parity: this.opts.parity,
      stopBits: this.opts.stopBits,
      rtscts: this.opts.rtscts ?? false,
      autoOpen: false,
    });
    this.#port = port;
    // serialport reports a vanished device as `close` with a disconnect error, sometimes after an
    // `error`: both lead to one retry, guarded by the generation counter.
    port.on('error', (err: Error) => this.#failed(generation, err.message));
    port.on('close', (err: unknown) => this.#failed(generation, err instanceof Error ? err.message : 'port closed'));
    port.on('data', (chunk: Buffer) => {
      if (generation !== this.#generation || !this.#conn) return;
      this.countIn(chunk.length);
      this.emit('data', this.#conn, chunk);
    });
    port.open((err) => {
      if (generation !== this.#generation) {
        if (!err && port.isOpen) port.close(() => undefined); // stopped while opening: release the lock
        return;
      }
      if (err) {
        this.#failed(generation, err.message);
        return;
      }
      this.#attempt = 0;
      this.#conn = {
        id: `${this.opts.path}#${generation}`,
        remote: this.opts.path,
        write: (bytes) => this.#write(port, bytes),
      };
      this.setConnections(1);
      this.setState('connected');
      this.emit('open', this.#conn);
    });
  }

  #write(port: SerialPort, bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!port.isOpen) {
        reject(new Error(`serial port ${this.opts.path} is not open`));
        return;
      }
      port.write(Buffer.from(bytes), (err) => {
        if (err) reject(err);
        else {
          this.countOut(bytes.length);
          resolve();
        }
      });
    });
  }

  #drop(reason: string): void {
    const conn = this.#conn;
    this.#conn = undefined;
    this.#port = undefined;
    this.setConnections(0);
    if (conn) this.emit('closed', conn, reason);
  }

  #failed(generation: number, message: string): void {
    if (generation !== this.#generation || this.#stopped) return;
    this.#generation++;
    const port = this.#port;
    this.#drop(message);
    if (port?.isOpen) port.close(() => undefined);
    this.#attempt++;
    const delay = backoffDelay(this.#attempt, this.opts.backoff ?? { initialMs: 500, maxMs: 30_000 });
    this.opts.log.warn({ path: this.opts.path, err: message, retryInMs: delay }, 'serial link down; will reopen');
    this.setState('retrying', { lastError: message, nextRetryAt: new Date(Date.now() + delay).toISOString() });
    this.#timer = setTimeout(() => this.#open(), delay);
  }
}
