// The facts the health judgement needs, read from the running gateway: the outbox and disk as the
// metrics see them, link states, what the stores say about themselves, and the unreviewed QC rejections.

import type { GatewayMetrics, ScrapeSources } from '../metrics/gateway-metrics.ts';
import { linkIsUp } from '../metrics/meter.ts';
import type { HealthFacts } from './judge.ts';

export interface HealthInputs {
  metrics: Pick<GatewayMetrics, 'startedAt' | 'lastDeliveredAt' | 'downSince' | 'outbox' | 'diskSpace'>;
  devices: ScrapeSources['devices'];
  storage(): HealthFacts['storage'];
  /** The QC service's unreviewed rejections (kept in memory: cheap). */
  qc?(): HealthFacts['qc'];
}

export async function gatherHealthFacts(inputs: HealthInputs, now = Date.now()): Promise<HealthFacts> {
  const { metrics } = inputs;
  const disk = await metrics.diskSpace();
  const destinations: HealthFacts['destinations'] = [];
  for (const [id, f] of metrics.outbox(now)) {
    const lastDeliveredAt = metrics.lastDeliveredAt(id);
    destinations.push({ id, ...f, ...(lastDeliveredAt === undefined ? {} : { lastDeliveredAt }) });
  }
  const devices: HealthFacts['devices'] = [];
  for (const d of inputs.devices()) {
    if (!d.enabled) continue;
    const downSince = metrics.downSince(d.id);
    devices.push({ id: d.id, up: linkIsUp(d.state), state: d.state, ...(downSince === undefined ? {} : { downSince }) });
  }
  const qc = inputs.qc?.();
  return { now, startedAt: metrics.startedAt, destinations, devices, ...(disk ? { disk } : {}), storage: inputs.storage(), ...(qc ? { qc } : {}) };
}
