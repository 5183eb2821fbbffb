// A form generated from a JSON schema (the TypeBox schemas the server sends), so a driver's
// settings or a destination's options need no page code of their own. It renders an object's
// properties, reads back a value the server's validator understands (numbers as numbers, empty
// optional fields left out), and marks each field with its config path so server problems land
// next to it (see form.ts).
//
// Handled: string, integer, number, boolean, enums (`enum`, or anyOf/oneOf of const literals),
// nested objects (fieldsets), records (patternProperties / additionalProperties: key-value rows),
// arrays of primitives (comma list), a `const` (not shown, always sent). Anything else (mixed
// unions, unknown) is edited as JSON text.

import type { ConfigProblem } from '../../api-types.ts';
import { h, replace } from './dom.ts';
import { field, humanize, uid } from './form.ts';
import { defaultPlaceholder, numberHint, type DefaultApplies } from './number-hint.ts';

export type JsonSchema = {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  patternProperties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  [key: string]: unknown;
};

export interface SchemaFormOptions {
  /** Config path of the value, e.g. "transport" or "settings"; field paths extend it. */
  path: string;
  /** Prefix of element ids, so two forms on a page do not clash. */
  idPrefix: string;
  value?: unknown;
  /** Labels by path, where the schema's title or the humanized key is not the right word. */
  labels?: Record<string, string>;
  /** Hints by path, shown instead of the schema's description. */
  hints?: Record<string, string>;
  /** Properties (by path) not to show; their value is read back untouched from `value`. */
  skip?: string[];
  /** Password fields that are stored: empty means "keep", and they say so. */
  storedSecrets?: string[];
  /** The whole object may be left out: its required fields get an empty choice too, and all empty means "left out". */
  optional?: boolean;
}

export interface SchemaForm {
  element: HTMLElement;
  /** The value, or problems with what was typed (a number that is not one, JSON that does not parse). */
  read(): { value: unknown; problems: ConfigProblem[] };
}

interface Node {
  el: HTMLElement;
  /** undefined: leave the property out. */
  read(problems: ConfigProblem[]): unknown;
}

interface Ctx {
  opts: SchemaFormOptions;
  /** Inside an object that may be left out: a required enum offers "not set" too. */
  softRequired?: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function typeOf(schema: JsonSchema): string | undefined {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== 'null');
  return schema.type;
}

/** The literals of an enum-like schema, or undefined when it is not one. */
export function enumValues(schema: JsonSchema): unknown[] | undefined {
  if (Array.isArray(schema.enum)) return schema.enum;
  const variants = schema.anyOf ?? schema.oneOf;
  if (!variants || variants.length === 0) return undefined;
  if (!variants.every((v) => 'const' in v)) return undefined;
  return variants.map((v) => v.const);
}

/** The variant of a `type`-discriminated union whose `type` is the given literal. */
export function variantOf(union: JsonSchema, type: string): JsonSchema | undefined {
  return (union.anyOf ?? union.oneOf ?? []).find((v) => v.properties?.type?.const === type);
}

/** The `type` literals of a discriminated union, in schema order. */
export function variantTypes(union: JsonSchema): string[] {
  return (union.anyOf ?? union.oneOf ?? []).map((v) => v.properties?.type?.const).filter((t): t is string => typeof t === 'string');
}

/** The schema of a record's values, when the schema is a record. */
function recordValueSchema(schema: JsonSchema): JsonSchema | undefined {
  if (schema.properties && Object.keys(schema.properties).length > 0) return undefined;
  const pp = schema.patternProperties ? Object.values(schema.patternProperties)[0] : undefined;
  if (pp) return pp;
  if (isRecord(schema.additionalProperties)) return schema.additionalProperties as JsonSchema;
  return undefined;
}

function idFor(ctx: Ctx, path: string): string {
  return `${ctx.opts.idPrefix}-${path.replace(/[^A-Za-z0-9]+/g, '-')}`;
}

function labelFor(ctx: Ctx, path: string, key: string, schema: JsonSchema): string {
  return ctx.opts.labels?.[path] ?? schema.title ?? humanize(key);
}

/** A field its schema requires gets no default when left empty, unless its whole optional group is left empty. */
function defaultApplies(ctx: Ctx, requiredBySchema: boolean): DefaultApplies {
  if (!requiredBySchema) return 'always';
  return ctx.softRequired ? 'group-empty' : 'never';
}

function hintFor(ctx: Ctx, path: string, schema: JsonSchema, applies: DefaultApplies = 'always'): string | undefined {
  const parts: string[] = [];
  const own = ctx.opts.hints?.[path] ?? schema.description;
  if (own) parts.push(own);
  const t = typeOf(schema);
  if (t === 'integer' || t === 'number') {
    const numbers = numberHint(path.slice(path.lastIndexOf('.') + 1), schema, applies);
    if (numbers) parts.push(numbers);
  } else if (schema.default !== undefined && !isRecord(schema.default) && applies === 'always') parts.push(`Default: ${String(schema.default)}`);
  return parts.length > 0 ? parts.map((p) => (/[.!?]$/.test(p) ? p : `${p}.`)).join(' ') : undefined;
}

function jsonText(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

function build(ctx: Ctx, schema: JsonSchema, key: string, path: string, value: unknown, requiredBySchema: boolean): Node | undefined {
  if ('const' in schema) return { el: h('span', { hidden: true }), read: () => schema.const };
  // Inside an object that may be left out, nothing is required until it is filled in (the server says what is missing then).
  const required = requiredBySchema && !ctx.softRequired;
  const label = labelFor(ctx, path, key, schema);
  const applies = defaultApplies(ctx, requiredBySchema);
  const hint = hintFor(ctx, path, schema, applies);
  const id = idFor(ctx, path);

  const literals = enumValues(schema);
  if (literals) {
    const options = [
      ...(required
        ? []
        : [{ value: '', label: schema.default !== undefined ? `Default (${String(schema.default)})` : requiredBySchema ? '(not set)' : '(default)' }]),
      // Option values are the literals' text (so tests and people can pick "listen"); reading maps them back to the literal, number or string.
      ...literals.map((l) => ({ value: String(l), label: String(l) })),
    ];
    const current = literals.find((l) => l === value);
    const control = h(
      'select',
      {},
      options.map((o) => h('option', { value: o.value, selected: current !== undefined ? o.value === String(current) : o.value === '' }, o.label)),
    );
    return {
      el: field({ id, label, hint, required, control, path }),
      read: () => (control.value === '' ? undefined : literals.find((l) => String(l) === control.value)),
    };
  }

  const t = typeOf(schema);
  if (t === 'object') {
    const valueSchema = recordValueSchema(schema);
    if (valueSchema) return buildRecord(ctx, schema, valueSchema, key, path, value, required);
    if (schema.properties) return buildObject(ctx, schema, key, path, value, required);
  }

  if (t === 'boolean') {
    if (!required && schema.default === undefined) {
      // Three answers: yes, no, and "leave it to the gateway".
      const control = h(
        'select',
        {},
        h('option', { value: '', selected: value === undefined }, '(default)'),
        h('option', { value: 'true', selected: value === true }, 'Yes'),
        h('option', { value: 'false', selected: value === false }, 'No'),
      );
      return { el: field({ id, label, hint, control, path }), read: () => (control.value === '' ? undefined : control.value === 'true') };
    }
    const checked = typeof value === 'boolean' ? value : schema.default === true;
    const control = h('input', { type: 'checkbox', checked });
    const initial = value;
    return {
      el: field({ id, label, hint, control, path, inline: true }),
      read: () => {
        if (control.checked) return true;
        return required || schema.default === true || initial !== undefined ? false : undefined;
      },
    };
  }

  if (t === 'integer' || t === 'number') {
    const control = h('input', {
      type: 'text',
      inputmode: t === 'integer' ? 'numeric' : 'decimal',
      value: typeof value === 'number' ? String(value) : '',
      placeholder: applies === 'always' ? defaultPlaceholder(schema.default) : undefined,
      autocomplete: 'off',
    });
    return {
      el: field({ id, label, hint, required, control, path }),
      read: (problems) => {
        const text = control.value.trim();
        if (text === '') {
          if (required) problems.push({ path, message: `enter ${t === 'integer' ? 'a whole number' : 'a number'}` });
          return undefined;
        }
        const n = Number(text);
        if (!Number.isFinite(n) || (t === 'integer' && !Number.isInteger(n))) {
          problems.push({ path, message: `"${text}" is not ${t === 'integer' ? 'a whole number' : 'a number'}` });
          return undefined;
        }
        if ((schema.minimum !== undefined && n < schema.minimum) || (schema.maximum !== undefined && n > schema.maximum)) {
          const range = numberHint(path.slice(path.lastIndexOf('.') + 1), { minimum: schema.minimum, maximum: schema.maximum }) ?? '';
          problems.push({ path, message: `${n} is out of range: ${range.charAt(0).toLowerCase()}${range.slice(1, -1)}` });
        }
        return n;
      },
    };
  }

  if (t === 'string') {
    const secret = /password|secret|token/i.test(key);
    const stored = secret && (ctx.opts.storedSecrets ?? []).includes(path);
    const long = (schema.maxLength ?? 0) > 256 || key === 'pattern';
    const control = long
      ? h('textarea', { rows: 2, spellcheck: 'false' }, typeof value === 'string' ? value : '')
      : h('input', {
          type: secret ? 'password' : 'text',
          value: secret ? '' : typeof value === 'string' ? value : '',
          autocomplete: secret ? 'new-password' : 'off',
          spellcheck: 'false',
          placeholder: typeof schema.default === 'string' ? schema.default : stored ? 'stored (leave empty to keep)' : undefined,
        });
    const fullHint = stored ? [hint ? `${hint} ` : '', 'A password is stored: leave empty to keep the stored password.'].join('') : hint;
    const extra = stored ? h('span', { class: 'badge ok' }, 'stored') : null;
    return {
      el: field({ id, label, hint: fullHint, required: required && !stored, control, path, extra }),
      read: (problems) => {
        const text = secret ? control.value : control.value.trim();
        if (text === '') {
          if (required && !stored) problems.push({ path, message: 'fill this in' });
          return undefined;
        }
        return text;
      },
    };
  }

  if (t === 'array' && schema.items) {
    const itemType = typeOf(schema.items);
    const itemLiterals = enumValues(schema.items);
    if (itemLiterals || itemType === 'string' || itemType === 'integer' || itemType === 'number') {
      const control = h('input', { type: 'text', value: Array.isArray(value) ? value.map(String).join(', ') : '', autocomplete: 'off', spellcheck: 'false' });
      const listHint = [hint, 'Separate several with commas.'].filter(Boolean).join(' ');
      return {
        el: field({ id, label, hint: listHint, required, control, path }),
        read: (problems) => {
          const parts = control.value
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '');
          if (parts.length === 0) {
            if (required) problems.push({ path, message: 'enter at least one value' });
            return undefined;
          }
          if (itemType === 'integer' || itemType === 'number') {
            const nums = parts.map(Number);
            const bad = parts.filter((_, i) => !Number.isFinite(nums[i]));
            if (bad.length > 0) problems.push({ path, message: `not numbers: ${bad.join(', ')}` });
            return nums;
          }
          if (itemLiterals) {
            const bad = parts.filter((p) => !itemLiterals.map(String).includes(p));
            if (bad.length > 0) problems.push({ path, message: `${bad.join(', ')}: choose from ${itemLiterals.join(', ')}` });
            return parts.map((p) => itemLiterals.find((l) => String(l) === p) ?? p);
          }
          return parts;
        },
      };
    }
  }

  return buildJson(ctx, schema, id, label, hint, path, value, required);
}

/** Mixed unions and anything else: JSON text, where a bare word that is one of the union's literals counts as that literal. */
function buildJson(_ctx: Ctx, schema: JsonSchema, id: string, label: string, hint: string | undefined, path: string, value: unknown, required: boolean): Node {
  const literals = (schema.anyOf ?? schema.oneOf ?? []).filter((v) => 'const' in v).map((v) => v.const);
  const control = h('textarea', { rows: 3, spellcheck: 'false', class: 'mono' }, jsonText(value));
  const jsonHint = [hint, literals.length > 0 ? `Write ${literals.map(String).join(' or ')}, or JSON.` : 'Written as JSON.'].filter(Boolean).join(' ');
  return {
    el: field({ id, label, hint: jsonHint, required, control, path }),
    read: (problems) => {
      const text = control.value.trim();
      if (text === '') {
        if (required) problems.push({ path, message: 'fill this in' });
        return undefined;
      }
      const literal = literals.find((l) => String(l) === text);
      if (literal !== undefined) return literal;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        problems.push({ path, message: 'is not valid JSON (strings in "double quotes", objects in { })' });
        return undefined;
      }
    },
  };
}

function legend(text: string, required: boolean): HTMLLegendElement {
  return h('legend', {}, text, required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null);
}

function buildObject(ctx: Ctx, schema: JsonSchema, key: string, path: string, value: unknown, required: boolean): Node {
  const fields = objectFields({ ...ctx, softRequired: ctx.softRequired || !required }, schema, path, isRecord(value) ? value : {});
  const hint = hintFor(ctx, path, schema);
  const el = h(
    'fieldset',
    { class: 'group', 'data-path': path },
    legend(labelFor(ctx, path, key, schema), required),
    h('div', { class: 'field-error' }),
    hint ? h('p', { class: 'hint' }, hint) : null,
    fields.element,
  );
  return {
    el,
    read: (problems) => {
      const out = fields.read(problems);
      return Object.keys(out).length === 0 && !required ? undefined : out;
    },
  };
}

/** The properties of an object schema as fields, without a fieldset around them. */
function objectFields(
  ctx: Ctx,
  schema: JsonSchema,
  path: string,
  value: Record<string, unknown>,
): { element: HTMLElement; read(problems: ConfigProblem[]): Record<string, unknown> } {
  const req = new Set(schema.required ?? []);
  const nodes: Array<{ key: string; node?: Node; keep?: unknown }> = [];
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    const p = path ? `${path}.${key}` : key;
    if (ctx.opts.skip?.includes(p)) {
      nodes.push({ key, keep: value[key] });
      continue;
    }
    nodes.push({ key, node: build(ctx, sub, key, p, value[key], req.has(key)) });
  }
  const element = h(
    'div',
    { class: 'fields' },
    nodes.map((n) => n.node?.el),
  );
  return {
    element,
    read: (problems) => {
      const out: Record<string, unknown> = {};
      for (const n of nodes) {
        const v = n.node ? n.node.read(problems) : n.keep;
        if (v !== undefined) out[n.key] = v;
      }
      return out;
    },
  };
}

function buildRecord(ctx: Ctx, schema: JsonSchema, valueSchema: JsonSchema, key: string, path: string, value: unknown, required: boolean): Node {
  const hint = hintFor(ctx, path, schema);
  const rows = h('div', { class: 'record-rows' });
  const entries: Array<{ row: HTMLElement; keyInput: HTMLInputElement; node: Node }> = [];
  const label = labelFor(ctx, path, key, schema);

  const addRow = (k: string, v: unknown): HTMLInputElement => {
    const rowId = uid(idFor(ctx, path));
    const keyInput = h('input', { type: 'text', value: k, autocomplete: 'off', spellcheck: 'false' });
    const entryPath = () => `${path}.${keyInput.value.trim() || '?'}`;
    // Values are built against a fixed path id; data-path follows the key as it is typed.
    const node = build({ opts: { ...ctx.opts, idPrefix: rowId, labels: {}, hints: {} }, softRequired: false }, valueSchema, 'value', `${path}.*`, v, true) ?? {
      el: h('span'),
      read: () => undefined,
    };
    const row = h(
      'div',
      { class: 'record-row', 'data-path': entryPath() },
      h('div', { class: 'field-error' }),
      field({ id: `${rowId}-key`, label: 'Name', control: keyInput, required: true }),
      node.el,
      h(
        'button',
        {
          type: 'button',
          class: 'danger small',
          'aria-label': `Remove entry ${k || ''}`.trim(),
          onclick: () => {
            row.remove();
            entries.splice(
              entries.findIndex((e) => e.row === row),
              1,
            );
          },
        },
        'Remove',
      ),
    );
    // Problems name the entry by its key: keep the paths inside the row in step with it.
    const template = `${path}.*`;
    const templated = Array.from(node.el.querySelectorAll('[data-path]'));
    if (node.el.hasAttribute('data-path')) templated.push(node.el);
    const syncPaths = () => {
      const k = keyInput.value.trim() || '?';
      row.setAttribute('data-path', entryPath());
      for (const el of templated) {
        const tpl = el.getAttribute('data-tpl') ?? el.getAttribute('data-path') ?? '';
        el.setAttribute('data-tpl', tpl);
        el.setAttribute('data-path', tpl.startsWith(template) ? `${path}.${k}${tpl.slice(template.length)}` : tpl);
      }
    };
    keyInput.addEventListener('input', syncPaths);
    syncPaths();
    entries.push({ row, keyInput, node });
    rows.appendChild(row);
    return keyInput;
  };

  if (isRecord(value)) for (const [k, v] of Object.entries(value)) addRow(k, v);
  const el = h(
    'fieldset',
    { class: 'group record', 'data-path': path },
    legend(label, required),
    h('div', { class: 'field-error' }),
    hint ? h('p', { class: 'hint' }, hint) : null,
    rows,
    h('button', { type: 'button', class: 'small', onclick: () => addRow('', undefined).focus() }, `Add to ${label.toLowerCase()}`),
  );
  return {
    el,
    read: (problems) => {
      const out: Record<string, unknown> = {};
      for (const e of entries) {
        const k = e.keyInput.value.trim();
        const sub: ConfigProblem[] = [];
        const v = e.node.read(sub);
        for (const p of sub) problems.push({ path: p.path.replace(`${path}.*`, `${path}.${k || '?'}`), message: p.message });
        if (k === '') {
          if (v !== undefined) problems.push({ path: `${path}.?`, message: 'an entry has no name' });
          continue;
        }
        if (k in out) problems.push({ path: `${path}.${k}`, message: `"${k}" appears twice` });
        out[k] = v ?? {};
      }
      if (Object.keys(out).length === 0 && !required) return undefined;
      return out;
    },
  };
}

/**
 * A form for an object schema: its properties as fields (no fieldset around them, so the caller
 * can place it), reading back the object.
 */
export function schemaForm(schema: JsonSchema, opts: SchemaFormOptions): SchemaForm {
  const ctx: Ctx = { opts, softRequired: opts.optional === true };
  const value = isRecord(opts.value) ? opts.value : {};
  const fields = objectFields(ctx, schema, opts.path, value);
  const element = h('div', { class: 'schema-form' }, fields.element);
  if (!schema.properties || Object.keys(schema.properties).length === 0) {
    // A record or free-form settings object: one node for the whole value.
    const node = build(ctx, schema, opts.path, opts.path, opts.value, false);
    if (node) {
      replace(element, node.el);
      return {
        element,
        read: () => {
          const problems: ConfigProblem[] = [];
          return { value: node.read(problems), problems };
        },
      };
    }
  }
  return {
    element,
    read: () => {
      const problems: ConfigProblem[] = [];
      const value = fields.read(problems);
      return { value: opts.optional && Object.keys(value).length === 0 ? undefined : value, problems };
    },
  };
}
