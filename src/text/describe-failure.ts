/**
 * Says why talking to a daemon failed, in words an operator understands: the class of the failure,
 * what happened (daemon text made printable, secrets removed) and what to check.
 */

import {
  DelugeAuthError,
  DelugeCertificatePinError,
  DelugeConnectionError,
  DelugeLimitError,
  DelugeNotAuthorizedError,
  DelugeProtocolError,
  DelugeRemoteError,
  DelugeTimeoutError,
  DelugeWrappedError,
} from '../rpc/index.js';
import {
  WebUiAuthError,
  WebUiCertificatePinError,
  WebUiConnectionError,
  WebUiDaemonChoiceError,
  WebUiDaemonConnectError,
  WebUiLimitError,
  WebUiProtocolError,
  WebUiRemoteError,
} from '../webui/index.js';
import { printable } from './printable.js';

/** Longest failure detail shown; daemon error strings can be any length. */
const MAX_DETAIL_LENGTH = 300;

/** The class of a failure, as a person reads it. */
export type FailureCategory =
  | 'certificate mismatch'
  | 'login refused'
  | 'permission denied'
  | 'unreachable'
  | 'timed out'
  | 'not a Deluge 2.x daemon'
  | 'answer too large'
  | 'daemon error'
  | 'unexpected answer'
  | 'Web UI on another daemon'
  | 'not a Deluge Web UI';

export interface FailureDescription {
  readonly category: FailureCategory;
  /** What happened: printable, at most 300 code points, no secret. */
  readonly detail: string;
  /** What to check first. */
  readonly hint: string;
}

/** Node's TLS chain-verification error codes (`DEPTH_ZERO_SELF_SIGNED_CERT`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, …). */
function isCertificateVerificationError(cause: unknown): boolean {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /CERT|UNABLE_TO_VERIFY|SELF_SIGNED/.test(code);
}

/** One class of failure: how to recognise it, what to call it, what to check first. First match wins. */
interface FailureRule {
  readonly matches: (error: unknown) => boolean;
  readonly category: FailureCategory;
  readonly hint: string;
}

/** How the daemon's Web UI fails, checked before the RPC rules. */
const WEB_UI_RULES: readonly FailureRule[] = [
  {
    matches: (error) => error instanceof WebUiCertificatePinError,
    category: 'certificate mismatch',
    hint: 'the Web UI presents another certificate than web.tls.fingerprint_sha256 pins; if it was renewed on purpose, pin the new fingerprint',
  },
  {
    matches: (error) => error instanceof WebUiConnectionError && isCertificateVerificationError(error.cause),
    category: 'certificate mismatch',
    hint: "the Web UI's certificate does not verify: set web.tls.ca_file to its CA (or its own certificate), or pin it with web.tls.fingerprint_sha256",
  },
  {
    matches: (error) => error instanceof WebUiAuthError,
    category: 'login refused',
    hint: "check web.password against the Web UI's password (deluge-web's default is deluge)",
  },
  {
    matches: (error) => error instanceof WebUiDaemonChoiceError,
    category: 'Web UI on another daemon',
    hint: "the Web UI has ONE daemon connection shared by everyone using it; the exporter never switches it: choose the daemon in the Web UI's Connection Manager, or set web.daemon",
  },
  {
    matches: (error) => error instanceof WebUiDaemonConnectError,
    category: 'unreachable',
    hint: "the Web UI could not connect to the daemon: is deluged running, and is the account in the Web UI's host list (Connection Manager) right?",
  },
  {
    matches: (error) => error instanceof WebUiConnectionError,
    category: 'unreachable',
    hint: 'is deluge-web running and listening at web.url (and the proxy in front of it, if any)?',
  },
  {
    matches: (error) => error instanceof WebUiLimitError,
    category: 'answer too large',
    hint: 'an answer of the Web UI broke a size limit; with very many torrents raise max_frame_bytes, or turn per-torrent series down',
  },
  {
    matches: (error) => error instanceof WebUiProtocolError,
    category: 'not a Deluge Web UI',
    hint: 'something answered at web.url, but not as deluge-web does: check the URL and its base path, and web.basic_auth for a proxy in front',
  },
  {
    matches: (error) => error instanceof WebUiRemoteError,
    category: 'daemon error',
    hint: "the Web UI or the daemon behind it failed the call; deluge-web's and deluged's logs say more",
  },
];

const FAILURE_RULES: readonly FailureRule[] = [
  ...WEB_UI_RULES,
  {
    matches: (error) => error instanceof DelugeCertificatePinError,
    category: 'certificate mismatch',
    hint: 'the daemon presents another certificate than tls.fingerprint_sha256 pins; if it was renewed on purpose, pin the new fingerprint',
  },
  {
    matches: (error) => error instanceof DelugeConnectionError && isCertificateVerificationError(error.cause),
    category: 'certificate mismatch',
    hint: "the daemon certificate does not verify against tls.ca_file; point ca_file at the CA or at the daemon's own ssl/daemon.cert",
  },
  {
    matches: (error) => error instanceof DelugeNotAuthorizedError,
    category: 'permission denied',
    hint: "the account's auth level is too low; give it level 10 (admin) in deluged's auth file",
  },
  {
    matches: (error) => error instanceof DelugeAuthError,
    category: 'login refused',
    hint: "check the username and password against deluged's auth file (user:password:level)",
  },
  {
    // Also the exporter's own scrape deadline, which says its kind the same way.
    matches: (error) =>
      error instanceof DelugeTimeoutError || (error as { kind?: unknown } | undefined)?.kind === 'timeout',
    category: 'timed out',
    hint: 'the daemon did not answer in time: is it overloaded, or is a firewall dropping packets?',
  },
  {
    matches: (error) => error instanceof DelugeConnectionError,
    category: 'unreachable',
    hint: 'is deluged running and listening on this host and port (allow_remote for other hosts)?',
  },
  {
    matches: (error) => error instanceof DelugeLimitError,
    category: 'answer too large',
    hint: 'an answer broke a size limit; with very many torrents raise max_frame_bytes, or turn per-torrent series down',
  },
  {
    matches: (error) => error instanceof DelugeProtocolError,
    category: 'not a Deluge 2.x daemon',
    hint: 'something answered, but not in the Deluge 2.x protocol: check the port, and that the daemon is Deluge 2.x',
  },
  {
    matches: (error) => error instanceof DelugeRemoteError,
    category: 'daemon error',
    hint: "the daemon failed the call; its own log says more (deluged's -l file)",
  },
];

const UNEXPECTED_ANSWER: FailureRule = {
  matches: () => true,
  category: 'unexpected answer',
  hint: 'the daemon answered something the exporter cannot use; please report it with the daemon version',
};

function categorize(error: unknown): FailureRule {
  return FAILURE_RULES.find((rule) => rule.matches(error)) ?? UNEXPECTED_ANSWER;
}

/** The daemon-side exception class of a failed call (`KeyError`, `InvalidTorrentError` …), for the detail. */
function remoteClassOf(error: unknown): string | undefined {
  if (error instanceof DelugeWrappedError) return error.originalType;
  if (error instanceof DelugeRemoteError && !(error instanceof DelugeAuthError)) return error.remoteType;
  return undefined;
}

/**
 * Describes a failure of a connection, login or call. `secrets` (the daemon's password) are removed
 * from the detail even if a hostile daemon echoes them.
 */
export function describeFailure(error: unknown, secrets: readonly string[] = []): FailureDescription {
  const { category, hint } = categorize(error);
  const message = error instanceof Error ? error.message : String(error);
  const remoteClass = remoteClassOf(error);
  const detail = remoteClass === undefined || remoteClass === '' ? message : `${remoteClass}: ${message}`;
  return { category, detail: printable(detail, MAX_DETAIL_LENGTH, secrets), hint };
}
