/**
 * A protocol-level fake `deluged` for tests and benchmarks: TLS, real DelugeRPC framing and rencode,
 * `daemon.info` / `daemon.login` / `daemon.set_event_interest` with Deluge 2.x's error shapes, auth
 * level checks, and every other method answered from a handler table given by the test. Faults
 * (hang, delay, drop, garbage) can be set per method at run time.
 */
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { deflateSync } from 'node:zlib';
import { AuthLevel, methodSpec } from '../../src/rpc/api.js';
import { RPC_ERROR, RPC_EVENT, RPC_RESPONSE } from '../../src/rpc/connection.js';
import { encodeFrame, FRAME_HEADER_BYTES, FrameDecoder, PROTOCOL_VERSION } from '../../src/rpc/framing.js';
import { encode, type RencodeInput, type RencodeValue } from '../../src/rpc/rencode.js';
import { testCertificate } from './certificate.js';

/** One account of the fake daemon (like a line of deluged's `auth` file). */
export interface FakeAccount {
  readonly username: string;
  readonly password: string;
  readonly level: number;
}

/** The session a request arrived on, as a handler sees it. */
export interface FakeCallContext {
  readonly connectionId: number;
  readonly username: string | undefined;
  readonly authLevel: number;
  /** The whole request message (bundle) this call arrived in. */
  readonly message: ReceivedMessage;
}

/** Answers one method. Throw {@link FakeRemoteError} for a Deluge exception; any other error becomes a WrappedException. */
export type FakeHandler = (
  args: readonly RencodeValue[],
  kwargs: Readonly<Record<string, RencodeValue>>,
  context: FakeCallContext,
) => RencodeInput | PreEncoded | Promise<RencodeInput | PreEncoded>;

/** A Deluge exception raised by a handler: sent as RPC_ERROR `[2, id, type, args, kwargs, traceback]`. */
export class FakeRemoteError extends Error {
  override readonly name = 'FakeRemoteError';
  constructor(
    readonly remoteType: string,
    readonly remoteArgs: readonly RencodeInput[] = [],
    readonly remoteKwargs: Readonly<Record<string, RencodeInput>> = {},
    readonly traceback = `Traceback (most recent call last):\n  (fake deluged)\n${remoteType}\n`,
  ) {
    super(`${remoteType}: ${remoteArgs.map(String).join(', ')}`);
  }
}

/** A handler answer rencoded once up front, so big answers can be served repeatedly without re-encoding. */
export class PreEncoded {
  readonly bytes: Buffer;
  constructor(value: RencodeInput) {
    this.bytes = encode(value);
  }
}

/** What happens to calls of a method: never answered, answered late, connection dropped, garbage sent. */
export type FakeFault =
  | { readonly kind: 'hang' }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'drop' }
  | { readonly kind: 'garbage'; readonly bytes?: Buffer | ((request: ReceivedRequest) => Buffer) };

/** One call as received. */
export interface ReceivedRequest {
  readonly connectionId: number;
  readonly requestId: RencodeValue;
  readonly method: string;
  readonly args: readonly RencodeValue[];
  readonly kwargs: Readonly<Record<string, RencodeValue>>;
  /** Index of the message (bundle) it arrived in, in {@link FakeDaemon.messages}. */
  readonly messageIndex: number;
}

/** One request message (a bundle of calls) as received. */
export interface ReceivedMessage {
  readonly connectionId: number;
  readonly index: number;
  readonly requests: ReceivedRequest[];
  /** Items of the bundle that were not `[id, method, args, kwargs]` (skipped without reply, like deluged). */
  readonly malformedItems: number;
}

/** Options of {@link startFakeDaemon}. */
export interface FakeDaemonOptions {
  /** Default: `admin`/`admin-secret` level 10, `user`/`user-secret` 5, `reader`/`reader-secret` 1. */
  readonly accounts?: readonly FakeAccount[];
  /** Method name → handler. Methods without a handler (and not built in) fail like deluged: AttributeError. */
  readonly handlers?: Readonly<Record<string, FakeHandler>>;
  /** Required auth level per method; default from the API's METHODS table, else 5. */
  readonly authLevels?: Readonly<Record<string, number>>;
  /** Version answered by `daemon.info` / `daemon.get_version`. Default '2.0.3'. */
  readonly version?: string;
  /** Keep every received request in `requests`/`messages` (default true; turn off for long benchmarks). */
  readonly record?: boolean;
}

/** A running fake daemon. */
export interface FakeDaemon {
  readonly host: string;
  readonly port: number;
  /** SHA-256 fingerprint of the server certificate, colon-separated upper-case hex (Node's format). */
  readonly certFingerprint256: string;
  /** The server certificate, PEM. */
  readonly certPem: string;
  /** Every call received, in arrival order. */
  readonly requests: readonly ReceivedRequest[];
  /** Every request message received, in arrival order. */
  readonly messages: readonly ReceivedMessage[];
  /** Connections accepted so far (TLS handshake done). */
  readonly connections: number;
  /** Connections open right now. */
  readonly openConnections: number;
  /** Successful `daemon.login` calls. */
  readonly logins: number;
  /** All `daemon.login` calls, successful or not. */
  readonly loginAttempts: number;
  /** Frames that could not be decoded (the connection was closed after each). */
  readonly protocolErrors: number;
  /** Replaces the handler of `method` (undefined removes it). */
  setHandler(method: string, handler: FakeHandler | undefined): void;
  /** Sets (or clears with undefined) the fault for `method`, or for every method with `'*'`. */
  setFault(method: string, fault: FakeFault | undefined): void;
  /** Sends `[3, name, args]` to every logged-in session that registered interest in `name`; returns how many got it. */
  emitEvent(name: string, args: readonly RencodeInput[]): number;
  /** Destroys every open connection (the server keeps listening). */
  dropConnections(): void;
  /** Writes raw bytes to every open connection. */
  sendGarbage(bytes?: Buffer): void;
  /** Forgets recorded requests and messages (counters stay). */
  clearRecords(): void;
  /** Closes the server and every connection. */
  close(): Promise<void>;
}

const DEFAULT_ACCOUNTS: readonly FakeAccount[] = [
  { username: 'admin', password: 'admin-secret', level: 10 },
  { username: 'user', password: 'user-secret', level: 5 },
  { username: 'reader', password: 'reader-secret', level: 1 },
];
const DEFAULT_GARBAGE = Buffer.from('not a deluge frame\n');

interface Session {
  readonly id: number;
  readonly socket: TLSSocket;
  readonly decoder: FrameDecoder;
  username: string | undefined;
  level: number;
  readonly interest: Set<string>;
}

function isDict(value: RencodeValue | undefined): value is Record<string, RencodeValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Map);
}

/** A frame whose payload is `[1, id, <pre-encoded bytes>]`, spliced without decoding the answer again. */
function preEncodedResponseFrame(requestId: RencodeValue, answer: PreEncoded): Buffer {
  const LIST_OF_THREE = 0xc3;
  const body = deflateSync(
    Buffer.concat([Buffer.of(LIST_OF_THREE), encode(RPC_RESPONSE), encode(requestId), answer.bytes]),
  );
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt8(PROTOCOL_VERSION, 0);
  header.writeUInt32BE(body.length, 1);
  return Buffer.concat([header, body]);
}

function errorFrame(requestId: RencodeValue, error: FakeRemoteError): Buffer {
  return encodeFrame([RPC_ERROR, requestId, error.remoteType, error.remoteArgs, error.remoteKwargs, error.traceback]);
}

/** Deluge's wrapping of a non-Deluge exception (§3.2). */
function wrapped(message: string, originalType: string): FakeRemoteError {
  const traceback = `Traceback (most recent call last):\n  (fake deluged)\n${originalType}: ${message}\n`;
  return new FakeRemoteError('WrappedException', [message, originalType, traceback]);
}

class FakeDaemonServer implements FakeDaemon {
  readonly host = '127.0.0.1';
  port = 0;
  certFingerprint256 = '';
  certPem = '';
  readonly requests: ReceivedRequest[] = [];
  readonly messages: ReceivedMessage[] = [];
  connections = 0;
  logins = 0;
  loginAttempts = 0;
  protocolErrors = 0;

  private readonly sessions = new Set<Session>();
  private readonly handlers: Map<string, FakeHandler>;
  private readonly faults = new Map<string, FakeFault>();
  private readonly accounts: ReadonlyMap<string, FakeAccount>;
  private readonly version: string;
  private readonly record: boolean;
  private messageCount = 0;
  private server: Server | undefined;

  constructor(private readonly options: FakeDaemonOptions) {
    this.accounts = new Map((options.accounts ?? DEFAULT_ACCOUNTS).map((a) => [a.username, a]));
    this.version = options.version ?? '2.0.3';
    this.record = options.record ?? true;
    const defaults: Record<string, FakeHandler> = {
      'daemon.get_version': () => this.version,
      'daemon.get_method_list': () => [...this.handlers.keys()],
      'daemon.authorized_call': ([method], _kwargs, context) =>
        typeof method === 'string' && this.handlers.has(method) && context.authLevel >= this.requiredLevel(method),
    };
    this.handlers = new Map(Object.entries({ ...defaults, ...options.handlers }));
  }

  get openConnections(): number {
    return this.sessions.size;
  }

  async listen(): Promise<void> {
    const { key, cert, fingerprint256 } = testCertificate();
    this.certPem = cert;
    this.certFingerprint256 = fingerprint256;
    const server = createServer({ key, cert, minVersion: 'TLSv1.2' }, (socket) => this.accept(socket));
    // A client that fails the handshake (e.g. a pin mismatch) is not an error of the fake.
    server.on('tlsClientError', () => undefined);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('fake deluged: no TCP address');
    this.port = address.port;
  }

  setHandler(method: string, handler: FakeHandler | undefined): void {
    if (handler === undefined) this.handlers.delete(method);
    else this.handlers.set(method, handler);
  }

  setFault(method: string, fault: FakeFault | undefined): void {
    if (fault === undefined) this.faults.delete(method);
    else this.faults.set(method, fault);
  }

  emitEvent(name: string, args: readonly RencodeInput[]): number {
    const frame = encodeFrame([RPC_EVENT, name, args]);
    let delivered = 0;
    for (const session of this.sessions) {
      if (session.level > 0 && session.interest.has(name)) {
        session.socket.write(frame);
        delivered++;
      }
    }
    return delivered;
  }

  dropConnections(): void {
    for (const session of this.sessions) session.socket.destroy();
  }

  sendGarbage(bytes: Buffer = DEFAULT_GARBAGE): void {
    for (const session of this.sessions) session.socket.write(bytes);
  }

  clearRecords(): void {
    this.requests.length = 0;
    this.messages.length = 0;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    this.dropConnections();
    await closed;
  }

  private accept(socket: TLSSocket): void {
    this.connections++;
    const session: Session = {
      id: this.connections,
      socket,
      decoder: new FrameDecoder(),
      username: undefined,
      level: 0,
      interest: new Set(),
    };
    this.sessions.add(session);
    socket.on('data', (chunk: Buffer) => this.onData(session, chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sessions.delete(session));
  }

  private onData(session: Session, chunk: Buffer): void {
    let payloads: RencodeValue[];
    try {
      payloads = session.decoder.push(chunk);
    } catch {
      // deluged drops undecodable data; the fake's decoder cannot resync, so it closes instead.
      this.protocolErrors++;
      session.socket.destroy();
      return;
    }
    for (const payload of payloads) this.onMessage(session, payload);
  }

  private onMessage(session: Session, payload: RencodeValue): void {
    if (!Array.isArray(payload) || payload.length === 0) return;
    const index = this.messageCount++;
    const requests: ReceivedRequest[] = [];
    let malformedItems = 0;
    for (const item of payload) {
      if (!Array.isArray(item) || item.length !== 4) {
        malformedItems++;
        continue;
      }
      const [requestId, method, args, kwargs] = item;
      if (typeof method !== 'string' || !Array.isArray(args) || !isDict(kwargs)) {
        malformedItems++;
        continue;
      }
      requests.push({
        connectionId: session.id,
        requestId: requestId as RencodeValue,
        method,
        args,
        kwargs,
        messageIndex: index,
      });
    }
    const message: ReceivedMessage = { connectionId: session.id, index, requests, malformedItems };
    if (this.record) {
      this.messages.push(message);
      for (const request of requests) this.requests.push(request);
    }
    for (const request of requests) this.dispatch(session, request, message);
  }

  private dispatch(session: Session, request: ReceivedRequest, message: ReceivedMessage): void {
    const fault = this.faults.get(request.method) ?? this.faults.get('*');
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'drop') {
      session.socket.destroy();
      return;
    }
    if (fault?.kind === 'garbage') {
      const bytes = typeof fault.bytes === 'function' ? fault.bytes(request) : fault.bytes;
      session.socket.write(bytes ?? DEFAULT_GARBAGE);
      return;
    }
    const started =
      fault?.kind === 'delay' ? new Promise<void>((resolve) => setTimeout(resolve, fault.ms)) : Promise.resolve();
    const answer = started.then(() => this.answer(session, request, message));
    answer.then(
      (value) => this.reply(session, request, value),
      (error: unknown) => this.replyError(session, request, error),
    );
  }

  private answer(session: Session, request: ReceivedRequest, message: ReceivedMessage) {
    const { method, args, kwargs } = request;
    if (method === 'daemon.info') return this.version;
    if (method === 'daemon.login') return this.login(session, args, kwargs);
    if (method === 'daemon.set_event_interest') {
      for (const name of Array.isArray(args[0]) ? args[0] : []) session.interest.add(String(name));
      return true;
    }
    const handler = this.handlers.get(method);
    if (handler === undefined) throw wrapped(`RPC call on invalid function: ${method}`, 'AttributeError');
    const required = this.requiredLevel(method);
    if (session.level < required) throw new FakeRemoteError('NotAuthorizedError', [session.level, required]);
    return handler(args, kwargs, {
      connectionId: session.id,
      username: session.username,
      authLevel: session.level,
      message,
    });
  }

  private requiredLevel(method: string): number {
    return this.options.authLevels?.[method] ?? methodSpec(method)?.authLevel ?? AuthLevel.NORMAL;
  }

  /** `daemon.login` with the checks and error shapes of deluged 2.x (§3.2, §3.4). */
  private login(session: Session, args: readonly RencodeValue[], kwargs: Readonly<Record<string, RencodeValue>>) {
    this.loginAttempts++;
    if (kwargs.client_version === undefined) throw new FakeRemoteError('IncompatibleClient', [this.version]);
    const [username, password] = args;
    if (typeof username !== 'string' || username === '') {
      throw new FakeRemoteError('AuthenticationRequired', ['Username and Password are required.', '']);
    }
    const account = this.accounts.get(username);
    if (account === undefined) throw new FakeRemoteError('BadLoginError', ['Username does not exist', username]);
    if (account.password !== '' && (typeof password !== 'string' || password === '')) {
      throw new FakeRemoteError('AuthenticationRequired', ['Password is required', username]);
    }
    if (password !== account.password)
      throw new FakeRemoteError('BadLoginError', ['Password does not match', username]);
    session.username = username;
    session.level = account.level;
    this.logins++;
    if (account.level === 0) setImmediate(() => session.socket.end());
    return account.level;
  }

  private reply(session: Session, request: ReceivedRequest, value: RencodeInput | PreEncoded): void {
    if (session.socket.destroyed) return;
    const frame =
      value instanceof PreEncoded
        ? preEncodedResponseFrame(request.requestId, value)
        : encodeFrame([RPC_RESPONSE, request.requestId, value]);
    session.socket.write(frame);
  }

  private replyError(session: Session, request: ReceivedRequest, error: unknown): void {
    if (session.socket.destroyed) return;
    const remote =
      error instanceof FakeRemoteError
        ? error
        : error instanceof Error
          ? wrapped(error.message, error.name)
          : wrapped(String(error), 'Exception');
    session.socket.write(errorFrame(request.requestId, remote));
  }
}

/** Starts a fake deluged on 127.0.0.1 on a free port. */
export async function startFakeDaemon(options: FakeDaemonOptions = {}): Promise<FakeDaemon> {
  const daemon = new FakeDaemonServer(options);
  await daemon.listen();
  return daemon;
}
