// The add/edit device dialog: driver, identity, connection (generated from the transport
// variant's schema), patient mode, driver settings (generated from the driver's schema), and the
// code map for lab analyzers. "Find ports" lists serial ports to pick from; "Test link" shows the
// bytes that arrive in five seconds. Server problems appear next to the field their path names.
//
// For tests: dialog "Add device" / "Edit device <id>"; labels "Driver", "Device ID", "Label",
// "Enabled", "Connection type", "Serial port path" (transport.path, serial), "Folder" (file),
// "Host", "Port", "TCP mode", "Topic", "Baud rate", "Data bits", "Parity", "Stop bits",
// "Patient mode"; buttons "Find ports", "Use <path>", "Test link", "Add code", "Save", "Cancel".
// Field ids: dev-<path with dashes>, e.g. #dev-transport-path, #dev-settings-pattern.

import type { ConfigProblem, ConfigSchemas, DeviceView, DriverInfo, LinkTestRequest, LinkTestResult, SerialPortView } from '../../api-types.ts';
import type { DeviceConfigT } from '../../../config/schema.ts';
import { ApiError, get, post, put } from './api.ts';
import { h, replace, toast } from './dom.ts';
import { clearProblems, dialogActions, field, handleSubmit, idTaken, input, openDialog, problemBox, showProblems } from './form.ts';
import { schemaForm, variantOf, type JsonSchema, type SchemaForm } from './schema-form.ts';
import { codeMapEditor } from './code-map-editor.ts';
import { isRecord } from '../../../model/is-record.ts';

type Transport = DeviceConfigT['transport'];
type TransportType = Transport['type'];

const TRANSPORT_NAMES: Record<TransportType, string> = {
  serial: 'Serial (RS-232 or USB-serial)',
  tcp: 'TCP/IP network',
  mqtt: 'MQTT topic',
  file: 'File drop folder',
};

const TRANSPORT_LABELS: Record<TransportType, Record<string, string>> = {
  serial: {
    'transport.path': 'Serial port path',
    'transport.baudRate': 'Baud rate',
    'transport.dataBits': 'Data bits',
    'transport.parity': 'Parity',
    'transport.stopBits': 'Stop bits',
    'transport.rtscts': 'RTS/CTS flow control',
  },
  tcp: { 'transport.mode': 'TCP mode', 'transport.host': 'Host', 'transport.port': 'Port' },
  mqtt: { 'transport.topic': 'Topic' },
  file: { 'transport.path': 'Folder', 'transport.suffix': 'File name ending', 'transport.pollMs': 'Poll interval (ms)' },
};

const TRANSPORT_HINTS: Record<string, string> = {
  'transport.host': 'connect: the device (or serial device server) address; listen: the local address to listen on, e.g. 0.0.0.0 for all',
  'transport.rtscts': 'Only when the device manual asks for hardware handshake.',
};

export interface DeviceEditorContext {
  drivers: DriverInfo[];
  schemas: ConfigSchemas;
  /** The device's live view, for its unmapped codes. */
  view?: DeviceView;
}

/** The device's codes seen without a mapping, with the specimens they came with. */
function unmappedWithSpecimens(view: DeviceView | undefined): Record<string, string[]> {
  return Object.fromEntries(Object.keys(view?.unmappedCodes ?? {}).map((code) => [code, view?.unmappedSpecimens?.[code] ?? []]));
}

/** The sub-schema of the device schema at `key`. */
function deviceProp(schemas: ConfigSchemas, key: string): JsonSchema | undefined {
  const props = (schemas.device as JsonSchema).properties;
  return props?.[key];
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
  return [
    h('p', { class: 'ok' }, `${result.bytes} byte${result.bytes === 1 ? '' : 's'} arrived${result.truncated ? ' (only the first shown)' : ''}.`),
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
        .join(' · '),
    ),
    h(
      'div',
      { class: 'row' },
      paths.map((p, i) => h('button', { type: 'button', class: i === 0 ? 'small primary' : 'small', onclick: () => onPick(p) }, `Use ${p}`)),
    ),
    port.stablePaths.length > 0 ? h('div', { class: 'hint' }, 'The first (by-id) name stays the same when the adapter moves to another USB socket.') : null,
  );
}

/**
 * Opens the dialog to add a device (`existing` undefined) or edit one. `onSaved` runs after the
 * server accepted it.
 */
export function openDeviceEditor(existing: DeviceConfigT | undefined, ctx: DeviceEditorContext, onSaved: (device: DeviceConfigT) => void): void {
  const editing = existing !== undefined;
  const drivers = [...ctx.drivers].sort((a, b) => a.title.localeCompare(b.title));
  const transportUnion = deviceProp(ctx.schemas, 'transport') ?? {};

  openDialog(
    editing ? `Edit device ${existing.id}` : 'Add device',
    (handle) => {
      const form = h('form', { novalidate: true });
      const problems = problemBox();

      // ---- identity ----
      const driverSelect = h(
        'select',
        {},
        h('option', { value: '' }, 'Choose a driver…'),
        drivers.map((d) => h('option', { value: d.id, selected: d.id === existing?.driver }, `${d.title} · ${d.kind}`)),
      );
      const idInput = input({ value: existing?.id ?? '', autocomplete: 'off', spellcheck: 'false', readonly: editing, placeholder: 'scale-1' });
      const labelInput = input({ value: existing?.label ?? '', autocomplete: 'off', placeholder: 'Scale, room 1' });
      const enabledBox = h('input', { type: 'checkbox', checked: existing?.enabled !== false });
      const driverHint = h('span', {}, 'The device protocol. Pick the model or family of the device.');

      // ---- connection ----
      const typeSelect = h('select', {});
      const transportBox = h('div', {});
      const portsBox = h('div', { 'aria-live': 'polite' });
      const testOut = h('div', { 'aria-live': 'polite', class: 'link-test' });
      const findBtn = h('button', { type: 'button', onclick: () => void findPorts() }, 'Find ports');
      const testBtn = h('button', { type: 'button', onclick: () => void testLink() }, 'Test link');
      const connection = h(
        'fieldset',
        { class: 'group', 'data-path': 'transport' },
        h('legend', {}, 'Connection'),
        h('div', { class: 'field-error' }),
        field({ id: 'dev-transport-type', label: 'Connection type', control: typeSelect, required: true, path: 'transport.type' }),
        transportBox,
        h('div', { class: 'row' }, findBtn, testBtn),
        portsBox,
        testOut,
      );

      // ---- patient, settings, lab ----
      const patientBox = h('div', {});
      const settingsBox = h('div', {});
      const codeMapBox = h('div', {});
      const moreBox = h('div', {});

      let transportForm: SchemaForm | undefined;
      let transportType: TransportType | undefined;
      let settingsForm: SchemaForm | undefined;
      let patientForm: SchemaForm | undefined;
      let labForm: SchemaForm | undefined;
      let equipmentForm: SchemaForm | undefined;
      let codeMap: ReturnType<typeof codeMapEditor> | undefined;

      const driver = (): DriverInfo | undefined => drivers.find((d) => d.id === driverSelect.value);

      const buildTransport = (type: TransportType | undefined, value: Record<string, unknown>) => {
        transportType = type;
        replace(portsBox);
        replace(testOut);
        const variant = type ? variantOf(transportUnion as JsonSchema, type) : undefined;
        if (!type || !variant) {
          transportForm = undefined;
          replace(transportBox, h('p', { class: 'muted' }, 'Choose a driver first.'));
        } else {
          const d = driver();
          const start = type === 'serial' && d?.serialDefaults ? { ...d.serialDefaults, ...value } : value;
          transportForm = schemaForm(variant, { path: 'transport', idPrefix: 'dev', value: start, labels: TRANSPORT_LABELS[type], hints: TRANSPORT_HINTS });
          transportBox.replaceChildren(transportForm.element);
          transportForm.element.querySelector('.fields')?.classList.add('fields-2');
        }
        findBtn.hidden = type !== 'serial';
        // The link test opens serial and TCP links itself; a saved device's running link works for any kind.
        testBtn.hidden = !(type === 'serial' || type === 'tcp' || editing);
      };

      const currentTransportValue = (): Record<string, unknown> => {
        const v = transportForm?.read().value;
        return isRecord(v) ? v : {};
      };

      const buildForDriver = (keepValues: boolean) => {
        const d = driver();
        driverHint.textContent = d
          ? `${d.title}: ${d.kind} device; works over ${d.transports.join(', ')}.`
          : 'The device protocol. Pick the model or family of the device.';
        // Connection types the driver supports.
        const types = (d?.transports ?? []) as TransportType[];
        const previous = transportType;
        const preferred = previous ?? existing?.transport.type;
        const chosen = preferred && types.includes(preferred) ? preferred : (types[0] ?? undefined);
        replace(
          typeSelect,
          types.map((t) => h('option', { value: t, selected: t === chosen }, TRANSPORT_NAMES[t] ?? t)),
        );
        typeSelect.disabled = types.length <= 1;
        let initialTransport: Record<string, unknown> = {};
        if (keepValues && chosen === previous) initialTransport = currentTransportValue();
        else if (existing && chosen === existing.transport.type) initialTransport = existing.transport as Record<string, unknown>;
        buildTransport(chosen, initialTransport);

        // Driver settings: the saved ones only when the driver is the saved one.
        const schema = d?.settings as JsonSchema | undefined;
        if (d && schema && (schema.properties || schema.patternProperties || schema.additionalProperties)) {
          const value = existing && existing.driver === d.id ? existing.settings : undefined;
          settingsForm = schemaForm(schema, { path: 'settings', idPrefix: 'dev', value });
          replace(
            settingsBox,
            h(
              'fieldset',
              { class: 'group', 'data-path': 'settings' },
              h('legend', {}, 'Driver settings'),
              h('div', { class: 'field-error' }),
              settingsForm.element,
            ),
          );
        } else {
          settingsForm = undefined;
          replace(settingsBox, d ? h('p', { class: 'muted' }, 'This driver has no settings.') : null);
        }

        const lab = d?.kind === 'lab';
        codeMap =
          lab || (existing?.codeMap && Object.keys(existing.codeMap).length > 0)
            ? codeMapEditor(keepValues && codeMap ? codeMap.read([]) : existing?.codeMap, unmappedWithSpecimens(ctx.view))
            : undefined;
        replace(codeMapBox, codeMap?.el ?? null);

        const labSchema = deviceProp(ctx.schemas, 'lab');
        const equipmentSchema = deviceProp(ctx.schemas, 'equipment');
        labForm =
          lab && labSchema
            ? schemaForm(labSchema, {
                path: 'lab',
                idPrefix: 'dev',
                value: existing?.lab,
                optional: true,
                labels: { 'lab.localCodeSystem': 'Local code system', 'lab.specimenType': 'Specimen type' },
              })
            : undefined;
        equipmentForm = equipmentSchema
          ? schemaForm(equipmentSchema, {
              path: 'equipment',
              idPrefix: 'dev',
              value: existing?.equipment,
              optional: true,
              labels: { 'equipment.eui64': 'EUI-64', 'equipment.model': 'Model', 'equipment.serialNumber': 'Serial number' },
            })
          : undefined;
        replace(
          moreBox,
          d
            ? h(
                'details',
                { open: Boolean(existing?.lab || existing?.equipment) },
                h('summary', {}, 'More options'),
                labForm
                  ? h('fieldset', { class: 'group', 'data-path': 'lab' }, h('legend', {}, 'Lab results'), h('div', { class: 'field-error' }), labForm.element)
                  : null,
                equipmentForm
                  ? h(
                      'fieldset',
                      { class: 'group', 'data-path': 'equipment' },
                      h('legend', {}, 'Equipment identity (OBX-18)'),
                      h('div', { class: 'field-error' }),
                      equipmentForm.element,
                    )
                  : null,
              )
            : null,
        );
      };

      const patientSchema = deviceProp(ctx.schemas, 'patient');
      if (patientSchema) {
        patientForm = schemaForm(patientSchema, {
          path: 'patient',
          idPrefix: 'dev',
          value: existing?.patient,
          optional: true,
          labels: { 'patient.mode': 'Patient mode', 'patient.verify': 'Check the ID against the patient directory' },
        });
        patientBox.appendChild(
          h('fieldset', { class: 'group', 'data-path': 'patient' }, h('legend', {}, 'Patient'), h('div', { class: 'field-error' }), patientForm.element),
        );
      }

      driverSelect.addEventListener('change', () => buildForDriver(true));
      typeSelect.addEventListener('change', () => buildTransport(typeSelect.value as TransportType, {}));

      // ---- reading the whole device ----
      const readDevice = (): { device: DeviceConfigT; problems: ConfigProblem[] } => {
        const found: ConfigProblem[] = [];
        const out: Record<string, unknown> = existing ? { ...existing } : {};
        const id = idInput.value.trim();
        if (!id) found.push({ path: 'id', message: 'enter an ID, e.g. scale-1 (letters, digits, _ . -)' });
        else if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(id))
          found.push({ path: 'id', message: 'use letters, digits, _ . - only, starting with a letter or digit, at most 64' });
        out.id = id;
        if (!driverSelect.value) found.push({ path: 'driver', message: 'choose the driver for this device' });
        out.driver = driverSelect.value;
        const label = labelInput.value.trim();
        if (label) out.label = label;
        else delete out.label;
        out.enabled = enabledBox.checked;
        const take = (key: string, form: SchemaForm | undefined) => {
          if (!form) {
            delete out[key];
            return;
          }
          const r = form.read();
          found.push(...r.problems);
          if (r.value === undefined || (isRecord(r.value) && Object.keys(r.value).length === 0 && key !== 'settings')) delete out[key];
          else out[key] = r.value;
        };
        if (transportForm && transportType) {
          const r = transportForm.read();
          found.push(...r.problems);
          out.transport = { ...(isRecord(r.value) ? r.value : {}), type: transportType };
        } else {
          found.push({ path: 'transport.type', message: 'choose how the device is connected' });
        }
        take('settings', settingsForm);
        if (isRecord(out.settings) && Object.keys(out.settings).length === 0) delete out.settings;
        take('patient', patientForm);
        take('lab', labForm);
        take('equipment', equipmentForm);
        if (codeMap) {
          const cm = codeMap.read(found);
          if (cm) out.codeMap = cm;
          else delete out.codeMap;
        }
        return { device: out as unknown as DeviceConfigT, problems: found };
      };

      // ---- Find ports ----
      const findPorts = async () => {
        findBtn.disabled = true;
        replace(portsBox, h('p', { class: 'muted' }, 'Looking for serial ports…'));
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
              ? h(
                  'p',
                  { class: 'warn' },
                  'No serial ports found. Is the USB-serial adapter plugged in? Some adapters need a moment after plugging in; try again.',
                )
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
          replace(portsBox, h('p', { class: 'error' }, `Could not list serial ports: ${err instanceof Error ? err.message : String(err)}`));
        } finally {
          findBtn.disabled = false;
        }
      };

      // ---- Test link ----
      const testLink = async () => {
        clearProblems(form);
        const seconds = 5;
        const { device, problems: found } = readDevice();
        const transportProblems = found.filter((p) => p.path.startsWith('transport') || p.path === 'driver');
        const unchanged = editing && JSON.stringify(device.transport) === JSON.stringify(existing.transport) && device.driver === existing.driver;
        if (!unchanged && transportProblems.length > 0) {
          showProblems(form, transportProblems);
          return;
        }
        const request: LinkTestRequest = unchanged ? { deviceId: existing.id, seconds } : { transport: device.transport, driver: device.driver, seconds };
        testBtn.disabled = true;
        replace(testOut, h('p', { class: 'muted' }, `Listening for ${seconds} seconds… make the device send something now.`));
        try {
          const result = await post<LinkTestResult>('/api/link-test', request);
          replace(testOut, h('h3', {}, 'Link test'), linkTestOutput(result, seconds));
        } catch (err) {
          if (err instanceof ApiError && err.problems.length > 0) {
            replace(testOut);
            showProblems(form, err.problems);
          } else replace(testOut, h('p', { class: 'error' }, `Link test failed: ${err instanceof Error ? err.message : String(err)}`));
        } finally {
          testBtn.disabled = false;
        }
      };

      // ---- Save ----
      let device = {} as DeviceConfigT;
      handleSubmit(
        form,
        () => {
          const read = readDevice();
          device = read.device;
          return read.problems;
        },
        async () => {
          const res = editing
            ? await put<{ device: DeviceConfigT }>(`/api/config/devices/${encodeURIComponent(existing.id)}`, { device })
            : await post<{ device: DeviceConfigT }>('/api/config/devices', { device });
          handle.close();
          toast(`Device ${res.device.id} saved`);
          onSaved(res.device);
        },
        idTaken,
      );

      form.append(
        problems,
        h('p', { class: 'muted small-text' }, 'Fields marked * are required.'),
        h(
          'div',
          { class: 'fields-2' },
          h(
            'div',
            { class: 'span-all' },
            field({ id: 'dev-driver', label: 'Driver', control: driverSelect, required: true, path: 'driver', hint: driverHint }),
          ),
          field({
            id: 'dev-id',
            label: 'Device ID',
            control: idInput,
            required: true,
            path: 'id',
            hint: editing
              ? 'The ID cannot change: remove the device and add it again to rename it.'
              : 'Stable name used in messages and logs: letters, digits, _ . -, e.g. scale-1.',
          }),
          field({ id: 'dev-label', label: 'Label', control: labelInput, path: 'label', hint: 'What the staff see, e.g. "Scale, room 1".' }),
          field({
            id: 'dev-enabled',
            label: 'Enabled',
            control: enabledBox,
            path: 'enabled',
            inline: true,
            hint: 'A disabled device keeps its configuration but its link stays closed.',
          }),
        ),
        connection,
        patientBox,
        settingsBox,
        codeMapBox,
        moreBox,
        dialogActions('Save', handle),
      );
      buildForDriver(false);
      return form;
    },
    { wide: true },
  );
}
