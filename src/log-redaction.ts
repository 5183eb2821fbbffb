// What the logger's redaction net censors, and how deep: a key isCensoredKey names, at the top of
// a log line or one level down inside a value. Pure functions: a value that needs nothing comes back
// as it is (the common case, no allocation), one that does comes back as a censored copy; a
// caller's object is never changed.

export const CENSOR = '[redacted]';

/** Keys that may carry patient data (patient, subject, HL7 message text, message bodies) or secrets. */
export function isCensoredKey(key: string): boolean {
  // A switch, not a Set: this runs for every property of every line, and V8 compiles it to a few compares.
  switch (key) {
    case 'patient':
    case 'subject':
    case 'hl7':
    case 'body':
    case 'password':
    case 'token':
    case 'authorization':
      return true;
    default:
      return false;
  }
}

const NOTHING: ReadonlySet<string> = new Set();

type Entries = Record<string, unknown>;

// Arrays and dates are left alone: pino's `*.key` paths never looked inside them either.
function mayCarryKeys(value: unknown): value is Entries {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

// for...in over the value, not a look-up of each key: misses on small objects are the slow case.
function hasCensoredProperty(value: Entries): boolean {
  for (const key in value) if (isCensoredKey(key) && Object.hasOwn(value, key)) return true;
  return false;
}

// Same prototype, so a class's toJSON still applies; defineProperty, so a key such as `__proto__`
// or one read-only on the prototype is still copied as data.
function copyWith(source: Entries, value: (key: string, was: unknown) => unknown): Entries {
  const copy = Object.create(Object.getPrototypeOf(source) as object | null) as Entries;
  for (const key in source) {
    if (!Object.hasOwn(source, key)) continue;
    Object.defineProperty(copy, key, { value: value(key, source[key]), enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/** `value` with its own censored properties replaced (whatever they hold), or `value` itself when it has none. */
export function censorProperties(value: unknown): unknown {
  if (!mayCarryKeys(value) || !hasCensoredProperty(value)) return value;
  return copyWith(value, (key, was) => (isCensoredKey(key) ? CENSOR : was));
}

function censoredAtTop(key: string, value: unknown): boolean {
  // An undefined value is not written at all, so there is nothing to censor.
  return isCensoredKey(key) && value !== undefined;
}

/**
 * A log line's object or a child logger's bindings, censored at the top level and one level down.
 * Values under `serialized` keys are left as they are: their serializer turns them into what is
 * written (an Error, an HTTP request), so it is the serializer's output that must be censored
 * (see censorSerializer).
 */
export function censorLogObject(obj: Entries, serialized: ReadonlySet<string> = NOTHING): Entries {
  if (!needsCensoring(obj, serialized)) return obj;
  return copyWith(obj, (key, was) => (censoredAtTop(key, was) ? CENSOR : serialized.has(key) ? was : censorProperties(was)));
}

function needsCensoring(obj: Entries, serialized: ReadonlySet<string>): boolean {
  for (const key in obj) {
    const value = obj[key];
    // Cheapest test first: most values are strings and numbers under ordinary keys.
    const hit = isCensoredKey(key)
      ? value !== undefined
      : typeof value === 'object' && value !== null && !serialized.has(key) && mayCarryKeys(value) && hasCensoredProperty(value);
    if (hit && Object.hasOwn(obj, key)) return true;
  }
  return false;
}

/** A serializer whose output is censored one level down, as a value without a serializer is. */
export function censorSerializer<T>(serialize: (value: T) => unknown): (value: T) => unknown {
  return (value) => censorProperties(serialize(value));
}

/**
 * The arguments after the first of a log call: values for `%j`/`%o`/`%O` in the message, or a
 * message given as an object. An object is censored at its top level and one level down, an array
 * in each of its elements. Returns `args` itself when nothing needed censoring.
 */
export function censorFormatArgs(args: readonly unknown[]): readonly unknown[] {
  let out: unknown[] | undefined;
  for (let i = 1; i < args.length; i++) {
    const arg = args[i];
    if (typeof arg !== 'object' || arg === null) continue;
    const censored = Array.isArray(arg) ? censorElements(arg) : censorLogObject(arg as Entries);
    if (censored === arg) continue;
    out ??= [...args];
    out[i] = censored;
  }
  return out ?? args;
}

function censorElements(items: readonly unknown[]): readonly unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const censored = censorProperties(items[i]);
    if (censored === items[i]) continue;
    out ??= [...items];
    out[i] = censored;
  }
  return out ?? items;
}
