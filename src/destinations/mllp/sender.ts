// An EHR over MLLP: our MLLP client sends, judgeAck says what the ACK means.

import { readFile } from 'node:fs/promises';
import type { ConnectionOptions } from 'node:tls';
import type { MllpDestinationConfig } from '../../config/schema.ts';
import type { Ack } from '../../hl7/ack-types.ts';
import { MllpClient } from '../../mllp/client.ts';
import { retryAfter, type DestinationSender, type SendOutcome, type SenderDeps } from '../adapter.ts';
import { judgeAck } from './judge-ack.ts';

/** What sends HL7 and answers with the ACK whose MSA-2 matches, or rejects with an Error carrying `kind`. */
export interface AckSender {
  send(body: string, controlId: string): Promise<Ack>;
  close(): Promise<void>;
}

/** The outcome of an ACK, or of its absence. */
export async function judgeSend(reply: Promise<Ack>, controlId: string): Promise<SendOutcome> {
  try {
    return judgeAck(await reply, controlId);
  } catch (err) {
    return retryAfter(err);
  }
}

export function ackOutcomes(client: AckSender): DestinationSender {
  return {
    send: (m) => judgeSend(client.send(m.body, m.controlId), m.controlId),
    close: () => client.close(),
  };
}

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

export async function openMllp(dest: MllpDestinationConfig, { log }: SenderDeps): Promise<DestinationSender> {
  const client = new MllpClient({
    host: dest.host,
    port: dest.port,
    tls: await tlsOptions(dest),
    ackTimeoutMs: dest.ackTimeoutMs,
    connectTimeoutMs: dest.connectTimeoutMs,
    log,
  });
  return ackOutcomes(client);
}
