// A typed view of fast-xml-parser's output: every element is a list (isArray for all elements),
// attributes are `@name`, namespace prefixes are dropped (so `xsi:type` reads as `type`), and
// text is never parsed into numbers. Leaf elements without attributes come back as plain strings.

import { XMLParser, XMLValidator } from 'fast-xml-parser';

export type XmlValue = string | XmlNode;
export interface XmlNode {
  [key: string]: unknown;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Numeric character references (&#252;) are only decoded with this option in fast-xml-parser 5.
  htmlEntities: true,
  isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
});

export type ParseResult = { ok: true; root: { name: string; node: XmlValue } } | { ok: false; reason: string; detail?: string };

/** Checks well-formedness, then parses; the root is the first element (the XML declaration skipped). */
export function parseXml(text: string): ParseResult {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    // The validator's message quotes tag and attribute names, which are the document's text.
    return { ok: false, reason: `not well-formed XML (line ${line}, column ${col})`, detail: `not well-formed XML: ${msg} (line ${line}, column ${col})` };
  }
  const doc: unknown = parser.parse(text);
  if (typeof doc !== 'object' || doc === null) return { ok: false, reason: 'not XML: no root element' };
  for (const [name, value] of Object.entries(doc)) {
    if (name.startsWith('?') || name === '#text') continue;
    const first: unknown = Array.isArray(value) ? value[0] : undefined;
    if (typeof first === 'string' || isNode(first)) return { ok: true, root: { name, node: first } };
  }
  return { ok: false, reason: 'not XML: no root element' };
}

function isNode(v: unknown): v is XmlNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** All child elements called `name`. */
export function children(node: XmlValue | undefined, name: string): XmlValue[] {
  if (!isNode(node)) return [];
  const list = node[name];
  if (!Array.isArray(list)) return [];
  return list.filter((v): v is XmlValue => typeof v === 'string' || isNode(v));
}

/** The first element along a path of child names. */
export function child(node: XmlValue | undefined, ...path: string[]): XmlValue | undefined {
  let current: XmlValue | undefined = node;
  for (const name of path) {
    current = children(current, name)[0];
    if (current === undefined) return undefined;
  }
  return current;
}

export function attr(node: XmlValue | undefined, name: string): string | undefined {
  if (!isNode(node)) return undefined;
  const v = node[`@${name}`];
  return typeof v === 'string' ? v : undefined;
}

export function text(node: XmlValue | undefined): string {
  if (typeof node === 'string') return node;
  if (!isNode(node)) return '';
  const t = node['#text'];
  return typeof t === 'string' ? t : typeof t === 'number' ? String(t) : '';
}

/** Depth-first search for the first element called `name` below `node`. */
export function findFirst(node: XmlValue | undefined, name: string, depth = 0): XmlValue | undefined {
  if (!isNode(node) || depth > 40) return undefined;
  const direct = children(node, name)[0];
  if (direct !== undefined) return direct;
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('@') || key === '#text' || !Array.isArray(value)) continue;
    for (const v of value) {
      const found = findFirst(isNode(v) ? v : undefined, name, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
