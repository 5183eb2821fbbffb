// GET /api/status as the running gateway answers it. Every open page asks again a few seconds after
// events while they flow, so one answer costs no pass over the state document: the outbox facts come
// from the metrics (kept as the store changes, metrics/outbox-tally.ts), links from their trackers
// and workers, held readings are counted as the store changes, and the finished view is shared by
// all asking within a second.

import { judgeHealth, type HealthFacts, type HealthThresholds } from '../health/judge.ts';
import { pageThresholds, statusProblems, type StatusView } from '../health/problems.ts';
import type { StateStore } from '../store/state-store.ts';
import type { DestinationFleet } from './destination-fleet.ts';
import type { DeviceFleet } from './device-fleet.ts';

/** How long one answer serves every tab asking; a retry a person asked for starts a new one. */
export const STATUS_MAX_AGE_MS = 1000;

/** How many readings are held now, kept up to date by the store's record watch instead of counted per call. */
export class HeldCount {
  readonly #held = new Set<string>();
  readonly #unwatch: () => void;

  constructor(store: StateStore) {
    for (const [id, r] of Object.entries(store.data.readings)) if (r.status === 'held') this.#held.add(id);
    this.#unwatch = store.watch('readings', (id) => {
      if (store.data.readings[id]?.status === 'held') this.#held.add(id);
      else this.#held.delete(id);
    });
  }

  get count(): number {
    return this.#held.size;
  }

  close(): void {
    this.#unwatch();
  }
}

export interface StatusSourceParts {
  store: StateStore;
  devices: DeviceFleet;
  destinations: DestinationFleet;
  healthFacts(): Promise<HealthFacts>;
  /** The configured thresholds; the page's shorter grace times are applied here. */
  thresholds(): HealthThresholds;
  /** Order downloads the analyzers refused, and orders overdue for a result (src/orders/). */
  orders?(): { rejected: number; unresulted: number };
  now?: () => number;
}

export interface StatusSource {
  get(): Promise<StatusView>;
  /** Something changed on purpose (a retry): the next get() looks again. */
  invalidate(): void;
}

export function statusSource(parts: StatusSourceParts): StatusSource {
  const { devices, destinations } = parts;
  const now = parts.now ?? Date.now;
  const held = new HeldCount(parts.store);
  let cached: { at: number; view: Promise<StatusView> } | undefined;

  const build = async (): Promise<StatusView> => {
    const report = judgeHealth(await parts.healthFacts(), pageThresholds(parts.thresholds()));
    return statusProblems(report, {
      devices: devices.entries.map((e) => {
        const link = devices.status(e);
        // MQTT devices share the gateway's broker connection, which reconnects by itself.
        const retryWaiting = link.state === 'retrying' && e.config.transport.type !== 'mqtt';
        return { id: e.config.id, label: e.config.label, retryWaiting, ...(link.downSince ? { downSince: link.downSince } : {}) };
      }),
      destinations: destinations.links(),
      held: held.count,
      ...(parts.orders ? { orders: parts.orders() } : {}),
    });
  };

  return {
    get() {
      const t = now();
      if (!cached || t - cached.at >= STATUS_MAX_AGE_MS || t < cached.at) {
        const view = build();
        const entry = { at: t, view };
        cached = entry;
        // A failed look is not shared: the next asker tries again.
        view.catch(() => {
          if (cached === entry) cached = undefined;
        });
      }
      return cached.view;
    },
    invalidate() {
      cached = undefined;
    },
  };
}
