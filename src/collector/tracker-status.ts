/**
 * Classifies Deluge's per-torrent `tracker_status` into error kinds.
 *
 * Deluge 2.x sets the status from libtorrent alerts (`core/torrentmanager.py`): `Announce OK`,
 * `Announce Sent`, `Warning: <alert text>`, or `Error: <message>`, where the message is the tracker's
 * `failure reason` or, without one, libtorrent's own error text (`Connection refused`,
 * `Host not found (authoritative)`, `timed out`, `404 Not Found`, an OpenSSL error, …). Only the
 * `Error:` form is an error, as in Deluge's own `Error` tracker filter.
 */

/** The kinds, in the order the metrics list them. */
export const TRACKER_ERROR_KINDS = ['unregistered', 'unauthorized', 'unreachable', 'other'] as const;

/**
 * - `unregistered`: the tracker does not know the torrent (deleted, never uploaded, not whitelisted)
 * - `unauthorized`: the tracker refuses the user or client (passkey, account, banned client)
 * - `unreachable`: no answer from the tracker (connection refused or reset, timeout, DNS, TLS, 5xx)
 * - `other`: any other error, including messages in other languages
 */
export type TrackerErrorKind = (typeof TRACKER_ERROR_KINDS)[number];

/** A tracker error: its kind and the tracker's message (without `Error: `, bounded, one line). */
export interface TrackerError {
  readonly kind: TrackerErrorKind;
  readonly message: string;
}

/** Longest `message` kept, in code points, the ellipsis of a cut message included. */
export const MAX_TRACKER_MESSAGE_LENGTH = 120;

/** Only this much of a status is read: patterns match near the start, and the wire is hostile. */
const MAX_STATUS_SCAN = 1024;

const ERROR_PREFIX = /^\s*error:\s*/i;

/**
 * First match wins, so a more specific phrase comes before a broader one that would also match it
 * (opentracker's "not authorized for use with this tracker" is about the torrent, not the user).
 */
const RULES: readonly (readonly [TrackerErrorKind, RegExp])[] = [
  // Gazelle/Ocelot "Unregistered torrent", XBT "unregistered torrent"
  ['unregistered', /\bunregistered\b/],
  // xbtit "Torrent not registered with this tracker"
  ['unregistered', /\bnot registered with this tracker\b|\b(?:torrent|info_?hash|info hash)\b.*\bnot registered\b/],
  // UNIT3D "Torrent not found", "Torrent has been deleted"; others "torrent does not exist"
  ['unregistered', /\btorrent (?:not found|does not exist|doesn't exist)\b/],
  ['unregistered', /\btorrent (?:has been|was) (?:deleted|removed|trumped|nuked)\b/],
  ['unregistered', /\b(?:info_?hash|info hash) (?:not found|unknown)\b/],
  ['unregistered', /\bunknown (?:torrent|info_?hash|info hash)\b/],
  // opentracker with a whitelist
  ['unregistered', /\brequested download is not authorized\b/],

  // "Invalid passkey", "passkey not found", "Unknown passkey"; some trackers say authkey/torrent_pass
  ['unauthorized', /\b(?:passkey|pass key|authkey|torrent_pass)\b/],
  ['unauthorized', /\baccount\b.*\b(?:disabled|banned|suspended|not enabled|inactive|parked)\b/],
  ['unauthorized', /\b(?:disabled|banned|suspended) (?:account|user)\b/],
  ['unauthorized', /\buser (?:not found|not registered|unknown)\b|\bunknown user\b/],
  ['unauthorized', /\bclient\b.*\b(?:banned|blacklisted|not allowed|not approved|not whitelisted|not supported)\b/],
  ['unauthorized', /\b(?:banned|blacklisted|unapproved|unsupported) client\b/],
  // libtorrent's HTTP status texts, e.g. "401 Unauthorized", "403 Forbidden"
  ['unauthorized', /\b(?:unauthorized|forbidden)\b/],

  // libtorrent/asio network errors
  ['unreachable', /\bconnection (?:refused|reset|aborted|timed out|closed)\b/],
  ['unreachable', /\btimed out\b|\btimeout\b/],
  ['unreachable', /\bhost not found\b|\bservice not found\b|\bname or service not known\b/],
  ['unreachable', /\btemporary failure in name resolution\b|\bno address associated\b|\bnxdomain\b/],
  ['unreachable', /\b(?:host|network) (?:is )?unreachable\b|\bno route to host\b|\bend of file\b/],
  // OpenSSL errors: "certificate verify failed", "wrong version number", "sslv3 alert handshake failure"
  ['unreachable', /\b(?:ssl|tls)\w*\b|\bcertificate\b|\bhandshake\b|\bwrong version number\b|\bstream truncated\b/],
  // HTTP 5xx from a proxy in front of a tracker that is down
  ['unreachable', /\b(?:bad gateway|service unavailable|gateway time-?out)\b/],
];

/** Collapses control characters and whitespace runs, trims, and cuts to the bound by code points. */
function boundedMessage(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
  const oneLine = text.replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  const codePoints = Array.from(oneLine.slice(0, MAX_TRACKER_MESSAGE_LENGTH * 2));
  if (codePoints.length <= MAX_TRACKER_MESSAGE_LENGTH) return codePoints.join('');
  return `${codePoints
    .slice(0, MAX_TRACKER_MESSAGE_LENGTH - 1)
    .join('')
    .trimEnd()}…`;
}

/** The kind of a tracker error message (the text after `Error: `). Unknown text is `other`. */
export function trackerErrorKind(message: string): TrackerErrorKind {
  const text = message.slice(0, MAX_STATUS_SCAN).toLowerCase();
  for (const [kind, pattern] of RULES) {
    if (pattern.test(text)) return kind;
  }
  return 'other';
}

/**
 * The error a torrent's `tracker_status` reports, or `undefined` when it reports none (`Announce OK`,
 * `Announce Sent`, a `Warning: …`, empty, or not a string).
 */
export function classifyTrackerStatus(status: unknown): TrackerError | undefined {
  if (typeof status !== 'string') return undefined;
  const head = status.slice(0, MAX_STATUS_SCAN);
  const prefix = ERROR_PREFIX.exec(head);
  if (prefix === null) return undefined;
  const message = head.slice(prefix[0].length);
  return { kind: trackerErrorKind(message), message: boundedMessage(message) };
}
