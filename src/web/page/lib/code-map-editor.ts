// The device editor's code map: one row per mapping (device code, specimens, LOINC, display name).
// A code may have several rows, one per specimen (GLU for serum and GLU for urine are different
// LOINC codes); a row without specimens applies to any specimen. What a row does not show
// (instrument, scale) is kept as it was.
//
// For tests: fieldset "Code map (device code to LOINC)"; per row inputs labelled "Device code",
// "Specimens", "LOINC", "Display name"; buttons "Add code", "Add <code>" (seen without a mapping),
// "Remove code <code>".

import type { ConfigProblem } from '../../api-types.ts';
import { codeMapEntry, mappingsOf, type CodeMapEntry } from '../../../config/code-mappings.ts';
import type { CodeMappingT, DeviceConfigT } from '../../../config/schema.ts';
import { h } from './dom.ts';
import { dataTable } from './data-table.ts';
import { uid } from './form.ts';
import { isRecord } from '../../../model/is-record.ts';

const LOINC = /^\d{1,7}-\d$/;

interface Row {
  tr: HTMLTableRowElement;
  code: HTMLInputElement;
  specimen: HTMLInputElement;
  loinc: HTMLInputElement;
  display: HTMLInputElement;
  /** What the row does not show, kept on save. */
  rest: Omit<CodeMappingT, 'loinc' | 'display' | 'specimen'>;
}

function specimensOf(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** `unmapped`: codes seen without a mapping, with the specimens they came with. */
export function codeMapEditor(
  initial: unknown,
  unmapped: Record<string, string[]>,
): { el: HTMLElement; read(problems: ConfigProblem[]): DeviceConfigT['codeMap'] } {
  const body = h('tbody');
  const rows: Row[] = [];
  /** The server's path of a row's mapping: `codeMap.GLU`, or `codeMap.GLU[1]` once a code has several rows. */
  const pathOf = (row: Row): string => {
    const code = row.code.value.trim();
    const same = rows.filter((r) => r.code.value.trim() === code);
    return same.length > 1 ? `codeMap.${code || '?'}[${same.indexOf(row)}]` : `codeMap.${code || '?'}`;
  };
  // Problems the server reports land on the row they name: each cell carries its path.
  const syncPaths = (): void => {
    for (const row of rows) {
      const at = pathOf(row);
      for (const td of row.tr.querySelectorAll('td[data-sub]')) td.setAttribute('data-path', `${at}${td.getAttribute('data-sub') ?? ''}`);
    }
  };
  const addRow = (code: string, m: Partial<CodeMappingT>): Row => {
    const rid = uid('cm');
    const codeIn = h('input', { id: `${rid}-code`, value: code, autocomplete: 'off', spellcheck: 'false', 'data-control': '' });
    const specimenIn = h('input', {
      id: `${rid}-specimen`,
      value: (m.specimen ?? []).join(', '),
      autocomplete: 'off',
      spellcheck: 'false',
      placeholder: 'any',
      'data-control': '',
    });
    const loincIn = h('input', {
      id: `${rid}-loinc`,
      value: m.loinc ?? '',
      autocomplete: 'off',
      spellcheck: 'false',
      placeholder: '2345-7',
      'data-control': '',
    });
    const displayIn = h('input', { id: `${rid}-display`, value: m.display ?? '', autocomplete: 'off', 'data-control': '' });
    const cell = (control: HTMLInputElement, label: string, sub: string) =>
      h('td', { 'data-sub': sub }, h('label', { class: 'vh', for: control.id }, label), control, h('div', { class: 'field-error' }));
    const tr = h(
      'tr',
      {},
      cell(codeIn, 'Device code', ''),
      cell(specimenIn, 'Specimens', '.specimen'),
      cell(loincIn, 'LOINC', '.loinc'),
      cell(displayIn, 'Display name', '.display'),
      h(
        'td',
        { class: 'actions-cell' },
        h(
          'button',
          {
            type: 'button',
            class: 'small danger',
            'aria-label': `Remove code ${code}`.trim(),
            onclick: () => {
              tr.remove();
              rows.splice(
                rows.findIndex((r) => r.tr === tr),
                1,
              );
              syncPaths();
            },
          },
          'Remove',
        ),
      ),
    );
    const { loinc: _l, display: _d, specimen: _s, ...rest } = m;
    const row: Row = { tr, code: codeIn, specimen: specimenIn, loinc: loincIn, display: displayIn, rest };
    codeIn.addEventListener('input', syncPaths);
    rows.push(row);
    body.appendChild(tr);
    syncPaths();
    return row;
  };
  if (isRecord(initial)) {
    for (const [code, v] of Object.entries(initial)) {
      // The page's own copy of the device configuration, which the server validated: entries are mappings or lists of them.
      for (const m of mappingsOf(isRecord(v) || Array.isArray(v) ? (v as CodeMapEntry) : undefined)) addRow(code, isRecord(m) ? m : {});
    }
  }
  const seen = Object.entries(unmapped);
  const el = h(
    'fieldset',
    { class: 'group code-map', 'data-path': 'codeMap' },
    h('legend', {}, 'Code map (device code to LOINC)'),
    h('div', { class: 'field-error' }),
    h(
      'p',
      { class: 'hint' },
      "The analyzer's own test codes and the LOINC code each goes out as. One code may need a row per specimen: GLU of serum is not GLU of urine. Specimens: HL7 codes (SER, PLAS, WB, UR) or the analyzer's words, separated by commas; empty means any specimen. Unmapped codes go out as local codes only and are counted on the Devices page.",
    ),
    seen.length > 0
      ? h(
          'p',
          { class: 'warn' },
          'Seen without a mapping: ',
          seen.map(([code, specimens]) => [
            h(
              'button',
              { type: 'button', class: 'small', onclick: () => addRow(code, specimens.length > 0 ? { specimen: specimens } : {}).loinc.focus() },
              `Add ${code}${specimens.length > 0 ? ` (${specimens.join(', ')})` : ''}`,
            ),
            ' ',
          ]),
        )
      : null,
    dataTable(['Device code', 'Specimens', 'LOINC', 'Display name'], body),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'small', onclick: () => addRow('', {}).code.focus() }, 'Add code')),
  );
  return {
    el,
    read(problems) {
      const byCode = new Map<string, CodeMappingT[]>();
      for (const r of rows) {
        const code = r.code.value.trim();
        const loinc = r.loinc.value.trim();
        const display = r.display.value.trim();
        const specimen = specimensOf(r.specimen.value);
        if (!code) {
          if (loinc || display) problems.push({ path: 'codeMap.?', message: 'a row has a LOINC code but no device code' });
          continue;
        }
        const list = byCode.get(code) ?? [];
        if (loinc && !LOINC.test(loinc))
          problems.push({ path: `${pathOf(r)}.loinc`, message: `"${loinc}" is not a LOINC code: digits, a dash and one check digit, e.g. 2345-7` });
        list.push({ ...r.rest, ...(specimen.length > 0 ? { specimen } : {}), ...(loinc ? { loinc } : {}), ...(display ? { display } : {}) });
        byCode.set(code, list);
      }
      const out: NonNullable<DeviceConfigT['codeMap']> = {};
      for (const [code, list] of byCode) {
        const entry = codeMapEntry(list);
        if (entry !== undefined) out[code] = entry;
      }
      return Object.keys(out).length > 0 ? out : undefined;
    },
  };
}
