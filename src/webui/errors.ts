/**
 * Error classes of the Deluge Web UI client. Like the RPC client's, every error carries a stable
 * `kind` (the coarse class counted in `deluge_exporter_rpc_errors_total{error}`) and a stable `code`.
 * Messages quote what came back at most as a short, printable snippet; they never hold the password,
 * the basic-auth credentials or the session cookie.
 */
import { DelugeClientError } from '../rpc/errors.js';
import { shortenForLog } from '../rpc/shorten.js';

/** Longest snippet of an answer quoted in an error message. */
export const SNIPPET_CHARS = 120;

/** Control and format characters (a body can hold anything) are shown as U+FFFD in a snippet. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/** The first bytes of an answer as a short printable quote, for error messages. */
export function snippetOf(bytes: Uint8Array): string {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, SNIPPET_CHARS * 4));
  const text = head.toString('utf8').replace(/\s+/g, ' ').replace(UNPRINTABLE, '\ufffd').trim();
  return JSON.stringify(shortenForLog(text, SNIPPET_CHARS));
}

/** Base class of every error thrown by `src/webui`; `method` is the JSON-RPC method being called. */
export abstract class WebUiError extends DelugeClientError {}

/** A call did not finish before its deadline (the session and its cookie stay). */
export class WebUiTimeoutError extends WebUiError {
  override readonly name = 'WebUiTimeoutError';
  readonly kind = 'timeout' as const;
  readonly code = 'WEBUI_ERR_TIMEOUT';
}

/** The HTTP(S) connection could not be opened or broke (refused, reset, TLS failure). */
export class WebUiConnectionError extends WebUiError {
  override readonly name: string = 'WebUiConnectionError';
  readonly kind = 'connection' as const;
  readonly code: string = 'WEBUI_ERR_CONNECTION';
}

/** The Web UI's TLS certificate does not match the configured SHA-256 pin. */
export class WebUiCertificatePinError extends WebUiConnectionError {
  override readonly name = 'WebUiCertificatePinError';
  override readonly code = 'WEBUI_ERR_CERT_PIN';
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`Web UI certificate fingerprint ${actual} does not match the pinned ${expected}`);
  }
}

/** Something answered, but not as deluge-web answers: a status, page or shape it never sends. */
export abstract class WebUiProtocolError extends WebUiError {
  readonly kind = 'protocol' as const;
}

/** An HTTP status other than 200 (a 3xx has its own class). 401/403 usually come from a proxy in front. */
export class WebUiHttpError extends WebUiProtocolError {
  override readonly name = 'WebUiHttpError';
  readonly code = 'WEBUI_ERR_HTTP_STATUS';
  constructor(
    readonly status: number,
    readonly snippet: string,
    options?: { method?: string | undefined },
  ) {
    super(`HTTP ${status}${statusNote(status)}; body begins ${snippet}`, options);
  }
}

function statusNote(status: number): string {
  if (status === 401) return ' (authentication required: a proxy in front? see basic_auth)';
  if (status === 403) return ' (forbidden: a proxy in front refused the request)';
  if (status === 404) return ' (not found: is the URL the Web UI base, with its base path?)';
  return '';
}

/** A redirect: deluge-web never redirects `/json`, a proxy or login page in front does. */
export class WebUiRedirectError extends WebUiProtocolError {
  override readonly name = 'WebUiRedirectError';
  readonly code = 'WEBUI_ERR_REDIRECT';
  constructor(
    readonly status: number,
    /** Where it pointed, cut short (query string dropped: it may hold tokens). */
    readonly location: string,
    options?: { method?: string | undefined },
  ) {
    super(`HTTP ${status} redirect to ${location} (a login page or proxy in front of the Web UI?)`, options);
  }
}

/** A 200 answer that is not JSON: an HTML page (a proxy's login page), plain text, or broken JSON. */
export class WebUiNotJsonError extends WebUiProtocolError {
  override readonly name = 'WebUiNotJsonError';
  readonly code = 'WEBUI_ERR_NOT_JSON';
  constructor(
    readonly contentType: string,
    readonly snippet: string,
    reason: string,
    options?: { method?: string | undefined },
  ) {
    super(
      `${reason} (content type ${JSON.stringify(shortenForLog(contentType, 60))}); body begins ${snippet}`,
      options,
    );
  }
}

/** JSON, but not a JSON-RPC answer of the shape deluge-web sends (`{result, error, id}`). */
export class WebUiAnswerShapeError extends WebUiProtocolError {
  override readonly name = 'WebUiAnswerShapeError';
  readonly code = 'WEBUI_ERR_ANSWER_SHAPE';
}

/**
 * An answer broke a limit: its size after decompression, its compression ratio, or the decoding
 * budget (the same as the RPC client's rencode budget). `limit` names it as the option does.
 */
export class WebUiLimitError extends WebUiProtocolError {
  override readonly name = 'WebUiLimitError';
  readonly code = 'WEBUI_ERR_LIMIT';
  constructor(
    message: string,
    readonly limit: string,
    readonly maximum: number,
    options?: { method?: string | undefined },
  ) {
    super(message, options);
  }
}

/** The Web UI refused the password (`auth.login` answered false), or still said "not authenticated" after a new login. */
export class WebUiAuthError extends WebUiError {
  override readonly name = 'WebUiAuthError';
  readonly kind = 'auth' as const;
  readonly code = 'WEBUI_ERR_AUTH';
}

/**
 * The Web UI answered with a JSON-RPC error: `remoteCode` 2 unknown method, 3 the Web UI's own method
 * raised, 4 the daemon failed the call, 5 malformed request. `remoteMessage` is cut short.
 */
export class WebUiRemoteError extends WebUiError {
  override readonly name = 'WebUiRemoteError';
  readonly kind = 'remote' as const;
  readonly code = 'WEBUI_ERR_REMOTE';
  constructor(
    readonly remoteCode: number,
    readonly remoteMessage: string,
    options?: { method?: string | undefined },
  ) {
    super(`${options?.method ?? 'call'} failed in the Web UI (error ${remoteCode}): ${remoteMessage}`, options);
  }
}

/**
 * The Web UI is not connected to the daemon to read, and may not be (or could not be) connected to
 * it: connected to another one, to none with several to choose from, or the connect failed.
 */
export class WebUiDaemonChoiceError extends WebUiError {
  override readonly name = 'WebUiDaemonChoiceError';
  readonly kind = 'connection' as const;
  readonly code = 'WEBUI_ERR_DAEMON_CHOICE';
}

/** The Web UI was told to connect to the daemon and could not (the daemon is down, or its host-list account is wrong). */
export class WebUiDaemonConnectError extends WebUiError {
  override readonly name = 'WebUiDaemonConnectError';
  readonly kind = 'connection' as const;
  readonly code = 'WEBUI_ERR_DAEMON_CONNECT';
}
