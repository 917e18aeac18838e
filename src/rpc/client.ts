/**
 * The DelugeRPC client: one logged-in connection at a time, opened lazily, replaced after any failure,
 * with bounded connect retries and the daemon's events re-emitted.
 */

import { EventEmitter } from 'node:events';
import pRetry from 'p-retry';
import { DelugeConnection, describeWireValue } from './connection.js';
import {
  DelugeAuthError,
  DelugeCertificatePinError,
  DelugeConnectionError,
  DelugeLimitError,
  DelugeProtocolError,
  DelugeRemoteError,
  DelugeRpcError,
  DelugeTimeoutError,
} from './errors.js';
import { type FrameLimits, resolveFrameLimits } from './framing.js';
import { InFlightBundle, type RpcInFlight } from './in-flight.js';
import { DAEMON_PORT_RANGE, isDaemonPort } from './port.js';
import type { RencodeValue } from './rencode.js';
import { type ResolvedTls, resolveTls } from './tls.js';
import type {
  CallOptions,
  DelugeClientOptions,
  DelugeEvent,
  DelugeRpc,
  RpcRequest,
  Settled,
  SettledTuple,
} from './types.js';

/** `client_version` sent at login when none is configured; Deluge 2.x only checks that it is present. */
export const DEFAULT_CLIENT_VERSION = 'deluge-exporter';

/** Connect attempts after the first one, within one call. */
const CONNECT_RETRIES = 3;
const CONNECT_MIN_BACKOFF_MS = 100;
const CONNECT_MAX_BACKOFF_MS = 1000;

/** What `'connected'` listeners receive after every successful login. */
export interface DelugeConnectedInfo {
  readonly daemonVersion: string;
  readonly authLevel: number;
  /** False for the first connection of this client, true for every later one. */
  readonly reconnect: boolean;
}

/** Events of {@link DelugeClient}. */
export interface DelugeClientEvents {
  /** A daemon event the client subscribed to with `eventInterest`. */
  event: [event: DelugeEvent];
  connected: [info: DelugeConnectedInfo];
  /** An established connection is gone; `reason` is undefined when the client itself was closed. */
  disconnected: [reason: DelugeRpcError | undefined];
}

/** Failures that another attempt within the same call cannot fix (a peer that broke a limit would again). */
function isPermanent(error: Error): boolean {
  return (
    error instanceof DelugeRemoteError ||
    error instanceof DelugeCertificatePinError ||
    error instanceof DelugeLimitError
  );
}

function unwrap(settled: Settled<unknown>): unknown {
  if (!settled.ok) throw settled.error;
  return settled.value;
}

/**
 * The daemon version from a `daemon.info` answer (Deluge's are like `2.0.3`; the handshake limits
 * bound its length). @throws DelugeProtocolError for anything but a non-empty string.
 */
function versionOf(answer: RencodeValue): string {
  if (typeof answer === 'string' && answer.length > 0) return answer;
  throw new DelugeProtocolError(`daemon.info answered ${describeWireValue(answer)}, not a version string`, {
    method: 'daemon.info',
  });
}

/** The auth level from a `daemon.login` answer. @throws DelugeProtocolError for anything but a small integer. */
function authLevelOf(answer: RencodeValue): number {
  if (typeof answer === 'number' && Number.isInteger(answer) && answer >= 0 && answer <= 1000) return answer;
  throw new DelugeProtocolError(`daemon.login answered ${describeWireValue(answer)}, not an auth level`, {
    method: 'daemon.login',
  });
}

/** Rejects with `makeError()` as soon as `signal` aborts, otherwise settles like `promise`. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined, makeError: () => Error): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(makeError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(makeError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * One connect-and-login attempt shared by every call that needs a connection while it runs. It is
 * cancelled only when every waiter with a deadline has given up (or the client closes), so one
 * caller's short deadline does not fail the others.
 */
class SharedConnect {
  private readonly controller = new AbortController();
  readonly promise: Promise<DelugeConnection>;
  private waiters = 0;
  private gaveUp = 0;

  constructor(run: (signal: AbortSignal) => Promise<DelugeConnection>) {
    this.promise = run(this.controller.signal);
  }

  /** Waits for the attempt, or rejects with `makeTimeout()` when `signal` aborts first. */
  join(signal: AbortSignal | undefined, makeTimeout: () => Error): Promise<DelugeConnection> {
    this.waiters += 1;
    if (signal !== undefined) {
      const giveUp = (): void => {
        this.gaveUp += 1;
        if (this.gaveUp === this.waiters) this.cancel(makeTimeout());
      };
      if (signal.aborted) giveUp();
      else signal.addEventListener('abort', giveUp, { once: true });
      const forget = (): void => signal.removeEventListener('abort', giveUp);
      this.promise.then(forget, forget);
    }
    return untilAborted(this.promise, signal, makeTimeout);
  }

  cancel(reason: Error): void {
    this.controller.abort(reason);
  }

  get cancelled(): boolean {
    return this.controller.signal.aborted;
  }
}

/**
 * DelugeRPC client for Deluge 2.x. The first call (or {@link DelugeClient.connect}) opens a TLS
 * connection and performs the handshake: `daemon.info`, `daemon.login`, then
 * `daemon.set_event_interest` when `eventInterest` is set. A connection that fails in any way
 * (including a call timeout) is discarded and the next call opens and logs in on a fresh one.
 *
 * Errors are the classes of `errors.ts`. Bad credentials (DelugeAuthError) are never retried within
 * a call; each later call makes one new login attempt.
 */
export class DelugeClient extends EventEmitter<DelugeClientEvents> implements DelugeRpc {
  private readonly options: DelugeClientOptions;
  private readonly tls: ResolvedTls;
  private readonly limits: FrameLimits;
  private connection: DelugeConnection | undefined;
  private connecting: SharedConnect | undefined;
  private hasConnectedBefore = false;
  private isClientClosed = false;
  private version: string | undefined;
  private level: number | undefined;
  private fingerprint: string | undefined;
  /** What the running connect attempt is waiting for, so a connect timeout can say why. */
  private connectPhase = 'opening the TLS connection';

  /**
   * @throws InvalidFingerprintError for a malformed `tls.fingerprintSha256`;
   * RangeError for a port or size limit that is not a positive integer in range.
   */
  constructor(options: DelugeClientOptions) {
    super();
    if (!isDaemonPort(options.port)) {
      throw new RangeError(`deluge port ${String(options.port)} is not an integer in ${DAEMON_PORT_RANGE}`);
    }
    this.limits = resolveFrameLimits({
      ...options.decodeLimits,
      maxFrameBytes: options.maxFrameBytes,
      maxInflatedBytes: options.maxInflatedBytes,
      maxInflateRatio: options.maxInflateRatio,
    });
    const grace = options.lateReplyGraceMs;
    if (grace !== undefined && (!Number.isInteger(grace) || grace < 1)) {
      throw new RangeError(`lateReplyGraceMs ${String(grace)} is not a positive integer`);
    }
    this.tls = resolveTls(options.tls);
    this.options = options;
  }

  /** Daemon version from `daemon.info` on the current or last connection. */
  get daemonVersion(): string | undefined {
    return this.version;
  }

  /** Auth level returned by `daemon.login` on the current or last connection (0, 1, 5 or 10). */
  get authLevel(): number | undefined {
    return this.level;
  }

  /**
   * SHA-256 fingerprint of the certificate the daemon presented on the last completed TLS handshake,
   * even when the login that followed failed.
   */
  get peerFingerprintSha256(): string | undefined {
    return this.fingerprint;
  }

  private get address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  /** Opens and logs in now instead of on the first call. Resolves at once when already connected. */
  async connect(options?: CallOptions): Promise<void> {
    await this.acquire(options?.signal);
  }

  /**
   * Calls one method; rejects with the call's error (remote, timeout, connection, protocol). A
   * deadline (`options.signal`) ends this call, not the request: see {@link DelugeClient.send}.
   */
  async call<T>(request: RpcRequest<T>, options?: CallOptions): Promise<T> {
    const [settled] = await this.send([request]).wait(options);
    return unwrap(settled as Settled<unknown>) as T;
  }

  /**
   * Sends all requests in ONE message and waits for them until `options.signal` aborts. Remote
   * errors settle per item; a failure of the connection itself (timeout, connection, protocol)
   * rejects the whole call. `callMany(requests, options)` is `send(requests).wait(options)`.
   */
  callMany<const R extends readonly RpcRequest[]>(requests: R, options?: CallOptions): Promise<SettledTuple<R>> {
    return this.send(requests).wait(options);
  }

  /**
   * Starts sending `requests` as ONE message (connecting and logging in first when needed) and
   * returns the bundle in flight. Wait for it with `wait({signal})`, as often and from as many
   * callers as needed, each with its own deadline; `done` says whether it is still outstanding.
   *
   * A deadline ends a wait, never the request: once written, the bundle stays pending on the
   * connection and its late answer is read (and dropped if nobody waits any more). The connection is
   * given up only when an overdue request stays unanswered while nothing at all arrives for
   * `lateReplyGraceMs` (default 30 s); the next call then connects again.
   * @throws the rencode encoder's error, via `settled`, for arguments it cannot represent.
   */
  send<const R extends readonly RpcRequest[]>(requests: R): RpcInFlight<R> {
    return new InFlightBundle(
      requests,
      (signal) => this.acquire(signal),
      () => this.connectTimeout(),
      this.options.instrumentation,
    );
  }

  /** Closes the connection; pending calls reject with DelugeConnectionError, later calls too. Idempotent. */
  async close(): Promise<void> {
    if (this.isClientClosed) return;
    this.isClientClosed = true;
    this.connecting?.cancel(new DelugeConnectionError(`client for ${this.address} was closed`));
    this.connection?.close();
  }

  private acquire(signal: AbortSignal | undefined): Promise<DelugeConnection> {
    if (this.isClientClosed) {
      return Promise.reject(new DelugeConnectionError(`client for ${this.address} was closed`));
    }
    if (this.connection !== undefined && !this.connection.isClosed) return Promise.resolve(this.connection);
    if (this.connecting === undefined || this.connecting.cancelled) {
      const attempt = new SharedConnect((attemptSignal) => this.connectWithRetry(attemptSignal));
      this.connecting = attempt;
      const clear = (): void => {
        if (this.connecting === attempt) this.connecting = undefined;
      };
      attempt.promise.then(clear, clear);
    }
    return this.connecting.join(signal, () => this.connectTimeout());
  }

  private connectTimeout(): DelugeTimeoutError {
    return new DelugeTimeoutError(`connecting to ${this.address} timed out while ${this.connectPhase}`);
  }

  private async connectWithRetry(signal: AbortSignal): Promise<DelugeConnection> {
    try {
      return await pRetry(() => this.openAndLogin(signal), {
        retries: CONNECT_RETRIES,
        minTimeout: CONNECT_MIN_BACKOFF_MS,
        maxTimeout: CONNECT_MAX_BACKOFF_MS,
        signal,
        onFailedAttempt: ({ error }) => {
          this.connectPhase = `waiting to retry after: ${error.message}`;
        },
        shouldRetry: ({ error }) => !isPermanent(error),
      });
    } catch (error) {
      if (error instanceof DelugeRpcError) throw error;
      throw new DelugeConnectionError(`cannot connect to ${this.address}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  private async openAndLogin(signal: AbortSignal): Promise<DelugeConnection> {
    this.connectPhase = 'opening the TLS connection';
    const connection = await DelugeConnection.open({
      host: this.options.host,
      port: this.options.port,
      tls: this.tls,
      limits: this.limits,
      signal,
      instrumentation: this.options.instrumentation,
      lateReplyGraceMs: this.options.lateReplyGraceMs,
      onEvent: (event) => this.emit('event', event),
      onClose: (reason) => this.onConnectionClosed(connection, reason),
    });
    this.fingerprint = connection.peerFingerprintSha256;
    try {
      this.connectPhase =
        'waiting for the reply to daemon.info; nothing was received yet: the peer may be Deluge 1.x or not a Deluge daemon';
      const version = versionOf(await this.handshakeCall(connection, { method: 'daemon.info', args: [] }, signal));
      this.connectPhase = 'logging in';
      const level = authLevelOf(
        await this.handshakeCall(
          connection,
          {
            method: 'daemon.login',
            args: [this.options.username, revealPassword(this.options.password)],
            kwargs: { client_version: this.options.clientVersion ?? DEFAULT_CLIENT_VERSION },
          },
          signal,
        ),
      );
      if (level === 0) {
        // Deluge answers a level-0 (NONE) login with 0 and then drops the connection.
        throw new DelugeAuthError(
          `account "${this.options.username}" has auth level 0 (NONE) and cannot use the daemon`,
          'AuthLevelNone',
          [],
          {},
          '',
          { method: 'daemon.login' },
        );
      }
      connection.loggedIn();
      const interest = this.options.eventInterest ?? [];
      if (interest.length > 0) {
        this.connectPhase = 'subscribing to events';
        await this.handshakeCall(connection, { method: 'daemon.set_event_interest', args: [[...interest]] }, signal);
      }
      if (signal.aborted) throw signal.reason;
      this.version = version;
      this.level = level;
    } catch (error) {
      connection.close();
      throw error;
    }
    this.connection = connection;
    const reconnect = this.hasConnectedBefore;
    if (reconnect) this.options.instrumentation?.reconnect?.();
    this.hasConnectedBefore = true;
    this.emit('connected', { daemonVersion: this.version, authLevel: this.level, reconnect });
    return connection;
  }

  /** One call of the handshake; when `signal` aborts first it fails, and the caller drops the connection. */
  private async handshakeCall(
    connection: DelugeConnection,
    request: RpcRequest,
    signal: AbortSignal,
  ): Promise<RencodeValue> {
    const [reply] = connection.send([request]).replies;
    const settled = await untilAborted(reply as Promise<Settled<unknown>>, signal, () =>
      connection.timeoutError(request.method),
    );
    return unwrap(settled) as RencodeValue;
  }

  private onConnectionClosed(connection: DelugeConnection, reason: DelugeRpcError): void {
    if (this.connection !== connection) return;
    this.connection = undefined;
    this.emit('disconnected', this.isClientClosed ? undefined : reason);
  }
}

function revealPassword(password: DelugeClientOptions['password']): string {
  return typeof password === 'string' ? password : password.reveal();
}
