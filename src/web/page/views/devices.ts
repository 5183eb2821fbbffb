// The Devices page: one card per configured device with its live link state, last reading,
// counters and patient binding, kept current from the event stream. Admins add, edit and remove
// devices; in demo mode anyone can start and stop a device's simulator.
//
// Devices whose link is down come first, so a problem is in sight without scrolling.
//
// For tests: heading "Devices"; button "Add device" (admin); each device is an article named by
// its label (or ID when it has none), with data-device-id, holding buttons "Retry now" (link
// waiting to retry), "Bind patient", "Edit", "Remove" (admin), "Start simulator" / "Stop simulator" (demo). Removing asks in a dialog "Remove device
// <id>?" with buttons "Remove" and "Cancel". The editor is described in lib/device-editor.ts.

import type { ConfigSchemas, DeviceView, DriverInfo, GatewayEvent, SimulatorView } from '../../api-types.ts';
import type { DeviceConfigT } from '../../../config/schema.ts';
import { ApiError, del, get, post } from '../lib/api.ts';
import { deviceCard, type DeviceCard } from '../lib/device-card.ts';
import { timeText } from '../lib/device-words.ts';
import { linkDown } from '../lib/link-words.ts';
import { watchStatus } from '../lib/status-feed.ts';
import { retriedWords } from '../lib/status-words.ts';
import { openDeviceEditor } from '../lib/device-editor.ts';
import { h, replace, toast } from '../lib/dom.ts';
import { onEvent, onReconnect } from '../lib/events.ts';
import { confirmDialog, errorText } from '../lib/form.ts';
import { startSimulator, stopSimulator } from '../lib/simulator-controls.ts';
import type { View } from '../lib/view.ts';

const REFRESH_MS = 15_000;

export const devicesView: View = (root, ctx) => {
  const admin = ctx.session.user.role === 'admin';
  const demo = ctx.session.demo;
  const cards = new Map<string, DeviceCard>();
  const simulators = new Map<string, SimulatorView>();
  let drivers: DriverInfo[] = [];
  let schemas: ConfigSchemas | undefined;
  let gone = false;
  /** When the gateway stopped answering: the cards are as they were then. */
  let downSince: number | undefined;

  const status = h('p', { class: 'muted', 'aria-live': 'polite' }, 'Loading devices…');
  const grid = h('div', { class: 'grid' });
  const addBtn = admin ? h('button', { type: 'button', class: 'primary', onclick: () => void edit(undefined) }, 'Add device') : null;
  replace(root, h('div', { class: 'toolbar' }, h('h1', {}, 'Devices'), addBtn), status, grid);

  const name = (id: string) => {
    const d = cards.get(id)?.device;
    return d?.label ?? id;
  };
  const driverTitle = (id: string) => drivers.find((d) => d.id === id)?.title ?? id;

  let triedDrivers = false;
  const loadDriverTitles = async () => {
    // Staff may not be allowed the driver list; then the driver's id stands in for its title.
    if (admin || triedDrivers) return;
    triedDrivers = true;
    drivers = (await get<{ drivers: DriverInfo[] }>('/api/drivers').catch(() => ({ drivers: [] as DriverInfo[] }))).drivers;
  };

  const loadConfigMeta = async () => {
    if (!admin || schemas) return;
    const [d, s] = await Promise.all([get<{ drivers: DriverInfo[] }>('/api/drivers'), get<ConfigSchemas>('/api/schemas')]);
    drivers = d.drivers;
    schemas = s;
  };

  const edit = async (id: string | undefined) => {
    try {
      await loadConfigMeta();
      const existing = id ? (await get<{ device: DeviceConfigT }>(`/api/config/devices/${encodeURIComponent(id)}`)).device : undefined;
      if (!schemas) return;
      openDeviceEditor(existing, { drivers, schemas, view: id ? cards.get(id)?.device : undefined }, () => void refresh());
    } catch (err) {
      toast(`Cannot open the device: ${errorText(err)}`, 'error');
    }
  };

  const remove = async (id: string) => {
    const ok = await confirmDialog(
      `Remove device ${id}?`,
      `${name(id)} stops being read, and its configuration is deleted. Readings already received stay in the journal and the outbox.`,
      'Remove',
    );
    if (!ok) return;
    try {
      await del(`/api/config/devices/${encodeURIComponent(id)}`);
      toast(`Device ${id} removed`);
      await refresh();
    } catch (err) {
      toast(`Not removed: ${errorText(err)}`, 'error');
    }
  };

  const startSim = async (id: string) => {
    const sim = simulators.get(id);
    if (!sim) return;
    const next = await startSimulator(sim, name(id));
    if (next) setSim(next);
  };
  const stopSim = async (id: string) => {
    const next = await stopSimulator(id, name(id));
    if (next) setSim(next);
  };
  const retry = async (id: string) => {
    try {
      // The card follows the link's events: the answer's link state may already be older than they are.
      const answer = await post<{ already?: boolean }>(`/api/devices/${encodeURIComponent(id)}/retry`);
      toast(retriedWords(name(id), answer.already === true, true));
    } catch (err) {
      toast(`Could not retry ${name(id)}: ${errorText(err)}`, 'error');
    }
  };

  /** Problem devices first, each group in the configuration's order. */
  let configOrder: string[] = [];
  const order = () => {
    const ids = configOrder.filter((id) => cards.has(id));
    const down = ids.filter((id) => linkDown(cards.get(id)!.device));
    const wanted = [...down, ...ids.filter((id) => !down.includes(id))];
    // Reorder only when the order changed: moving a node takes focus from its buttons, so put it back.
    const shown = Array.from(grid.children).map((el) => el.getAttribute('data-device-id'));
    if (shown.join('\n') === wanted.join('\n')) return;
    const focused = document.activeElement;
    grid.replaceChildren(...wanted.map((id) => cards.get(id)?.el).filter((el): el is HTMLElement => el !== undefined));
    if (focused instanceof HTMLElement && grid.contains(focused) && document.activeElement !== focused) focused.focus();
  };

  const setSim = (sim: SimulatorView) => {
    simulators.set(sim.deviceId, sim);
    cards.get(sim.deviceId)?.setSimulator(sim);
  };

  /** The count, or what is wrong with what the cards show. */
  const sayStatus = () => {
    grid.classList.toggle('stale', downSince !== undefined);
    if (downSince !== undefined) {
      replace(status, `The gateway does not answer (since ${timeText(new Date(downSince).toISOString())}): the devices are shown as they were then.`);
      status.className = 'error';
    } else if (cards.size === 0) {
      replace(status, admin ? 'No devices yet. Add one with "Add device".' : 'No devices are configured yet. An administrator adds them.');
      status.className = 'empty';
    } else {
      replace(status, `${cards.size} device${cards.size === 1 ? '' : 's'}`);
      status.className = 'muted';
    }
  };

  const draw = (devices: DeviceView[]) => {
    const ids = devices.map((d) => d.id);
    for (const [id, card] of cards) {
      if (!ids.includes(id)) {
        card.el.remove();
        cards.delete(id);
      }
    }
    for (const d of devices) {
      const card = cards.get(d.id);
      if (card) card.update(d);
      else {
        const created = deviceCard(d, {
          driverTitle,
          admin,
          onEdit: (id) => void edit(id),
          onRemove: (id) => void remove(id),
          onStartSimulator: (id) => void startSim(id),
          onStopSimulator: (id) => void stopSim(id),
          onRetry: (id) => void retry(id),
          onBind: (id) => ctx.navigate('patients', { bind: id }),
        });
        cards.set(d.id, created);
      }
      cards.get(d.id)?.setSimulator(simulators.get(d.id));
    }
    configOrder = ids;
    order();
    sayStatus();
  };

  let refreshing: Promise<void> | undefined;
  const refresh = (): Promise<void> => {
    refreshing ??= (async () => {
      try {
        const [{ devices }, sims] = await Promise.all([
          get<{ devices: DeviceView[] }>('/api/devices'),
          demo
            ? get<{ simulators: SimulatorView[] }>('/api/simulators').catch((err: unknown) =>
                err instanceof ApiError && err.status === 404 ? { simulators: [] } : Promise.reject(err),
              )
            : Promise.resolve({ simulators: [] as SimulatorView[] }),
          admin ? loadConfigMeta().catch(() => undefined) : loadDriverTitles(),
        ]);
        if (gone) return;
        simulators.clear();
        for (const s of sims.simulators) simulators.set(s.deviceId, s);
        draw(devices);
      } catch (err) {
        // While the gateway does not answer, the strip and the line above the cards say so.
        if (gone || downSince !== undefined) return;
        replace(status, `Could not load the devices: ${errorText(err)}`);
        status.className = 'error';
      } finally {
        refreshing = undefined;
      }
    })();
    return refreshing;
  };

  const onGatewayEvent = (event: GatewayEvent) => {
    switch (event.type) {
      case 'link': {
        const card = cards.get(event.deviceId);
        if (card) card.update({ ...card.device, link: event.link });
        order();
        break;
      }
      case 'reading': {
        const card = cards.get(event.reading.reading.deviceId);
        if (card) card.update({ ...card.device, lastReading: event.reading, counters: { ...card.device.counters, reports: card.device.counters.reports + 1 } });
        break;
      }
      case 'config':
        if (event.what === 'device') void refresh();
        break;
      case 'simulator': {
        const sim = simulators.get(event.deviceId);
        if (sim) {
          const next: SimulatorView = { ...sim, running: event.running, sent: event.sent };
          if (event.error === undefined) delete next.error;
          else next.error = event.error;
          setSim(next);
        }
        break;
      }
      default:
        break;
    }
  };

  const unsubscribe = onEvent(onGatewayEvent);
  // Events missed while the stream was broken: fetch everything again at once.
  const offReconnect = onReconnect(() => void refresh());
  const offStatus = watchStatus((_status, _now, down) => {
    if (down === downSince) return;
    downSince = down;
    // Back: the cards stay marked old until the fetch has drawn them anew.
    if (down === undefined) void refresh();
    else sayStatus();
  });
  // Counters and "3 min ago" drift without events: refresh now and then.
  const timer = setInterval(() => void refresh(), REFRESH_MS);
  void refresh();

  return () => {
    gone = true;
    unsubscribe();
    offReconnect();
    offStatus();
    clearInterval(timer);
  };
};
