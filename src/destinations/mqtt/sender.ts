// An uplink broker: a PUBACK is the whole answer (MQTT 3.1.1 4.3.2), so a publish is delivered or
// retried, never dead, and carries no HL7 ACK.

import type { MqttDestinationConfig } from '../../config/schema.ts';
import { retryAfter, type DestinationSender, type SenderDeps } from '../adapter.ts';
import { createMqttSender, type MqttSender } from './mqtt-sender.ts';

export function publishOutcomes(publisher: Pick<MqttSender, 'send' | 'close'>): DestinationSender {
  return {
    send: (m) => publisher.send(m.body, m.controlId).then(() => ({ kind: 'delivered' }) as const, retryAfter),
    close: () => publisher.close(),
  };
}

export async function openMqtt(dest: MqttDestinationConfig, { log }: SenderDeps): Promise<DestinationSender> {
  return publishOutcomes(await createMqttSender(dest, log));
}
