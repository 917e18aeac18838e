/**
 * A bundle of requests on its way to the daemon, shared by every caller that waits for it, each with
 * its own deadline. A deadline ends the wait, never the request: once written, the bundle stays
 * outstanding until the daemon answers (late answers are read, and dropped if nobody waits) or the
 * connection is given up.
 */
import type { DelugeConnection, SentBundle } from './connection.js';
import { DelugeRpcError, type DelugeTimeoutError } from './errors.js';
import type { CallOptions, ClientInstrumentation, RpcRequest, Settled, SettledTuple } from './types.js';

/** What {@link DelugeClient.send} returns: one bundle of requests, sent as one message. */
export interface RpcInFlight<R extends readonly RpcRequest[] = readonly RpcRequest[]> {
  /**
   * Settles when the daemon has answered every request (each item succeeds or fails on its own), or
   * rejects when the bundle as a whole fails: the connection could not be opened or was lost, a
   * protocol or limit error, or every waiter gave up before it could be sent. Never rejects because a
   * deadline passed after it was sent. Racing it needs no error handler: an unobserved rejection is
   * never reported as unhandled.
   */
  readonly settled: Promise<SettledTuple<R>>;
  /** False until {@link settled} has settled. */
  readonly done: boolean;
  /**
   * Waits for {@link settled} until `options.signal` aborts, then rejects with DelugeTimeoutError
   * while the bundle stays outstanding; call it again (from the same or another caller) to keep
   * waiting with a new deadline. When every waiter has given up before the bundle was written, it is
   * cancelled and never sent.
   */
  wait(options?: CallOptions): Promise<SettledTuple<R>>;
}

/** How a bundle gets hold of a logged-in connection; rejects when `signal` aborts first. */
export type AcquireConnection = (signal: AbortSignal) => Promise<DelugeConnection>;

export class InFlightBundle<R extends readonly RpcRequest[]> implements RpcInFlight<R> {
  readonly settled: Promise<SettledTuple<R>>;
  done = false;
  private readonly cancel = new AbortController();
  private sent: SentBundle | undefined;
  private connection: DelugeConnection | undefined;
  /** Waiters still attached (with or without a deadline). */
  private active = 0;
  /** True once some waiter's deadline passed. */
  private missedDeadline = false;
  /** Set once the requests' failure is counted, so a bundle counts each request at most once. */
  private counted = false;

  /**
   * @param connectTimeout the error of a waiter whose deadline passes while the connection is
   *   still being opened (it says what the connect is waiting for)
   */
  constructor(
    private readonly requests: R,
    acquire: AcquireConnection,
    private readonly connectTimeout: () => DelugeTimeoutError,
    private readonly instrumentation: ClientInstrumentation | undefined,
  ) {
    this.settled = this.run(acquire);
    const finish = (): void => {
      this.done = true;
    };
    this.settled.then(finish, finish);
  }

  wait(options?: CallOptions): Promise<SettledTuple<R>> {
    if (this.done) return this.settled;
    const signal = options?.signal;
    if (signal?.aborted) {
      this.giveUp();
      return Promise.reject(this.timeoutError());
    }
    this.active += 1;
    return new Promise<SettledTuple<R>>((resolve, reject) => {
      const onAbort = (): void => {
        this.active -= 1;
        reject(this.timeoutError());
        this.giveUp();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.settled.then(
        (value) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  /** A waiter's deadline passed: start the grace period once sent, or cancel if nobody waits any more. */
  private giveUp(): void {
    this.missedDeadline = true;
    this.countFailure('timeout');
    if (this.sent !== undefined) this.sent.overdue();
    else if (this.active === 0) this.cancel.abort();
  }

  private async run(acquire: AcquireConnection): Promise<SettledTuple<R>> {
    if (this.requests.length === 0) return answersAsDeclared<R>([]);
    let connection: DelugeConnection;
    try {
      connection = await acquire(this.cancel.signal);
    } catch (error) {
      // These requests never reached a connection, so the connection cannot count their failure.
      this.countFailure(error instanceof DelugeRpcError ? error.kind : 'connection');
      throw error;
    }
    this.connection = connection;
    this.sent = connection.send(this.requests);
    // A deadline passed while the connection was being handed over: the grace period starts now.
    if (this.missedDeadline) this.sent.overdue();
    return answersAsDeclared<R>(await Promise.all(this.sent.replies));
  }

  private timeoutError(): DelugeTimeoutError {
    const method = this.requests[0]?.method ?? '';
    const others = this.requests.length - 1;
    if (this.connection !== undefined) return this.connection.timeoutError(method, others);
    const error = this.connectTimeout();
    error.method = method;
    return error;
  }

  private countFailure(kind: DelugeRpcError['kind']): void {
    if (this.counted) return;
    this.counted = true;
    for (const request of this.requests) this.instrumentation?.error?.(request.method, kind);
  }
}

/**
 * The daemon's answers, one per request in order, typed as each request declares its result. A
 * request's result type is a declaration about the daemon (as `JSON.parse`'s is about its text), not
 * checked here: callers that read untrusted answers declare `RencodeValue` or `EncodedRencode` and parse.
 */
function answersAsDeclared<R extends readonly RpcRequest[]>(answers: Settled<unknown>[]): SettledTuple<R> {
  return answers as SettledTuple<R>;
}
