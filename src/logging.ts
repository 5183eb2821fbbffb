// The process logger: JSON lines for machines (journald, tests), readable lines on a terminal.
// Patient data is logged only at debug; the redaction below is the net under that rule.

import { pino, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface LoggerOptions {
  level?: LogLevel;
  /** Human-readable output; default: when stdout is a terminal or MEDGATE_LOG_PRETTY=1. */
  pretty?: boolean;
  destination?: NodeJS.WritableStream;
}

const REDACT = ['patient', '*.patient', 'subject', '*.subject', 'hl7', '*.hl7', 'body', '*.body', 'password', '*.password', 'token', '*.token', 'authorization', '*.authorization'];

export function createLogger(opts: LoggerOptions = {}): PinoLogger {
  const level = opts.level ?? 'info';
  const human = opts.pretty ?? (process.stdout.isTTY === true || process.env.MEDGATE_LOG_PRETTY === '1');
  // Debug is where patient detail may be looked at on purpose, so redaction applies above it only.
  const redact = level === 'debug' ? undefined : { paths: REDACT, censor: '[redacted]' };
  const base = { level, redact, base: undefined };
  if (human) {
    return pino(base, pretty({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true, sync: true, destination: opts.destination ?? process.stdout }));
  }
  // Not sync: lines written while a write is under way go out together in the next one (under load,
  // one write for many lines, not one per line); pino writes what is left synchronously at exit.
  return pino(base, opts.destination ?? pino.destination({ sync: false, minLength: 0 }));
}
