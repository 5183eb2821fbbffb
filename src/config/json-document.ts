// A JSON file a person edits (the configuration), read the same way wherever it is read: after the
// byte order mark Windows editors (Notepad) may put first, which JSON.parse refuses; and when it is
// not JSON, the place and the slip, never JSON.parse's message (V8 quotes the text: a password).

import { jsonSyntaxError } from '../model/json-syntax.ts';

export type JsonDocument = { ok: true; value: unknown } | { ok: false; problem: string };

export function parseJsonDocument(text: string): JsonDocument {
  const json = text.startsWith('\uFEFF') ? text.slice(1) : text;
  try {
    return { ok: true, value: JSON.parse(json) };
  } catch {
    const found = jsonSyntaxError(json);
    return { ok: false, problem: found ? `not valid JSON: line ${found.line}, column ${found.column}: ${found.message}` : 'not valid JSON' };
  }
}
