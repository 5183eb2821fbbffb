// Settings, code mappings: each device's own test codes and the LOINC codes they go out as, with
// the codes that arrived without a mapping (counted by the gateway) ready to be mapped. A mapping
// is saved into the device's configuration (fetched fresh, so nothing else in it is lost).
//
// For tests: heading "Code mappings"; per device a table captioned with the device's name; rows
// with "Map <code>" (unmapped) or "Change <code>"; dialog "Map code <code> of <device>" with labels
// "LOINC code", "Display name"; button "Save mapping".

import type { DeviceView } from '../../api-types.ts';
import type { DeviceConfigT } from '../../../config/schema.ts';
import { get, put } from './api.ts';
import { h, replace, toast } from './dom.ts';
import { clearProblems, dialogActions, errorText, field, input, openDialog, problemBox, showError, showProblems, whileBusy } from './form.ts';
import type { Section } from './admin-destinations.ts';

const LOINC = /^\d{1,7}-\d$/;

function openMappingDialog(device: DeviceView, code: string, current: { loinc?: string; display?: string } | undefined, onSaved: () => void): void {
  const deviceName = device.label ?? device.id;
  openDialog(`Map code ${code} of ${deviceName}`, (handle) => {
    const loinc = input({ value: current?.loinc ?? '', autocomplete: 'off', spellcheck: 'false', placeholder: '2345-7' });
    const display = input({ value: current?.display ?? '', autocomplete: 'off', placeholder: 'Glucose [Mass/volume] in Serum or Plasma' });
    const form = h(
      'form',
      { novalidate: true },
      problemBox(),
      field({ id: 'map-loinc', label: 'LOINC code', control: loinc, required: true, path: `codeMap.${code}.loinc`, hint: 'Digits, a dash and the check digit, e.g. 2345-7. Look it up on loinc.org or in the analyzer\'s LIS interface sheet.' }),
      field({ id: 'map-display', label: 'Display name', control: display, path: `codeMap.${code}.display`, hint: 'The LOINC long name, sent as the text of OBX-3.' }),
      dialogActions('Save mapping', handle),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      clearProblems(form);
      const l = loinc.value.trim();
      const d = display.value.trim();
      if (!LOINC.test(l)) {
        showProblems(form, [{ path: `codeMap.${code}.loinc`, message: l ? `"${l}" is not a LOINC code: digits, a dash and one check digit, e.g. 2345-7` : 'enter the LOINC code' }]);
        return;
      }
      void whileBusy(form, async () => {
        try {
          // Fresh copy: someone may have changed the device since this page loaded.
          const { device: config } = await get<{ device: DeviceConfigT }>(`/api/config/devices/${encodeURIComponent(device.id)}`);
          const next: DeviceConfigT = { ...config, codeMap: { ...(config.codeMap ?? {}), [code]: { loinc: l, ...(d ? { display: d } : {}) } } };
          await put(`/api/config/devices/${encodeURIComponent(device.id)}`, { device: next });
          handle.close();
          toast(`${code} of ${deviceName} now goes out as LOINC ${l}`);
          onSaved();
        } catch (err) {
          showError(form, err);
        }
      });
    });
    return form;
  });
}

export function codeMapsSection(): Section {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const el = h(
    'section',
    { class: 'card', 'aria-labelledby': 'codes-title' },
    h('h2', { id: 'codes-title' }, 'Code mappings'),
    h('p', { class: 'muted' }, "Lab analyzers name tests by their own codes. The EHR expects LOINC: a code without a mapping goes out as a local code only, which many EHRs cannot file."),
    body,
  );

  const refresh = async () => {
    try {
      const { devices } = await get<{ devices: DeviceView[] }>('/api/devices');
      const configs = await Promise.all(
        devices.map((d) => get<{ device: DeviceConfigT }>(`/api/config/devices/${encodeURIComponent(d.id)}`).then((r) => r.device, () => undefined)),
      );
      const blocks = devices.flatMap((d, i) => {
        const map = configs[i]?.codeMap ?? {};
        const codes = [...new Set([...Object.keys(d.unmappedCodes), ...Object.keys(map)])];
        if (codes.length === 0) return [];
        // Unmapped first: they are what needs doing.
        codes.sort((a, b) => Number(b in d.unmappedCodes && !(b in map)) - Number(a in d.unmappedCodes && !(a in map)) || a.localeCompare(b));
        const rows = codes.map((code) => {
          const m = map[code];
          const mapped = m?.loinc !== undefined;
          const seen = d.unmappedCodes[code];
          return h(
            'tr',
            {},
            h('th', { scope: 'row', class: 'mono' }, code),
            h('td', { class: 'mono' }, m?.loinc ?? '—'),
            h('td', {}, m?.display ?? ''),
            h(
              'td',
              {},
              mapped ? h('span', { class: 'badge ok' }, 'Mapped') : h('span', { class: 'badge warn' }, 'Unmapped'),
              seen ? h('div', { class: 'muted small-text' }, `sent ${seen} time${seen === 1 ? '' : 's'} without LOINC`) : null,
            ),
            h(
              'td',
              { class: 'actions-cell' },
              h('button', { type: 'button', class: mapped ? 'small' : 'small primary', onclick: () => openMappingDialog(d, code, m, () => void refresh()) }, `${mapped ? 'Change' : 'Map'} ${code}`),
            ),
          );
        });
        return [
          h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'table' },
              h('caption', { class: 'vh' }, `Codes of ${d.label ?? d.id}`),
              h(
                'thead',
                {},
                h('tr', {}, ['Device code', 'LOINC', 'Display name', 'Status'].map((t) => h('th', { scope: 'col' }, t)), h('th', { scope: 'col' }, h('span', { class: 'vh' }, 'Actions'))),
              ),
              h('tbody', {}, rows),
            ),
          ),
        ].map((table) => h('div', { class: 'stack' }, h('h3', {}, `${d.label ?? d.id} `, h('span', { class: 'muted small-text' }, `(${d.id})`)), table));
      });
      replace(body, blocks.length > 0 ? blocks : h('p', { class: 'empty' }, 'No device has a code map or unmapped codes yet. Lab analyzers show their codes here once results arrive.'));
    } catch (err) {
      replace(body, h('p', { class: 'error', role: 'alert' }, `Could not load the code mappings: ${errorText(err)}`));
    }
  };
  return { el, refresh };
}
