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
import type { RencodeValue } from './rencode.js';
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
}

interface PendingRequest {
  readonly method: string;
  readonly resolve: (outcome: Settled<unknown>) => void;
  readonly reject: (error: DelugeRpcError) => void;
  readonly batch: { remaining: number; release: () => void };
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
   * `{ok: false}` for an RPC_ERROR and rejects (DelugeTimeoutError, DelugeConnectionError,
   * DelugeProtocolError) when the connection cannot deliver the answer. On timeout the whole
   * connection is discarded: after a lost reply its state can no longer be trusted.
   * @throws the rencode encoder's error, synchronously, for arguments it cannot represent.
   */
  send(requests: readonly RpcRequest[], signal?: AbortSignal): Promise<Settled<unknown>>[] {
    if (requests.length === 0) return [];
    if (this.closeReason !== undefined || signal?.aborted) {
      return requests.map((request) => {
        const failure =
          this.closeReason ??
          new DelugeTimeoutError(`deadline passed before ${request.method} was sent to ${this.address}`, {
            method: request.method,
          });
        this.options.instrumentation?.error?.(request.method, failure.kind);
        return Promise.reject(failure);
      });
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
    const onAbort = (): void => this.abortBatch(ids);
    const batch = {
      remaining: requests.length,
      release: () => signal?.removeEventListener('abort', onAbort),
    };
    const promises = requests.map(
      (request, index) =>
        new Promise<Settled<unknown>>((resolve, reject) => {
          this.pending.set(ids[index] as number, { method: request.method, resolve, reject, batch });
        }),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    this.socket.write(frame);
    const instrumentation = this.options.instrumentation;
    instrumentation?.sentBytes?.(frame.length);
    for (const request of requests) instrumentation?.request?.(request.method);
    return promises;
  }

  /** Login succeeded: frames from now on get the session limits instead of the handshake limits. */
  loggedIn(): void {
    this.decoder.setLimits(this.options.limits);
  }

  /** Closes the socket; pending calls reject with DelugeConnectionError. Idempotent. */
  close(): void {
    this.destroy(new DelugeConnectionError(`connection to ${this.address} closed by the client`));
  }

  private timeoutError(method: string): DelugeTimeoutError {
    const message = this.receivedAnyMessage
      ? `no reply to ${method} from ${this.address} before the deadline`
      : `no reply to ${method} from ${this.address} before the deadline, and nothing was ever received on this ` +
        'connection: the peer may be Deluge 1.x or not a Deluge daemon';
    return new DelugeTimeoutError(message, { method });
  }

  private abortBatch(ids: readonly number[]): void {
    for (const id of ids) {
      const entry = this.pending.get(id);
      if (entry !== undefined) this.settle(id, entry, this.timeoutError(entry.method));
    }
    this.destroy(new DelugeConnectionError(`connection to ${this.address} discarded after a call timed out`));
  }

  private settle(id: number, entry: PendingRequest, outcome: Settled<unknown> | DelugeRpcError): void {
    this.pending.delete(id);
    entry.batch.remaining -= 1;
    if (entry.batch.remaining === 0) entry.batch.release();
    if ('ok' in outcome) {
      if (!outcome.ok) this.options.instrumentation?.error?.(entry.method, (outcome.error as DelugeRpcError).kind);
      entry.resolve(outcome);
    } else {
      this.options.instrumentation?.error?.(entry.method, outcome.kind);
      entry.reject(outcome);
    }
  }

  private destroy(reason: DelugeRpcError): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    this.socket.destroy();
    for (const [id, entry] of [...this.pending]) this.settle(id, entry, reason);
    this.notify(() => this.options.onClose?.(reason));
  }

  private onData(chunk: Buffer): void {
    if (this.closeReason !== undefined) return;
    this.options.instrumentation?.receivedBytes?.(chunk.length);
    try {
      for (const message of this.decoder.push(chunk)) {
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

  private dispatch(message: RencodeValue): void {
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
