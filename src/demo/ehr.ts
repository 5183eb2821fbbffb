// Demo mode's built-in EHR: an MLLP receiver that acknowledges every message with AA and logs only
// its type, control ID and result count, so `npm start` shows the whole loop without a real EHR.

import { buildAck } from '../hl7/ack.ts';
import { fieldText, rawField, segmentNamed, splitMessage } from '../hl7/message-text.ts';
import { MllpListener } from '../mllp/listener.ts';
import type { Logger } from '../model/logger.ts';

export interface DemoEhr {
  port: number;
  close(): Promise<void>;
}

/** The fields the demo receiver prints: message type, control ID and how many results, never their values. */
export function summarizeHl7(message: string): { type: string; controlId: string; observations: number } {
  const p = splitMessage(message);
  const msh = p && segmentNamed(p, 'MSH');
  if (!p || !msh) return { type: '?', controlId: '?', observations: 0 };
  return {
    // MSH-9 as sent (its components joined by the message's own separator), MSH-10 as text.
    type: rawField(p, msh, 9) || '?',
    controlId: fieldText(p, msh, 10) || '?',
    observations: p.segments.filter((s) => s.name === 'OBX' && rawField(p, s, 2) !== '').length,
  };
}

export async function startDemoEhr(opts: { host?: string; port: number; log: Logger }): Promise<DemoEhr> {
  const log = opts.log;
  const listener = new MllpListener({
    host: opts.host ?? '127.0.0.1',
    port: opts.port,
    log,
    handler: (message) => {
      const s = summarizeHl7(message);
      log.info(s, `built-in EHR received ${s.type} ${s.controlId} with ${s.observations} results`);
      return buildAck(message, 'AA', { sendingApp: 'DEMO_EHR', sendingFacility: 'DEMO' });
    },
  });
  const { port } = await listener.start();
  log.info({ port }, 'built-in EHR receiver listening (demo)');
  return { port, close: () => listener.close() };
}
