import type { RencodeDecodeLimits, RencodeInput, RencodeValue } from './rencode.js';

/** One remote call: method name, positional and keyword arguments. `T` is the decoded result type. */
export interface RpcRequest<T = unknown> {
  readonly method: string;
  /** Encoded as given: readonly arrays and Maps are fine. */
  readonly args: readonly RencodeInput[];
  readonly kwargs?: Readonly<Record<string, RencodeInput>>;
  /**
   * Deliver the result as an `EncodedRencode` (checked against the decoding limits like any answer,
   * decoded or visited later by the caller) instead of a decoded value: for large answers that the
   * caller reduces without building them (see `visitDictOfDicts`).
   */
  readonly encodedAnswer?: boolean;
  /** Phantom field carrying the result type; never set at run time. */
  readonly __result?: T;
}

/** Result type of a request. */
export type ResultOf<R> = R extends RpcRequest<infer T> ? T : never;

/** Per-item outcome of a bundled call: each call in a bundle succeeds or fails on its own. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: Error };

export type SettledTuple<R extends readonly RpcRequest[]> = { -readonly [K in keyof R]: Settled<ResultOf<R[K]>> };

export interface CallOptions {
  /** Abort (deadline) for this call; aborting rejects with DelugeTimeoutError. */
  signal?: AbortSignal;
}

/** A daemon event: `[3, name, args]` on the wire. */
export interface DelugeEvent {
  readonly name: string;
  readonly args: readonly RencodeValue[];
}

/**
 * What consumers of the client need: the exporter and the typed API facade depend on this interface,
 * so tests can substitute a fake.
 */
export interface DelugeRpc {
  call<T>(request: RpcRequest<T>, options?: CallOptions): Promise<T>;
  /** Sends all requests in ONE message; each result settles independently. */
  callMany<const R extends readonly RpcRequest[]>(requests: R, options?: CallOptions): Promise<SettledTuple<R>>;
  close(): Promise<void>;
}

/** Hooks the client calls so an embedding program can count traffic; all optional, all synchronous. */
export interface ClientInstrumentation {
  /** A request for `method` was written to the wire. */
  request?(method: string): void;
  /** A request for `method` failed with an error of class `kind`. */
  error?(method: string, kind: import('./errors.js').DelugeErrorKind): void;
  /** Wire bytes (compressed frames incl. header) written / read. */
  sentBytes?(bytes: number): void;
  receivedBytes?(bytes: number): void;
  /** A new connection replaced a previous one (not called for the first connect). */
  reconnect?(): void;
}

export interface DelugeTlsOptions {
  /** SHA-256 fingerprint of the daemon certificate, hex, with or without colons, any case. */
  fingerprintSha256?: string;
  /** PEM CA (or the daemon's self-signed certificate) to verify against. Host name is not checked. */
  ca?: string | Buffer;
}

/** A password kept wrapped (it prints itself redacted); `reveal()` is called only to build the login frame. */
export interface RevealablePassword {
  reveal(): string;
}

export interface DelugeClientOptions {
  host: string;
  port: number;
  username: string;
  password: string | RevealablePassword;
  /** Sent as `client_version` at login; any string is accepted by Deluge 2.x. */
  clientVersion?: string;
  /** Default: accept any certificate (Deluge's is self-signed). */
  tls?: DelugeTlsOptions;
  /** Largest frame body accepted from the daemon, compressed. Default 64 MiB. */
  maxFrameBytes?: number;
  /** Largest inflated body accepted. Default 4 × maxFrameBytes. */
  maxInflatedBytes?: number;
  /** Largest inflated size as a multiple of the compressed size (above 1 MiB). Default 100. */
  maxInflateRatio?: number;
  /**
   * What decoding one frame may allocate (values, containers, entries per container, string bytes,
   * depth); unset limits keep `DEFAULT_DECODE_LIMITS`. Before login, far smaller limits apply
   * (`HANDSHAKE_LIMITS`). Breaking a limit fails pending calls with DelugeLimitError and drops the
   * connection.
   */
  decodeLimits?: Partial<RencodeDecodeLimits>;
  /**
   * How long a request whose caller's deadline passed may stay unanswered while nothing at all
   * arrives on the connection, before the connection is given up (and the next call reconnects).
   * A deadline alone never costs the connection: the late answer is read and dropped. Default 30 s.
   */
  lateReplyGraceMs?: number;
  /** Event names passed to `daemon.set_event_interest` after every login. */
  eventInterest?: readonly string[];
  instrumentation?: ClientInstrumentation;
}
