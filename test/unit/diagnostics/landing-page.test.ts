import { describe, expect, it } from 'vitest';
import type { DaemonStatus } from '../../../src/collector/daemon-session.js';
import { escapeHtml, renderLandingPage } from '../../../src/http/landing-page.js';
import { testDaemon } from '../../support/config.js';

const NOW = Date.UTC(2026, 10, 25, 15, 0, 0);
const PASSWORD = 'landing-secret';

function status(overrides: Partial<DaemonStatus> & { name: string }): DaemonStatus {
  return {
    up: undefined,
    sinceMs: undefined,
    lastScrapeMs: undefined,
    authLevel: undefined,
    torrentCount: undefined,
    daemonVersion: undefined,
    libtorrentVersion: undefined,
    lastError: undefined,
    ...overrides,
  };
}

/** The text of the table row whose first cell links to `name` (tags removed, entities decoded). */
function rowText(html: string, name: string): string {
  const row = html.split('\n').find((line) => line.includes(`>${escapeHtml(name)}</a></td>`));
  if (row === undefined) throw new Error(`no row for ${name}`);
  return row
    .replace(/<br>/g, ' | ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

describe('renderLandingPage', () => {
  const daemons = [
    testDaemon('seedbox', PASSWORD, '10.0.0.1'),
    testDaemon('nas', PASSWORD, '10.0.0.2'),
    testDaemon('new', PASSWORD, '::1'),
    testDaemon('shared', PASSWORD, '10.0.0.4'),
  ];
  const statuses = [
    status({
      name: 'seedbox',
      up: true,
      sinceMs: NOW - 2 * 3_600_000 - 5 * 60_000,
      lastScrapeMs: NOW - 3_000,
      authLevel: 10,
      torrentCount: 1234,
      daemonVersion: '2.0.3',
      libtorrentVersion: '2.0.8.0',
    }),
    status({
      name: 'nas',
      up: false,
      sinceMs: NOW - 303_000,
      lastScrapeMs: NOW - 3_000,
      lastError: {
        type: 'DelugeAuthError',
        category: 'login refused',
        detail: 'Password does not match',
        hint: "check the username and password against deluged's auth file",
        atMs: NOW - 3_000,
      },
    }),
    status({ name: 'shared', up: true, sinceMs: NOW - 45_000, lastScrapeMs: NOW - 1_000, authLevel: 5 }),
  ];
  const html = renderLandingPage({ daemons, statuses, version: '1.2.3', nowMs: NOW });

  it('shows an up daemon: since when, for how long, torrents, auth level, versions, no error', () => {
    expect(rowText(html, 'seedbox')).toBe(
      'seedbox 10.0.0.1:58846 UP for 2 h 5 min | since 2026-11-25 12:55:00 UTC | last scrape 3 s ago 1234 ' +
        '10 (admin) 2.0.3 2.0.8.0 none debug',
    );
  });

  it('shows a down daemon with its last error in words: class, detail, what to check, when', () => {
    expect(rowText(html, 'nas')).toBe(
      'nas 10.0.0.2:58846 DOWN for 5 min 3 s | since 2026-11-25 14:54:57 UTC | last scrape 3 s ago - - - - ' +
        "login refused : Password does not match | check the username and password against deluged's auth file | " +
        '2026-11-25 14:59:57 UTC, 3 s ago debug',
    );
  });

  it('says when a daemon was never scraped, and warns below admin', () => {
    expect(rowText(html, 'new')).toBe('new [::1]:58846 not scraped yet - - - - none debug');
    expect(rowText(html, 'shared')).toContain(
      "5 (normal) | ⚠ auth level 5 (normal) is below admin (10): Deluge hides other accounts' torrents",
    );
  });

  it('links each daemon to its probe and its debug probe, the name URL-encoded', () => {
    const page = renderLandingPage({
      daemons: [testDaemon('a b&c', PASSWORD)],
      statuses: [],
      version: '1',
      nowMs: NOW,
    });
    expect(page).toContain('<a href="probe?target=a%20b%26c">a b&#38;c</a>');
    expect(page).toContain('<a href="probe?target=a%20b%26c&amp;debug=true">debug</a>');
  });

  it('links to the metrics where --web.telemetry-path serves them, relative to the page', () => {
    expect(html).toContain('<a href="metrics">metrics</a>');
    const moved = renderLandingPage({ daemons, statuses, version: '1', metricsPath: '/prom/metrics', nowMs: NOW });
    expect(moved).toContain('<a href="prom/metrics">metrics</a>');
  });

  it('escapes hostile daemon strings and makes them printable; never shows the password', () => {
    const hostile = status({
      name: '<script>alert(1)</script>',
      up: false,
      daemonVersion: `<img src=x onerror=alert(1)>\u001b[2J${'9'.repeat(500)}`,
      libtorrentVersion: '"><svg onload=alert(1)>',
      lastError: {
        type: 'DelugeRemoteError',
        category: 'daemon error',
        detail: '</td><b>bold</b>',
        hint: 'h',
        atMs: NOW,
      },
    });
    const page = renderLandingPage({
      daemons: [testDaemon(hostile.name, PASSWORD)],
      statuses: [hostile],
      version: '1',
      nowMs: NOW,
    });
    expect(page).not.toMatch(/<(script|img|svg|b)[ >]/);
    expect(page).toContain('&#60;img src=x onerror=alert(1)&#62;\ufffd[2J');
    expect(page).toContain('&#60;/td&#62;&#60;b&#62;bold&#60;/b&#62;');
    expect(page).not.toContain('9'.repeat(100));
    expect(page).not.toContain(PASSWORD);
  });
});
