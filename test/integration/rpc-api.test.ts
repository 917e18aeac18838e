import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConfigDict,
  DelugeApi,
  METHODS,
  type MethodName,
  type MethodSpec,
  parseEvent,
  requests,
  TORRENT_STATUS_KEYS,
  type TorrentStatus,
} from '../../src/rpc/api.js';
import { DelugeClient } from '../../src/rpc/client.js';
import { DelugeRemoteError, DelugeWrappedError } from '../../src/rpc/errors.js';
import type { DelugeClientOptions, DelugeEvent } from '../../src/rpc/types.js';
import { type BencodeValue, bdecode, bencode, type DecodedBencode } from '../harness/bencode.js';
import type { DaemonAccount, DaemonHandle } from '../harness/daemon.js';
import { startDaemon, stopAllDaemons } from '../harness/daemon.js';
import { addTorrent } from '../harness/deluge-calls.js';
import { compareVersions } from '../harness/deluge-versions.js';
import { type GeneratedTorrent, makeTorrent, writeTorrentData } from '../harness/torrent.js';

const ACCOUNTS: readonly DaemonAccount[] = [
  { username: 'admin', password: 'admin-pw-1', level: 10 },
  { username: 'user5', password: 'user-pw-5', level: 5 },
  { username: 'reader', password: 'reader-pw-1', level: 1 },
];

let daemon: DaemonHandle;
const clients: DelugeClient[] = [];

function connect(username = 'admin', extra: Partial<DelugeClientOptions> = {}): DelugeClient {
  const account = ACCOUNTS.find((a) => a.username === username) as DaemonAccount;
  const client = new DelugeClient({
    host: daemon.host,
    port: daemon.port,
    username,
    password: account.password,
    ...extra,
  });
  clients.push(client);
  return client;
}

let api: DelugeApi;

/** Polls `read` until `accept` holds (Deluge applies renames and moves asynchronously). */
async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, what: string): Promise<T> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const value = await read();
    if (accept(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not happen within 10 s`);
}

async function status(id: string, keys: readonly string[]): Promise<TorrentStatus> {
  return api.core.getTorrentStatus(id, keys);
}

let single: GeneratedTorrent;
let multi: GeneratedTorrent;
let singleId: string;
let multiId: string;

beforeAll(async () => {
  daemon = await startDaemon({ accounts: ACCOUNTS });
  const rpc = connect();
  api = new DelugeApi(rpc);
  single = makeTorrent({ name: 'single.bin', length: 40_000 });
  multi = makeTorrent({
    name: 'folder',
    files: [
      { path: ['a.bin'], length: 20_000 },
      { path: ['sub', 'b.bin'], length: 30_000 },
    ],
  });
  await writeTorrentData(single, daemon.dataDir);
  singleId = await addTorrent(rpc, single, { add_paused: true });
  multiId = await addTorrent(rpc, multi, { add_paused: true });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await stopAllDaemons();
});

describe('read-only methods against deluged', () => {
  it('daemon.info equals daemon.get_version; libtorrent is 2.0.x', async () => {
    const [info, version, lt] = await Promise.all([
      api.daemon.info(),
      api.daemon.getVersion(),
      api.core.getLibtorrentVersion(),
    ]);
    expect(info).toMatch(/^2\.\d+\.\d+/);
    expect(version).toBe(info);
    expect(lt).toMatch(/^2\.0\./);
  });

  it('every method the daemon exports is in METHODS; METHODS has no core/daemon method it lacks except documented-only ones', async () => {
    const exported = await api.daemon.getMethodList();
    expect(exported).toContain('core.get_torrents_status');
    expect(exported.filter((m) => !(m in METHODS))).toEqual([]);
    const version = await api.daemon.info();
    const expected = (Object.keys(METHODS) as MethodName[]).filter((m) => {
      const spec: MethodSpec = METHODS[m];
      const newer = spec.since !== undefined && compareVersions(spec.since, version) > 0;
      return !('preAuth' in spec) && !('documentedOnly' in spec) && !('plugin' in spec) && !newer;
    });
    expect(expected.filter((m) => !exported.includes(m))).toEqual([]);
  });

  it('auth levels in METHODS match daemon.authorized_call for level 1, 5 and 10 accounts', async () => {
    const exported = await api.daemon.getMethodList();
    const probe = async (username: string) => {
      const settled = await connect(username).callMany(exported.map((m) => requests.daemon.authorizedCall(m)));
      return settled.map((s) => (s.ok ? s.value : s.error));
    };
    const [reader, user, admin] = await Promise.all([probe('reader'), probe('user5'), probe('admin')]);
    exported.forEach((method, index) => {
      const required = METHODS[method as MethodName].authLevel;
      expect([method, reader[index], user[index], admin[index]]).toEqual([method, required <= 1, required <= 5, true]);
    });
  });

  it('documented-only methods are not exported by this daemon', async () => {
    const documentedOnly = (Object.keys(METHODS) as MethodName[]).filter((m) => 'documentedOnly' in METHODS[m]);
    expect(documentedOnly.sort()).toEqual(['core.get_cache_status', 'core.get_i2p_proxy', 'core.set_owner']);
    const settled = await api.batch([
      requests.core.getCacheStatus(),
      requests.core.getI2pProxy(),
      requests.core.setOwner([singleId], 'user5'),
    ]);
    for (const [index, outcome] of settled.entries()) {
      if (outcome.ok) throw new Error(`${documentedOnly[index]} unexpectedly succeeded`);
      const error = outcome.error as DelugeWrappedError;
      expect(error).toBeInstanceOf(DelugeWrappedError);
      expect(error.originalType).toBe('AttributeError');
      expect(error.remoteArgs[0]).toBe(`RPC call on invalid function: ${documentedOnly[index]}`);
    }
  });

  it('free space, config, paths', async () => {
    const [free, missing, location, config, values, size, noSize, glob] = await Promise.all([
      api.core.getFreeSpace(),
      api.core.getFreeSpace('/nonexistent/path'),
      api.core.getConfigValue('download_location'),
      api.core.getConfig(),
      api.core.getConfigValues(['download_location', 'listen_ports']),
      api.core.getPathSize(join(daemon.dataDir, 'single.bin')),
      api.core.getPathSize('/nonexistent'),
      api.core.glob(join(daemon.dataDir, '*.bin')),
    ]);
    expect(free).toBeGreaterThan(0);
    expect(missing).toBe(-1);
    expect(location).toBe(daemon.dataDir);
    expect(config.download_location).toBe(daemon.dataDir);
    expect(values).toEqual({ download_location: daemon.dataDir, listen_ports: [daemon.btPort, daemon.btPort] });
    expect(size).toBe(single.totalLength);
    expect(noSize).toBe(-1);
    expect(glob).toEqual([join(daemon.dataDir, 'single.bin')]);
  });

  it('get_completion_paths lists sub-directories', async () => {
    await mkdir(join(daemon.dataDir, 'completion-probe'), { recursive: true });
    const answer = await api.core.getCompletionPaths({
      completion_text: join(daemon.dataDir, 'completion-pr'),
      show_hidden_files: false,
    });
    expect(answer.paths).toEqual([`${join(daemon.dataDir, 'completion-probe')}/`]);
  });

  it('auth level mappings: names to levels, and levels (int keys) to names', async () => {
    const [byName, byLevel] = await api.core.getAuthLevelsMappings();
    expect(byName).toEqual({ NONE: 0, READONLY: 1, DEFAULT: 5, NORMAL: 5, ADMIN: 10 });
    expect(byLevel).toBeInstanceOf(Map);
    expect([...byLevel.entries()].sort((a, b) => a[0] - b[0])).toEqual([
      [0, 'NONE'],
      [1, 'READONLY'],
      [5, 'NORMAL'],
      [10, 'ADMIN'],
    ]);
  });

  it('session status: requested known keys come back as numbers, unknown ones are omitted', async () => {
    const keys = ['payload_download_rate', 'net.recv_bytes', 'dht.dht_nodes', 'ses.num_checking_torrents', 'bogus_key'];
    const answer = await api.core.getSessionStatus(keys);
    expect(Object.keys(answer).sort()).toEqual(keys.filter((k) => k !== 'bogus_key').sort());
    for (const value of Object.values(answer)) expect(typeof value).toBe('number');
  });

  it("session, plugins, network: as the daemon's config says", async () => {
    const [state, enabled, available, port, paused, proxy, ip, tree, config] = await Promise.all([
      api.core.getSessionState(),
      api.core.getEnabledPlugins(),
      api.core.getAvailablePlugins(),
      api.core.getListenPort(),
      api.core.isSessionPaused(),
      api.core.getProxy(),
      api.core.getExternalIp(),
      api.core.getFilterTree(),
      api.core.getConfigValues(['enabled_plugins', 'proxy']),
    ]);
    expect(state.sort()).toEqual([singleId, multiId].sort());
    // A fresh daemon enables no plugin; get_enabled_plugins and core.conf agree.
    expect(enabled).toEqual([]);
    expect(config.enabled_plugins).toEqual(enabled);
    expect(available).toContain('Label');
    expect(port).toBe(daemon.btPort);
    expect(paused).toBe(false);
    // get_proxy reads libtorrent's session settings; with no proxy (type 0) Deluge applies only the flags.
    const configured = config.proxy as Record<string, unknown>;
    expect(configured.type).toBe(0);
    expect(proxy).toEqual({
      type: 0,
      hostname: '',
      username: '',
      password: '',
      port: 0,
      proxy_hostnames: configured.proxy_hostnames,
      proxy_peer_connections: configured.proxy_peer_connections,
      ...('proxy_tracker_connections' in proxy
        ? { proxy_tracker_connections: configured.proxy_tracker_connections }
        : {}),
    });
    expect(ip).toBeNull();
    expect(tree.state).toContainEqual(['All', 2]);
    expect(tree.state).toContainEqual(['Paused', 2]);
  });

  it('get_torrent_status with no keys returns exactly the 77 built-in keys', async () => {
    const all = await status(singleId, []);
    expect(Object.keys(all).sort()).toEqual([...TORRENT_STATUS_KEYS].sort());
    expect(all.hash).toBe(singleId);
    expect(all.total_size).toBe(single.totalLength);
    expect(all.files).toEqual([{ index: 0, path: 'single.bin', size: single.totalLength, offset: 0 }]);
    expect(await status('0'.repeat(40), ['name'])).toEqual({});
    const many = await api.core.getTorrentsStatus({ id: [multiId] }, ['name', 'state'], { diff: false });
    expect(many).toEqual({ [multiId]: { name: 'folder', state: 'Paused' } });
  });

  it('get_known_accounts (admin) lists the auth file accounts', async () => {
    const accounts = await api.core.getKnownAccounts();
    for (const account of ACCOUNTS) {
      expect(accounts).toContainEqual(
        expect.objectContaining({ username: account.username, authlevel_int: account.level }),
      );
    }
  });

  it('test_listen_port answers what deluge-torrent.org says of the port, or null when it cannot be reached', async () => {
    const url = `https://deluge-torrent.org/test_port.php?port=${daemon.btPort}`;
    const open = await api.core.testListenPort();
    // The same question, asked by the test: the site's answer is the port's state ("1" open, "0" not).
    const site = await fetch(url, { signal: AbortSignal.timeout(30_000) })
      .then(async (response) => Boolean(Number(await response.text())))
      .catch(() => null);
    expect(open).toBe(site);
  });
});

describe('mutating methods against deluged', () => {
  it('set_config changes a value (ConfigValueChangedEvent) and pause/resume_session flip is_session_paused', async () => {
    const watcher = connect('admin', { eventInterest: ['ConfigValueChangedEvent', 'SessionPausedEvent'] });
    const events: DelugeEvent[] = [];
    watcher.on('event', (event) => events.push(event));
    await watcher.connect();
    await api.core.setConfig({ max_upload_slots_global: 7 });
    expect(await api.core.getConfigValue('max_upload_slots_global')).toBe(7);
    await api.core.pauseSession();
    expect(await api.core.isSessionPaused()).toBe(true);
    await api.core.resumeSession();
    expect(await api.core.isSessionPaused()).toBe(false);
    await eventually(
      async () => events.length,
      (n) => n >= 2,
      'events',
    );
    expect(events.map(parseEvent)).toContainEqual({
      known: true,
      name: 'ConfigValueChangedEvent',
      args: { key: 'max_upload_slots_global', value: 7 },
    });
    expect(events.map(parseEvent)).toContainEqual({ known: true, name: 'SessionPausedEvent', args: {} });
  });

  it('set_config proxy: get_proxy shows the HTTP proxy asked for, then none again', async () => {
    const asked = { type: 4, hostname: '127.0.0.9', port: 3128, username: 'proxy-user', password: 'proxy-pw' };
    const flags = { proxy_hostnames: false, proxy_peer_connections: false, proxy_tracker_connections: true };
    const none = (await api.core.getConfigValue('proxy')) as ConfigDict;
    expect(await api.core.setConfig({ proxy: { ...none, ...asked, ...flags } })).toBeNull();
    const proxy = await api.core.getProxy();
    expect(proxy).toMatchObject({ ...asked, proxy_hostnames: false, proxy_peer_connections: false });
    await api.core.setConfig({ proxy: none });
    expect(await api.core.getProxy()).toMatchObject({ type: 0, hostname: '' });
  });

  it('pause/resume torrents, one id or a list', async () => {
    await api.core.resumeTorrent(singleId);
    await eventually(
      () => status(singleId, ['paused']),
      (s) => s.paused === false,
      'resume',
    );
    await api.core.pauseTorrents([singleId]);
    await eventually(
      () => status(singleId, ['state']),
      (s) => s.state === 'Paused',
      'pause',
    );
    await api.core.resumeTorrents([singleId]);
    await eventually(
      () => status(singleId, ['paused']),
      (s) => s.paused === false,
      'resume list',
    );
    await api.core.pauseTorrent([singleId]);
    await eventually(
      () => status(singleId, ['paused']),
      (s) => s.paused === true,
      'pause list',
    );
  });

  it('set_torrent_options and every set_torrent_* setter show in the status', async () => {
    await api.core.setTorrentOptions([multiId], { max_connections: 33, stop_ratio: 3 });
    await api.batch([
      requests.core.setTorrentMaxUploadSlots(multiId, 4),
      requests.core.setTorrentMaxUploadSpeed(multiId, 50),
      requests.core.setTorrentMaxDownloadSpeed(multiId, 60),
      requests.core.setTorrentAutoManaged(multiId, false),
      requests.core.setTorrentPrioritizeFirstLast(multiId, true),
      requests.core.setTorrentStopAtRatio(multiId, true),
      requests.core.setTorrentRemoveAtRatio(multiId, true),
      requests.core.setTorrentMoveCompleted(multiId, true),
      requests.core.setTorrentMoveCompletedPath(multiId, join(daemon.dataDir, 'done')),
      requests.core.setTorrentFilePriorities(multiId, [0, 7]),
      requests.core.setTorrentTrackers(multiId, [{ url: 'http://127.0.0.1:9/announce', tier: 0 }]),
    ]);
    const settled = await api.batch([
      requests.core.setTorrentMaxConnections(multiId, 44),
      requests.core.setTorrentStopRatio(multiId, 2.5),
    ]);
    expect(settled.every((s) => s.ok)).toBe(true);
    const s = await eventually(
      () => status(multiId, []),
      (v) => v.file_priorities?.[1] === 7 && v.tracker_host !== '',
      'setters',
    );
    expect(s).toMatchObject({
      max_connections: 44,
      stop_ratio: 2.5,
      max_upload_slots: 4,
      max_upload_speed: 50,
      max_download_speed: 60,
      auto_managed: false,
      prioritize_first_last: true,
      stop_at_ratio: true,
      remove_at_ratio: true,
      move_completed: true,
      move_completed_path: join(daemon.dataDir, 'done'),
      file_priorities: [0, 7],
      tracker_host: '127.0.0.1',
    });
  });

  it('add_torrent_file_async, add_torrent_files, add_torrent_magnet; queue_*; remove_torrent(s)', async () => {
    const a = makeTorrent({ name: 'queue-a', length: 20_000 });
    const b = makeTorrent({ name: 'queue-b', length: 20_000 });
    const c = makeTorrent({ name: 'queue-c', length: 20_000 });
    expect(await api.core.addTorrentFileAsync('a.torrent', a.torrentBytes.toString('base64'), {})).toBe(a.infoHash);
    expect(await api.core.addTorrentFiles([['b.torrent', b.torrentBytes.toString('base64'), {}]])).toEqual([]);
    const magnet = `magnet:?xt=urn:btih:${c.infoHash}&dn=queue-c`;
    expect(await api.core.addTorrentMagnet(magnet, {})).toBe(c.infoHash);
    const ids = [a.infoHash, b.infoHash, c.infoHash];
    const queue = async () => {
      const all = await api.core.getTorrentsStatus({ id: ids }, ['queue']);
      return ids.map((id) => all[id]?.queue);
    };
    const lastPosition = async () =>
      Math.max(...Object.values(await api.core.getTorrentsStatus({}, ['queue'])).map((t) => Number(t.queue)));
    expect(new Set(await queue()).size).toBe(3);
    // libtorrent applies queue moves asynchronously: poll c's position after each.
    const cAt = (position: number, what: string) => eventually(queue, (q) => q[2] === position, what);
    await api.core.queueTop([c.infoHash]);
    await cAt(0, 'queue_top');
    await api.core.queueBottom([c.infoHash]);
    // The last position is read together with c's: the move may not be applied yet when it returns.
    const [, bottom] = await eventually(
      async () => [(await queue())[2], await lastPosition()] as const,
      ([position, last]) => position === last,
      `queue_bottom (positions ${JSON.stringify(await queue())})`,
    );
    await api.core.queueUp([c.infoHash]);
    await cAt(bottom - 1, 'queue_up');
    await api.core.queueDown([c.infoHash]);
    await cAt(bottom, 'queue_down');
    expect(await api.core.removeTorrent(a.infoHash, false)).toBe(true);
    expect(await api.core.removeTorrents([b.infoHash, c.infoHash, 'f'.repeat(40)], false)).toEqual([
      ['f'.repeat(40), `torrent_id ${'f'.repeat(40)} not in session.`],
    ]);
    expect((await api.core.getSessionState()).sort()).toEqual([singleId, multiId].sort());
  });

  it('add_torrent_url fails cleanly when nothing serves the URL', async () => {
    const error = await api.core.addTorrentUrl('http://127.0.0.1:9/x.torrent', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DelugeRemoteError);
  });

  it('force_recheck, force_reannounce, connect_peer answer null', async () => {
    const settled = await api.batch([
      requests.core.forceRecheck([singleId]),
      requests.core.forceReannounce([singleId]),
      requests.core.connectPeer(singleId, '127.0.0.1', daemon.btPort),
    ]);
    expect(settled).toEqual([
      { ok: true, value: null },
      { ok: true, value: null },
      { ok: true, value: null },
    ]);
    await eventually(
      () => status(singleId, ['state']),
      (s) => s.state !== 'Checking',
      'recheck end',
    );
  });

  it('rename_files, rename_folder, move_storage', async () => {
    await api.core.renameFiles(multiId, [[0, 'folder/renamed-a.bin']]);
    await eventually(
      () => status(multiId, ['files']),
      (s) => s.files?.[0]?.path === 'folder/renamed-a.bin',
      'file rename',
    );
    await api.core.renameFolder(multiId, 'folder', 'folder2');
    await eventually(
      () => status(multiId, ['files']),
      (s) => s.files?.every((f) => f.path.startsWith('folder2/')) === true,
      'folder rename',
    );
    const target = join(daemon.dataDir, 'moved');
    await mkdir(target, { recursive: true });
    await api.core.moveStorage([singleId], target);
    await eventually(
      () => status(singleId, ['download_location']),
      (s) => s.download_location === target,
      'move',
    );
    await eventually(async () => existsSync(join(target, 'single.bin')), Boolean, 'moved file');
  });

  it('create_torrent writes a .torrent; prefetch_magnet_metadata times out with an empty answer', async () => {
    const target = join(daemon.dataDir, 'created.torrent');
    await api.core.createTorrent({
      path: join(daemon.dataDir, 'moved', 'single.bin'),
      tracker: 'http://127.0.0.1:9/announce',
      pieceLength: 16384,
      comment: 'made by a test',
      target,
      webseeds: [],
      private: false,
      createdBy: 'rpc-api.test',
      trackers: [['http://127.0.0.1:9/announce']],
      addToSession: false,
    });
    await eventually(async () => existsSync(target) && (await stat(target)).size > 0, Boolean, 'torrent file');
    const created = bdecode(await readFile(target)) as Record<string, DecodedBencode>;
    const ours = bdecode(single.torrentBytes) as Record<string, DecodedBencode>;
    // The decoder reads our own torrent back to its info hash.
    expect(
      createHash('sha1')
        .update(bencode(ours.info as BencodeValue))
        .digest('hex'),
    ).toBe(single.infoHash);
    // Same file, same piece length: the same info (name, length, piece hashes); not private (2.0 writes
    // private: 0, 2.2 leaves the key out).
    const { private: isPrivate, ...info } = created.info as Record<string, DecodedBencode>;
    expect(info).toEqual(ours.info);
    expect(isPrivate ?? 0n).toBe(0n);
    const { 'creation date': date, ...rest } = created;
    expect(rest).toEqual({
      announce: Buffer.from('http://127.0.0.1:9/announce'),
      comment: Buffer.from('made by a test'),
      'created by': Buffer.from('rpc-api.test'),
      encoding: Buffer.from('UTF-8'),
      info: created.info,
    });
    expect(Number(date)).toBeGreaterThan(Date.now() / 1000 - 600);
    expect(Number(date)).toBeLessThanOrEqual(Date.now() / 1000);
    const hash = '1'.repeat(40);
    const [id] = await api.core.prefetchMagnetMetadata(`magnet:?xt=urn:btih:${hash}`, 1);
    expect(id).toBe(hash);
  });

  it('create/update/remove_account show in get_known_accounts', async () => {
    const find = async () => (await api.core.getKnownAccounts()).find((a) => a.username === 'tmpuser');
    expect(await api.core.createAccount('tmpuser', 'tmp-pw', 'READONLY')).toBe(true);
    expect(await find()).toMatchObject({ authlevel: 'READONLY', authlevel_int: 1 });
    expect(await api.core.updateAccount('tmpuser', 'tmp-pw-2', 'ADMIN')).toBe(true);
    expect(await find()).toMatchObject({ authlevel: 'ADMIN', authlevel_int: 10 });
    expect(await api.core.removeAccount('tmpuser')).toBe(true);
    expect(await find()).toBeUndefined();
  });

  it('Label plugin: enable, add, set_torrent (status shows label), options, config, remove, disable; rescan_plugins', async () => {
    expect(await api.core.rescanPlugins()).toBeNull();
    expect(await api.core.enablePlugin('Label')).toBe(true);
    await eventually(
      () => api.daemon.getMethodList(),
      (list) => list.includes('label.add'),
      'label RPCs',
    );
    expect(await api.core.getEnabledPlugins()).toContain('Label');
    expect(await api.label.add('movies')).toBeNull();
    expect(await api.label.getLabels()).toContain('movies');
    expect(await api.label.setTorrent(singleId, 'movies')).toBeNull();
    expect(await api.core.getTorrentsStatus({ label: 'movies' }, ['label'])).toEqual({
      [singleId]: { label: 'movies' },
    });
    expect(Object.keys(await status(singleId, [])).sort()).toEqual([...TORRENT_STATUS_KEYS, 'label'].sort());
    expect(await api.label.setOptions('movies', { apply_max: true, max_connections: 12 })).toBeNull();
    expect(await api.label.getOptions('movies')).toMatchObject({ apply_max: true, max_connections: 12 });
    // The plugin's only global option (auto_add_trackers) is unset; set_config takes an empty dict but
    // fails on any option (it iterates options.items without calling it), in 2.0.3 and 2.2.0 alike.
    expect(await api.label.getConfig()).toEqual({});
    expect(await api.label.setConfig({})).toBeNull();
    const refused = await api.label.setConfig({ auto_add_trackers: ['tracker.example.org'] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DelugeWrappedError);
    expect((refused as DelugeWrappedError).originalType).toBe('TypeError');
    expect(await api.label.getConfig()).toEqual({});
    expect(await api.label.remove('movies')).toBeNull();
    expect(await api.label.getLabels()).not.toContain('movies');
    expect(await api.core.disablePlugin('Label')).toBe(true);
    await eventually(
      () => api.core.getEnabledPlugins(),
      (list) => !list.includes('Label'),
      'disable Label',
    );
  });
});

describe('daemon.shutdown', () => {
  it('stops a throwaway daemon', async () => {
    const throwaway = await startDaemon({ accounts: ACCOUNTS });
    const client = new DelugeClient({
      host: throwaway.host,
      port: throwaway.port,
      username: 'admin',
      password: 'admin-pw-1',
    });
    clients.push(client);
    await client.connect();
    const gone = new Promise((resolve) => client.once('disconnected', resolve));
    await client.call(requests.daemon.shutdown()).catch(() => null);
    await gone;
    const pid = throwaway.pid as number;
    await eventually(
      async () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      Boolean,
      'deluged exit',
    );
  });
});
