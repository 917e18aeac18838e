/**
 * A client of Deluge's Web UI (`deluge-web`): JSON-RPC 1.0 over `POST <base>/json`, one call per
 * request. It logs in with the Web UI password, keeps the `_session_id` cookie and logs in again only
 * when an answer says "not authenticated" (error code 1), once per call. Calls go out concurrently
 * over one bounded keep-alive pool sharing the cookie; a deadline ends the calls it covers, never the
 * session.
 */
import { setMaxListeners } from 'node:events';
import type { Agent } from 'node:http';
import { DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_INFLATE_RATIO, HANDSHAKE_LIMITS } from '../rpc/framing.js';
import { type RencodeDecodeLimits, resolveDecodeLimits } from '../rpc/rencode.js';
import { shortenForLog } from '../rpc/shorten.js';
import type { ClientInstrumentation, RevealablePassword, Settled } from '../rpc/types.js';
import { createAgent, type WebUiTlsOptions } from './agent.js';
import {
  snippetOf,
  WebUiAnswerShapeError,
  WebUiAuthError,
  WebUiConnectionError,
  WebUiError,
  WebUiRemoteError,
} from './errors.js';
import { type AnswerLimits, type ExchangeAnswer, exchange } from './exchange.js';
import { type JsonRpcAnswer, parseJsonRpcAnswer } from './json-answer.js';

export interface WebUiClientOptions {
  /** The Web UI's base URL, `http(s)://host[:port][/base/path/]`; no user name or password in it. */
  readonly url: string;
  /** The Web UI password (deluge-web's default is `deluge`). */
  readonly password: string | RevealablePassword;
  /** For an https URL: see `agent.ts`. */
  readonly tls?: WebUiTlsOptions;
  /** Basic authentication for a proxy in front of the Web UI. */
  readonly basicAuth?: { readonly username: string; readonly password: string | RevealablePassword };
  /** Keep-alive connections for calls. Default 4. */
  readonly maxSockets?: number;
  /**
   * Largest answer body on the wire, compressed or not. Default 64 MiB (the RPC client's
   * `maxFrameBytes`): deluge-web compresses every answer, so only a hostile or broken server sends
   * more, and it is refused before more is held.
   */
  readonly maxWireBytes?: number;
  /** Largest answer body after decompression. Default 256 MiB (the RPC client's inflated limit). */
  readonly maxAnswerBytes?: number;
  /** Largest decompressed size as a multiple of the compressed size (above 1 MiB). Default 100. */
  readonly maxInflateRatio?: number;
  /** What parsing one answer may build; unset limits keep the RPC client's `DEFAULT_DECODE_LIMITS`. */
  readonly decodeLimits?: Partial<RencodeDecodeLimits>;
  /** Counting hooks, as the RPC client calls them (bytes are HTTP bodies as on the wire). */
  readonly instrumentation?: ClientInstrumentation;
}

/** One JSON-RPC call. */
export interface WebUiCall {
  readonly method: string;
  readonly params: readonly unknown[];
}

export interface WebUiCallOptions {
  /** Deadline of this call (and of a login it needs); aborting rejects with WebUiTimeoutError. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Send over a separate one-connection pool: for the `web.get_events` long poll, which holds its
   * connection up to 5 s and must not take one from the calls of a scrape.
   */
  readonly poll?: boolean;
}

/** The version in the Web UI page's title, `Deluge WebUI 2.0.3`. */
const TITLE_VERSION = /<title>\s*Deluge WebUI\s+([^<\s]{1,40})\s*<\/title>/i;
/** How much of the page is read to find the title. */
const PAGE_SAMPLE_BYTES = 16 * 1024;
/** A session id as deluge-web makes it (hex); anything else is not sent back. */
const SESSION_ID = /(?:^|;\s*)_session_id=([A-Za-z0-9]{1,512})(?:;|$)/;
const SESSION_COOKIE_START = /^\s*_session_id=/;
/** Longest remote error message kept (deluge-web's include a Python traceback). */
const REMOTE_MESSAGE_CHARS = 300;
const DEFAULT_MAX_SOCKETS = 4;

/** The session id a `Set-Cookie` list gives (deluge-web renews it with every call), if any. */
function sessionIdOf(setCookie: readonly string[]): string | undefined {
  let id: string | undefined;
  for (const line of setCookie) {
    if (SESSION_COOKIE_START.test(line)) id = SESSION_ID.exec(line.trim())?.[1] ?? id;
  }
  return id;
}

function reveal(password: string | RevealablePassword): string {
  return typeof password === 'string' ? password : password.reveal();
}

/**
 * The base URL with a trailing slash, so that `json` resolves below its base path.
 * @throws TypeError for a URL that is not http(s) or carries credentials (the message never shows them)
 */
export function webUiBaseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError('the Web UI url is not a URL (value not shown)');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`the Web UI url must start with http:// or https://, not ${parsed.protocol}//`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new TypeError('the Web UI url must not hold a user name or password: use basic_auth');
  }
  parsed.search = '';
  parsed.hash = '';
  if (!parsed.pathname.endsWith('/')) parsed.pathname = `${parsed.pathname}/`;
  return parsed;
}

/** What one answer may cost: its size, and what parsing it may build. */
interface Budget {
  readonly limits: AnswerLimits;
  readonly decodeLimits: RencodeDecodeLimits;
}

/**
 * The login's budget: the RPC client's handshake limits (64 KiB on the wire, 256 KiB decompressed,
 * a tiny decoding budget), each capped by the session's own. An `auth.login` answer is
 * `{"result": true, "error": null, "id": 1}`.
 */
function loginBudget(session: Budget): Budget {
  const decode = { ...session.decodeLimits };
  for (const name of Object.keys(decode) as (keyof RencodeDecodeLimits)[]) {
    decode[name] = Math.min(decode[name], HANDSHAKE_LIMITS[name]);
  }
  return {
    limits: {
      maxWireBytes: Math.min(session.limits.maxWireBytes, HANDSHAKE_LIMITS.maxFrameBytes),
      maxAnswerBytes: Math.min(session.limits.maxAnswerBytes, HANDSHAKE_LIMITS.maxInflatedBytes),
      maxInflateRatio: session.limits.maxInflateRatio,
    },
    decodeLimits: decode,
  };
}

export class WebUiClient {
  /** The base URL (credential-free, trailing slash). */
  readonly url: URL;
  readonly #jsonUrl: URL;
  readonly #options: WebUiClientOptions;
  readonly #agent: Agent;
  readonly #pollAgent: Agent;
  readonly #budget: Budget;
  /** The login's, far smaller: before a session, anything at the URL may answer. */
  readonly #loginBudget: Budget;
  readonly #authorization: string | undefined;
  #cookie: string | undefined;
  #login: Promise<void> | undefined;
  #nextId = 1;
  #closed = false;
  #logins = 0;

  /** @throws TypeError for a bad url, InvalidFingerprintError for a malformed pin, RangeError for a bad limit */
  constructor(options: WebUiClientOptions) {
    this.#options = options;
    this.url = webUiBaseUrl(options.url);
    this.#jsonUrl = new URL('json', this.url);
    const maxSockets = options.maxSockets ?? DEFAULT_MAX_SOCKETS;
    if (!Number.isInteger(maxSockets) || maxSockets < 1)
      throw new RangeError(`maxSockets must be an integer >= 1, got ${maxSockets}`);
    this.#agent = createAgent(this.url, maxSockets, options.tls);
    this.#pollAgent = createAgent(this.url, 1, options.tls);
    this.#budget = {
      limits: {
        maxWireBytes: options.maxWireBytes ?? DEFAULT_MAX_FRAME_BYTES,
        maxAnswerBytes: options.maxAnswerBytes ?? 4 * DEFAULT_MAX_FRAME_BYTES,
        maxInflateRatio: options.maxInflateRatio ?? DEFAULT_MAX_INFLATE_RATIO,
      },
      decodeLimits: resolveDecodeLimits(options.decodeLimits),
    };
    this.#loginBudget = loginBudget(this.#budget);
    const basic = options.basicAuth;
    this.#authorization =
      basic === undefined
        ? undefined
        : `Basic ${Buffer.from(`${basic.username}:${reveal(basic.password)}`, 'utf8').toString('base64')}`;
  }

  /** Successful logins so far: a new value means a new session (whose event listeners must be registered again). */
  get logins(): number {
    return this.#logins;
  }

  /** Whether the client holds a session cookie (it may have expired on the Web UI's side). */
  get hasSession(): boolean {
    return this.#cookie !== undefined;
  }

  /**
   * Calls `method`: logs in first when there is no session, and once more when the Web UI answers
   * "not authenticated" (the session expired or the Web UI restarted).
   * @throws WebUiAuthError (password refused, or still not authenticated after the new login),
   *   WebUiRemoteError (a JSON-RPC error), or any transport WebUiError
   */
  async call<T = unknown>(method: string, params: readonly unknown[], options: WebUiCallOptions = {}): Promise<T> {
    try {
      if (this.#cookie === undefined) await this.#loginOnce(undefined, options.signal);
      const cookie = this.#cookie;
      let { answer } = await this.#post(method, params, options);
      if (answer.error?.code === 1) {
        await this.#loginOnce(cookie, options.signal);
        ({ answer } = await this.#post(method, params, options));
        if (answer.error?.code === 1) {
          throw new WebUiAuthError(`the Web UI still answers "not authenticated" to ${method} after a new login`, {
            method,
          });
        }
      }
      if (answer.error !== null) {
        throw new WebUiRemoteError(answer.error.code, shortenForLog(answer.error.message, REMOTE_MESSAGE_CHARS), {
          method,
        });
      }
      return answer.result as T;
    } catch (error) {
      if (error instanceof WebUiError) this.#options.instrumentation?.error?.(method, error.kind);
      throw error;
    }
  }

  /** Sends every call at once over the pool; each settles on its own, in the order given. */
  callMany(calls: readonly WebUiCall[], options: WebUiCallOptions = {}): Promise<Settled<unknown>[]> {
    const signal = options.signal === undefined ? undefined : batchSignal(options.signal, calls.length);
    return Promise.all(
      calls.map((call) =>
        this.call(call.method, call.params, { ...options, signal }).then(
          (value): Settled<unknown> => ({ ok: true, value }),
          (error: unknown): Settled<unknown> => ({
            ok: false,
            error: error instanceof Error ? error : new Error(String(error)),
          }),
        ),
      ),
    );
  }

  /**
   * Logs in (again), replacing the session.
   * @throws WebUiAuthError when the Web UI refuses the password
   */
  login(options: WebUiCallOptions = {}): Promise<void> {
    return this.#loginOnce(this.#cookie, options.signal);
  }

  /**
   * The Web UI's own version, from the title of its page (`Deluge WebUI 2.0.3`); `undefined` when the
   * page does not say. No JSON-RPC call tells it.
   */
  async webUiVersion(options: WebUiCallOptions = {}): Promise<string | undefined> {
    const answer = await this.#exchange(
      'GET',
      this.url,
      undefined,
      'GET /',
      options,
      PAGE_SAMPLE_BYTES,
      this.#budget.limits,
    );
    return TITLE_VERSION.exec(answer.body.toString('utf8'))?.[1];
  }

  /** Closes every pooled connection; calls in flight fail with WebUiConnectionError. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#agent.destroy();
    this.#pollAgent.destroy();
  }

  /** Logs in unless another call already replaced the session `seen`; joins a login in flight. */
  #loginOnce(seen: string | undefined, signal: AbortSignal | undefined): Promise<void> {
    if (this.#login !== undefined) return this.#login;
    if (this.#cookie !== seen) return Promise.resolve();
    const login = this.#doLogin(signal).finally(() => {
      if (this.#login === login) this.#login = undefined;
    });
    this.#login = login;
    return login;
  }

  async #doLogin(signal: AbortSignal | undefined): Promise<void> {
    const { answer, cookie } = await this.#post(
      'auth.login',
      [reveal(this.#options.password)],
      { signal },
      this.#loginBudget,
    );
    if (answer.error !== null) {
      throw new WebUiRemoteError(answer.error.code, shortenForLog(answer.error.message, REMOTE_MESSAGE_CHARS), {
        method: 'auth.login',
      });
    }
    if (answer.result === false) {
      throw new WebUiAuthError('the Web UI refused the password (auth.login answered false)', { method: 'auth.login' });
    }
    if (answer.result !== true) {
      throw new WebUiAnswerShapeError('auth.login answered neither true nor false', { method: 'auth.login' });
    }
    if (cookie === undefined) {
      throw new WebUiAuthError('auth.login answered true but set no _session_id cookie', { method: 'auth.login' });
    }
    this.#logins += 1;
  }

  /** One call on the wire: its parsed answer, and the session id its `Set-Cookie` gave (kept). */
  async #post(
    method: string,
    params: readonly unknown[],
    options: WebUiCallOptions,
    budget: Budget = this.#budget,
  ): Promise<{ answer: JsonRpcAnswer; cookie: string | undefined }> {
    const body = Buffer.from(JSON.stringify({ method, params, id: this.#nextId++ }), 'utf8');
    const raw = await this.#exchange('POST', this.#jsonUrl, body, method, options, undefined, budget.limits);
    const cookie = sessionIdOf(raw.setCookie);
    if (cookie !== undefined) this.#cookie = cookie;
    const answer = parseJsonRpcAnswer(raw.body, budget.decodeLimits, raw.contentType, () => snippetOf(raw.body));
    return { answer, cookie };
  }

  #exchange(
    verb: 'GET' | 'POST',
    url: URL,
    body: Buffer | undefined,
    method: string,
    options: WebUiCallOptions,
    sampleBytes: number | undefined,
    limits: AnswerLimits,
  ): Promise<ExchangeAnswer> {
    if (this.#closed) return Promise.reject(new WebUiConnectionError('the Web UI client is closed', { method }));
    const instrumentation = this.#options.instrumentation;
    const headers: Record<string, string> = {
      accept: verb === 'POST' ? 'application/json' : 'text/html',
      'accept-encoding': 'gzip',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.#cookie !== undefined) headers.cookie = `_session_id=${this.#cookie}`;
    if (this.#authorization !== undefined) headers.authorization = this.#authorization;
    instrumentation?.request?.(method);
    if (body !== undefined) instrumentation?.sentBytes?.(body.length);
    return exchange({
      url,
      method: verb,
      agent: options.poll === true ? this.#pollAgent : this.#agent,
      headers,
      ...(body === undefined ? {} : { body }),
      signal: options.signal,
      limits,
      rpcMethod: method,
      ...(instrumentation?.receivedBytes === undefined ? {} : { onReceivedBytes: instrumentation.receivedBytes }),
      ...(sampleBytes === undefined ? {} : { sampleBytes }),
      expectJson: verb === 'POST',
    });
  }
}

/**
 * A signal that aborts with `deadline`, for the `calls` calls of one batch: each call listens to it
 * while in flight, so it may have more listeners than an EventTarget's default warning level.
 */
function batchSignal(deadline: AbortSignal, calls: number): AbortSignal {
  const signal = AbortSignal.any([deadline]);
  setMaxListeners(calls + 1, signal);
  return signal;
}
