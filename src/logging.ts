// The process logger: JSON lines for machines (journald, tests), readable lines on a terminal.
// Patient data is logged only at debug; the redaction below is the net under that rule.

import { pino, type Bindings, type ChildLoggerOptions, type LogFn, type Logger as PinoLogger, type LoggerOptions as PinoOptions } from 'pino';
import pretty from 'pino-pretty';
import { BatchedOutput } from './log-output.ts';
import { censorFormatArgs, censorLogObject, censorSerializer } from './log-redaction.ts';
import { errorText } from './model/error-text.ts';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface LoggerOptions {
  level?: LogLevel;
  /** Human-readable output; default: when stdout is a terminal or MEDGATE_LOG_PRETTY=1. */
  pretty?: boolean;
  destination?: NodeJS.WritableStream;
}

// Keys whose value a serializer replaces before it is written.
const ROOT_SERIALIZED: ReadonlySet<string> = new Set(['err']);

/**
 * Every error is logged under `err` (pass the Error itself: `log.warn({ err }, '...')`), pino's own
 * error key, so the lines libraries write (Fastify's) land under it too, always as one string: its
 * message, or at debug its stack (which starts with the message), so a journal search for one key
 * finds them all and the stack is there when someone asks for detail.
 */
export function errorSerializer(withStack: boolean): (value: unknown) => unknown {
  return (value) => (value instanceof Error ? logText(value, withStack) : value);
}

/** The message, the errors inside an AggregateError (Node's connect to a name with an IPv4 and an IPv6
 * address throws one with an empty message), and the chain of causes, a few deep. */
function logText(err: Error, withStack: boolean, depth = 0): string {
  let text = errorText(err);
  if (err instanceof AggregateError && err.errors.length > 0) text += ` (${err.errors.map((e: unknown) => errorText(e)).join('; ')})`;
  if (withStack && err.stack) text = err.stack.includes(text) ? err.stack : `${text}\n${err.stack}`;
  if (err.cause instanceof Error && depth < 3) text += ` (cause: ${logText(err.cause, false, depth + 1)})`;
  return text;
}

// pino's own `redact` (paths run through @pinojs/redact for every value of every line) cost about
// half of all logging time. This net has the same reach (see log-redaction.ts) for a key look-up per
// property when nothing matches. formatters.log runs before the serializers, so what a serializer
// makes is censored by wrapping the serializer; the hook covers values formatted into the message.
function redaction(): Pick<PinoOptions, 'formatters' | 'hooks'> {
  return {
    formatters: { log: (object) => censorLogObject(object, ROOT_SERIALIZED) },
    hooks: {
      logMethod(args, method) {
        method.apply(this, censorFormatArgs(args) as Parameters<LogFn>);
      },
    },
  };
}

// `formatters.bindings` never sees a child's bindings (pino's child() swaps it for the identity), so
// child() and setBindings() censor them; a child given serializers or a log formatter of its own
// gets the formatter and serializers that match.
function censorBindings(logger: PinoLogger, pinoChild: PinoLogger['child'], pinoSetBindings: PinoLogger['setBindings'], serialized: ReadonlySet<string>): void {
  // pino's child() is generic over custom levels, which this gateway does not use.
  const makeChild = (parent: PinoLogger, bindings: Bindings, options: ChildLoggerOptions | undefined): PinoLogger =>
    Reflect.apply(pinoChild, parent, [bindings, options]) as PinoLogger;
  function child(this: PinoLogger, bindings: Bindings, options?: ChildLoggerOptions): PinoLogger {
    const own = options?.serializers;
    const theirs = options?.formatters?.log;
    if (own === undefined && theirs === undefined) return makeChild(this, censorLogObject(bindings, serialized), options);
    const keys = new Set([...serialized, ...Object.keys(own ?? {})]);
    const log = (object: object): object => censorLogObject((theirs === undefined ? object : theirs(object)) as Record<string, unknown>, keys);
    const childOptions: ChildLoggerOptions = { ...options, formatters: { ...options?.formatters, log } };
    if (own !== undefined) childOptions.serializers = Object.fromEntries(Object.entries(own).map(([key, serialize]) => [key, censorSerializer(serialize)]));
    const made = makeChild(this, censorLogObject(bindings, keys), childOptions);
    censorBindings(made, pinoChild, pinoSetBindings, keys);
    return made;
  }
  function setBindings(this: PinoLogger, bindings: Bindings): void {
    Reflect.apply(pinoSetBindings, this, [censorLogObject(bindings, serialized)]);
  }
  // Own properties of this logger, inherited by its children (pino makes each with Object.create).
  Object.defineProperty(logger, 'child', { value: child, writable: true, configurable: true });
  Object.defineProperty(logger, 'setBindings', { value: setBindings, writable: true, configurable: true });
}

export function createLogger(opts: LoggerOptions = {}): PinoLogger {
  const level = opts.level ?? 'info';
  const human = opts.pretty ?? (process.stdout.isTTY === true || process.env.MEDGATE_LOG_PRETTY === '1');
  // Debug is where patient detail may be looked at on purpose, so redaction applies above it only.
  const redacting = level !== 'debug';
  const serialize = errorSerializer(level === 'debug');
  const serializers: PinoOptions['serializers'] = { err: redacting ? censorSerializer(serialize) : serialize };
  const base: PinoOptions = { level, base: undefined, serializers, ...(redacting ? redaction() : {}) };
  const logger = human ? humanLogger(base, opts.destination) : machineLogger(base, opts.destination);
  if (redacting) censorBindings(logger, logger.child, logger.setBindings, ROOT_SERIALIZED);
  return logger;
}

function humanLogger(base: PinoOptions, destination: NodeJS.WritableStream | undefined): PinoLogger {
  return pino(
    base,
    pretty({
      colorize: process.stdout.isTTY === true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
      singleLine: true,
      sync: true,
      destination: destination ?? process.stdout,
    }),
  );
}

function machineLogger(base: PinoOptions, destination: NodeJS.WritableStream | undefined): PinoLogger {
  return pino(base, destination ?? new BatchedOutput());
}
