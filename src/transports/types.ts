// What every transport offers the device runner: connections that carry bytes, and a link state.

import type { EventEmitter } from 'node:events';
import type { MessageMeta } from '../model/driver.ts';

export type LinkState = 'connecting' | 'connected' | 'listening' | 'retrying' | 'stopped';

export interface LinkStatus {
  state: LinkState;
  /** When `state` last changed (a retry cycle changes it every few seconds). */
  since: string;
  /** The first failure of the current outage, kept through its retries; absent while the link is up. */
  downSince?: string;
  /** Why the link is down; cleared once it is up again, so an old error never sits beside "connected". */
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
  /** Ends this connection (a peer past a protocol's bounds); only transports whose peers dial in and out offer it. */
  close?(reason: string): void;
}

/** Called once the message is durable (no argument) or could not be stored (the error): only then may the transport acknowledge it. */
export type MessageDone = (error?: Error) => void;

export interface TransportEvents {
  open: [Connection];
  data: [Connection, Buffer];
  /** Message-oriented transports (MQTT, file drop): one whole message, acknowledged through `done`. */
  message: [Connection, Buffer, MessageMeta, MessageDone];
  closed: [Connection, string];
  status: [LinkStatus];
}

export interface Transport extends EventEmitter<TransportEvents> {
  start(): void;
  stop(): Promise<void>;
  readonly status: LinkStatus;
  /** A link waiting out its backoff tries again now, with the backoff reset; false when it is not waiting (or cannot). */
  retryNow?(): boolean;
}
