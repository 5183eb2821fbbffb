// What a fresh start would read from a state file: the snapshot with its journal replayed
// (src/store/state-journal.ts). For tests that look at the disk while the store is open.

import { existsSync, readFileSync } from 'node:fs';
import { replayJournal } from '../../src/store/state-journal.ts';
import type { StateDoc } from '../../src/store/types.ts';

export function stateOnDisk(file: string): StateDoc {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const generation = typeof doc.generation === 'number' ? doc.generation : 0;
  delete doc.generation;
  const journal = `${file}.journal`;
  if (existsSync(journal)) replayJournal(doc, readFileSync(journal), generation);
  return doc as unknown as StateDoc;
}
