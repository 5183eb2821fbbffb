// Sortable unique ids: 16 chars of [0-9A-Z], safe as an HL7 MSH-10 control ID (ST, <= 20 chars).
// Layout: 9 chars epoch ms (base 36) + 3 chars counter within that ms + 4 random chars.

import { randomBytes } from 'node:crypto';

const TIME_CHARS = 9;
const COUNTER_CHARS = 3;
const RANDOM_CHARS = 4;
const COUNTER_LIMIT = 36 ** COUNTER_CHARS;
const RANDOM_LIMIT = 36 ** RANDOM_CHARS;

let lastMs = -1;
let counter = 0;

// Random bytes are drawn in blocks; one crypto call per id would dominate the cost.
let pool = Buffer.alloc(0);
let poolAt = 0;

function randomPart(): string {
  if (poolAt + 4 > pool.length) {
    pool = randomBytes(4096);
    poolAt = 0;
  }
  const n = pool.readUInt32BE(poolAt) % RANDOM_LIMIT;
  poolAt += 4;
  return n.toString(36).toUpperCase().padStart(RANDOM_CHARS, '0');
}

/**
 * A new id, strictly greater (as a string) than every id this process made before, even when the
 * clock steps back: the time part never goes below the last one used, and the counter bumps it.
 */
export function newId(now: Date = new Date()): string {
  let ms = now.getTime();
  if (!Number.isFinite(ms) || ms < 0) ms = Date.now();
  if (ms > lastMs) {
    lastMs = ms;
    counter = 0;
  } else {
    counter++;
    if (counter >= COUNTER_LIMIT) {
      lastMs++;
      counter = 0;
    }
  }
  return lastMs.toString(36).toUpperCase().padStart(TIME_CHARS, '0') + counter.toString(36).toUpperCase().padStart(COUNTER_CHARS, '0') + randomPart();
}
