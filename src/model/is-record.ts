// The one test for "a plain JSON object" that parsers of stored files, configuration and API
// bodies use before reading fields (an array is not one).

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
