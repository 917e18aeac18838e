/**
 * Error classes of the DelugeRPC client. Every error carries a stable `kind`, the coarse class that
 * the exporter counts in `deluge_exporter_rpc_errors_total{error}`, and a stable `code` for programs.
 */

/** Coarse error classes; stable, used as a metric label value. */
export type DelugeErrorKind = 'timeout' | 'connection' | 'auth' | 'protocol' | 'remote';

/** What an error of a Deluge client carries: its coarse `kind`, a stable `code`, and the method called. */
export abstract class DelugeClientError extends Error {
  abstract readonly kind: DelugeErrorKind;
  abstract readonly code: string;
  /** The method being called, when the error belongs to one call. */
  method: string | undefined;

  constructor(message: string, options?: { cause?: unknown; method?: string | undefined }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.method = options?.method;
  }
}

/** Base class of every error thrown by `src/rpc`. */
export abstract class DelugeRpcError extends DelugeClientError {}

/** A call or connect did not finish before its deadline. */
export class DelugeTimeoutError extends DelugeRpcError {
  override readonly name = 'DelugeTimeoutError';
  readonly kind = 'timeout' as const;
  readonly code = 'DELUGE_ERR_TIMEOUT';
}

/** The TCP/TLS connection could not be opened, or it closed while calls were pending. */
export class DelugeConnectionError extends DelugeRpcError {
  override readonly name: string = 'DelugeConnectionError';
  readonly kind = 'connection' as const;
  readonly code: string = 'DELUGE_ERR_CONNECTION';
}

/** The daemon's TLS certificate does not match the configured SHA-256 pin. */
export class DelugeCertificatePinError extends DelugeConnectionError {
  override readonly name = 'DelugeCertificatePinError';
  override readonly code = 'DELUGE_ERR_CERT_PIN';
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`daemon certificate fingerprint ${actual} does not match the pinned ${expected}`);
  }
}

/** The peer sent bytes that are not a valid Deluge 2.x message, or broke a size limit. */
export class DelugeProtocolError extends DelugeRpcError {
  override readonly name: string = 'DelugeProtocolError';
  readonly kind = 'protocol' as const;
  readonly code: string = 'DELUGE_ERR_PROTOCOL';
}

/**
 * A frame broke one of the client's limits (frame size, inflated size or ratio, or the decoding
 * budget). `limit` names it as the client option does (e.g. `maxValues`), `maximum` is its value.
 * The connection is dropped: the rest of the stream cannot be trusted.
 */
export class DelugeLimitError extends DelugeProtocolError {
  override readonly name = 'DelugeLimitError';
  override readonly code = 'DELUGE_ERR_LIMIT';
  constructor(
    message: string,
    readonly limit: string,
    readonly maximum: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The daemon answered with an RPC_ERROR. `remoteType` is Deluge's exception class name,
 * `remoteArgs`/`remoteKwargs` the arguments it was raised with.
 */
export class DelugeRemoteError extends DelugeRpcError {
  override readonly name: string = 'DelugeRemoteError';
  readonly kind: DelugeErrorKind = 'remote';
  readonly code: string = 'DELUGE_ERR_REMOTE';
  constructor(
    message: string,
    readonly remoteType: string,
    readonly remoteArgs: readonly unknown[],
    readonly remoteKwargs: Readonly<Record<string, unknown>>,
    readonly traceback: string,
    options?: { method?: string | undefined },
  ) {
    super(message, options);
  }
}

/** Login refused: wrong password, unknown user, or missing credentials. Never retried. */
export class DelugeAuthError extends DelugeRemoteError {
  override readonly name = 'DelugeAuthError';
  override readonly kind = 'auth' as const;
  override readonly code = 'DELUGE_ERR_AUTH';
}

/** The account's auth level is below what the method needs (`current` < `required`). */
export class DelugeNotAuthorizedError extends DelugeRemoteError {
  override readonly name = 'DelugeNotAuthorizedError';
  override readonly kind = 'auth' as const;
  override readonly code = 'DELUGE_ERR_NOT_AUTHORIZED';
  get current(): number {
    return Number(this.remoteArgs[0]);
  }
  get required(): number {
    return Number(this.remoteArgs[1]);
  }
}

/**
 * A non-Deluge exception inside the daemon (KeyError, TypeError, unknown method …), wrapped by
 * Deluge as `WrappedException(message, original_type, traceback)`.
 */
export class DelugeWrappedError extends DelugeRemoteError {
  override readonly name = 'DelugeWrappedError';
  override readonly code = 'DELUGE_ERR_WRAPPED';
  get originalType(): string {
    return String(this.remoteArgs[1] ?? '');
  }
}
