import { shortenForLog } from '../rpc/shorten.js';

/** An RPC answer whose overall shape is not what Deluge 2.x sends (e.g. a string where a dict belongs). */
export class UnexpectedAnswerError extends Error {
  override readonly name = 'UnexpectedAnswerError';
  readonly code = 'DELUGE_EXPORTER_UNEXPECTED_ANSWER';
  constructor(
    readonly method: string,
    readonly expected: string,
    actual: unknown,
  ) {
    super(`${method} answered ${describe(actual)}, expected ${expected}`);
  }
}

/** The bundled libtorrent metric table is missing or malformed (a packaging error). */
export class MetricTableError extends Error {
  override readonly name = 'MetricTableError';
  readonly code = 'DELUGE_EXPORTER_METRIC_TABLE';
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(shortenForLog(value, 60))}`;
  return `a ${typeof value}`;
}
