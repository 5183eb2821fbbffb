// Whether the page offers the QC view: while a lab analyzer is configured (asked again whenever a
// device is added, changed or removed), and while a QC failure waits for review even when no lab
// analyzer is configured now (removed since), so the status strip's "Review QC" link never lands on
// another page. Tells the shell when the answer changes, so the navigation follows.

import type { StatusView } from '../../api-types.ts';
import { get } from './api.ts';
import { onEvent } from './events.ts';
import { latestOnly } from './latest-only.ts';
import { qcOffered } from './qc-when.ts';
import { watchStatus } from './status-feed.ts';

export interface QcOffer {
  on(): boolean;
  /** Asks the gateway now (before the navigation is first drawn). */
  refresh(): Promise<void>;
  /** Follows device changes and the gateway's problems while someone is signed in. */
  setActive(active: boolean): void;
}

export function qcOffer(changed: () => void): QcOffer {
  let devices: ReadonlyArray<{ kind: string }> = [];
  let problems: ReadonlyArray<{ kind: string }> = [];
  let on = false;
  let offs: Array<() => void> = [];
  const asks = latestOnly();

  const settle = () => {
    const now = qcOffered(devices, problems);
    if (now === on) return;
    on = now;
    changed();
  };

  const askDevices = () =>
    asks.run(
      () => get<{ devices: Array<{ kind: string }> }>('/api/devices'),
      (r) => {
        devices = r.devices;
        settle();
      },
      // Not known now: what was known stays.
      () => {},
    );

  const follow = (status: StatusView | undefined) => {
    if (!status) return;
    problems = status.problems;
    settle();
  };

  return {
    on: () => on,
    async refresh() {
      await askDevices();
      // Without a lab analyzer, only a failed QC still waiting for review offers it: asked before a deep link is followed.
      if (!devices.some((d) => d.kind === 'lab')) await get<StatusView>('/api/status').then(follow, () => {});
    },
    setActive(active) {
      if (active && offs.length === 0) {
        offs = [
          onEvent((e) => {
            if (e.type === 'config' && e.what === 'device') void askDevices();
          }),
          watchStatus(follow),
        ];
      } else if (!active) {
        for (const off of offs) off();
        offs = [];
      }
    },
  };
}
