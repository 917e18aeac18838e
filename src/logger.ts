import pino, { type DestinationStream, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';

export type { Logger } from 'pino';

/** The levels `--log.level` accepts. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** One accepted log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Whether `value` is one of `LOG_LEVELS`. */
export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/**
 * Paths pino replaces with `[REDACTED]`. `Secret` already prints itself redacted; these catch plain
 * strings that reach a log line by mistake (a raw config object, an options object with `password`).
 */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'daemons[*].password',
  'config.daemons[*].password',
  'options.password',
];

/** Options of `createLogger`. */
export interface LoggerOptions {
  readonly level: LogLevel;
  /** Human-readable output (pino-pretty) instead of JSON lines. Default: JSON. */
  readonly pretty?: boolean;
  /** Where lines go. Default: stdout (or a pino-pretty stream writing to stdout when `pretty`). */
  readonly destination?: DestinationStream;
}

/**
 * The exporter's logger. JSON lines with `level` as a label, an ISO `time` and `msg`; callers add the
 * fixed field vocabulary `daemon`, `method`, `collector`, `duration_seconds`, `err`.
 */
export function createLogger({ level, pretty = false, destination }: LoggerOptions): Logger {
  const stream = destination ?? (pretty ? pinoPretty({ colorize: true, sync: true }) : pino.destination(1));
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    },
    stream,
  );
}
