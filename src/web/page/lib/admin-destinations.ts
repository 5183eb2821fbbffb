// Settings, destinations: where messages go (an EHR over MLLP, an MQTT uplink), with their
// delivery state, and the add/edit dialog generated from the destination variant's schema.
// Passwords are write-only: the list says "stored", and an empty password field keeps it.
//
// For tests: heading "Destinations"; button "Add destination"; rows with "Edit" and "Remove";
// dialog "Add destination" / "Edit destination <id>" with labels "Destination type",
// "Destination ID", "Host", "Port", "Broker URL", "Topic", "Password"; button "Save".

import type { ConfigSchemas, DestinationView } from '../../api-types.ts';
import type { DestinationConfig } from '../../../config/schema.ts';
import { del, get, post, put } from './api.ts';
import { h, replace, toast } from './dom.ts';
import { dataTable } from './data-table.ts';
import { confirmDialog, dialogActions, errorText, field, handleSubmit, idTaken, openDialog, problemBox } from './form.ts';
import { schemaForm, variantOf, variantTypes, type JsonSchema, type SchemaForm } from './schema-form.ts';

type StoredDestination = DestinationConfig & { passwordSet?: boolean };

const TYPE_NAMES: Record<string, string> = {
  mllp: 'HL7 v2 over MLLP (EHR interface engine)',
  mqtt: 'MQTT uplink (JSON or FHIR)',
};

const LABELS: Record<string, string> = {
  id: 'Destination ID',
  host: 'Host',
  port: 'Port',
  url: 'Broker URL',
  topic: 'Topic',
  format: 'Format',
  receivingApplication: 'Receiving application (MSH-5)',
  receivingFacility: 'Receiving facility (MSH-6)',
  ackTimeoutMs: 'ACK timeout (ms)',
  connectTimeoutMs: 'Connect timeout (ms)',
  retry: 'Retry timing',
  'retry.initialMs': 'First retry after (ms)',
  'retry.maxMs': 'Longest wait between retries (ms)',
  tls: 'TLS',
  'tls.caFile': 'CA certificate file',
  'tls.certFile': 'Client certificate file',
  'tls.keyFile': 'Client key file',
  'tls.servername': 'Server name (SNI)',
  'tls.rejectUnauthorized': 'Verify the server certificate',
  clientId: 'Client ID',
  username: 'User name',
  password: 'Password',
  ca: 'CA certificate file',
  cert: 'Client certificate file',
  key: 'Client key file',
  maxInlineBytes: 'Largest attachment sent inline (bytes)',
};

const HINTS: Record<string, string> = {
  id: 'Letters, digits, _ . -; e.g. ehr.',
  host: 'The interface engine, e.g. 10.0.0.20 or ehr.clinic.local.',
  tls: 'Only when the interface engine expects MLLP over TLS; leave empty for plain TCP.',
};

function workerBadge(state: string): HTMLSpanElement {
  const cls = /retry|wait|connecting|backoff/i.test(state)
    ? 'retry'
    : /down|error|stop|dead|fail/i.test(state)
      ? 'down'
      : /connect|idle|send|ready|up|open/i.test(state)
        ? 'up'
        : '';
  return h('span', { class: `badge ${cls}`.trim() }, state.replace(/_/g, ' '));
}

function openDestinationEditor(existing: StoredDestination | undefined, schemas: ConfigSchemas, onSaved: () => void): void {
  const union = schemas.destination as JsonSchema;
  const types = variantTypes(union);
  const editing = existing !== undefined;
  openDialog(
    editing ? `Edit destination ${existing.id}` : 'Add destination',
    (handle) => {
      const form = h('form', { novalidate: true });
      const typeSelect = h(
        'select',
        { disabled: editing },
        types.map((t) => h('option', { value: t, selected: t === (existing?.type ?? types[0]) }, TYPE_NAMES[t] ?? t)),
      );
      const body = h('div', {});
      let sf: SchemaForm | undefined;
      const build = (type: string, value: Record<string, unknown>) => {
        const variant = variantOf(union, type);
        if (!variant) {
          sf = undefined;
          replace(body, h('p', { class: 'error' }, `No form for destination type ${type}.`));
          return;
        }
        const stored = existing?.passwordSet ? ['password'] : [];
        sf = schemaForm(variant, { path: '', idPrefix: 'dst', value, labels: LABELS, hints: HINTS, storedSecrets: stored });
        replace(body, sf.element);
        const idInput = sf.element.querySelector<HTMLInputElement>('#dst-id');
        if (idInput && editing) {
          idInput.readOnly = true;
          const hint = document.getElementById('dst-id-hint');
          if (hint) hint.textContent = 'The ID cannot change: add a new destination and remove this one instead.';
        }
      };
      typeSelect.addEventListener('change', () => build(typeSelect.value, {}));
      form.append(
        problemBox(),
        h('p', { class: 'muted small-text' }, 'Fields marked * are required.'),
        field({ id: 'dst-type', label: 'Destination type', control: typeSelect, required: true, path: 'type' }),
        body,
        dialogActions('Save', handle),
      );
      build(typeSelect.value, (existing ?? {}) as Record<string, unknown>);
      let destination = {} as DestinationConfig;
      handleSubmit(
        form,
        () => {
          if (!sf) return [];
          const { value, problems } = sf.read();
          destination = { ...(value as Record<string, unknown>), type: typeSelect.value } as DestinationConfig;
          return problems;
        },
        async () => {
          if (!sf) return;
          if (editing) await put(`/api/config/destinations/${encodeURIComponent(existing.id)}`, { destination });
          else await post('/api/config/destinations', { destination });
          handle.close();
          toast(`Destination ${destination.id} saved`);
          onSaved();
        },
        idTaken,
      );
      return form;
    },
    { wide: true },
  );
}

export interface Section {
  el: HTMLElement;
  refresh(): Promise<void>;
}

export function destinationsSection(getSchemas: () => Promise<ConfigSchemas>): Section {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const alert = h('p', { class: 'error', role: 'alert', hidden: true });
  const el = h(
    'section',
    { class: 'card', 'aria-labelledby': 'dest-title' },
    h(
      'div',
      { class: 'toolbar' },
      h('h2', { id: 'dest-title' }, 'Destinations'),
      h('button', { type: 'button', class: 'primary', onclick: () => void add() }, 'Add destination'),
    ),
    h('p', { class: 'muted' }, 'Where readings go as HL7 or JSON. Each destination has its own queue: one that is down does not hold up the others.'),
    alert,
    body,
  );
  const fail = (message: string) => {
    alert.textContent = message;
    alert.hidden = false;
  };

  const add = async () => {
    try {
      openDestinationEditor(undefined, await getSchemas(), () => void refresh());
    } catch (err) {
      fail(`Cannot open the form: ${errorText(err)}`);
    }
  };
  const edit = async (d: StoredDestination) => {
    try {
      openDestinationEditor(d, await getSchemas(), () => void refresh());
    } catch (err) {
      fail(`Cannot open the form: ${errorText(err)}`);
    }
  };
  const remove = async (id: string) => {
    const ok = await confirmDialog(`Remove destination ${id}?`, `Messages still queued for ${id} will not be sent. This cannot be undone.`, 'Remove');
    if (!ok) return;
    try {
      await del(`/api/config/destinations/${encodeURIComponent(id)}`);
      toast(`Destination ${id} removed`);
      await refresh();
    } catch (err) {
      fail(`Destination ${id} not removed: ${errorText(err)}`);
    }
  };

  const refresh = async () => {
    try {
      const [configs, states] = await Promise.all([
        get<{ destinations: StoredDestination[] }>('/api/config/destinations'),
        get<{ destinations: DestinationView[] }>('/api/destinations'),
      ]);
      alert.hidden = true;
      if (configs.destinations.length === 0) {
        replace(body, h('p', { class: 'empty' }, 'No destination: readings are kept but go nowhere. Add the EHR interface engine with "Add destination".'));
        return;
      }
      const rows = configs.destinations.map((d) => {
        const s = states.destinations.find((x) => x.id === d.id);
        return h(
          'tr',
          {},
          h('th', { scope: 'row' }, d.id),
          h('td', {}, d.type.toUpperCase()),
          h('td', { class: 'mono' }, s?.address ?? (d.type === 'mllp' ? `${d.host}:${d.port}` : `${d.url} ${d.topic}`)),
          h(
            'td',
            {},
            s ? workerBadge(s.worker.state) : h('span', { class: 'muted' }, 'starting'),
            s?.worker.lastError ? h('div', { class: 'error small-text' }, s.worker.lastError) : null,
          ),
          h('td', {}, s ? `${s.worker.queued} / ${s.worker.delivered} / ${s.worker.dead}` : ''),
          h('td', {}, d.passwordSet ? h('span', { class: 'badge ok' }, 'password stored') : ''),
          h(
            'td',
            { class: 'actions-cell' },
            h('button', { type: 'button', class: 'small', 'aria-label': `Edit ${d.id}`, onclick: () => void edit(d) }, 'Edit'),
            ' ',
            h('button', { type: 'button', class: 'small danger', 'aria-label': `Remove ${d.id}`, onclick: () => void remove(d.id) }, 'Remove'),
          ),
        );
      });
      replace(body, dataTable(['ID', 'Type', 'Address', 'State', 'Queued / delivered since start / dead', 'Credentials'], h('tbody', {}, rows)));
    } catch (err) {
      fail(`Could not load the destinations: ${errorText(err)}`);
    }
  };
  return { el, refresh };
}
