import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonSyntaxError, MAX_JSON_DEPTH } from '../../../src/model/json-syntax.ts';

const parses = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

describe('where a JSON file (a configuration, a state file) stops being JSON', () => {
  it.each<[string, string, number, number, string]>([
    ['an empty file', '', 1, 1, 'the file is empty'],
    ['a file cut short', '{\n  "dataDir": "x",\n', 3, 1, 'the file ends too early (a missing "}" or "]"?)'],
    ['a trailing comma in an object', '{\n  "dataDir": "x",\n}\n', 2, 17, 'a comma before "}": JSON allows none there, remove it'],
    ['a trailing comma in a list', '{ "devices": [\n    {},\n  ]\n}', 2, 7, 'a comma before "]": JSON allows none there, remove it'],
    ['a missing comma', '{\n  "a": 1\n  "b": 2\n}', 3, 3, 'expected "," or "}" (a missing comma?)'],
    ['single quotes', "{ 'a': 1 }", 1, 3, 'text must be in double quotes, not single quotes'],
    ['a name without quotes', '{ dataDir: "x" }', 1, 3, 'a setting name must be in double quotes'],
    ['a comment', '{\n  // the scale\n  "a": 1\n}', 2, 3, 'JSON has no comments: remove it'],
    ['a Windows path', '{ "dataDir": "C:\\medgate" }', 1, 17, 'a backslash in text must be doubled (write C:\\\\data, or use /)'],
    ['a text that runs over the line', '{ "a": "x\n" }', 1, 10, 'a line break or tab inside text (a missing closing quote?)'],
    ['a word without quotes', '{ "a": yes }', 1, 8, 'unexpected word: text values need double quotes'],
    ['a leading zero', '{ "a": 08 }', 1, 8, 'a number must not start with 0'],
    ['one brace too many', '{ "a": 1 }}', 1, 11, 'more after the end of the document (a missing comma, or one "}" too many?)'],
    ['a missing colon', '{ "a" 1 }', 1, 7, 'expected ":" after the setting name'],
    ['a column counted in characters, not bytes', '{ "label": "Waage \u00fc", x }', 1, 23, 'a setting name must be in double quotes'],
  ])('%s', (_name, text, line, column, message) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(jsonSyntaxError(text)).toMatchObject({ line, column, message });
  });

  it('gives the offset, and says when the text ends inside the document (a truncated write)', () => {
    expect(jsonSyntaxError('{"a":1,}')).toMatchObject({ at: 6, endsEarly: false });
    expect(jsonSyntaxError('{"a":1} x')).toMatchObject({ at: 8, endsEarly: false });
    expect(jsonSyntaxError('{"a":')).toMatchObject({ at: 5, endsEarly: true });
    expect(jsonSyntaxError('{"a":"patient na')).toMatchObject({ at: 5, endsEarly: true });
    expect(jsonSyntaxError('{"a":"b\\q"}')).toMatchObject({ at: 7, endsEarly: false });
    expect(jsonSyntaxError('[01]')).toMatchObject({ at: 1, endsEarly: false });
    expect(jsonSyntaxError('')).toMatchObject({ at: 0, line: 1, column: 1 });
  });

  // A hand-edited or damaged file may open thousands of lists; the recursive reader must answer, not overflow the stack.
  it('stops at a nesting too deep for any real document with a message, not a stack overflow', () => {
    const deep = `{"dataDir": ${'['.repeat(50_000)}`;
    expect(jsonSyntaxError(deep)).toEqual({
      at: 11 + MAX_JSON_DEPTH, // the "{" is the first level
      line: 1,
      column: 12 + MAX_JSON_DEPTH,
      message: `nested too deeply (more than ${MAX_JSON_DEPTH} levels of "{" and "[")`,
      endsEarly: false,
    });
    const justDeepEnough = `${'['.repeat(MAX_JSON_DEPTH)}1,${']'.repeat(MAX_JSON_DEPTH)}`;
    expect(jsonSyntaxError(justDeepEnough)).toMatchObject({ at: MAX_JSON_DEPTH + 1, message: expect.stringContaining('a comma before') });
  });

  it('finds nothing in any JSON document, however indented', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 0, 2, '\t'), (value, indent) => {
        expect(jsonSyntaxError(JSON.stringify(value, null, indent))).toBeUndefined();
      }),
    );
  });

  it('agrees with JSON.parse on damaged documents: an error exactly when it refuses', () => {
    const damaged = fc
      .tuple(fc.json(), fc.nat(), fc.nat({ max: 3 }), fc.constantFrom(',', '}', ']', '"', "'", '/', '\\', '0', ' ', '\n', 'x', ':'))
      .map(([json, at, cut, insert]) => {
        const i = at % (json.length + 1);
        return json.slice(0, i) + insert + json.slice(i + cut);
      });
    fc.assert(
      fc.property(damaged, (text) => {
        expect(jsonSyntaxError(text) === undefined).toBe(parses(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with JSON.parse on any JSON value cut short or with any ASCII character put in', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), fc.integer({ min: 0, max: 127 }), (value, cut, code) => {
        const text = JSON.stringify(value, null, cut % 3);
        const truncated = text.slice(0, cut % (text.length + 1));
        expect(jsonSyntaxError(truncated) === undefined).toBe(parses(truncated));
        const pos = cut % Math.max(1, text.length);
        const corrupted = text.slice(0, pos) + String.fromCharCode(code) + text.slice(pos + 1);
        expect(jsonSyntaxError(corrupted) === undefined).toBe(parses(corrupted));
      }),
      { numRuns: 500 },
    );
  });
});
