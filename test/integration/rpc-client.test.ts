import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requests } from '../../src/rpc/api.js';
import type { DelugeClient } from '../../src/rpc/client.js';
import {
  DelugeAuthError,
  DelugeNotAuthorizedError,
  DelugeRemoteError,
  DelugeWrappedError,
} from '../../src/rpc/errors.js';
import type { RpcRequest } from '../../src/rpc/types.js';
import { connectClient, createClient } from '../harness/clients.js';
import { type DaemonHandle, startDaemon, stopAllDaemons } from '../harness/daemon.js';
import { addTorrent } from '../harness/deluge-calls.js';
import { type DelugeInstall, delugedCommand } from '../harness/deluge-versions.js';
import { makeTorrent } from '../harness/torrent.js';

const run = promisify(execFile);
const unknownMethod: RpcRequest<unknown> = { method: 'core.nope', args: [] };

/** The version a daemon's deluged reports on its command line, e.g. "2.0.3". */
async function installedDelugedVersion(install: DelugeInstall): Promise<string> {
  const { stdout } = await run(...delugedCommand(install, ['--version']));
  const match = /^deluged (\S+)/m.exec(stdout);
  if (match?.[1] === undefined) throw new Error(`unexpected deluged --version output: ${stdout}`);
  return match[1];
}

function countingLogins() {
  const counter = { logins: 0 };
  const instrumentation = {
    request: (method: string) => {
      if (method === 'daemon.login') counter.logins += 1;
    },
  };
  return { counter, instrumentation };
}

describe('DelugeClient against a real deluged', () => {
  let daemon: DaemonHandle;
  let admin: DelugeClient;
  let user5: DelugeClient;
  const normalAccount = () => daemon.accounts.find((account) => account.level === 5)!;

  beforeAll(async () => {
    daemon = await startDaemon();
    admin = await connectClient(daemon);
    user5 = await connectClient(daemon, { username: normalAccount().username, password: normalAccount().password });
  });

  afterAll(async () => {
    await Promise.all([admin?.close(), user5?.close()]);
    await stopAllDaemons();
  });

  describe('login', () => {
    it('exposes the auth level of each account and the daemon version', async () => {
      const version = await installedDelugedVersion(daemon.install);
      expect(version).toBe(daemon.install.version);
      expect(admin.authLevel).toBe(10);
      expect(user5.authLevel).toBe(5);
      expect(admin.daemonVersion).toBe(version);
      expect(await admin.call(requests.daemon.info())).toBe(version);
      expect(await user5.call(requests.daemon.getVersion())).toBe(version);
    });

    it.each([
      ['a wrong password', 'admin', 'not-the-password', 'Password does not match'],
      ['an unknown user', 'zed', 'whatever', 'Username does not exist'],
    ])('refuses %s with BadLoginError, one login attempt per call', async (_case, username, password, reason) => {
      const { counter, instrumentation } = countingLogins();
      const client = createClient(daemon, { username, password, instrumentation });
      try {
        for (const attempt of [1, 2]) {
          const error = await client.call(requests.daemon.info()).catch((caught: unknown) => caught);
          expect(error).toBeInstanceOf(DelugeAuthError);
          const authError = error as DelugeAuthError;
          expect(authError.kind).toBe('auth');
          expect(authError.remoteType).toBe('BadLoginError');
          expect(authError.remoteArgs).toEqual([reason, username]);
          expect(authError.message).not.toContain(password);
          expect(counter.logins).toBe(attempt);
        }
        expect(client.authLevel).toBeUndefined();
      } finally {
        await client.close();
      }
    });
  });

  describe('remote errors', () => {
    it('refuses an admin method to the normal account with current 5, required 10', async () => {
      const error = await user5.call(requests.core.getKnownAccounts()).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DelugeNotAuthorizedError);
      const notAuthorized = error as DelugeNotAuthorizedError;
      expect(notAuthorized.remoteType).toBe('NotAuthorizedError');
      expect([notAuthorized.current, notAuthorized.required]).toEqual([5, 10]);
      expect(notAuthorized.method).toBe('core.get_known_accounts');
    });

    it('lets the admin list the accounts the harness wrote', async () => {
      const known = await admin.call(requests.core.getKnownAccounts());
      const byName = new Map(known.map((account) => [account.username, account]));
      for (const account of daemon.accounts) {
        expect(byName.get(account.username)).toMatchObject({
          username: account.username,
          password: account.password,
          authlevel_int: account.level,
        });
      }
    });

    it('wraps an unknown method as AttributeError', async () => {
      const error = await admin.call(unknownMethod).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DelugeWrappedError);
      const wrapped = error as DelugeWrappedError;
      expect(wrapped.originalType).toBe('AttributeError');
      expect(wrapped.message).toContain('core.nope');
      expect(wrapped.kind).toBe('remote');
    });
  });

  describe('callMany', () => {
    it('settles each call of a bundle like the same calls made one by one', async () => {
      const bundle = [
        requests.daemon.info(),
        requests.core.getLibtorrentVersion(),
        unknownMethod,
        requests.core.getConfigValue('download_location'),
        requests.core.getTorrentsStatus({}, ['name']),
        requests.core.getKnownAccounts(),
      ] as const;
      const bundled = await user5.callMany(bundle);
      const single = await Promise.all(
        bundle.map((request) =>
          user5.call(request as RpcRequest<unknown>).then(
            (value) => ({ ok: true as const, value }),
            (error: Error) => ({ ok: false as const, error }),
          ),
        ),
      );
      expect(bundled.map((settled) => settled.ok)).toEqual([true, true, false, true, true, false]);
      for (const [index, settled] of bundled.entries()) {
        const alone = single[index]!;
        expect(settled.ok).toBe(alone.ok);
        if (settled.ok && alone.ok) expect(settled.value).toEqual(alone.value);
        if (!settled.ok && !alone.ok) {
          expect(settled.error.constructor).toBe(alone.error.constructor);
          expect((settled.error as DelugeRemoteError).remoteArgs.slice(0, 2)).toEqual(
            (alone.error as DelugeRemoteError).remoteArgs.slice(0, 2),
          );
        }
      }
      expect(bundled[3]).toEqual({ ok: true, value: daemon.dataDir });
      expect(bundled[5].ok ? undefined : bundled[5].error).toBeInstanceOf(DelugeNotAuthorizedError);
    });
  });

  describe('torrents', () => {
    const statusKeys = ['name', 'state', 'total_wanted', 'hash'] as const;

    it('adds generated torrents and reads back their name, size, hash and state', async () => {
      const generated = [
        makeTorrent({ name: 'Übung – 日本語 🎵', length: 70_000 }),
        makeTorrent({
          name: 'multi-file ⚙',
          files: [
            { path: ['a.txt'], length: 5 },
            { path: ['dir', 'b.bin'], length: 33_000 },
          ],
          pieceLength: 32_768,
        }),
      ];
      const paused = makeTorrent({ name: 'paused', length: 1234 });
      for (const torrent of generated) await addTorrent(admin, torrent);
      await addTorrent(admin, paused, { add_paused: true });

      const status = await admin.call(requests.core.getTorrentsStatus({}, statusKeys));
      for (const torrent of [...generated, paused]) {
        expect(status[torrent.infoHash]).toMatchObject({
          name: torrent.name,
          total_wanted: torrent.totalLength,
          hash: torrent.infoHash,
        });
      }
      expect(status[paused.infoHash]?.state).toBe('Paused');
      // Nobody has the data: once checked, the others wait for peers.
      await expect
        .poll(
          async () => {
            const now = await admin.call(requests.core.getTorrentsStatus({ state: 'Downloading' }, ['hash']));
            return Object.keys(now).sort();
          },
          { timeout: 10_000 },
        )
        .toEqual(expect.arrayContaining(generated.map((torrent) => torrent.infoHash)));
    });

    it('refuses a duplicate torrent with AddTorrentError naming its hash', async () => {
      const torrent = makeTorrent({ name: 'twice', length: 100 });
      await addTorrent(admin, torrent);
      const error = await addTorrent(admin, torrent).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DelugeRemoteError);
      expect((error as DelugeRemoteError).remoteType).toBe('AddTorrentError');
      expect((error as DelugeRemoteError).message).toContain(torrent.infoHash);
    });

    it('shows the normal account only its own torrents', async () => {
      const own = makeTorrent({ name: 'owned by user5', length: 2048 });
      await addTorrent(user5, own);

      const seenByUser = await user5.call(requests.core.getTorrentsStatus({}, ['name', 'owner']));
      expect(seenByUser).toEqual({ [own.infoHash]: { name: own.name, owner: normalAccount().username } });

      const seenByAdmin = await admin.call(requests.core.getTorrentsStatus({}, ['owner']));
      const adminIds = await admin.call(requests.core.getSessionState());
      expect(Object.keys(seenByAdmin).sort()).toEqual([...adminIds].sort());
      expect(seenByAdmin[own.infoHash]).toEqual({ owner: normalAccount().username });
      expect(Object.values(seenByAdmin).filter((torrent) => torrent.owner === daemon.admin.username).length).toBe(
        adminIds.length - 1,
      );
    });
  });
});
