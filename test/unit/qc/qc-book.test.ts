// qc.json: a folder without it starts empty; what it keeps comes back; a document it cannot read is
// refused naming the file and what is wrong, never taken as empty (that would drop open rejections).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QcBook, qcBookFrom, qcFile } from '../../../src/qc/qc-book.ts';

const REJECTION = { id: 'R1', device: 'chem-a', test: 'GLU', lot: 'L1', rules: ['1-3s' as const], entry: 'E1', run: 'E1', at: '2026-12-06T07:00:00.000Z' };

describe('QcBook', () => {
  it('starts empty without qc.json, and keeps targets, rejections, reviews and restarts across a reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medgate-qcbook-'));
    const book = await QcBook.open(qcFile(dir));
    expect(book.doc).toEqual({ version: 1, targets: [], rejections: [], restarts: [] });
    const target = { device: 'chem-a', test: 'GLU', lot: 'L1', mean: 5.5, sd: 0.1, n: 20, first: 'a', last: 'b', at: 'c' };
    await book.establish(target);
    // Never recomputed: a second target for the same lot and test is not taken.
    await book.establish({ ...target, mean: 9 });
    await book.raise(REJECTION);
    await book.raise({ ...REJECTION, rules: ['2-2s'] });
    await book.review('R1', { by: 'lablead', at: '2026-12-06T08:00:00.000Z', action: 'rerun', released: 0 });
    await book.close();
    const again = await QcBook.open(qcFile(dir));
    expect(again.target('chem-a', 'GLU', 'L1')?.mean).toBe(5.5);
    expect(again.rejection('R1')).toMatchObject({ rules: ['1-3s', '2-2s'], review: { by: 'lablead' } });
    expect(again.restartOf('chem-a', 'GLU')).toBe('2026-12-06T08:00:00.000Z');
    expect(again.open()).toEqual([]);
    await again.close();
  });

  it('refuses a document it cannot read, naming the file and the problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medgate-qcbook-'));
    writeFileSync(qcFile(dir), JSON.stringify({ version: 2, targets: [], rejections: [], restarts: [] }));
    await expect(QcBook.open(qcFile(dir))).rejects.toThrow(/qc\.json: unsupported QC document version 2/);
    expect(() => qcBookFrom('qc.json', { version: 1, targets: [], rejections: [{ ...REJECTION, rules: ['9-9s'] }], restarts: [] })).toThrow(
      /rejections\[0\] names an unknown rule/,
    );
    expect(() => qcBookFrom('qc.json', { version: 1, targets: [{}], rejections: [], restarts: [] })).toThrow(/targets\[0\] is not a target/);
    // Without the entry and run that raised it, a later result of its run could not find it.
    for (const lost of ['entry', 'run'] as const) {
      const { [lost]: _gone, ...damaged } = REJECTION;
      expect(() => qcBookFrom('qc.json', { version: 1, targets: [], rejections: [damaged], restarts: [] })).toThrow(/rejections\[0\] is not a rejection/);
    }
  });
});
