// One helper turns a caught value into text for a person; an inline copy of it must not come back.

import { describe, expect, it } from 'vitest';
import { errorText } from '../../../src/model/error-text.ts';
import { sourceFiles } from '../../support/source-files.ts';

describe('errorText', () => {
  it('gives an Error’s message, anything else as String() does', () => {
    expect(errorText(new Error('port is in use'))).toBe('port is in use');
    expect(errorText('already text')).toBe('already text');
    expect(errorText(42)).toBe('42');
    expect(errorText(undefined)).toBe('undefined');
  });

  it('gives the code, or the name, of an Error without a message (a connect to a name with two addresses)', () => {
    const both = Object.assign(new AggregateError([new Error('connect ECONNREFUSED 127.0.0.1:2575')], ''), { code: 'ECONNREFUSED' });
    expect(errorText(both)).toBe('ECONNREFUSED');
    expect(errorText(new TypeError(''))).toBe('TypeError');
  });

  it('is the only copy of itself in the code (the page included)', () => {
    const inline = /([A-Za-z_$][\w$]*)\s+instanceof\s+Error\s*\?\s*\1\.message\s*:\s*String\(\s*\1\s*\)/g;
    const files = sourceFiles(['src', 'drivers', 'simulators', 'scripts', 'bin']);
    expect(files.some((f) => f.path === 'src/web/page/main.ts')).toBe(true);
    const copies = files.flatMap((f) => [...f.text.matchAll(inline)].map((m) => `${f.path}:${f.text.slice(0, m.index).split('\n').length}`));
    expect(copies).toEqual([]);
  });
});
