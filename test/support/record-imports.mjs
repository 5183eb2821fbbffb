// `node --import ./record-imports.mjs ...`: every module the process loads is appended, one URL a line,
// to the file named by MEDGATE_RECORD_IMPORTS (tests check what a configuration makes the gateway load).
import { register } from 'node:module';

register(new URL('./record-imports-hooks.mjs', import.meta.url), { data: { file: process.env.MEDGATE_RECORD_IMPORTS } });
