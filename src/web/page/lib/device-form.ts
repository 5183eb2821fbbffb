// The fields of the device dialog and reading them back as one device: driver, identity,
// connection (generated from the transport variant's schema), patient mode, driver settings
// (generated from the driver's schema), the code map for lab analyzers, lab and equipment options.
// The ID is checked as it is typed against the devices that exist.
//
// For tests: labels "Driver", "Device ID", "Label", "Enabled", "Connection type", "Serial port
// path" (transport.path, serial), "Folder" (file), "Host", "Port", "TCP mode", "Topic", "Baud rate",
// "Data bits", "Parity", "Stop bits", "Patient mode"; button "Add code".
// Field ids: dev-<path with dashes>, e.g. #dev-transport-path, #dev-settings-pattern.

import type { ConfigProblem, ConfigSchemas, DeviceView, DriverInfo } from '../../api-types.ts';
import type { DeviceConfigT } from '../../../config/schema.ts';
import { isRecord } from '../../../model/is-record.ts';
import { codeMapEditor } from './code-map-editor.ts';
import { exampleId, idProblem, idRuleOf } from './device-id.ts';
import { h, replace } from './dom.ts';
import { field, input } from './form.ts';
import { schemaForm, variantOf, type JsonSchema, type SchemaForm, type SchemaFormOptions } from './schema-form.ts';

type Transport = DeviceConfigT['transport'];
export type TransportType = Transport['type'];

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

const DRIVER_HINT = 'The device protocol. Pick the model or family of the device.';

export interface DeviceEditorContext {
  drivers: DriverInfo[];
  schemas: ConfigSchemas;
  /** The device's live view, for its unmapped codes. */
  view?: DeviceView;
}

export interface DeviceFormOptions {
  existing: DeviceConfigT | undefined;
  ctx: DeviceEditorContext;
  /** IDs in use, with each device's label: a new device's ID is checked against them as it is typed. */
  taken: Promise<Map<string, string | undefined>>;
  /** Where the link tools go, inside the connection fieldset. */
  linkTools: { buttons: HTMLElement; output: HTMLElement[] };
  /** The connection type was (re)built. */
  onTransport(type: TransportType | undefined): void;
}

export interface DeviceForm {
  /** The fields, in order, to place in the form. */
  parts: HTMLElement[];
  readDevice(): { device: DeviceConfigT; problems: ConfigProblem[] };
  /** Builds the driver-dependent parts for the first time. */
  start(): void;
}

/** The devices' codes seen without a mapping, with the specimens they came with. */
function unmappedWithSpecimens(view: DeviceView | undefined): Record<string, string[]> {
  return Object.fromEntries(Object.keys(view?.unmappedCodes ?? {}).map((code) => [code, view?.unmappedSpecimens?.[code] ?? []]));
}

/** The sub-schema of the device schema at `key`. */
function deviceProp(schemas: ConfigSchemas, key: string): JsonSchema | undefined {
  return (schemas.device as JsonSchema).properties?.[key];
}

function group(path: string, legend: string, body: HTMLElement): HTMLFieldSetElement {
  return h('fieldset', { class: 'group', 'data-path': path }, h('legend', {}, legend), h('div', { class: 'field-error' }), body);
}

export function deviceForm(o: DeviceFormOptions): DeviceForm {
  const { existing, ctx } = o;
  const editing = existing !== undefined;
  const drivers = [...ctx.drivers].sort((a, b) => a.title.localeCompare(b.title));
  const transportUnion = deviceProp(ctx.schemas, 'transport') ?? {};
  let taken = new Map<string, string | undefined>();

  // ---- identity ----
  const driverSelect = h(
    'select',
    {},
    h('option', { value: '' }, 'Choose a driver\u2026'),
    drivers.map((d) => h('option', { value: d.id, selected: d.id === existing?.driver }, `${d.title} \u00b7 ${d.kind}`)),
  );
  const idInput = input({ value: existing?.id ?? '', autocomplete: 'off', spellcheck: 'false', readonly: editing });
  const labelInput = input({ value: existing?.label ?? '', autocomplete: 'off' });
  const enabledBox = h('input', { type: 'checkbox', checked: existing?.enabled !== false });
  const driverHint = h('span', {}, DRIVER_HINT);
  const idHint = h('span', {});
  const driver = (): DriverInfo | undefined => drivers.find((d) => d.id === driverSelect.value);
  const example = () => exampleId(driver()?.kind, new Set(taken.keys()));
  const idRule = idRuleOf(deviceProp(ctx.schemas, 'id')?.pattern);
  const sayIdHint = () => {
    idHint.textContent = editing
      ? 'The ID cannot change: remove the device and add it again to rename it.'
      : `Stable name used in messages and logs: letters, digits, _ . -; for example ${example()}.`;
  };
  const idField = field({ id: 'dev-id', label: 'Device ID', control: idInput, required: true, path: 'id', hint: idHint });
  // Said while typing, not only at Save: a clash is cheaper to fix before the rest is filled in.
  const checkIdNow = () => {
    if (editing) return;
    const slot = idField.querySelector('.field-error');
    const problem = idInput.value.trim() ? idProblem(idInput.value.trim(), taken, example(), idRule) : undefined;
    slot?.replaceChildren(...(problem ? [h('div', {}, problem.message)] : []));
    idField.classList.toggle('invalid', problem !== undefined);
    if (problem) idInput.setAttribute('aria-invalid', 'true');
    else idInput.removeAttribute('aria-invalid');
  };
  idInput.addEventListener('input', checkIdNow);
  sayIdHint();
  void o.taken.then(
    (ids) => {
      taken = editing ? new Map() : ids;
      sayIdHint();
      checkIdNow();
    },
    () => undefined, // the server checks again at Save
  );

  // ---- connection ----
  const typeSelect = h('select', {});
  const transportBox = h('div', {});
  const connection = h(
    'fieldset',
    { class: 'group', 'data-path': 'transport' },
    h('legend', {}, 'Connection'),
    h('div', { class: 'field-error' }),
    field({ id: 'dev-transport-type', label: 'Connection type', control: typeSelect, required: true, path: 'transport.type' }),
    transportBox,
    o.linkTools.buttons,
    ...o.linkTools.output,
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
  let qcForm: SchemaForm | undefined;
  let codeMap: ReturnType<typeof codeMapEditor> | undefined;

  const buildTransport = (type: TransportType | undefined, value: Record<string, unknown>) => {
    transportType = type;
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
    o.onTransport(type);
  };

  const currentTransportValue = (): Record<string, unknown> => {
    const v = transportForm?.read().value;
    return isRecord(v) ? v : {};
  };

  const buildForDriver = (keepValues: boolean) => {
    const d = driver();
    driverHint.textContent = d ? `${d.title}: ${d.kind} device; works over ${d.transports.join(', ')}.` : DRIVER_HINT;
    sayIdHint();
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
      replace(settingsBox, group('settings', 'Driver settings', settingsForm.element));
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

    /** An optional part of the device (`lab`, `equipment`, `qc`) as its own form, when the schema has it. */
    const partForm = (key: 'lab' | 'equipment' | 'qc', value: unknown, words: Pick<SchemaFormOptions, 'labels' | 'hints'>) => {
      const schema = deviceProp(ctx.schemas, key);
      return schema ? schemaForm(schema, { path: key, idPrefix: 'dev', value, optional: true, ...words }) : undefined;
    };
    // Quality control of a lab analyzer: its control lots with targets, a sample-ID rule, the Westgard rules (src/model/qc-settings.ts).
    qcForm = lab
      ? partForm('qc', keepValues && qcForm ? qcForm.read().value : existing?.qc, {
          hints: {
            'qc.lots':
              'One entry per control lot, e.g. [{ "id": "QC-4711", "level": "1", "material": "Glucose control 1", "expires": "2027-06-30", "targets": { "GLU": { "mean": 100, "sd": 3, "unit": "mg/dL" } } }]: the analyzer\'s test codes with the lot\'s target mean and SD from its package insert or your own data.',
          },
        })
      : undefined;
    labForm = lab ? partForm('lab', existing?.lab, { labels: { 'lab.localCodeSystem': 'Local code system', 'lab.specimenType': 'Specimen type' } }) : undefined;
    equipmentForm = partForm('equipment', existing?.equipment, {
      labels: { 'equipment.eui64': 'EUI-64', 'equipment.model': 'Model', 'equipment.serialNumber': 'Serial number' },
    });
    replace(
      moreBox,
      d
        ? h(
            'details',
            { open: Boolean(existing?.lab || existing?.equipment || existing?.qc) },
            h('summary', {}, 'More options'),
            labForm ? group('lab', 'Lab results', labForm.element) : null,
            qcForm ? group('qc', 'Quality control', qcForm.element) : null,
            equipmentForm ? group('equipment', 'Equipment identity (OBX-18)', equipmentForm.element) : null,
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
    patientBox.appendChild(group('patient', 'Patient', patientForm.element));
  }

  driverSelect.addEventListener('change', () => buildForDriver(true));
  typeSelect.addEventListener('change', () => buildTransport(typeSelect.value as TransportType, {}));

  const readDevice = (): { device: DeviceConfigT; problems: ConfigProblem[] } => {
    const found: ConfigProblem[] = [];
    const out: Record<string, unknown> = existing ? { ...existing } : {};
    const id = idInput.value.trim();
    const idWrong = editing ? undefined : idProblem(id, taken, example(), idRule);
    if (idWrong) found.push(idWrong);
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
    take('qc', qcForm);
    if (codeMap) {
      const cm = codeMap.read(found);
      if (cm) out.codeMap = cm;
      else delete out.codeMap;
    }
    return { device: out as unknown as DeviceConfigT, problems: found };
  };

  const identity = h(
    'div',
    { class: 'fields-2' },
    h('div', { class: 'span-all' }, field({ id: 'dev-driver', label: 'Driver', control: driverSelect, required: true, path: 'driver', hint: driverHint })),
    idField,
    field({ id: 'dev-label', label: 'Label', control: labelInput, path: 'label', hint: 'What the staff see, for example "Scale, room 1".' }),
    field({
      id: 'dev-enabled',
      label: 'Enabled',
      control: enabledBox,
      path: 'enabled',
      inline: true,
      hint: 'A disabled device keeps its configuration but its link stays closed.',
    }),
  );

  return {
    parts: [identity, connection, patientBox, settingsBox, codeMapBox, moreBox],
    readDevice,
    start: () => buildForDriver(false),
  };
}
