/**
 * `deluge-exporter --check-daemons`: connects to every configured daemon once, logs in, asks for the
 * libtorrent version and the torrent list, and reports what it saw as a table.
 */
import { performance } from 'node:perf_hooks';
import { daemonClientOptions } from '../collector/daemon-client-options.js';
import { formatHostPort } from '../config/host-port.js';
import type { DaemonConfig, ExporterConfig } from '../config/types.js';
import {
  AuthLevel,
  DelugeAuthError,
  DelugeCertificatePinError,
  DelugeClient,
  type DelugeClientOptions,
  requests,
} from '../rpc/index.js';
import { describeFailure, type FailureDescription } from '../text/describe-failure.js';
import { authLevelText, notAdminNote } from '../text/human-text.js';
import { printable } from '../text/printable.js';

/** Longest daemon-supplied version string shown. */
const MAX_VERSION_LENGTH = 40;
/** Longest configured name shown (names are the operator's own, but may hold anything). */
const MAX_NAME_LENGTH = 100;
const FINGERPRINT = /^(?:[0-9A-F]{2}:){31}[0-9A-F]{2}$/;

/** What one connection attempt to one daemon showed. */
export interface DaemonCheck {
  readonly name: string;
  readonly address: string;
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

/** Makes the RPC client; tests may inject one. */
export type CheckClientFactory = (options: DelugeClientOptions) => DelugeClient;

function fingerprintOf(error: unknown, client: DelugeClient): string | undefined {
  if (error instanceof DelugeCertificatePinError) return FINGERPRINT.test(error.actual) ? error.actual : undefined;
  return client.peerFingerprintSha256;
}

function wrongShape(method: string, expected: string): FailureDescription {
  return describeFailure(new Error(`${method} did not answer ${expected}`));
}

/** Connects to one daemon within its configured timeout and reports what it saw; never rejects. */
export async function checkDaemon(
  daemon: DaemonConfig,
  config: ExporterConfig,
  clientFactory: CheckClientFactory = (options) => new DelugeClient(options),
): Promise<DaemonCheck> {
  const secrets = [daemon.password.reveal()];
  const client = clientFactory(daemonClientOptions(daemon, config));
  const signal = AbortSignal.timeout(Math.round(daemon.timeoutSeconds * 1000));
  const empty = {
    name: printable(daemon.name, MAX_NAME_LENGTH),
    address: formatHostPort(daemon.host, daemon.port),
    authLevel: undefined,
    daemonVersion: undefined,
    libtorrentVersion: undefined,
    torrentCount: undefined,
    roundTripMs: undefined,
    warnings: [],
  };
  try {
    try {
      await client.connect({ signal });
    } catch (error) {
      const fingerprintSha256 = fingerprintOf(error, client);
      return {
        ...empty,
        reachable: fingerprintSha256 !== undefined,
        fingerprintSha256,
        login: error instanceof DelugeAuthError ? 'refused' : 'not tried',
        failures: [describeFailure(error, secrets)],
      };
    }
    const authLevel = client.authLevel;
    const daemonVersion =
      client.daemonVersion === undefined ? undefined : printable(client.daemonVersion, MAX_VERSION_LENGTH, secrets);
    const logged = {
      ...empty,
      reachable: true,
      fingerprintSha256: client.peerFingerprintSha256,
      login: 'ok' as const,
      authLevel,
      daemonVersion,
      warnings: authLevel !== undefined && authLevel < AuthLevel.ADMIN ? [notAdminNote(authLevel)] : [],
    };
    let answers: Awaited<ReturnType<typeof callFacts>>;
    const started = performance.now();
    try {
      answers = await callFacts(client, signal);
    } catch (error) {
      return { ...logged, failures: [describeFailure(error, secrets)] };
    }
    const roundTripMs = performance.now() - started;
    const [libtorrent, session] = answers;
    const failures: FailureDescription[] = [];
    let libtorrentVersion: string | undefined;
    if (!libtorrent.ok) failures.push(describeFailure(libtorrent.error, secrets));
    else if (typeof libtorrent.value !== 'string') failures.push(wrongShape('core.get_libtorrent_version', 'a string'));
    else libtorrentVersion = printable(libtorrent.value, MAX_VERSION_LENGTH, secrets);
    let torrentCount: number | undefined;
    if (!session.ok) failures.push(describeFailure(session.error, secrets));
    else if (!Array.isArray(session.value)) failures.push(wrongShape('core.get_session_state', 'a list'));
    else torrentCount = session.value.length;
    return { ...logged, libtorrentVersion, torrentCount, roundTripMs, failures };
  } finally {
    await client.close();
  }
}

function callFacts(client: DelugeClient, signal: AbortSignal) {
  return client.callMany([requests.core.getLibtorrentVersion(), requests.core.getSessionState()], { signal });
}

/** Checks every configured daemon at once, in config order. */
export function checkDaemons(config: ExporterConfig, clientFactory?: CheckClientFactory): Promise<DaemonCheck[]> {
  return Promise.all(config.daemons.map((daemon) => checkDaemon(daemon, config, clientFactory)));
}

const COLUMNS: readonly { readonly title: string; readonly cell: (check: DaemonCheck) => string }[] = [
  { title: 'DAEMON', cell: (check) => check.name },
  { title: 'ADDRESS', cell: (check) => check.address },
  { title: 'REACHABLE', cell: (check) => (check.reachable ? 'yes' : 'no') },
  { title: 'LOGIN', cell: (check) => check.login },
  { title: 'AUTH LEVEL', cell: (check) => (check.authLevel === undefined ? '-' : authLevelText(check.authLevel)) },
  { title: 'DELUGE', cell: (check) => check.daemonVersion ?? '-' },
  { title: 'LIBTORRENT', cell: (check) => check.libtorrentVersion ?? '-' },
  { title: 'TORRENTS', cell: (check) => (check.torrentCount === undefined ? '-' : String(check.torrentCount)) },
  { title: 'RTT', cell: (check) => (check.roundTripMs === undefined ? '-' : `${check.roundTripMs.toFixed(1)} ms`) },
  { title: 'TLS CERTIFICATE SHA-256', cell: (check) => check.fingerprintSha256 ?? '-' },
];

/**
 * The report: a table with one row per daemon, then each failure (class, what happened, what to
 * check) and warning, then a verdict line.
 */
export function formatDaemonChecks(checks: readonly DaemonCheck[]): string {
  const rows = [COLUMNS.map((column) => column.title), ...checks.map((check) => COLUMNS.map((c) => c.cell(check)))];
  const widths = COLUMNS.map((_, index) => Math.max(...rows.map((row) => (row[index] as string).length)));
  const lines = rows.map((row) =>
    row
      .map((cell, index) => cell.padEnd(widths[index] as number))
      .join('  ')
      .trimEnd(),
  );
  for (const check of checks) {
    for (const failure of check.failures) {
      lines.push('', `${check.name}: FAILED, ${failure.category}: ${failure.detail}`, `  ${failure.hint}`);
    }
    for (const warning of check.warnings) lines.push('', `${check.name}: warning: ${warning}`);
  }
  const ok = checks.filter((check) => check.failures.length === 0).length;
  lines.push('', `${ok} of ${checks.length} daemon(s) OK`);
  return `${lines.join('\n')}\n`;
}
