/**
 * One TLS socket to a Deluge 2.x daemon: request ids, bundled requests, replies matched by id,
 * events, per-call deadlines. It does not log in and never reconnects; see `client.ts`.
 */
import { connect, type TLSSocket } from 'node:tls';
import {
  DelugeAuthError,
  DelugeConnectionError,
  DelugeNotAuthorizedError,
  DelugeProtocolError,
  DelugeRemoteError,
  type DelugeRpcError,
  DelugeTimeoutError,
  DelugeWrappedError,
} from './errors.js';
import { encodeFrame, FrameDecoder, type FrameLimits, handshakeLimits } from './framing.js';
import type { DecodedMessage, MessageItem, RencodeValue } from './rencode.js';
import { shortenForLog } from './shorten.js';
import { checkPinnedCertificate, type ResolvedTls } from './tls.js';
import type { ClientInstrumentation, DelugeEvent, RpcRequest, Settled } from './types.js';

/** Message types: the first item of every message the daemon sends. */
export const RPC_RESPONSE = 1;
export const RPC_ERROR = 2;
export const RPC_EVENT = 3;

/** Everything needed to open one connection. */
export interface OpenConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly tls: ResolvedTls;
  /** The limits once logged in; until {@link DelugeConnection.loggedIn}, the stricter handshake limits apply. */
  readonly limits: FrameLimits;
  /** Aborting before the TLS handshake completes fails the open with DelugeTimeoutError. */
  readonly signal?: AbortSignal | undefined;
  readonly instrumentation?: ClientInstrumentation | undefined;
  /** Receives every RPC_EVENT, synchronously, in wire order relative to replies. */
  readonly onEvent?: ((event: DelugeEvent) => void) | undefined;
  /** Called once when the connection is gone, with the error pending calls were rejected with. */
  readonly onClose?: ((reason: DelugeRpcError) => void) | undefined;
  /**
   * How long an overdue request (one whose caller's deadline passed) may stay unanswered while
   * nothing at all arrives on the connection, before the connection is given up. Default 30 s.
   */
  readonly lateReplyGraceMs?: number | undefined;
}

interface PendingRequest {
  readonly method: string;
  /** The result is wanted as an EncodedRencode (`RpcRequest.encodedAnswer`). */
  readonly encoded: boolean;
  readonly resolve: (outcome: Settled<unknown>) => void;
  readonly reject: (error: DelugeRpcError) => void;
  /** When a caller's deadline passed while this request was unanswered (its failure already counted). */
  overdueSince: number | undefined;
}

/** Default of {@link OpenConnectionOptions.lateReplyGraceMs}. */
export const DEFAULT_LATE_REPLY_GRACE_MS = 30_000;

/** Requests written to the connection as one frame, by {@link DelugeConnection.send}. */
export interface SentBundle {
  /** One promise per request, like {@link DelugeConnection.send} describes. */
  readonly replies: Promise<Settled<unknown>>[];
  /**
   * A caller's deadline passed while waiting for these replies: starts their grace period (once),
   * after which a silent daemon gets the connection replaced. The replies stay pending meanwhile.
   */
  overdue(): void;
}

/** Longest remote exception message and type kept in an error message. */
const REMOTE_MESSAGE_CHARS = 300;
/** Longest traceback kept on a DelugeRemoteError (its end, where Python names the exception). */
const TRACEBACK_CHARS = 4096;
/** Longest string kept in the top-level remote args and kwargs of a DelugeRemoteError. */
const REMOTE_ARG_CHARS = 1024;

function shortenArg(value: unknown): unknown {
  return typeof value === 'string' ? shortenForLog(value, REMOTE_ARG_CHARS) : value;
}

/** The last `max` characters of a traceback, marked when cut. */
function tracebackTail(traceback: string): string {
  if (traceback.length <= TRACEBACK_CHARS) return traceback;
  const cut = traceback.length - TRACEBACK_CHARS;
  return `[${cut} chars cut] …${traceback.slice(cut)}`;
}

/**
 * Builds the error for an RPC_ERROR reply, with Deluge's `str(exception)` as the message. Every
 * daemon-supplied string is cut short (message and type to 300 characters, args and kwargs strings
 * to 1 KiB, the traceback to its last 4 KiB), so a log line of the error stays small.
 * Pure; exported for tests and for other decoders of the same shape.
 */
export function remoteErrorFromReply(
  fullRemoteType: string,
  fullRemoteArgs: readonly unknown[],
  fullRemoteKwargs: Readonly<Record<string, unknown>>,
  fullTraceback: string,
  method?: string,
): DelugeRemoteError {
  const remoteType = shortenForLog(fullRemoteType, REMOTE_MESSAGE_CHARS);
  const remoteArgs = fullRemoteArgs.map(shortenArg);
  const remoteKwargs = Object.fromEntries(
    Object.entries(fullRemoteKwargs).map(([key, value]) => [shortenForLog(key, REMOTE_ARG_CHARS), shortenArg(value)]),
  );
  const traceback = tracebackTail(fullTraceback);
  const first = remoteArgs[0] === undefined ? remoteType : shortenForLog(String(remoteArgs[0]), REMOTE_MESSAGE_CHARS);
  const options = { method };
  switch (remoteType) {
    case 'BadLoginError':
    case 'AuthenticationRequired':
      return new DelugeAuthError(first, remoteType, remoteArgs, remoteKwargs, traceback, options);
    case 'NotAuthorizedError':
      return new DelugeNotAuthorizedError(
        `Auth level too low: ${first} < ${shortenForLog(String(remoteArgs[1]), REMOTE_MESSAGE_CHARS)}`,
        remoteType,
        remoteArgs,
        remoteKwargs,
        traceback,
        options,
      );
    case 'WrappedException':
      return new DelugeWrappedError(first, remoteType, remoteArgs, remoteKwargs, traceback, options);
    case 'IncompatibleClient':
      return new DelugeRemoteError(
        `Your deluge client is not compatible with the daemon. Please upgrade your client to ${first}`,
        remoteType,
        remoteArgs,
        remoteKwargs,
        traceback,
        options,
      );
    default:
      return new DelugeRemoteError(first, remoteType, remoteArgs, remoteKwargs, traceback, options);
  }
}

/** A rencode dict as a plain record; Deluge's exception kwargs always have string keys. */
function toRecord(value: RencodeValue): Record<string, unknown> {
  if (value instanceof Map) return Object.fromEntries([...value].map(([key, item]) => [String(key), item]));
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return { ...(value as Record<string, unknown>) };
  }
  throw new DelugeProtocolError(`RPC_ERROR kwargs is not a dict: ${describeWireValue(value)}`);
}

/** One open, TLS-secured DelugeRPC connection. Obtain with {@link DelugeConnection.open}. */
export class DelugeConnection {
  private readonly decoder: FrameDecoder;
  private readonly pending = new Map<number, PendingRequest>();
  private nextRequestId = 0;
  private receivedAnyMessage = false;
  private closeReason: DelugeRpcError | undefined;
  /** `Date.now()` when bytes last arrived (or the connection opened). */
  private lastReceivedAt = Date.now();
  private watchdog: NodeJS.Timeout | undefined;

  private constructor(
    private readonly socket: TLSSocket,
    private readonly options: OpenConnectionOptions,
  ) {
    this.decoder = new FrameDecoder(handshakeLimits(options.limits));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) =>
      this.destroy(
        new DelugeConnectionError(`connection to ${this.address} failed: ${error.message}`, { cause: error }),
      ),
    );
    socket.on('close', () => this.destroy(new DelugeConnectionError(`connection to ${this.address} closed`)));
  }

  /**
   * Opens the TLS connection (and checks the certificate pin, if any).
   * @throws DelugeTimeoutError when `signal` aborts first; DelugeCertificatePinError on a pin mismatch;
   * DelugeConnectionError naming host:port for anything else (refused, reset, TLS failure …).
   */
  static open(options: OpenConnectionOptions): Promise<DelugeConnection> {
    const { host, port, signal } = options;
    const address = `${host}:${port}`;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(new DelugeTimeoutError(`connecting to ${address} timed out`));
        return;
      }
      const socket = connect({ ...options.tls.connectOptions, host, port });
      const cleanup = (): void => {
        socket.off('secureConnect', onSecureConnect);
        socket.off('error', onError);
        socket.off('close', onClose);
        signal?.removeEventListener('abort', onAbort);
      };
      const fail = (error: DelugeRpcError): void => {
        cleanup();
        // Late socket errors after destroy() must not become uncaught exceptions.
        socket.on('error', () => undefined);
        socket.destroy();
        reject(error);
      };
      const onError = (error: Error): void =>
        fail(new DelugeConnectionError(`cannot connect to ${address}: ${error.message}`, { cause: error }));
      const onClose = (): void =>
        fail(new DelugeConnectionError(`connection to ${address} closed during the TLS handshake`));
      const onAbort = (): void => fail(new DelugeTimeoutError(`connecting to ${address} timed out`));
      const onSecureConnect = (): void => {
        const pinError =
          options.tls.pinnedFingerprint === undefined
            ? undefined
            : checkPinnedCertificate(socket, options.tls.pinnedFingerprint);
        if (pinError !== undefined) {
          fail(pinError);
          return;
        }
        cleanup();
        resolve(new DelugeConnection(socket, options));
      };
      socket.once('secureConnect', onSecureConnect);
      socket.once('error', onError);
      socket.once('close', onClose);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** `host:port` of the daemon. */
  get address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  /** SHA-256 fingerprint of the daemon's certificate (upper-case, colon-separated), as `tls.fingerprint_sha256` takes it. */
  get peerFingerprintSha256(): string | undefined {
    return this.socket.getPeerCertificate().fingerprint256 || undefined;
  }

  /** True once the socket is gone; every later `send` fails with the reason. */
  get isClosed(): boolean {
    return this.closeReason !== undefined;
  }

  /**
   * Writes all requests as ONE frame and returns one promise per request. A promise resolves with
   * `{ok: false}` for an RPC_ERROR and rejects (DelugeConnectionError, DelugeProtocolError) when the
   * connection cannot deliver the answer. Nothing here has a deadline: callers race the replies
   * against their own and report it with {@link SentBundle.overdue}, so a late answer is still read
   * (and dropped if nobody waits) instead of costing the connection.
   * @throws the rencode encoder's error, synchronously, for arguments it cannot represent.
   */
  send(requests: readonly RpcRequest[]): SentBundle {
    if (requests.length === 0) return { replies: [], overdue: () => undefined };
    const closeReason = this.closeReason;
    if (closeReason !== undefined) {
      const replies = requests.map((request) => {
        this.options.instrumentation?.error?.(request.method, closeReason.kind);
        return Promise.reject(closeReason);
      });
      return { replies, overdue: () => undefined };
    }
    const ids = requests.map(() => this.nextRequestId++);
    // Encoding first: arguments rencode cannot represent throw here, before anything is registered.
    const frame = encodeFrame(
      requests.map((request, index) => [
        ids[index] as number,
        request.method,
        [...request.args],
        { ...request.kwargs },
      ]),
    );
    const replies = requests.map(
      (request, index) =>
        new Promise<Settled<unknown>>((resolve, reject) => {
          this.pending.set(ids[index] as number, {
            method: request.method,
            encoded: request.encodedAnswer === true,
            resolve,
            reject,
            overdueSince: undefined,
          });
        }),
    );
    this.socket.write(frame);
    const instrumentation = this.options.instrumentation;
    instrumentation?.sentBytes?.(frame.length);
    for (const request of requests) instrumentation?.request?.(request.method);
    return { replies, overdue: () => this.markOverdue(ids) };
  }

  /**
   * The error a caller gets when its deadline passes before the reply to `method` (sent with
   * `others` more requests in its bundle) arrived.
   */
  timeoutError(method: string, others = 0): DelugeTimeoutError {
    const what = others > 0 ? `${method} (and ${others} more)` : method;
    const message = this.receivedAnyMessage
      ? `no reply to ${what} from ${this.address} before the deadline`
      : `no reply to ${what} from ${this.address} before the deadline, and nothing was ever received on this ` +
        'connection: the peer may be Deluge 1.x or not a Deluge daemon';
    return new DelugeTimeoutError(message, { method });
  }

  private markOverdue(ids: readonly number[]): void {
    const now = Date.now();
    for (const id of ids) {
      const entry = this.pending.get(id);
      if (entry !== undefined && entry.overdueSince === undefined) entry.overdueSince = now;
    }
    this.armWatchdog();
  }

  private get graceMs(): number {
    return this.options.lateReplyGraceMs ?? DEFAULT_LATE_REPLY_GRACE_MS;
  }

  /**
   * Gives the connection up once an overdue request has waited a whole grace period and nothing at
   * all has arrived for as long; otherwise checks again when that could first be the case.
   */
  private armWatchdog(): void {
    if (this.watchdog !== undefined || this.closeReason !== undefined) return;
    let oldest: { method: string; since: number } | undefined;
    for (const entry of this.pending.values()) {
      const since = entry.overdueSince;
      if (since !== undefined && (oldest === undefined || since < oldest.since))
        oldest = { method: entry.method, since };
    }
    if (oldest === undefined) return;
    const grace = this.graceMs;
    const dueAt = Math.max(oldest.since, this.lastReceivedAt) + grace;
    const wait = dueAt - Date.now();
    if (wait <= 0) {
      this.destroy(
        new DelugeTimeoutError(
          `no answer to ${oldest.method} from ${this.address} within ${grace / 1000} s after its deadline, and ` +
            'nothing else arrived: connection given up',
          { method: oldest.method },
        ),
      );
      return;
    }
    this.watchdog = setTimeout(() => {
      this.watchdog = undefined;
      this.armWatchdog();
    }, wait);
    this.watchdog.unref();
  }

  /** Login succeeded: frames from now on get the session limits instead of the handshake limits. */
  loggedIn(): void {
    this.decoder.setLimits(this.options.limits);
  }

  /** Closes the socket; pending calls reject with DelugeConnectionError. Idempotent. */
  close(): void {
    this.destroy(new DelugeConnectionError(`connection to ${this.address} closed by the client`));
  }

  private settle(id: number, entry: PendingRequest, outcome: Settled<unknown> | DelugeRpcError): void {
    this.pending.delete(id);
    // An overdue request's failure was counted when its caller's deadline passed.
    const count = entry.overdueSince === undefined;
    if ('ok' in outcome) {
      if (!outcome.ok && count) {
        this.options.instrumentation?.error?.(entry.method, (outcome.error as DelugeRpcError).kind);
      }
      entry.resolve(outcome);
    } else {
      if (count) this.options.instrumentation?.error?.(entry.method, outcome.kind);
      entry.reject(outcome);
    }
  }

  private destroy(reason: DelugeRpcError): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    clearTimeout(this.watchdog);
    this.socket.destroy();
    for (const [id, entry] of [...this.pending]) this.settle(id, entry, reason);
    this.notify(() => this.options.onClose?.(reason));
  }

  private onData(chunk: Buffer): void {
    if (this.closeReason !== undefined) return;
    this.lastReceivedAt = Date.now();
    this.options.instrumentation?.receivedBytes?.(chunk.length);
    try {
      for (const message of this.decoder.push(chunk, this.keepEncoded)) {
        this.receivedAnyMessage = true;
        this.dispatch(message);
      }
    } catch (error) {
      this.destroy(
        error instanceof DelugeProtocolError
          ? error
          : new DelugeProtocolError(`cannot handle message: ${(error as Error).message}`, { cause: error }),
      );
    }
  }

  /** Keeps the result of an RPC_RESPONSE encoded when its request asked for that. */
  private readonly keepEncoded = (before: readonly MessageItem[]): boolean =>
    before.length === 2 &&
    before[0] === RPC_RESPONSE &&
    typeof before[1] === 'number' &&
    this.pending.get(before[1])?.encoded === true;

  private dispatch(message: DecodedMessage): void {
    if (!Array.isArray(message) || message.length === 0) {
      throw new DelugeProtocolError(`expected a non-empty list message, got ${describeWireValue(message)}`);
    }
    const [kind, ...rest] = message as readonly RencodeValue[];
    if (kind === RPC_EVENT) {
      const [name, args] = rest;
      if (typeof name !== 'string' || !Array.isArray(args)) {
        throw new DelugeProtocolError(`malformed RPC_EVENT: ${describeWireValue(message)}`);
      }
      this.notify(() => this.options.onEvent?.({ name, args: args as RencodeValue[] }));
      return;
    }
    if (kind !== RPC_RESPONSE && kind !== RPC_ERROR) {
      throw new DelugeProtocolError(`unknown message type ${describeWireValue(kind)}`);
    }
    const entry = typeof rest[0] === 'number' ? this.pending.get(rest[0]) : undefined;
    // A reply for a request that already finished (or was never sent) is dropped.
    if (entry === undefined) return;
    const id = rest[0] as number;
    if (kind === RPC_RESPONSE) {
      this.settle(id, entry, { ok: true, value: rest[1] });
      return;
    }
    const [, remoteType, remoteArgs, remoteKwargs, traceback] = rest;
    if (typeof remoteType !== 'string' || !Array.isArray(remoteArgs) || remoteKwargs === undefined) {
      throw new DelugeProtocolError(`malformed RPC_ERROR: ${describeWireValue(message)}`);
    }
    const error = remoteErrorFromReply(
      remoteType,
      remoteArgs,
      toRecord(remoteKwargs),
      typeof traceback === 'string' ? traceback : '',
      entry.method,
    );
    this.settle(id, entry, { ok: false, error });
  }

  /** Runs an owner callback from inside a socket handler. */
  private notify(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      // A throwing listener must neither break the stream nor crash the process.
      process.emitWarning(error as Error);
    }
  }
}

/** Longest description of an unexpected wire value in an error message. */
const DESCRIBE_CHARS = 120;
/** Longest string inside such a description (so that one string alone is never cut twice). */
const DESCRIBE_STRING_CHARS = 80;

/**
 * Short, JSON-like description of an unexpected wire value for error messages. It stops walking
 * the value once the text is long enough, so a huge value costs no more than its beginning.
 */
export function describeWireValue(value: unknown): string {
  const parts: string[] = [];
  let length = 0;
  const add = (text: string): boolean => {
    parts.push(text);
    length += text.length;
    return length <= DESCRIBE_CHARS;
  };
  const walk = (item: unknown): boolean => {
    if (typeof item === 'string') return add(JSON.stringify(shortenForLog(item, DESCRIBE_STRING_CHARS)));
    if (Array.isArray(item)) {
      if (!add('[')) return false;
      for (let i = 0; i < item.length; i++) {
        if ((i > 0 && !add(',')) || !walk(item[i])) return false;
      }
      return add(']');
    }
    if (typeof item === 'object' && item !== null) {
      if (!add('{')) return false;
      let first = true;
      const entry = (key: unknown, element: unknown): boolean => {
        const fits = (first || add(',')) && walk(key) && add(':') && walk(element);
        first = false;
        return fits;
      };
      if (item instanceof Map) {
        for (const [key, element] of item) if (!entry(key, element)) return false;
      } else {
        for (const key in item) {
          if (Object.hasOwn(item, key) && !entry(key, (item as Record<string, unknown>)[key])) return false;
        }
      }
      return add('}');
    }
    return add(String(item));
  };
  walk(value);
  return shortenForLog(parts.join(''), DESCRIBE_CHARS);
}
