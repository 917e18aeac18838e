import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkDaemon, formatDaemonChecks } from '../../../src/cli/check-daemons.js';
import type { DaemonCheck } from '../../../src/cli/daemon-check.js';
import { Secret } from '../../../src/config/secret.js';
import type { DaemonConfig, RpcDaemonConfig } from '../../../src/config/types.js';
import { generateCertificate } from '../../support/certificate.js';
import { configWithDaemons, testDaemon } from '../../support/config.js';
import {
  type FakeDaemon,
  type FakeDaemonOptions,
  FakeRemoteError,
  startFakeDaemon,
} from '../../support/fake-daemon.js';

const TORRENT_IDS = ['a'.repeat(40), 'b'.repeat(40), 'c'.repeat(40)];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function fake(options: FakeDaemonOptions = {}): Promise<FakeDaemon> {
  const daemon = await startFakeDaemon({
    handlers: {
      'core.get_libtorrent_version': () => '2.0.11.0',
      'core.get_session_state': () => TORRENT_IDS,
    },
    ...options,
  });
  cleanups.push(() => daemon.close());
  return daemon;
}

function entry(daemon: FakeDaemon, overrides: Partial<RpcDaemonConfig> = {}): RpcDaemonConfig {
  return { ...testDaemon('fake', 'admin-secret'), port: daemon.port, username: 'admin', ...overrides };
}

function check(daemonConfig: DaemonConfig): Promise<DaemonCheck> {
  return checkDaemon(daemonConfig, configWithDaemons([daemonConfig]));
}

describe('checkDaemon against the fake daemon', () => {
  it('reports what an admin login sees: versions, torrent count, round trip, certificate', async () => {
    const daemon = await fake();
    const result = await check(entry(daemon));
    expect(result).toMatchObject({
      reachable: true,
      fingerprintSha256: daemon.certFingerprint256,
      login: 'ok',
      authLevel: 10,
      daemonVersion: '2.0.3',
      libtorrentVersion: '2.0.11.0',
      torrentCount: 3,
      failures: [],
      warnings: [],
    });
    expect(result.roundTripMs).toBeGreaterThan(0);
    // The two fact calls travel in one message.
    const factMessage = daemon.messages.at(-1);
    expect(factMessage?.requests.map((request) => request.method)).toEqual([
      'core.get_libtorrent_version',
      'core.get_session_state',
    ]);
    // The connection is closed afterwards.
    await vi.waitFor(() => expect(daemon.openConnections).toBe(0));
  });

  it('a read-only account logs in but cannot read: permission denied, plus the not-admin warning', async () => {
    const daemon = await fake();
    const result = await check(entry(daemon, { username: 'reader', password: new Secret('reader-secret') }));
    expect(result.login).toBe('ok');
    expect(result.authLevel).toBe(1);
    expect(result.torrentCount).toBeUndefined();
    expect(result.failures.map((failure) => failure.category)).toEqual(['permission denied', 'permission denied']);
    expect(result.warnings[0]).toContain('auth level 1 (read-only) is below admin (10)');
  });

  it('a normal account works, with a warning that counts cover only its own torrents', async () => {
    const daemon = await fake();
    const result = await check(entry(daemon, { username: 'user', password: new Secret('user-secret') }));
    expect(result.failures).toEqual([]);
    expect(result.warnings).toEqual([expect.stringContaining("counts and sizes cover only this account's torrents")]);
  });

  it('daemon strings are made printable and cut short; an echoed password is redacted', async () => {
    const daemon = await fake({ version: `\u001b]0;pwned\u0007${'9'.repeat(50)}` });
    daemon.setHandler('core.get_libtorrent_version', () => {
      throw new FakeRemoteError('WrappedException', ['login was admin-secret\r\n\u202Egnp', 'KeyError', '']);
    });
    const result = await check(entry(daemon));
    expect(result.daemonVersion).toBe(`\ufffd]0;pwned\ufffd${'9'.repeat(29)}…`);
    expect(result.failures).toEqual([
      {
        category: 'daemon error',
        detail: 'KeyError: login was [REDACTED] \ufffdgnp',
        hint: expect.stringContaining('its own log'),
      },
    ]);
    expect(result.torrentCount).toBe(3);
  });

  it('an answer of the wrong shape is an unexpected answer, not a crash', async () => {
    const daemon = await fake();
    daemon.setHandler('core.get_session_state', () => 'not a list');
    const result = await check(entry(daemon));
    expect(result.failures).toEqual([
      expect.objectContaining({
        category: 'unexpected answer',
        detail: 'core.get_session_state did not answer a list',
      }),
    ]);
  });

  it('a daemon that stops answering fails within its timeout, as timed out', async () => {
    const daemon = await fake();
    daemon.setFault('core.get_session_state', { kind: 'hang' });
    const result = await check(entry(daemon, { timeoutSeconds: 0.5 }));
    expect(result.login).toBe('ok');
    expect(result.failures.map((failure) => failure.category)).toEqual(['timed out']);
  });

  it('a certificate that does not verify against ca_file is a certificate problem, fingerprint still shown', async () => {
    const daemon = await fake();
    const result = await check(entry(daemon, { tls: { caPem: generateCertificate().cert }, timeoutSeconds: 3 }));
    expect(result.reachable).toBe(false);
    expect(result.login).toBe('not tried');
    expect(result.failures[0]?.category).toBe('certificate mismatch');
    expect(result.failures[0]?.hint).toContain('tls.ca_file');
  });
});

describe('formatDaemonChecks', () => {
  const ok: DaemonCheck = {
    name: 'seedbox',
    address: '10.0.0.2:58846',
    via: 'rpc',
    reachable: true,
    fingerprintSha256: 'AB:'.repeat(31).concat('CD'),
    login: 'ok',
    authLevel: 10,
    daemonVersion: '2.0.3',
    libtorrentVersion: '1.2.18.0',
    torrentCount: 1234,
    roundTripMs: 2.345,
    failures: [],
    warnings: [],
  };
  const down: DaemonCheck = {
    name: 'nas',
    address: '[::1]:1',
    via: 'rpc',
    reachable: false,
    fingerprintSha256: undefined,
    login: 'not tried',
    authLevel: undefined,
    daemonVersion: undefined,
    libtorrentVersion: undefined,
    torrentCount: undefined,
    roundTripMs: undefined,
    failures: [{ category: 'unreachable', detail: 'connect ECONNREFUSED ::1:1', hint: 'is deluged running?' }],
    warnings: ['a warning'],
  };

  const web: DaemonCheck = {
    ...ok,
    name: 'box',
    address: 'https://box.example/deluge/',
    via: 'Web UI 2.2.0',
    connectedTo: '127.0.0.1:58846 (user "admin")',
    fingerprintSha256: undefined,
    authLevel: 5,
  };

  it('aligns one row per daemon, then the Web UI daemons, failures with hints, warnings and the verdict', () => {
    expect(formatDaemonChecks([ok, down, web]).split('\n')).toEqual([
      'DAEMON   ADDRESS                      VIA           REACHABLE  LOGIN      AUTH LEVEL  DELUGE  LIBTORRENT  TORRENTS  RTT     TLS CERTIFICATE SHA-256',
      `seedbox  10.0.0.2:58846               rpc           yes        ok         10 (admin)  2.0.3   1.2.18.0    1234      2.3 ms  ${ok.fingerprintSha256}`,
      'nas      [::1]:1                      rpc           no         not tried  -           -       -           -         -       -',
      'box      https://box.example/deluge/  Web UI 2.2.0  yes        ok         5 (normal)  2.0.3   1.2.18.0    1234      2.3 ms  -',
      '',
      'nas: FAILED, unreachable: connect ECONNREFUSED ::1:1',
      '  is deluged running?',
      '',
      'nas: warning: a warning',
      '',
      'box: the Web UI is connected to daemon 127.0.0.1:58846 (user "admin")',
      '',
      '2 of 3 daemon(s) OK',
      '',
    ]);
  });
});
