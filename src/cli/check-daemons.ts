/**
 * `deluge-exporter --check-daemons`: connects to every configured daemon once, logs in, asks for the
 * libtorrent version and the torrent list, and reports what it saw as a table.
 */
import { performance } from 'node:perf_hooks';
import { daemonSecrets } from '../config/daemon-access.js';
import type { DaemonConfig, ExporterConfig, RpcDaemonConfig } from '../config/types.js';
import { DelugeAuthError, DelugeCertificatePinError, DelugeClient, type DelugeClientOptions } from '../rpc/index.js';
import { describeFailure } from '../text/describe-failure.js';
import { authLevelText } from '../text/human-text.js';
import { printable } from '../text/printable.js';
import { daemonClientOptions } from '../transport/client-options.js';
import { checkWebUiDaemon } from './check-webui.js';
import {
  authLevelWarnings,
  type DaemonCheck,
  FACT_REQUESTS,
  factsOf,
  MAX_VERSION_LENGTH,
  uncheckedDaemon,
} from './daemon-check.js';

const FINGERPRINT = /^(?:[0-9A-F]{2}:){31}[0-9A-F]{2}$/;

/** Makes the RPC client; tests may inject one. */
export type CheckClientFactory = (options: DelugeClientOptions) => DelugeClient;

function fingerprintOf(error: unknown, client: DelugeClient): string | undefined {
  if (error instanceof DelugeCertificatePinError) return FINGERPRINT.test(error.actual) ? error.actual : undefined;
  return client.peerFingerprintSha256;
}

/** Connects to one daemon within its configured timeout and reports what it saw; never rejects. */
export function checkDaemon(
  daemon: DaemonConfig,
  config: ExporterConfig,
  clientFactory: CheckClientFactory = (options) => new DelugeClient(options),
): Promise<DaemonCheck> {
  return daemon.transport === 'rpc' ? checkRpcDaemon(daemon, config, clientFactory) : checkWebUiDaemon(daemon, config);
}

async function checkRpcDaemon(
  daemon: RpcDaemonConfig,
  config: ExporterConfig,
  clientFactory: CheckClientFactory,
): Promise<DaemonCheck> {
  const secrets = daemonSecrets(daemon);
  const client = clientFactory(daemonClientOptions(daemon, config));
  const signal = AbortSignal.timeout(Math.round(daemon.timeoutSeconds * 1000));
  const empty = uncheckedDaemon(daemon);
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
      warnings: authLevelWarnings(authLevel),
    };
    const started = performance.now();
    try {
      const answers = await client.callMany(FACT_REQUESTS, { signal });
      return { ...logged, ...factsOf(answers, performance.now() - started, secrets) };
    } catch (error) {
      return { ...logged, failures: [describeFailure(error, secrets)] };
    }
  } finally {
    await client.close();
  }
}

/** Checks every configured daemon at once, in config order. */
export function checkDaemons(config: ExporterConfig, clientFactory?: CheckClientFactory): Promise<DaemonCheck[]> {
  return Promise.all(config.daemons.map((daemon) => checkDaemon(daemon, config, clientFactory)));
}

const COLUMNS: readonly { readonly title: string; readonly cell: (check: DaemonCheck) => string }[] = [
  { title: 'DAEMON', cell: (check) => check.name },
  { title: 'ADDRESS', cell: (check) => check.address },
  { title: 'VIA', cell: (check) => check.via },
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
    if (check.connectedTo !== undefined)
      lines.push('', `${check.name}: the Web UI is connected to daemon ${check.connectedTo}`);
    for (const failure of check.failures) {
      lines.push('', `${check.name}: FAILED, ${failure.category}: ${failure.detail}`, `  ${failure.hint}`);
    }
    for (const warning of check.warnings) lines.push('', `${check.name}: warning: ${warning}`);
  }
  const ok = checks.filter((check) => check.failures.length === 0).length;
  lines.push('', `${ok} of ${checks.length} daemon(s) OK`);
  return `${lines.join('\n')}\n`;
}
