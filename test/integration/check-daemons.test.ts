import { randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requests } from '../../src/rpc/api.js';
import { normalizeFingerprint } from '../../src/rpc/index.js';
import { connectClient } from '../harness/clients.js';
import { type DaemonHandle, startDaemon, stopAllDaemons } from '../harness/daemon.js';
import { addTorrent } from '../harness/deluge-calls.js';
import { findFreePort } from '../harness/ports.js';
import { makeTorrent } from '../harness/torrent.js';
import { checkDaemonsCli, row } from '../support/check-daemons-cli.js';

const WRONG_PASSWORD = 'wrong-password-7f3a';
const TORRENTS = 2;

describe('deluge-exporter --check-daemons against real deluged', () => {
  let daemon: DaemonHandle;
  let fingerprint: string;
  let version: string;
  let libtorrentVersion: string;
  let adminTorrents: number;
  let user5Torrents: number;
  let freePort: number;

  beforeAll(async () => {
    daemon = await startDaemon();
    fingerprint = new X509Certificate(readFileSync(join(daemon.configDir, 'ssl', 'daemon.cert'))).fingerprint256;
    const admin = await connectClient(daemon);
    const user5Account = daemon.accounts.find((account) => account.level === 5);
    const user5 = await connectClient(daemon, {
      username: user5Account?.username ?? '',
      password: user5Account?.password ?? '',
    });
    try {
      for (let index = 0; index < TORRENTS; index++) {
        await addTorrent(admin, makeTorrent({ name: `check-daemons-${index}`, length: 20_000 }), { add_paused: true });
      }
      version = await admin.call(requests.daemon.info());
      libtorrentVersion = await admin.call(requests.core.getLibtorrentVersion());
      adminTorrents = (await admin.call(requests.core.getSessionState())).length;
      user5Torrents = (await user5.call(requests.core.getSessionState())).length;
    } finally {
      await admin.close();
      await user5.close();
    }
    freePort = await findFreePort();
  });

  afterAll(async () => {
    await stopAllDaemons();
  });

  function entry(name: string, extra: Record<string, unknown> = {}) {
    return { name, host: daemon.host, port: daemon.port, ...daemon.admin, ...extra };
  }

  it('right password (plain and pinned): every fact the daemon itself reports; exit 0', async () => {
    const bareHexPin = fingerprint.replaceAll(':', '').toLowerCase();
    const user5 = daemon.accounts.find((account) => account.level === 5);
    const config = {
      daemons: [
        entry('admin'),
        entry('pinned', { tls: { fingerprint_sha256: bareHexPin } }),
        entry('user5', { username: user5?.username, password: user5?.password }),
      ],
    };
    const { code, stdout, stderr } = await checkDaemonsCli(JSON.stringify(config));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(adminTorrents).toBe(TORRENTS);
    const expectedAdmin = ['yes', 'ok', '10 (admin)', version, libtorrentVersion, String(adminTorrents)];
    for (const name of ['admin', 'pinned']) {
      const cells = row(stdout, name);
      expect(cells.slice(1, 3)).toEqual([`127.0.0.1:${daemon.port}`, 'rpc']);
      expect(cells.slice(3, 9)).toEqual(expectedAdmin);
      expect(cells[9]).toMatch(/^\d+\.\d ms$/);
      expect(cells[10]).toBe(fingerprint);
    }
    // The fingerprint column pastes straight into tls.fingerprint_sha256.
    expect(normalizeFingerprint(row(stdout, 'admin')[10] ?? '')).toBe(fingerprint);
    expect(row(stdout, 'user5').slice(3, 9)).toEqual([
      'yes',
      'ok',
      '5 (normal)',
      version,
      libtorrentVersion,
      String(user5Torrents),
    ]);
    expect(user5Torrents).toBe(0);
    expect(stdout).toContain(
      "user5: warning: auth level 5 (normal) is below admin (10): Deluge hides other accounts' torrents",
    );
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('3 of 3 daemon(s) OK');
  });

  it('wrong password, nothing listening, pin that does not match: each says why; exit 1; no secret', async () => {
    const wrongPin = normalizeFingerprint(randomBytes(32).toString('hex'));
    const config = {
      daemons: [
        entry('admin'),
        entry('wrong-password', { password: WRONG_PASSWORD }),
        { name: 'nothing-listening', host: '127.0.0.1', port: freePort, ...daemon.admin, timeout_seconds: 5 },
        entry('wrong-pin', { tls: { fingerprint_sha256: wrongPin } }),
      ],
    };
    const { code, stdout, stderr } = await checkDaemonsCli(JSON.stringify(config));
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(row(stdout, 'admin').slice(3, 5)).toEqual(['yes', 'ok']);
    expect(row(stdout, 'wrong-password').slice(3, 11)).toEqual([
      'yes',
      'refused',
      '-',
      '-',
      '-',
      '-',
      '-',
      fingerprint,
    ]);
    expect(stdout).toContain('wrong-password: FAILED, login refused: Password does not match\n');
    expect(row(stdout, 'nothing-listening').slice(1, 11)).toEqual([
      `127.0.0.1:${freePort}`,
      'rpc',
      'no',
      'not tried',
      '-',
      '-',
      '-',
      '-',
      '-',
      '-',
    ]);
    expect(stdout).toMatch(/nothing-listening: FAILED, unreachable: .*ECONNREFUSED/);
    // The certificate the daemon really presents is shown, ready to pin if the change was intended.
    expect(row(stdout, 'wrong-pin').slice(3, 11)).toEqual(['yes', 'not tried', '-', '-', '-', '-', '-', fingerprint]);
    expect(stdout).toContain(
      `wrong-pin: FAILED, certificate mismatch: daemon certificate fingerprint ${fingerprint} does not match the pinned ${wrongPin}`,
    );
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('1 of 4 daemon(s) OK');
    for (const secret of [daemon.admin.password, WRONG_PASSWORD, ...daemon.accounts.map((a) => a.password)]) {
      expect(stdout).not.toContain(secret);
    }
  });
});
