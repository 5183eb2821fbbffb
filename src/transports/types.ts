// What every transport offers the device runner: connections that carry bytes, and a link state.

import type { EventEmitter } from 'node:events';

export type LinkState = 'connecting' | 'connected' | 'listening' | 'retrying' | 'stopped';

export interface LinkStatus {
  state: LinkState;
  since: string;
  lastError?: string;
  nextRetryAt?: string;
  reconnects: number;
  connections: number;
  bytesIn: number;
  bytesOut: number;
}

export interface Connection {
  id: string;
  remote: string;
  write(bytes: Uint8Array): Promise<void>;
}

export interface TransportEvents {
  open: [Connection];
  data: [Connection, Buffer];
  closed: [Connection, string];
  status: [LinkStatus];
}

export interface Transport extends EventEmitter<TransportEvents> {
  start(): void;
  stop(): Promise<void>;
  readonly status: LinkStatus;
}
