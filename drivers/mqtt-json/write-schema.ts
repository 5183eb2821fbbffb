// Writes reading.schema.json from the TypeBox schema: `node --import tsx drivers/mqtt-json/write-schema.ts`.
// A unit test fails when the committed file and schema.ts disagree.

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readingJsonSchema } from './schema.ts';

const target = fileURLToPath(new URL('./reading.schema.json', import.meta.url));
writeFileSync(target, readingJsonSchema());
console.log(`wrote ${target}`);
