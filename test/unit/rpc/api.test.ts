import { describe, expect, it } from 'vitest';
import {
  AuthLevel,
  DelugeApi,
  EVENT_NAMES,
  METHODS,
  type MethodName,
  methodSpec,
  parseEvent,
  requests,
  TORRENT_STATUS_KEYS,
} from '../../../src/rpc/api.js';
import { DelugeProtocolError } from '../../../src/rpc/errors.js';
import { encode } from '../../../src/rpc/rencode.js';
import type { CallOptions, DelugeRpc, RpcRequest } from '../../../src/rpc/types.js';

/** Every method on Deluge's Remote API page (core + daemon), copied from the page. */
const API_PAGE_METHODS = [
  'core.add_torrent_file',
  'core.add_torrent_magnet',
  'core.add_torrent_url',
  'core.connect_peer',
  'core.create_account',
  'core.create_torrent',
  'core.disable_plugin',
  'core.enable_plugin',
  'core.force_reannounce',
  'core.force_recheck',
  'core.get_auth_levels_mappings',
  'core.get_available_plugins',
  'core.get_cache_status',
  'core.get_completion_paths',
  'core.get_config',
  'core.get_config_value',
  'core.get_config_values',
  'core.get_enabled_plugins',
  'core.get_filter_tree',
  'core.get_free_space',
  'core.get_i2p_proxy',
  'core.get_known_accounts',
  'core.get_libtorrent_version',
  'core.get_listen_port',
  'core.get_path_size',
  'core.get_proxy',
  'core.get_session_state',
  'core.get_session_status',
  'core.get_torrent_status',
  'core.get_torrents_status',
  'core.glob',
  'core.move_storage',
  'core.pause_session',
  'core.pause_torrent',
  'core.queue_bottom',
  'core.queue_down',
  'core.queue_top',
  'core.queue_up',
  'core.remove_account',
  'core.remove_torrent',
  'core.rename_files',
  'core.rename_folder',
  'core.rescan_plugins',
  'core.resume_session',
  'core.resume_torrent',
  'core.set_config',
  'core.set_owner',
  'core.set_torrent_auto_managed',
  'core.set_torrent_file_priorities',
  'core.set_torrent_max_connections',
  'core.set_torrent_max_download_speed',
  'core.set_torrent_max_upload_slots',
  'core.set_torrent_max_upload_speed',
  'core.set_torrent_move_completed',
  'core.set_torrent_move_completed_path',
  'core.set_torrent_options',
  'core.set_torrent_prioritize_first_last',
  'core.set_torrent_remove_at_ratio',
  'core.set_torrent_stop_at_ratio',
  'core.set_torrent_stop_ratio',
  'core.set_torrent_trackers',
  'core.test_listen_port',
  'core.update_account',
  'core.upload_plugin',
  'daemon.authorized_call',
  'daemon.get_method_list',
  'daemon.shutdown',
];

/** Auth levels printed on the page that differ from the default 5. */
const API_PAGE_LEVELS: Record<string, number> = {
  'core.get_auth_levels_mappings': 0,
  'core.create_account': 10,
  'core.get_known_accounts': 10,
  'core.remove_account': 10,
  'core.set_owner': 10,
  'core.update_account': 10,
  'daemon.authorized_call': 1,
};

const allBuilders = Object.entries(requests).flatMap(([group, builders]) =>
  Object.entries(builders).map(([name, builder]) => ({ group, name, builder })),
);

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

describe('METHODS', () => {
  it('holds every method of the Remote API page with the level printed there', () => {
    const missing = API_PAGE_METHODS.filter((m) => methodSpec(m) === undefined);
    expect(missing).toEqual([]);
    for (const method of API_PAGE_METHODS) {
      expect(methodSpec(method)?.authLevel, method).toBe(API_PAGE_LEVELS[method] ?? 5);
    }
  });

  it('marks the pre-auth daemon calls, and knows nothing of unknown names', () => {
    for (const method of ['daemon.info', 'daemon.login', 'daemon.set_event_interest']) {
      expect(methodSpec(method)).toMatchObject({ authLevel: AuthLevel.NONE, preAuth: true, mutating: false });
    }
    expect(methodSpec('core.nope')).toBeUndefined();
    expect(methodSpec('toString')).toBeUndefined();
  });

  it('flags mutating core and plugin methods: setters, adders, removers; not getters', () => {
    const names = (Object.keys(METHODS) as MethodName[]).filter((m) => !m.startsWith('daemon.'));
    for (const method of names) {
      const verb = method.split('.')[1] ?? '';
      if (/^(get_|is_|glob$|info$)/.test(verb)) expect(METHODS[method].mutating, method).toBe(false);
      if (/^(set_|add|remove|pause|resume|queue_|rename|create|update|enable|disable|move)/.test(verb)) {
        expect(METHODS[method].mutating, method).toBe(true);
      }
    }
  });
});

describe('requests (pure builders)', () => {
  it('has exactly one builder per METHODS entry, named after the method in camelCase', () => {
    const built = allBuilders.map(({ group, name, builder }) => {
      expect(`${group}.${snakeCase(name)}`).toBe(builder.method);
      return builder.method;
    });
    expect([...built].sort()).toEqual(Object.keys(METHODS).sort());
  });

  it('carries the method spec on each builder and on each request', () => {
    expect(requests.core.getKnownAccounts.authLevel).toBe(10);
    expect(requests.core.getAuthLevelsMappings.authLevel).toBe(0);
    expect(requests.core.setConfig.mutating).toBe(true);
    expect(requests.core.getCacheStatus.documentedOnly).toBe(true);
    expect(requests.label.setTorrent.plugin).toBe('Label');
    expect(requests.core.getKnownAccounts()).toEqual({
      method: 'core.get_known_accounts',
      args: [],
      authLevel: 10,
      mutating: false,
    });
  });

  it('builds get_torrents_status with diff as a keyword argument only when given', () => {
    expect(
      requests.core.getTorrentsStatus({ state: ['Seeding', 'Paused'] }, ['name', 'label'], { diff: true }),
    ).toMatchObject({
      method: 'core.get_torrents_status',
      args: [{ state: ['Seeding', 'Paused'] }, ['name', 'label']],
      kwargs: { diff: true },
    });
    const plain = requests.core.getTorrentsStatus({ id: ['a'], name: undefined }, []);
    expect(plain.args).toEqual([{ id: ['a'] }, []]);
    expect(plain).not.toHaveProperty('kwargs');
  });

  it('encodes to the bytes deluged expects (reference vector §2.3)', () => {
    const request = requests.core.getTorrentsStatus({}, ['name', 'state']);
    const wire = encode([[2, request.method, request.args, request.kwargs ?? {}]]);
    expect(wire.toString('hex')).toBe(
      'c1c40298636f72652e6765745f746f7272656e74735f737461747573c266c2846e616d6585737461746566',
    );
    const login = requests.daemon.login('user', 'pw', '2.1.1');
    expect(encode([[1, login.method, login.args, login.kwargs ?? {}]]).toString('hex')).toBe(
      'c1c4018c6461656d6f6e2e6c6f67696ec28475736572827077678e636c69656e745f76657273696f6e85322e312e31',
    );
  });

  it('drops trailing omitted optional arguments so Python defaults apply', () => {
    expect(requests.core.getFreeSpace().args).toEqual([]);
    expect(requests.core.getFreeSpace('/srv').args).toEqual(['/srv']);
    expect(requests.core.getFilterTree(false).args).toEqual([false]);
    expect(requests.core.addTorrentUrl('http://x/t.torrent', { add_paused: true }).args).toEqual([
      'http://x/t.torrent',
      { add_paused: true },
    ]);
  });

  it('maps named and option arguments to Deluge positional order, leaving out undefined options', () => {
    const create = requests.core.createTorrent({
      path: '/d',
      tracker: 'http://t/announce',
      pieceLength: 16384,
      comment: null,
      target: '/d.torrent',
      webseeds: [],
      private: false,
      createdBy: 'me',
      trackers: [['http://t/announce']],
      addToSession: true,
    });
    expect(create.args).toEqual([
      '/d',
      'http://t/announce',
      16384,
      null,
      '/d.torrent',
      [],
      false,
      'me',
      [['http://t/announce']],
      true,
    ]);
    expect(requests.core.addTorrentFile('a.torrent', 'ZGF0YQ==', { add_paused: true, name: undefined }).args).toEqual([
      'a.torrent',
      'ZGF0YQ==',
      { add_paused: true },
    ]);
    expect(requests.core.renameFiles('id', [[0, 'x/y']]).args).toEqual(['id', [[0, 'x/y']]]);
    expect(requests.daemon.login('alice', 'pw', 'test')).toMatchObject({
      args: ['alice', 'pw'],
      kwargs: { client_version: 'test' },
    });
  });
});

describe('TORRENT_STATUS_KEYS', () => {
  it('lists the 77 built-in keys once each', () => {
    expect(TORRENT_STATUS_KEYS).toHaveLength(77);
    expect(new Set(TORRENT_STATUS_KEYS).size).toBe(77);
  });
});

class RecordingRpc implements DelugeRpc {
  readonly calls: { request: RpcRequest; options: CallOptions | undefined }[] = [];
  readonly bundles: { requests: readonly RpcRequest[]; options: CallOptions | undefined }[] = [];
  async call<T>(request: RpcRequest<T>, options?: CallOptions): Promise<T> {
    this.calls.push({ request, options });
    return `answer of ${request.method}` as T;
  }
  // biome-ignore lint/suspicious/noExplicitAny: the test double answers every item with its method name
  async callMany(requests: readonly RpcRequest[], options?: CallOptions): Promise<any> {
    this.bundles.push({ requests, options });
    return requests.map((r) => ({ ok: true, value: r.method }));
  }
  async close(): Promise<void> {}
}

describe('DelugeApi', () => {
  it('calls through the rpc with the request the builder makes', async () => {
    const rpc = new RecordingRpc();
    const api = new DelugeApi(rpc);
    await expect(api.core.getSessionStatus(['dht.dht_nodes'])).resolves.toBe('answer of core.get_session_status');
    expect(rpc.calls[0]?.request).toEqual(requests.core.getSessionStatus(['dht.dht_nodes']));
    await api.label.setTorrent('t', 'movies');
    expect(rpc.calls[1]?.request).toMatchObject({ method: 'label.set_torrent', args: ['t', 'movies'] });
  });

  it('exposes a calling function for every builder', () => {
    const api = new DelugeApi(new RecordingRpc());
    for (const { group, name } of allBuilders) {
      expect(
        typeof (api as unknown as Record<string, Record<string, unknown>>)[group]?.[name],
        `${group}.${name}`,
      ).toBe('function');
    }
  });

  it('bundles with batch and applies withOptions to calls and bundles', async () => {
    const rpc = new RecordingRpc();
    const signal = new AbortController().signal;
    const api = new DelugeApi(rpc).withOptions({ signal });
    const settled = await api.batch([requests.daemon.info(), requests.core.getListenPort()]);
    expect(settled).toEqual([
      { ok: true, value: 'daemon.info' },
      { ok: true, value: 'core.get_listen_port' },
    ]);
    expect(rpc.bundles[0]?.options?.signal).toBe(signal);
    await api.core.isSessionPaused();
    expect(rpc.calls[0]?.options?.signal).toBe(signal);
  });
});

describe('parseEvent', () => {
  it('names the arguments of known events', () => {
    expect(parseEvent({ name: 'TorrentAddedEvent', args: ['abc', false] })).toEqual({
      known: true,
      name: 'TorrentAddedEvent',
      args: { torrentId: 'abc', fromState: false },
    });
    expect(parseEvent({ name: 'ConfigValueChangedEvent', args: ['listen_ports', [1, 2]] })).toEqual({
      known: true,
      name: 'ConfigValueChangedEvent',
      args: { key: 'listen_ports', value: [1, 2] },
    });
    expect(parseEvent({ name: 'SessionPausedEvent', args: [] })).toEqual({
      known: true,
      name: 'SessionPausedEvent',
      args: {},
    });
  });

  it('passes unknown events through', () => {
    expect(parseEvent({ name: 'SchedulerEvent', args: ['green'] })).toEqual({
      known: false,
      name: 'SchedulerEvent',
      args: ['green'],
    });
    expect(parseEvent({ name: 'constructor', args: [] }).known).toBe(false);
  });

  it('rejects known events with wrong arguments, naming the event and the value', () => {
    expect(() => parseEvent({ name: 'TorrentFileRenamedEvent', args: ['id', '3', 'x'] })).toThrow(
      /TorrentFileRenamedEvent argument index is '3', expected a number/,
    );
    expect(() => parseEvent({ name: 'TorrentRemovedEvent', args: [] })).toThrow(DelugeProtocolError);
    expect(() => parseEvent({ name: 'TorrentRemovedEvent', args: [] })).toThrow(/0 arguments, expected 1/);
  });

  it('knows the core event names', () => {
    expect(EVENT_NAMES).toContain('TorrentStateChangedEvent');
    expect(EVENT_NAMES).toContain('ClientDisconnectedEvent');
    expect(EVENT_NAMES).toHaveLength(22);
  });
});
