// The Sender for a destination's kind: our MLLP client for an EHR, an MQTT publisher for an uplink.

import { readFile } from 'node:fs/promises';
import type { ConnectionOptions } from 'node:tls';
import type { DestinationConfig, MllpDestinationConfig } from '../config/schema.ts';
import { MllpClient } from '../mllp/client.ts';
import type { Logger } from '../model/logger.ts';
import type { Sender } from './delivery-worker.ts';
import { createMqttSender } from './mqtt-sender.ts';

async function tlsOptions(dest: MllpDestinationConfig): Promise<ConnectionOptions | undefined> {
  const tls = dest.tls;
  if (!tls) return undefined;
  const read = (file: string | undefined) => (file ? readFile(file) : undefined);
  return {
    ca: await read(tls.caFile),
    cert: await read(tls.certFile),
    key: await read(tls.keyFile),
    servername: tls.servername ?? dest.host,
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
  };
}

export async function createSender(dest: DestinationConfig, log: Logger): Promise<Sender> {
  switch (dest.type) {
    case 'mllp':
      return new MllpClient({
        host: dest.host,
        port: dest.port,
        tls: await tlsOptions(dest),
        ackTimeoutMs: dest.ackTimeoutMs,
        connectTimeoutMs: dest.connectTimeoutMs,
        log,
      });
    case 'mqtt':
      return createMqttSender(dest, log);
  }
}
