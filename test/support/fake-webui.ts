/**
 * A protocol-level fake Deluge Web UI (`deluge-web`) for tests and benchmarks, over HTTP or HTTPS.
 *
 * It speaks what a real deluge-web 2.0.3 speaks (answer shapes recorded from one in
 * test/fixtures/webui/deluge-web-2.0.3.json, replayed against this fake by
 * test/unit/support/fake-webui.test.ts): JSON-RPC 1.0 over `POST <base>json`, always HTTP 200 with
 * `{"result", "error", "id"}` written like Python's json.dumps, chunked and gzip-compressed when asked,
 * `auth.login` setting a `_session_id` cookie renewed by every authenticated call, error codes 1 (not
 * authenticated), 2 (unknown method: every `core.*` before the first `web.connect`), 3 (a local
 * method raised), 4 (the daemon's method failed) and 5 (a malformed request), the host list and
 * `web.connect`, `web.update_ui` and the event queue. `core.*` methods are answered from a handler
 * table given by the test; after a disconnect they hang, as deluge-web's do.
 *
 * Faults per method (or `'*'`) replace the answer with what a broken or hostile server, or a proxy in
 * front, sends: a hang, a delay, any status with any headers and body (an HTML login page, a
 * redirect, a 401/403), raw answer bytes (huge, deep, non-JSON, a gzip bomb with
 * `contentEncoding: 'gzip'`) or an answer cut off mid-body.
 */
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { type PyJson, pythonJson, pythonRepr } from './python-json.js';

/** A host of the Web UI's host list (`hostlist.conf`): `[id, host, port, username]` as `web.get_hosts` lists it. */
export interface FakeWebUiHost {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** `web.get_host_status` while not connected to it: "Online" (default) or "Offline". */
  readonly status?: 'Online' | 'Offline';
}

/** A failure of the daemon's method, sent as error code 4 like deluge-web words a Twisted Failure. */
export class FakeWebUiRemoteError extends Error {
  override readonly name = 'FakeWebUiRemoteError';
  constructor(
    readonly exceptionType: string,
    message: string,
    /** The daemon's traceback as deluge-web quotes it, ending in a newline. */
    readonly traceback = `Traceback (most recent call last):\n  (fake deluged)\n${exceptionType}: ${message}\n`,
  ) {
    super(message);
  }
}

/** Answers one proxied daemon method (`core.*`, `label.*`, …) with its JSON-able result. */
export type FakeWebUiHandler = (params: readonly unknown[]) => PyJson | Promise<PyJson>;

/** What happens to calls of a method instead of its answer. */
export type FakeWebUiFault =
  | { readonly kind: 'hang' }
  | { readonly kind: 'delay'; readonly ms: number }
  /** Any status line, headers and body: an HTML page, a redirect, a proxy's 401/403/502. */
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly headers?: Readonly<Record<string, string>>;
      readonly body?: string | Buffer;
    }
  /**
   * HTTP 200 `application/json` with these bytes as the body, sent as they are (already
   * gzip-compressed with `contentEncoding: 'gzip'`); a function gives them chunk by chunk, so a huge
   * body is never held here.
   */
  | {
      readonly kind: 'body';
      readonly bytes: Buffer | (() => Iterable<Buffer>);
      readonly contentEncoding?: 'gzip';
    }
  /** The real answer, cut off after `bytes` bytes of the (compressed when gzip) body: the connection is destroyed. */
  | { readonly kind: 'truncated'; readonly bytes: number };

/** One call as received. */
export interface FakeWebUiRequest {
  /** `undefined` when the body was not a JSON-RPC object. */
  readonly method: string | undefined;
  readonly params: unknown;
  readonly id: unknown;
  readonly path: string;
  /** The `_session_id` cookie sent, if any. */
  readonly sessionCookie: string | undefined;
  /** The `authorization` header sent, if any. */
  readonly authorization: string | undefined;
  readonly acceptsGzip: boolean;
  /** Which TCP connection it came on (1, 2, …). */
  readonly connectionId: number;
}

/** Options of {@link startFakeWebUi}. */
export interface FakeWebUiOptions {
  /** The Web UI password (`auth.login`). Default `deluge`, deluge-web's own default. */
  readonly password?: string;
  /** The base path (deluge-web `-b`), with leading and trailing `/`. Default `/`. */
  readonly base?: string;
  /** HTTPS with this certificate and key (PEM); HTTP when absent. */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Basic authentication demanded by a proxy in front: 401 with `WWW-Authenticate` and an HTML page without it. */
  readonly basicAuth?: { readonly username: string; readonly password: string };
  /** The host list. Default: none. */
  readonly hosts?: readonly FakeWebUiHost[];
  /** Id of the host the Web UI is connected to at start. Default: none. */
  readonly connectedTo?: string;
  /** The daemon's version, as `web.get_host_status` and `daemon.get_version` answer. Default `2.0.3`. */
  readonly daemonVersion?: string;
  /** Proxied daemon methods; only these exist while connected (anything else is error 2). `daemon.get_version` is built in. */
  readonly handlers?: Readonly<Record<string, FakeWebUiHandler>>;
  /** `session_timeout` in seconds. Default 3600. */
  readonly sessionTimeoutSeconds?: number;
  /** Keep every received call in `requests` (default true; off for long benchmarks). */
  readonly record?: boolean;
  /** How long `web.get_events` waits for an event when none is queued, as deluge-web's long poll does (5 s). Default 5000. */
  readonly eventWaitMs?: number;
}

/** A running fake Web UI. */
export interface FakeWebUi {
  /** `http(s)://127.0.0.1:PORT<base>`, the URL a user configures. */
  readonly url: string;
  readonly port: number;
  readonly requests: readonly FakeWebUiRequest[];
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Successful `auth.login` calls. */
  readonly logins: number;
  /** The host the Web UI is connected to, if any. */
  readonly connectedTo: string | undefined;
  setHandler(method: string, handler: FakeWebUiHandler | undefined): void;
  /** Sets (or clears with undefined) the fault for `method`, or for every call with `'*'`. */
  setFault(method: string, fault: FakeWebUiFault | undefined): void;
  /**
   * Connects the Web UI to host `id`, or disconnects it with undefined (as another browser would, or
   * a daemon that went away): daemon methods then hang, as deluge-web leaves them unanswered.
   */
  connectTo(id: string | undefined): void;
  /** Forgets every session, as a Web UI restart or `session_timeout` does. */
  expireSessions(): void;
  /** Queues an event for every session that registered a listener for `name`. */
  emitEvent(name: string, args: readonly PyJson[]): void;
  /** Destroys every open connection (the server keeps listening). */
  dropConnections(): void;
  clearRecords(): void;
  close(): Promise<void>;
}

/** The session keys deluge-web 2.0.3's `web.update_ui` asks the daemon for. */
const UPDATE_UI_SESSION_KEYS: readonly string[] = [
  'num_peers',
  'payload_download_rate',
  'payload_upload_rate',
  'download_rate',
  'upload_rate',
  'dht_nodes',
  'has_incoming_connections',
];

/** deluge-web's own error codes. */
const NOT_AUTHENTICATED = 1;
const UNKNOWN_METHOD = 2;
const LOCAL_ERROR = 3;
const REMOTE_ERROR = 4;
const BAD_REQUEST = 5;

/** Methods deluge-web answers without a session. */
const PUBLIC_METHODS: ReadonlySet<string> = new Set(['auth.login', 'auth.check_session']);

/** The index page deluge-web (and many proxies' login pages) answers a browser with. */
export const LOGIN_PAGE_HTML =
  '<!DOCTYPE html>\n<html><head><title>Deluge: Web UI</title></head>\n<body><form action="login" method="post">' +
  '<input type="password" name="password"></form></body></html>\n';

/** Writes `chunks` with backpressure, then ends the response; stops early when the client goes away. */
async function writeChunks(response: ServerResponse, chunks: Iterable<Buffer>): Promise<void> {
  for (const chunk of chunks) {
    if (response.destroyed) return;
    if (!response.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          response.off('drain', done);
          response.off('close', done);
          resolve();
        };
        response.once('drain', done);
        response.once('close', done);
      });
    }
  }
  response.end();
}

/** deluge-web's cookie value: the session id followed by the decimal sum of its character codes. */
function sessionCookieValue(sessionId: string): string {
  let checksum = 0;
  for (const char of sessionId) checksum += char.charCodeAt(0);
  return `${sessionId}${checksum}`;
}

function cookieOf(request: IncomingMessage): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === '_session_id') return value.join('=');
  }
  return undefined;
}

class LocalError extends Error {}

/** A JSON-RPC answer, written in deluge-web's key order (`id` before `error` for code 5). */
interface Answer {
  readonly result: PyJson;
  readonly error: { readonly code: number; readonly message: string } | null;
  readonly id: PyJson;
}

function answerText(answer: Answer): string {
  const error = answer.error === null ? null : { message: answer.error.message, code: answer.error.code };
  if (answer.error?.code === BAD_REQUEST) {
    return pythonJson({ result: null, id: null, error: { code: BAD_REQUEST, message: answer.error.message } });
  }
  return pythonJson({ result: answer.result, error, id: answer.id });
}

/** Starts a fake Web UI on a free loopback port. */
export async function startFakeWebUi(options: FakeWebUiOptions = {}): Promise<FakeWebUi> {
  const password = options.password ?? 'deluge';
  const base = options.base ?? '/';
  const record = options.record ?? true;
  const timeoutMs = (options.sessionTimeoutSeconds ?? 3600) * 1000;
  const hosts = options.hosts ?? [];
  const daemonVersion = options.daemonVersion ?? '2.0.3';
  const handlers = new Map<string, FakeWebUiHandler>([
    ['daemon.get_version', () => daemonVersion],
    ...Object.entries(options.handlers ?? {}),
  ]);
  const faults = new Map<string, FakeWebUiFault>();
  const sessions = new Map<string, number>();
  const listeners = new Map<string, Set<string>>();
  const queues = new Map<string, PyJson[]>();
  const eventWaiters: (() => void)[] = [];
  const eventWaitMs = options.eventWaitMs ?? 5000;
  /** The session's queued events, or null after waiting `eventWaitMs` for one (deluge-web's long poll). */
  const drainEvents = async (session: string): Promise<PyJson> => {
    if (!queues.has(session)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, eventWaitMs);
        eventWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const queued = queues.get(session);
    queues.delete(session);
    return queued ?? null;
  };
  const requests: FakeWebUiRequest[] = [];
  const sockets = new Set<Socket>();
  let connectedTo = options.connectedTo;
  // deluge-web learns the daemon's method list at web.connect and keeps it after a disconnect.
  let remoteMethods = new Set<string>(connectedTo === undefined ? [] : handlers.keys());
  let connections = 0;
  let logins = 0;

  const socketIds = new WeakMap<Socket, number>();
  const onConnection = (socket: Socket): void => {
    connections += 1;
    socketIds.set(socket, connections);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };

  const sessionOf = (request: IncomingMessage): string | undefined => {
    const cookie = cookieOf(request);
    if (cookie === undefined || cookie.length < 5) return undefined;
    const id = cookie.slice(0, -4);
    if (sessionCookieValue(id) !== cookie) return undefined;
    const expires = sessions.get(id);
    if (expires === undefined || expires < Date.now()) return undefined;
    return id;
  };

  const hostStatus = (host: FakeWebUiHost): PyJson => [
    host.id,
    connectedTo === host.id ? 'Connected' : (host.status ?? 'Online'),
    daemonVersion,
  ];

  /** The web.* and auth.* methods deluge-web implements itself. */
  const local = (
    method: string,
    params: readonly unknown[],
    session: string | undefined,
    setSession: (id: string) => void,
  ): PyJson | Promise<PyJson> => {
    switch (method) {
      case 'auth.login': {
        if (params[0] !== password) return false;
        const id = randomBytes(32).toString('hex');
        sessions.set(id, Date.now() + timeoutMs);
        setSession(id);
        logins += 1;
        return true;
      }
      case 'auth.check_session':
        return session !== undefined;
      case 'auth.delete_session':
        if (session !== undefined) sessions.delete(session);
        return true;
      case 'web.connected':
        return connectedTo !== undefined;
      case 'web.get_hosts':
        return hosts.map((host) => [host.id, host.host, host.port, host.username]);
      case 'web.get_host_status': {
        const host = hosts.find((candidate) => candidate.id === params[0]);
        if (host === undefined) throw new LocalError("AttributeError: 'tuple' object has no attribute 'addCallback'");
        return hostStatus(host);
      }
      case 'web.connect': {
        const host = hosts.find((candidate) => candidate.id === params[0]);
        if (host === undefined) return null;
        connectedTo = host.id;
        remoteMethods = new Set(handlers.keys());
        return [...remoteMethods].sort();
      }
      case 'web.disconnect':
        connectedTo = undefined;
        return 'Connection was closed cleanly.';
      case 'web.register_event_listener': {
        const name = String(params[0]);
        const sessionsOf = listeners.get(name) ?? new Set<string>();
        if (session !== undefined) sessionsOf.add(session);
        listeners.set(name, sessionsOf);
        return null;
      }
      case 'web.get_events':
        return session === undefined ? null : drainEvents(session);
      case 'web.update_ui':
        return updateUi(params);
      default:
        throw new Error(`not a local method: ${method}`);
    }
  };

  const remote = async (method: string, params: readonly unknown[]): Promise<PyJson> => {
    const handler = handlers.get(method);
    if (handler === undefined) throw new Error(`no handler: ${method}`);
    return handler(params);
  };

  /** `web.update_ui(keys, filter)`, built from the core handlers as deluge-web builds it from the daemon's answers. */
  const updateUi = async (params: readonly unknown[]): Promise<PyJson> => {
    const config = (await optional('core.get_config_values', [
      ['max_download_speed', 'max_upload_speed', 'max_connections_global', 'download_location'],
    ])) as Record<string, PyJson> | null;
    const stats: Record<string, PyJson> = {
      max_download: config?.max_download_speed ?? null,
      max_upload: config?.max_upload_speed ?? null,
      max_num_connections: config?.max_connections_global ?? null,
    };
    if (connectedTo === undefined) return { connected: false, torrents: null, filters: null, stats };
    const session = (await optional('core.get_session_status', [UPDATE_UI_SESSION_KEYS])) as Record<
      string,
      number
    > | null;
    if (session !== null) {
      stats.num_connections = session.num_peers ?? 0;
      stats.upload_rate = session.payload_upload_rate ?? 0;
      stats.download_rate = session.payload_download_rate ?? 0;
      stats.download_protocol_rate = (session.download_rate ?? 0) - (session.payload_download_rate ?? 0);
      stats.upload_protocol_rate = (session.upload_rate ?? 0) - (session.payload_upload_rate ?? 0);
      stats.dht_nodes = session.dht_nodes ?? 0;
      stats.has_incoming_connections = session.has_incoming_connections ?? 0;
    }
    stats.free_space = await optional('core.get_free_space', [config?.download_location ?? null]);
    stats.external_ip = await optional('core.get_external_ip', []);
    return {
      connected: true,
      torrents: (await optional('core.get_torrents_status', [params[1] ?? {}, params[0] ?? []])) ?? {},
      filters: await optional('core.get_filter_tree', []),
      stats,
    };
  };

  const optional = async (method: string, params: readonly unknown[]): Promise<PyJson> => {
    const handler = handlers.get(method);
    if (handler === undefined || connectedTo === undefined) return null;
    try {
      return await handler(params);
    } catch {
      return null;
    }
  };

  const isLocal = (method: string): boolean => method.startsWith('auth.') || method.startsWith('web.');

  /** The answer to one JSON-RPC body, as deluge-web gives it; `setSession` when the call logs in. */
  const answer = async (
    body: string,
    contentType: string | undefined,
    request: IncomingMessage,
    setSession: (id: string) => void,
    renew: (id: string) => void,
  ): Promise<{ answer: Answer; method: string | undefined; parsed: Record<string, unknown> | undefined }> => {
    const bad = (message: string) => ({
      answer: { result: null, error: { code: BAD_REQUEST, message }, id: null },
      method: undefined,
      parsed: undefined,
    });
    if (contentType !== 'application/json')
      return bad(`JSONException: Invalid JSON request content-type: ${contentType ?? 'None'}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return bad('JSONException: JSON not decodable');
    }
    if (Array.isArray(parsed)) return bad('TypeError: list indices must be integers or slices, not str');
    if (typeof parsed !== 'object' || parsed === null)
      return bad(`TypeError: '${typeof parsed}' object is not subscriptable`);
    const call = parsed as Record<string, unknown>;
    for (const key of ['method', 'params', 'id']) {
      if (!(key in call))
        return bad(`JSONException: Invalid JSON request, missing param '${key}' in ${pythonRepr(call)}`);
    }
    const method = String(call.method);
    const id = call.id as PyJson;
    const params = Array.isArray(call.params) ? call.params : [];
    const done = (result: PyJson, error: Answer['error'] = null) => ({
      answer: { result, error, id },
      method,
      parsed: call,
    });
    const session = sessionOf(request);
    if (!isLocal(method) && !remoteMethods.has(method)) {
      return done(null, { code: UNKNOWN_METHOD, message: 'Unknown method' });
    }
    if (session === undefined && !PUBLIC_METHODS.has(method)) {
      return done(null, { code: NOT_AUTHENTICATED, message: 'Not authenticated' });
    }
    // A daemon method after the Web UI lost its daemon: deluge-web never answers it.
    if (!isLocal(method) && connectedTo === undefined) return new Promise(() => undefined);
    if (session !== undefined) renew(session);
    try {
      return done(isLocal(method) ? await local(method, params, session, setSession) : await remote(method, params));
    } catch (error) {
      if (error instanceof LocalError) return done(null, { code: LOCAL_ERROR, message: error.message });
      const remoteError =
        error instanceof FakeWebUiRemoteError ? error : new FakeWebUiRemoteError('Exception', String(error));
      return done(null, {
        code: REMOTE_ERROR,
        message: `Failure: [Failure instance: Traceback (failure with no frames): <class 'deluge.error.WrappedException'>: ${remoteError.message}\n${remoteError.traceback}\n]`,
      });
    }
  };

  const cookieHeader = (id: string): string => {
    const expires = new Date(Date.now() + timeoutMs).toUTCString();
    return `_session_id=${sessionCookieValue(id)}; Expires=${expires}; Path=${base}json`;
  };

  const sendFault = async (
    fault: FakeWebUiFault,
    response: ServerResponse,
    realBody: () => Promise<Buffer>,
    gzip: boolean,
  ): Promise<boolean> => {
    switch (fault.kind) {
      case 'hang':
        return true;
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, fault.ms));
        return false;
      case 'status':
        response.writeHead(fault.status, { server: 'TwistedWeb', ...fault.headers });
        response.end(fault.body ?? '');
        return true;
      case 'body':
        response.writeHead(200, {
          server: 'TwistedWeb',
          ...(fault.contentEncoding === undefined ? {} : { 'content-encoding': fault.contentEncoding }),
          'content-type': 'application/json',
        });
        if (Buffer.isBuffer(fault.bytes)) response.end(fault.bytes);
        else await writeChunks(response, fault.bytes());
        return true;
      case 'truncated': {
        const body = await realBody();
        const sent = gzip ? gzipSync(body) : body;
        response.writeHead(200, {
          server: 'TwistedWeb',
          ...(gzip ? { 'content-encoding': 'gzip' } : {}),
          'content-type': 'application/json',
        });
        response.write(sent.subarray(0, fault.bytes), () => response.socket?.destroy());
        return true;
      }
    }
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (options.basicAuth !== undefined) {
      const expected = `Basic ${Buffer.from(`${options.basicAuth.username}:${options.basicAuth.password}`).toString('base64')}`;
      if (request.headers.authorization !== expected) {
        response.writeHead(401, { 'www-authenticate': 'Basic realm="Deluge"', 'content-type': 'text/html' });
        response.end(
          '<html><head><title>401 Authorization Required</title></head><body><h1>401 Authorization Required</h1></body></html>\n',
        );
        return;
      }
    }
    if (path !== `${base}json`) {
      const index = path === base;
      response.writeHead(index ? 200 : 404, { server: 'TwistedWeb', 'content-type': 'text/html' });
      response.end(index ? LOGIN_PAGE_HTML : '');
      return;
    }
    if (request.method !== 'POST') {
      response.writeHead(405, { server: 'TwistedWeb' });
      response.end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const gzip = /\bgzip\b/.test(request.headers['accept-encoding'] ?? '');
    let setCookie: string | undefined;
    const result = await answer(
      body,
      request.headers['content-type'],
      request,
      (id) => {
        setCookie = cookieHeader(id);
      },
      (id) => {
        sessions.set(id, Date.now() + timeoutMs);
        setCookie = cookieHeader(id);
      },
    );
    if (record) {
      requests.push({
        method: result.method,
        params: result.parsed?.params,
        id: result.parsed?.id,
        path,
        sessionCookie: cookieOf(request),
        authorization: request.headers.authorization,
        acceptsGzip: gzip,
        connectionId: socketIds.get(request.socket) ?? 0,
      });
    }
    const realBody = async () => Buffer.from(answerText(result.answer));
    const fault = (result.method === undefined ? undefined : faults.get(result.method)) ?? faults.get('*');
    if (fault !== undefined && (await sendFault(fault, response, realBody, gzip))) return;
    response.writeHead(200, {
      server: 'TwistedWeb',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      'content-type': 'application/json',
      ...(setCookie === undefined ? {} : { 'set-cookie': setCookie }),
    });
    const text = await realBody();
    response.end(gzip ? gzipSync(text, { level: 9 }) : text);
  };

  const listener = (request: IncomingMessage, response: ServerResponse): void => {
    handle(request, response).catch((error: unknown) => {
      response.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  };
  const server: Server =
    options.tls === undefined ? createHttpServer(listener) : createHttpsServer({ ...options.tls }, listener);
  server.on(options.tls === undefined ? 'connection' : 'secureConnection', onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}${base}`,
    port,
    requests,
    get connections() {
      return connections;
    },
    get logins() {
      return logins;
    },
    get connectedTo() {
      return connectedTo;
    },
    setHandler(method, handler) {
      if (handler === undefined) handlers.delete(method);
      else handlers.set(method, handler);
    },
    setFault(method, fault) {
      if (fault === undefined) faults.delete(method);
      else faults.set(method, fault);
    },
    connectTo(id) {
      connectedTo = id;
      if (id !== undefined) remoteMethods = new Set(handlers.keys());
    },
    expireSessions() {
      sessions.clear();
    },
    emitEvent(name, args) {
      for (const session of listeners.get(name) ?? []) {
        const queue = queues.get(session) ?? [];
        queue.push([name, [...args]]);
        queues.set(session, queue);
      }
      for (const wake of eventWaiters.splice(0)) wake();
    },
    dropConnections() {
      for (const socket of sockets) socket.destroy();
    },
    clearRecords() {
      requests.length = 0;
    },
    close() {
      for (const wake of eventWaiters.splice(0)) wake();
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
