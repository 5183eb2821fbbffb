// Settings, code mappings: each device's own test codes and the LOINC codes they go out as, with
// the codes that arrived without a mapping (counted by the gateway) ready to be mapped. A mapping
// is saved into the device's configuration (fetched fresh, so nothing else in it is lost).
//
// For tests: heading "Code mappings"; per device a table captioned with the device's name; rows
// with "Map <code>" (unmapped, one per specimen it came with) or "Change <code>" (one per mapping);
// dialog "Map code <code> of <device>" with labels "Specimens", "LOINC code", "Display name";
// button "Save mapping".

import type { DeviceView } from '../../api-types.ts';
import { codeMapEntry, mappingsOf } from '../../../config/code-mappings.ts';
import type { CodeMappingT, DeviceConfigT } from '../../../config/schema.ts';
import { get, put } from './api.ts';
import { h, replace, toast } from './dom.ts';
import { dataTable } from './data-table.ts';
import { clearProblems, dialogActions, errorText, field, input, openDialog, problemBox, showError, showProblems, whileBusy } from './form.ts';
import type { Section } from './admin-destinations.ts';

const LOINC = /^\d{1,7}-\d$/;

/** `index`: which of the code's mappings is changed; undefined adds one (for `specimens`, when given). */
function openMappingDialog(device: DeviceView, code: string, current: CodeMappingT | undefined, index: number | undefined, onSaved: () => void): void {
  const deviceName = device.label ?? device.id;
  openDialog(`Map code ${code} of ${deviceName}`, (handle) => {
    const specimen = input({ value: (current?.specimen ?? []).join(', '), autocomplete: 'off', spellcheck: 'false', placeholder: 'any' });
    const loinc = input({ value: current?.loinc ?? '', autocomplete: 'off', spellcheck: 'false', placeholder: '2345-7' });
    const display = input({ value: current?.display ?? '', autocomplete: 'off', placeholder: 'Glucose [Mass/volume] in Serum or Plasma' });
    const form = h(
      'form',
      { novalidate: true },
      problemBox(),
      field({
        id: 'map-specimen',
        label: 'Specimens',
        control: specimen,
        path: `codeMap.${code}.specimen`,
        hint: "The specimen types this code means this LOINC for: SER, PLAS, WB, UR (or the analyzer's words), separated by commas. Empty: any specimen.",
      }),
      field({
        id: 'map-loinc',
        label: 'LOINC code',
        control: loinc,
        required: true,
        path: `codeMap.${code}.loinc`,
        hint: "Digits, a dash and the check digit, e.g. 2345-7. Look it up on loinc.org or in the analyzer's LIS interface sheet.",
      }),
      field({
        id: 'map-display',
        label: 'Display name',
        control: display,
        path: `codeMap.${code}.display`,
        hint: 'The LOINC long name, sent as the text of OBX-3.',
      }),
      dialogActions('Save mapping', handle),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      clearProblems(form);
      const l = loinc.value.trim();
      const d = display.value.trim();
      const specimens = specimen.value
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '');
      if (!LOINC.test(l)) {
        showProblems(form, [
          {
            path: `codeMap.${code}.loinc`,
            message: l ? `"${l}" is not a LOINC code: digits, a dash and one check digit, e.g. 2345-7` : 'enter the LOINC code',
          },
        ]);
        return;
      }
      void whileBusy(form, async () => {
        try {
          // Fresh copy: someone may have changed the device since this page loaded.
          const { device: config } = await get<{ device: DeviceConfigT }>(`/api/config/devices/${encodeURIComponent(device.id)}`);
          const list = [...mappingsOf(config.codeMap?.[code])];
          // The mapping this dialog changes, found again in the fresh copy by what it was (the list may have changed since).
          const same = (m: CodeMappingT): boolean => JSON.stringify(m) === JSON.stringify(current);
          const at = index === undefined ? -1 : list[index] !== undefined && same(list[index]) ? index : list.findIndex(same);
          const { loinc: _l, display: _d, specimen: _s, ...rest } = at >= 0 ? list[at]! : {};
          const mapping: CodeMappingT = { ...rest, ...(specimens.length > 0 ? { specimen: specimens } : {}), loinc: l, ...(d ? { display: d } : {}) };
          if (at < 0) list.push(mapping);
          else list[at] = mapping;
          const entry = codeMapEntry(list);
          const next: DeviceConfigT = { ...config, codeMap: { ...(config.codeMap ?? {}), ...(entry ? { [code]: entry } : {}) } };
          await put(`/api/config/devices/${encodeURIComponent(device.id)}`, { device: next });
          handle.close();
          toast(`${code}${specimens.length > 0 ? ` (${specimens.join(', ')})` : ''} of ${deviceName} now goes out as LOINC ${l}`);
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
    h(
      'p',
      { class: 'muted' },
      'Lab analyzers name tests by their own codes. The EHR expects LOINC: a code without a mapping goes out as a local code only, which many EHRs cannot file.',
    ),
    body,
  );

  const refresh = async () => {
    try {
      const { devices } = await get<{ devices: DeviceView[] }>('/api/devices');
      const configs = await Promise.all(
        devices.map((d) =>
          get<{ device: DeviceConfigT }>(`/api/config/devices/${encodeURIComponent(d.id)}`).then(
            (r) => r.device,
            () => undefined,
          ),
        ),
      );
      const blocks = devices.flatMap((d, i) => {
        const map = configs[i]?.codeMap ?? {};
        // One row per mapping, and one per code (and specimen) seen without a mapping: unmapped first.
        const unmapped = Object.keys(d.unmappedCodes).flatMap((code): Array<{ code: string; specimen: string[] | undefined }> => {
          const specimens = d.unmappedSpecimens?.[code] ?? [];
          return specimens.length > 0 ? specimens.map((s) => ({ code, specimen: [s] })) : [{ code, specimen: undefined }];
        });
        const mapped = Object.entries(map).flatMap(([code, entry]) => mappingsOf(entry).map((m, index) => ({ code, m, index })));
        if (unmapped.length === 0 && mapped.length === 0) return [];
        const seen = (code: string) => d.unmappedCodes[code];
        const rows = [
          ...unmapped.map(({ code, specimen }) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row', class: 'mono' }, code),
              h('td', {}, specimen?.join(', ') ?? 'any'),
              h('td', { class: 'mono' }, '—'),
              h('td', {}),
              h(
                'td',
                {},
                h('span', { class: 'badge warn' }, 'Unmapped'),
                seen(code) ? h('div', { class: 'muted small-text' }, `sent ${seen(code)} time${seen(code) === 1 ? '' : 's'} without LOINC`) : null,
              ),
              h(
                'td',
                { class: 'actions-cell' },
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'small primary',
                    onclick: () => openMappingDialog(d, code, specimen ? { specimen } : undefined, undefined, () => void refresh()),
                  },
                  `Map ${code}`,
                ),
              ),
            ),
          ),
          ...mapped.map(({ code, m, index }) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row', class: 'mono' }, code),
              h('td', {}, m.specimen?.join(', ') ?? 'any'),
              h('td', { class: 'mono' }, m.loinc ?? '—'),
              h('td', {}, m.display ?? ''),
              h('td', {}, m.loinc !== undefined ? h('span', { class: 'badge ok' }, 'Mapped') : h('span', { class: 'badge warn' }, 'Unmapped')),
              h(
                'td',
                { class: 'actions-cell' },
                h('button', { type: 'button', class: 'small', onclick: () => openMappingDialog(d, code, m, index, () => void refresh()) }, `Change ${code}`),
              ),
            ),
          ),
        ];
        return [dataTable(['Device code', 'Specimens', 'LOINC', 'Display name', 'Status'], h('tbody', {}, rows), `Codes of ${d.label ?? d.id}`)].map((table) =>
          h('div', { class: 'stack' }, h('h3', {}, `${d.label ?? d.id} `, h('span', { class: 'muted small-text' }, `(${d.id})`)), table),
        );
      });
      replace(
        body,
        blocks.length > 0
          ? blocks
          : h('p', { class: 'empty' }, 'No device has a code map or unmapped codes yet. Lab analyzers show their codes here once results arrive.'),
      );
    } catch (err) {
      replace(body, h('p', { class: 'error', role: 'alert' }, `Could not load the code mappings: ${errorText(err)}`));
    }
  };
  return { el, refresh };
}
