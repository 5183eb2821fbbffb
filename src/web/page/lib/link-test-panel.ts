// The device dialog's link tools: "Find ports" lists serial ports to pick from, "Test link" shows
// the bytes that arrive in five seconds and, next to them, what the device's driver recognised in
// them ("1 reading: weight 64.20 kg", or why not).
//
// A running device's test taps its real link: the dialog says so before the test (paragraph
// #link-test-warning, the Test button's description) and with its answer (`.link-taken`). A test of
// a new or changed link on the port of a running device taps that device's link too: pressing Test
// looks it up, and when it is bound to a patient asks first (`.link-test-confirm`, "Test anyway").
//
// For tests: buttons "Find ports", "Use <path>", "Test link"; the verdict is the paragraph
// `.link-verdict` ("Recognised: ..." / "Not recognised: ...").

import type { ConfigProblem, DeviceView, LinkRecognition, LinkTestRequest, LinkTestResult, SerialPortView } from '../../api-types.ts';
import type { DeviceConfigT } from '../../../config/schema.ts';
import { ApiError, get, post } from './api.ts';
import { h, replace, toast } from './dom.ts';
import { clearProblems, showProblems } from './form.ts';
import { heldLinkWarning, holderBound, runningWarning, takenNote } from './link-test-warning.ts';
import { sameLink } from '../../../model/same-link.ts';
import { errorText } from '../../../model/error-text.ts';

const SECONDS = 5;

const VERDICT: Record<LinkRecognition['outcome'], { cls: string; lead: string }> = {
  read: { cls: 'ok', lead: 'Recognised: ' },
  refused: { cls: 'error', lead: 'Not recognised: ' },
  incomplete: { cls: 'warn', lead: 'Not recognised: ' },
  nothing: { cls: 'warn', lead: 'Not recognised: ' },
  unsupported: { cls: 'muted', lead: '' },
  failed: { cls: 'warn', lead: 'Not recognised: ' },
};

/** The driver's verdict in one line, and what to know about the protocol's test. */
function verdict(recognised: LinkRecognition | undefined): Node[] {
  if (!recognised) return [];
  const v = VERDICT[recognised.outcome];
  return [
    h('p', { class: `link-verdict ${v.cls}` }, v.lead, recognised.text),
    recognised.note ? h('p', { class: 'muted small-text' }, `Note: ${recognised.note}.`) : null,
  ].filter((n): n is HTMLParagraphElement => n !== null);
}

/** Bytes as they arrived: one line per chunk, text with control codes spelled out, then hex. */
function linkTestOutput(result: LinkTestResult, seconds: number): Node[] {
  if (!result.opened) return [h('p', { class: 'error' }, `The link did not open: ${result.error ?? 'no reason given'}`)];
  if (result.chunks.length === 0) {
    return [
      h('p', { class: 'warn' }, `Nothing arrived in ${seconds} seconds.`),
      h(
        'p',
        { class: 'muted' },
        'Check the cable and port, the baud rate and parity, and that the device is switched on and sending (some send only when a measurement is taken).',
      ),
      result.error ? h('p', { class: 'error' }, result.error) : null,
    ].filter((n): n is HTMLParagraphElement => n !== null);
  }
  const time = (iso: string) => new Date(iso).toLocaleTimeString();
  const taken = takenNote(result);
  return [
    h('p', { class: 'ok' }, `${result.bytes} byte${result.bytes === 1 ? '' : 's'} arrived${result.truncated ? ' (only the first shown)' : ''}.`),
    ...verdict(result.recognised),
    taken ? h('p', { class: 'link-taken warn' }, taken) : h('span'),
    result.error ? h('p', { class: 'error' }, result.error) : h('span'),
    h('h3', {}, 'As text'),
    h('pre', { class: 'bytes', tabindex: '0', 'aria-label': 'Bytes as text' }, result.chunks.map((c) => `${time(c.at)}  ${c.text}\n`).join('')),
    h('h3', {}, 'As hex'),
    h('pre', { class: 'bytes', tabindex: '0', 'aria-label': 'Bytes as hex' }, result.chunks.map((c) => `${time(c.at)}  ${c.hex}\n`).join('')),
  ];
}

function portItem(port: SerialPortView, onPick: (path: string) => void): HTMLLIElement {
  const ids = port.vendorId ? `${port.vendorId}:${port.productId ?? '????'}` : undefined;
  const paths = [...port.stablePaths, port.path];
  return h(
    'li',
    {},
    h('div', {}, h('strong', { class: 'mono' }, port.path), port.usedBy ? h('span', { class: 'badge warn' }, `used by ${port.usedBy}`) : null),
    h(
      'div',
      { class: 'muted small-text' },
      [
        port.adapter ? `${port.adapter.chip} (${port.adapter.kernelDriver})` : (port.manufacturer ?? 'unknown adapter'),
        ids ? `VID:PID ${ids}` : '',
        port.serialNumber ? `serial no. ${port.serialNumber}` : '',
      ]
        .filter(Boolean)
        .join(' \u00b7 '),
    ),
    h(
      'div',
      { class: 'row' },
      paths.map((p, i) => h('button', { type: 'button', class: i === 0 ? 'small primary' : 'small', onclick: () => onPick(p) }, `Use ${p}`)),
    ),
    port.stablePaths.length > 0 ? h('div', { class: 'hint' }, 'The first (by-id) name stays the same when the adapter moves to another USB socket.') : null,
  );
}

export interface LinkTestPanelOptions {
  form: HTMLFormElement;
  /** The saved device when editing: an unchanged link is watched where it runs. */
  existing: DeviceConfigT | undefined;
  /** The saved device's live view: whether it runs, and whom it is bound to. */
  view?: DeviceView | undefined;
  readDevice(): { device: DeviceConfigT; problems: ConfigProblem[] };
}

export interface LinkTestPanel {
  buttons: HTMLElement;
  output: HTMLElement[];
  /** The connection type changed: earlier output no longer applies, and the buttons fit the new one. */
  setTransport(type: DeviceConfigT['transport']['type'] | undefined): void;
}

export function linkTestPanel(o: LinkTestPanelOptions): LinkTestPanel {
  const portsBox = h('div', { 'aria-live': 'polite' });
  const testOut = h('div', { 'aria-live': 'polite', class: 'link-test' });
  const findBtn = h('button', { type: 'button', onclick: () => void findPorts() }, 'Find ports');
  const warning = runningWarning(o.existing ? o.view : undefined);
  const warningEl = warning ? h('p', { id: 'link-test-warning', class: 'warn small-text' }, warning) : null;
  const testBtn = h('button', { type: 'button', onclick: () => void testLink(), ...(warningEl ? { 'aria-describedby': warningEl.id } : {}) }, 'Test link');

  const findPorts = async () => {
    findBtn.disabled = true;
    replace(portsBox, h('p', { class: 'muted' }, 'Looking for serial ports\u2026'));
    try {
      const { ports } = await get<{ ports: SerialPortView[] }>('/api/serial-ports');
      const pathInput = document.getElementById('dev-transport-path') as HTMLInputElement | null;
      const pick = (p: string) => {
        if (pathInput) {
          pathInput.value = p;
          pathInput.focus();
        }
        toast(`Serial port path set to ${p}`);
      };
      replace(
        portsBox,
        ports.length === 0
          ? h('p', { class: 'warn' }, 'No serial ports found. Is the USB-serial adapter plugged in? Some adapters need a moment after plugging in; try again.')
          : [
              h('h3', {}, `${ports.length} serial port${ports.length === 1 ? '' : 's'} found`),
              h(
                'ul',
                { class: 'ports' },
                ports.map((p) => portItem(p, pick)),
              ),
            ],
      );
    } catch (err) {
      replace(portsBox, h('p', { class: 'error' }, `Could not list serial ports: ${errorText(err)}`));
    } finally {
      findBtn.disabled = false;
    }
  };

  const testLink = async () => {
    clearProblems(o.form);
    const { device, problems } = o.readDevice();
    const linkProblems = problems.filter((p) => p.path.startsWith('transport') || p.path === 'driver');
    const saved = o.existing;
    const unchanged =
      saved !== undefined &&
      JSON.stringify(device.transport) === JSON.stringify(saved.transport) &&
      device.driver === saved.driver &&
      JSON.stringify(device.settings ?? {}) === JSON.stringify(saved.settings ?? {});
    if (!unchanged && linkProblems.length > 0) {
      showProblems(o.form, linkProblems);
      return;
    }
    const request: LinkTestRequest = unchanged
      ? { deviceId: saved.id, seconds: SECONDS }
      : { transport: device.transport, driver: device.driver, ...(device.settings ? { settings: device.settings } : {}), seconds: SECONDS };
    testBtn.disabled = true;
    // Asked now, not at dialog open: a binding or another device on this port may have changed since.
    let holder: DeviceView | undefined;
    try {
      const { devices } = await get<{ devices: DeviceView[] }>('/api/devices');
      holder = devices.find((d) => d.enabled && sameLink(d.transport, device.transport));
    } catch (err) {
      replace(testOut, h('p', { class: 'error' }, `Could not check which device runs on this link: ${errorText(err)}`));
      testBtn.disabled = false;
      return;
    }
    const warning = heldLinkWarning(holder, saved?.id);
    if (holderBound(holder)) {
      const cancel = h('button', { type: 'button', onclick: () => replace(testOut) }, 'Cancel');
      replace(
        testOut,
        h('p', { class: 'link-test-confirm warn' }, warning),
        h('div', { class: 'row' }, h('button', { type: 'button', onclick: () => void run(request, warning) }, 'Test anyway'), cancel),
      );
      testBtn.disabled = false;
      cancel.focus();
      return;
    }
    await run(request, warning);
  };

  const run = async (request: LinkTestRequest, warning: string | undefined) => {
    testBtn.disabled = true;
    replace(
      testOut,
      warning ? h('p', { class: 'warn small-text' }, warning) : null,
      h('p', { class: 'muted' }, `Listening for ${SECONDS} seconds\u2026 make the device send something now.`),
    );
    try {
      const result = await post<LinkTestResult>('/api/link-test', request);
      replace(testOut, h('h3', {}, 'Link test'), linkTestOutput(result, SECONDS));
    } catch (err) {
      if (err instanceof ApiError && err.problems.length > 0) {
        replace(testOut);
        showProblems(o.form, err.problems);
      } else replace(testOut, h('p', { class: 'error' }, `Link test failed: ${errorText(err)}`));
    } finally {
      testBtn.disabled = false;
    }
  };

  return {
    buttons: h('div', {}, h('div', { class: 'row' }, findBtn, testBtn), warningEl),
    output: [portsBox, testOut],
    setTransport(type) {
      replace(portsBox);
      replace(testOut);
      findBtn.hidden = type !== 'serial';
      // The link test opens serial and TCP links itself; a saved device's running link works for any kind.
      testBtn.hidden = !(type === 'serial' || type === 'tcp' || o.existing !== undefined);
    },
  };
}
