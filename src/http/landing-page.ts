/**
 * The landing page (`/`): links, and every configured daemon with its state as of the last scrape
 * (up or down and since when, torrents, auth level, versions, the last error in words), so an
 * operator sees why `deluge_up` is 0 without reading the logs. Everything shown is HTML-escaped;
 * daemon-supplied text is also made printable and cut short.
 */
import type { DaemonStatus } from '../collector/daemon-session.js';
import { daemonAddress } from '../config/daemon-access.js';
import type { DaemonConfig } from '../config/types.js';
import { AuthLevel } from '../rpc/index.js';
import { authLevelText, formatDuration, formatUtc, notAdminNote } from '../text/human-text.js';
import { printable } from '../text/printable.js';

const MAX_VERSION_LENGTH = 60;

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function stateCell(status: DaemonStatus | undefined, nowMs: number): string {
  if (status?.up === undefined) {
    return '<td class="state"><strong class="unknown">not scraped yet</strong></td>';
  }
  const word = status.up ? 'UP' : 'DOWN';
  const lines = [
    `<strong class="${status.up ? 'up' : 'down'}">${word}</strong>` +
      (status.sinceMs === undefined ? '' : ` for ${escapeHtml(formatDuration(nowMs - status.sinceMs))}`),
    ...(status.sinceMs === undefined
      ? []
      : [`<span class="muted">since ${escapeHtml(formatUtc(status.sinceMs))}</span>`]),
    ...(status.lastScrapeMs === undefined
      ? []
      : [`<span class="muted">last scrape ${escapeHtml(formatDuration(nowMs - status.lastScrapeMs))} ago</span>`]),
  ];
  return `<td class="state">${lines.join('<br>')}</td>`;
}

function authCell(level: number | undefined): string {
  if (level === undefined) return '<td>-</td>';
  const warning =
    level < AuthLevel.ADMIN ? `<br><span class="warning">⚠ ${escapeHtml(notAdminNote(level))}</span>` : '';
  return `<td class="auth">${escapeHtml(authLevelText(level))}${warning}</td>`;
}

function versionCell(version: string | undefined): string {
  return `<td>${version === undefined ? '-' : escapeHtml(printable(version, MAX_VERSION_LENGTH))}</td>`;
}

function errorCell(status: DaemonStatus | undefined, nowMs: number): string {
  const error = status?.lastError;
  if (error === undefined) return '<td class="error">none</td>';
  return (
    `<td class="error"><strong>${escapeHtml(error.category)}</strong>: ${escapeHtml(error.detail)}` +
    `<br><span class="hint">${escapeHtml(error.hint)}</span>` +
    `<br><span class="muted">${escapeHtml(formatUtc(error.atMs))}, ${escapeHtml(formatDuration(nowMs - error.atMs))} ago</span></td>`
  );
}

function daemonRow(daemon: DaemonConfig, status: DaemonStatus | undefined, nowMs: number): string {
  const target = escapeHtml(encodeURIComponent(daemon.name));
  const rowClass = status?.up === undefined ? 'row-unknown' : status.up ? 'row-up' : 'row-down';
  return [
    `<tr class="${rowClass}">`,
    `<td><a href="probe?target=${target}">${escapeHtml(daemon.name)}</a></td>`,
    `<td>${escapeHtml(daemonAddress(daemon))}${daemon.transport === 'webui' ? ' <span class="muted">(Web UI)</span>' : ''}</td>`,
    stateCell(status, nowMs),
    `<td>${status?.torrentCount === undefined ? '-' : String(status.torrentCount)}</td>`,
    authCell(status?.authLevel),
    versionCell(status?.daemonVersion),
    versionCell(status?.libtorrentVersion),
    errorCell(status, nowMs),
    `<td><a href="probe?target=${target}&amp;debug=true">debug</a></td>`,
    '</tr>',
  ].join('');
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.4em .6em;text-align:left;vertical-align:top}
th{background:#f4f4f4}.up{color:#1a7f37}.down{color:#c62828}.unknown{color:#777}
tr.row-down td:first-child{border-left:4px solid #c62828}tr.row-up td:first-child{border-left:4px solid #1a7f37}
.muted,.hint{color:#666;font-size:.9em}.warning{color:#9a6700;font-size:.9em}
td.state{white-space:nowrap}td.auth{max-width:20em}td.error{max-width:32em}`;

/** What the landing page shows. */
export interface LandingPageInput {
  readonly daemons: readonly DaemonConfig[];
  /** Matched to `daemons` by name; a daemon without one shows "not scraped yet". */
  readonly statuses: readonly DaemonStatus[];
  readonly version: string;
  /** Where the exporter serves all daemons' metrics (`--web.telemetry-path`). Default `/metrics`. */
  readonly metricsPath?: string;
  /** The time the page is made, for "for how long" and "how long ago". */
  readonly nowMs: number;
}

/** The landing page: links, then one row per configured daemon (config order) with its last known state. */
export function renderLandingPage({
  daemons,
  statuses,
  version,
  metricsPath = '/metrics',
  nowMs,
}: LandingPageInput): string {
  const byName = new Map(statuses.map((status) => [status.name, status]));
  const rows = daemons.map((daemon) => daemonRow(daemon, byName.get(daemon.name), nowMs)).join('\n');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Deluge exporter</title><style>${STYLE}</style></head>
<body>
<h1>Deluge exporter</h1>
<p>Version ${escapeHtml(version)}</p>
<ul>
<li><a href="${escapeHtml(metricsPath.replace(/^\/+/, ''))}">metrics</a>: every daemon plus the exporter's own metrics</li>
<li><a href="healthz">healthz</a>, <a href="readyz">readyz</a></li>
</ul>
<h2>Daemons</h2>
<p class="muted">As of the last scrape (this page does not contact the daemons); shown ${escapeHtml(formatUtc(nowMs))}.
Torrents, auth level and versions are from the last scrape that read them. "debug" probes the daemon now and shows each call.</p>
<table>
<tr><th>name (probe)</th><th>address</th><th>state</th><th>torrents</th><th>auth level</th><th>Deluge</th><th>libtorrent</th><th>last error</th><th>debug</th></tr>
${rows}
</table>
</body>
</html>
`;
}
