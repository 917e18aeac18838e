import { describeWireValue } from '../rpc/connection.js';

/** An RPC answer whose overall shape is not what Deluge 2.x sends (e.g. a string where a dict belongs). */
export class UnexpectedAnswerError extends Error {
  override readonly name = 'UnexpectedAnswerError';
  readonly code = 'DELUGE_EXPORTER_UNEXPECTED_ANSWER';
  constructor(
    readonly method: string,
    readonly expected: string,
    actual: unknown,
  ) {
    super(`${method} answered ${describeWireValue(actual)}, expected ${expected}`);
  }
}

/** The bundled libtorrent metric table is missing or malformed (a packaging error). */
export class MetricTableError extends Error {
  override readonly name = 'MetricTableError';
  readonly code = 'DELUGE_EXPORTER_METRIC_TABLE';
}
