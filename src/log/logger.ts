import pino, { type DestinationStream, type Logger } from 'pino';
import { formatLogfmtLine } from './logfmt.js';

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

/** The formats `--log.format` accepts. */
export const LOG_FORMATS = ['json', 'logfmt'] as const;

/** One accepted log format. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Whether `value` is one of `LOG_FORMATS`. */
export function isLogFormat(value: string): value is LogFormat {
  return (LOG_FORMATS as readonly string[]).includes(value);
}

/** Options of `createLogger`. */
export interface LoggerOptions {
  readonly level: LogLevel;
  /** JSON lines (default) or logfmt lines. */
  readonly format?: LogFormat;
  /** Where lines go. Default: stdout. */
  readonly destination?: DestinationStream;
}

/**
 * The exporter's logger. JSON (or logfmt) lines with `level` as a label, an ISO `time` and `msg`; callers add the
 * fixed field vocabulary `daemon`, `method`, `collector`, `duration_seconds`, `err`.
 */
export function createLogger({ level, format = 'json', destination }: LoggerOptions): Logger {
  const target = destination ?? pino.destination(1);
  // pino writes one JSON line per call; logfmt rewrites it, so redaction and serializers apply alike.
  const stream: DestinationStream =
    format === 'json' ? target : { write: (line: string) => target.write(formatLogfmtLine(JSON.parse(line))) };
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
