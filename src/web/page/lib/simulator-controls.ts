// Starting and stopping a device's simulator in demo mode. A serial device's simulator writes to
// the other end of its cable or pty pair, which only the person at the machine knows: it is asked
// for in a small dialog.
//
// For tests: dialog "Start simulator for <device>"; label "Simulator serial port path"; button "Start simulator".

import type { SimulatorStart, SimulatorView } from '../../api-types.ts';
import { post } from './api.ts';
import { h, toast } from './dom.ts';
import { clearProblems, dialogActions, errorText, field, input, openDialog, problemBox, showError, showProblems, whileBusy } from './form.ts';

const lastSerialPath = new Map<string, string>();

async function start(deviceId: string, body: SimulatorStart): Promise<SimulatorView> {
  const res = await post<{ simulator: SimulatorView }>(`/api/simulators/${encodeURIComponent(deviceId)}/start`, body);
  return res.simulator;
}

/** Starts the simulator (asking for its serial port first when it needs one); resolves with its new state, or undefined when cancelled or refused. */
export function startSimulator(sim: SimulatorView, deviceName: string): Promise<SimulatorView | undefined> {
  if (!sim.needsSerialPath) {
    return start(sim.deviceId, {}).then(
      (s) => {
        toast(`Simulator for ${deviceName} started`);
        return s;
      },
      (err: unknown) => {
        toast(`Simulator not started: ${errorText(err)}`, 'error');
        return undefined;
      },
    );
  }
  return new Promise((resolve) => {
    let result: SimulatorView | undefined;
    openDialog(
      `Start simulator for ${deviceName}`,
      (handle) => {
        // No placeholder: an example path in the field reads as a value already filled in; the hint below gives it.
        const path = input({ value: lastSerialPath.get(sim.deviceId) ?? '', autocomplete: 'off', spellcheck: 'false' });
        const form = h(
          'form',
          { novalidate: true },
          problemBox(),
          h('p', {}, 'The simulator writes to the other end of the serial link: the second port of a null-modem cable, or the partner of a pty pair (socat).'),
          field({
            id: 'sim-serial-path',
            label: 'Simulator serial port path',
            control: path,
            required: true,
            path: 'serialPath',
            hint: 'For example /dev/ttyUSB1 or /dev/pts/5; not the port the device itself uses.',
          }),
          dialogActions('Start simulator', handle),
        );
        form.addEventListener('submit', (e) => {
          e.preventDefault();
          clearProblems(form);
          const value = path.value.trim();
          if (!value) {
            showProblems(form, [{ path: 'serialPath', message: 'enter the path of the port the simulator writes to' }]);
            return;
          }
          void whileBusy(form, async () => {
            try {
              result = await start(sim.deviceId, { serialPath: value });
              lastSerialPath.set(sim.deviceId, value);
              toast(`Simulator for ${deviceName} started`);
              handle.close();
            } catch (err) {
              showError(form, err);
            }
          });
        });
        return form;
      },
      { onClose: () => resolve(result) },
    );
  });
}

export async function stopSimulator(deviceId: string, deviceName: string): Promise<SimulatorView | undefined> {
  try {
    const res = await post<{ simulator: SimulatorView }>(`/api/simulators/${encodeURIComponent(deviceId)}/stop`);
    toast(`Simulator for ${deviceName} stopped`);
    return res.simulator;
  } catch (err) {
    toast(`Simulator not stopped: ${errorText(err)}`, 'error');
    return undefined;
  }
}

/**
 * A device's simulator as the card shows it. Green only while it runs; otherwise neutral, since a
 * real device has no simulator running and nothing is wrong with that: "not running" for one never
 * started (a real device in demo mode), a plain "Stopped" badge with its count for one that ran.
 * Only a simulator that failed says so in red.
 */
export function simulatorStatus(sim: SimulatorView): Node {
  const started = sim.running || sim.sent > 0 || sim.error !== undefined;
  if (!started) return h('span', { class: 'muted' }, 'Simulator: not running');
  return h(
    'span',
    {},
    'Simulator: ',
    h('span', { class: sim.running ? 'badge up' : 'badge' }, sim.running ? 'Running' : 'Stopped'),
    ` ${sim.sent} message${sim.sent === 1 ? '' : 's'} sent`,
    sim.target ? h('span', { class: 'muted' }, ` (${sim.target})`) : '',
    sim.error ? h('div', { class: 'error small-text' }, sim.error) : null,
  );
}
