/** What `--check-daemons` reports of one daemon, however it is reached. */

import { daemonAddress } from '../config/daemon-access.js';
import type { DaemonConfig } from '../config/types.js';
import { AuthLevel, requests } from '../rpc/api.js';
import type { Settled } from '../rpc/types.js';
import { describeFailure, type FailureDescription } from '../text/describe-failure.js';
import { notAdminNote } from '../text/human-text.js';
import { printable } from '../text/printable.js';

/** Longest daemon-supplied version string shown. */
export const MAX_VERSION_LENGTH = 40;
/** Longest configured name shown (names are the operator's own, but may hold anything). */
const MAX_NAME_LENGTH = 100;

/** What one connection attempt to one daemon showed. */
export interface DaemonCheck {
  readonly name: string;
  readonly address: string;
  /** The way in: `rpc`, or `Web UI <its version>`. */
  readonly via: string;
  /** Through a Web UI: the daemon it is connected to (`host:port (user "name")`), when known. */
  readonly connectedTo?: string | undefined;
  /** The TLS handshake completed. */
  readonly reachable: boolean;
  /** SHA-256 of the certificate the daemon presented, in the form `tls.fingerprint_sha256` takes. */
  readonly fingerprintSha256: string | undefined;
  readonly login: 'ok' | 'refused' | 'not tried';
  readonly authLevel: number | undefined;
  readonly daemonVersion: string | undefined;
  readonly libtorrentVersion: string | undefined;
  /** Torrents the account sees (`core.get_session_state`). */
  readonly torrentCount: number | undefined;
  /** Round trip of one message (two small calls) on the logged-in connection, milliseconds. */
  readonly roundTripMs: number | undefined;
  /** Why the exporter cannot scrape this daemon; empty when it can. */
  readonly failures: readonly FailureDescription[];
  /** Things that work but limit what the exporter sees. */
  readonly warnings: readonly string[];
}

/** The fields of a check before anything answered. */
export function uncheckedDaemon(daemon: DaemonConfig) {
  return {
    name: printable(daemon.name, MAX_NAME_LENGTH),
    address: daemonAddress(daemon),
    via: daemon.transport === 'rpc' ? 'rpc' : 'Web UI',
    authLevel: undefined,
    daemonVersion: undefined,
    libtorrentVersion: undefined,
    torrentCount: undefined,
    roundTripMs: undefined,
    warnings: [],
  };
}

/** What every check asks once logged in: the libtorrent version and the torrent list (its ids). */
export const FACT_REQUESTS = [requests.core.getLibtorrentVersion(), requests.core.getSessionState()] as const;

function wrongShape(method: string, expected: string): FailureDescription {
  return describeFailure(new Error(`${method} did not answer ${expected}`));
}

/** The libtorrent version and torrent count from the answers to {@link FACT_REQUESTS}, or why not. */
export function factsOf(
  answers: readonly Settled<unknown>[],
  roundTripMs: number,
  secrets: readonly string[],
): Pick<DaemonCheck, 'libtorrentVersion' | 'torrentCount' | 'roundTripMs' | 'failures'> {
  const [libtorrent, session] = answers as [Settled<unknown>, Settled<unknown>];
  const failures: FailureDescription[] = [];
  let libtorrentVersion: string | undefined;
  if (!libtorrent.ok) failures.push(describeFailure(libtorrent.error, secrets));
  else if (typeof libtorrent.value !== 'string') failures.push(wrongShape('core.get_libtorrent_version', 'a string'));
  else libtorrentVersion = printable(libtorrent.value, MAX_VERSION_LENGTH, secrets);
  let torrentCount: number | undefined;
  if (!session.ok) failures.push(describeFailure(session.error, secrets));
  else if (!Array.isArray(session.value)) failures.push(wrongShape('core.get_session_state', 'a list'));
  else torrentCount = session.value.length;
  return { libtorrentVersion, torrentCount, roundTripMs, failures };
}

/** The warning a check gives for an account below admin (it sees only its own torrents). */
export function authLevelWarnings(authLevel: number | undefined): string[] {
  return authLevel !== undefined && authLevel < AuthLevel.ADMIN ? [notAdminNote(authLevel)] : [];
}
