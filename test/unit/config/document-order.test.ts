import { describe, expect, it } from 'vitest';
import { inDocumentOrder } from '../../../src/config/document-order.ts';

describe('problems in the order of the file', () => {
  const doc = JSON.parse('{ "web": { "port": 1 }, "devices": [ { "id": "a", "settings": { "mode": "x" } }, { "id": "b" } ], "dataDir": "" }');
  const at = (...paths: string[]) => paths.map((path) => ({ path, message: path }));

  it("sorts by where each path is, a missing setting at its parent's place, ties as they came", () => {
    const sorted = inDocumentOrder(doc, at('dataDir', 'devices[0].settings.mode', 'devices[1].transport', 'web.port', 'devices[0].id', 'web.host', '(root)'));
    expect(sorted.map((p) => p.path)).toEqual([
      '(root)',
      'web.host',
      'web.port',
      'devices[0].id',
      'devices[0].settings.mode',
      'devices[1].transport',
      'dataDir',
    ]);
  });

  it('sorts problems in a document nested thousands deep, a deep one at the place of its ancestor', () => {
    const deep = JSON.parse(`{ "a": 1, "x": ${'['.repeat(5000)}${']'.repeat(5000)} }`) as unknown;
    const sorted = inDocumentOrder(deep, at(`x${'[0]'.repeat(4000)}`, 'a'));
    expect(sorted.map((p) => p.path.slice(0, 4))).toEqual(['a', 'x[0]']);
  });

  it('does not walk the document when there is nothing to sort', () => {
    let walked = 0;
    const counted = new Proxy(doc as object, { ownKeys: (target) => (walked++, Reflect.ownKeys(target)) });
    expect(inDocumentOrder(counted, at('web.port'))).toEqual(at('web.port'));
    expect(inDocumentOrder(counted, [])).toEqual([]);
    expect(walked).toBe(0);
  });

  it('leaves a document that is no object alone', () => {
    expect(inDocumentOrder('text', at('b', 'a')).map((p) => p.path)).toEqual(['b', 'a']);
  });
});
