/**
 * Typed Remote API of Deluge 2.x: one table of methods (auth level, mutating), pure request builders
 * derived from it, and `DelugeApi`, a calling facade derived generically from the builders.
 *
 * Return types are those observed on deluged 2.0.3 (see docs/remote-api.md), not the ones printed on
 * Deluge's Remote API page, which are partly wrong.
 */
import { inspect } from 'node:util';
import { DelugeProtocolError } from './errors.js';
import type { RencodeInput, RencodeValue } from './rencode.js';
import type { CallOptions, DelugeEvent, DelugeRpc, RpcRequest, SettledTuple } from './types.js';

/** Deluge's auth levels (`deluge.common.AUTH_LEVEL_*`). */
export const AuthLevel = { NONE: 0, READONLY: 1, NORMAL: 5, ADMIN: 10 } as const;
/** One of the numeric auth levels. */
export type AuthLevel = (typeof AuthLevel)[keyof typeof AuthLevel];
/** Names accepted by `core.create_account` / `core.update_account` (`AUTH_LEVELS_MAPPING` keys). */
export type AuthLevelName = 'NONE' | 'READONLY' | 'DEFAULT' | 'NORMAL' | 'ADMIN';

/** What the daemon requires to run a method, and whether the method changes daemon state. */
export interface MethodSpec {
  readonly authLevel: AuthLevel;
  readonly mutating: boolean;
  /** Handled by the RPC server itself before any auth check (`daemon.info`, `daemon.login`, `daemon.set_event_interest`). */
  readonly preAuth?: true;
  /** Listed on Deluge's Remote API page but not exported by deluged 2.0.3 (the call fails with WrappedException(AttributeError)). */
  readonly documentedOnly?: true;
  /** Exported only while the named plugin is enabled. */
  readonly plugin?: string;
  /** The first Deluge version that exports it (older daemons answer WrappedException(AttributeError)). */
  readonly since?: string;
}

const READ = { authLevel: AuthLevel.NORMAL, mutating: false } as const;
const WRITE = { authLevel: AuthLevel.NORMAL, mutating: true } as const;
const ADMIN_READ = { authLevel: AuthLevel.ADMIN, mutating: false } as const;
const ADMIN_WRITE = { authLevel: AuthLevel.ADMIN, mutating: true } as const;
const PRE_AUTH = { authLevel: AuthLevel.NONE, preAuth: true } as const;
const LABEL = { plugin: 'Label' } as const;

/** Every known RPC method of deluged 2.x (core, daemon, Label plugin) with its requirements. */
export const METHODS = {
  'core.add_torrent_file': WRITE,
  'core.add_torrent_file_async': WRITE,
  'core.add_torrent_files': WRITE,
  'core.add_torrent_magnet': WRITE,
  'core.add_torrent_url': WRITE,
  'core.connect_peer': WRITE,
  'core.create_account': ADMIN_WRITE,
  'core.create_torrent': WRITE,
  'core.disable_plugin': WRITE,
  'core.enable_plugin': WRITE,
  'core.force_reannounce': WRITE,
  'core.force_recheck': WRITE,
  'core.get_auth_levels_mappings': { authLevel: AuthLevel.NONE, mutating: false },
  'core.get_available_plugins': READ,
  'core.get_cache_status': { ...READ, documentedOnly: true },
  'core.get_completion_paths': READ,
  'core.get_config': READ,
  'core.get_config_value': READ,
  'core.get_config_values': READ,
  'core.get_enabled_plugins': READ,
  'core.get_external_ip': READ,
  'core.get_filter_tree': READ,
  'core.get_free_space': READ,
  'core.get_i2p_proxy': { ...READ, documentedOnly: true },
  'core.get_known_accounts': ADMIN_READ,
  'core.get_libtorrent_version': READ,
  'core.get_listen_port': READ,
  'core.get_magnet_uri': { ...READ, since: '2.1.0' },
  'core.get_path_size': READ,
  'core.get_proxy': READ,
  'core.get_session_state': READ,
  'core.get_session_status': READ,
  'core.get_torrent_status': READ,
  'core.get_torrents_status': READ,
  'core.glob': READ,
  'core.is_session_paused': READ,
  'core.move_storage': WRITE,
  'core.pause_session': WRITE,
  'core.pause_torrent': WRITE,
  'core.pause_torrents': WRITE,
  'core.prefetch_magnet_metadata': READ,
  'core.queue_bottom': WRITE,
  'core.queue_down': WRITE,
  'core.queue_top': WRITE,
  'core.queue_up': WRITE,
  'core.remove_account': ADMIN_WRITE,
  'core.remove_torrent': WRITE,
  'core.remove_torrents': WRITE,
  'core.rename_files': WRITE,
  'core.rename_folder': WRITE,
  'core.rescan_plugins': WRITE,
  'core.resume_session': WRITE,
  'core.resume_torrent': WRITE,
  'core.resume_torrents': WRITE,
  'core.set_config': WRITE,
  'core.set_owner': { ...ADMIN_WRITE, documentedOnly: true },
  'core.set_torrent_auto_managed': WRITE,
  'core.set_torrent_file_priorities': WRITE,
  'core.set_torrent_max_connections': WRITE,
  'core.set_torrent_max_download_speed': WRITE,
  'core.set_torrent_max_upload_slots': WRITE,
  'core.set_torrent_max_upload_speed': WRITE,
  'core.set_torrent_move_completed': WRITE,
  'core.set_torrent_move_completed_path': WRITE,
  'core.set_torrent_options': WRITE,
  'core.set_torrent_prioritize_first_last': WRITE,
  'core.set_torrent_remove_at_ratio': WRITE,
  'core.set_torrent_stop_at_ratio': WRITE,
  'core.set_torrent_stop_ratio': WRITE,
  'core.set_torrent_trackers': WRITE,
  'core.test_listen_port': READ,
  'core.update_account': ADMIN_WRITE,
  'core.upload_plugin': WRITE,
  'daemon.authorized_call': { authLevel: AuthLevel.READONLY, mutating: false },
  'daemon.get_method_list': READ,
  'daemon.get_version': READ,
  'daemon.info': { ...PRE_AUTH, mutating: false },
  'daemon.login': { ...PRE_AUTH, mutating: false },
  'daemon.set_event_interest': { ...PRE_AUTH, mutating: false },
  'daemon.shutdown': WRITE,
  'label.add': { ...WRITE, ...LABEL },
  'label.get_config': { ...READ, ...LABEL },
  'label.get_labels': { ...READ, ...LABEL },
  'label.get_options': { ...READ, ...LABEL },
  'label.remove': { ...WRITE, ...LABEL },
  'label.set_config': { ...WRITE, ...LABEL },
  'label.set_options': { ...WRITE, ...LABEL },
  'label.set_torrent': { ...WRITE, ...LABEL },
} as const satisfies Record<string, MethodSpec>;

/** Name of a method in {@link METHODS}. */
export type MethodName = keyof typeof METHODS;

/** Spec of `method`, or undefined when the method is not in {@link METHODS}. */
export function methodSpec(method: string): MethodSpec | undefined {
  return Object.hasOwn(METHODS, method) ? METHODS[method as MethodName] : undefined;
}

// ---------------------------------------------------------------------------------------------
// Value types

/** Deluge's torrent states (§5.2), plus any state a newer daemon may add. */
export type TorrentState =
  | 'Allocating'
  | 'Checking'
  | 'Downloading'
  | 'Seeding'
  | 'Paused'
  | 'Error'
  | 'Queued'
  | 'Moving'
  | (string & {});

/** One file of a torrent (`files`, `orig_files`). */
export interface TorrentFile {
  index: number;
  path: string;
  size: number;
  offset: number;
}

/** One connected peer (`peers`). `seed` is libtorrent's flag value: non-zero means seed. */
export interface TorrentPeer {
  client: string;
  country: string;
  down_speed: number;
  ip: string;
  progress: number;
  seed: number;
  up_speed: number;
}

/** One tracker entry (`trackers`), straight from libtorrent; only `url` and `tier` are always there. */
export interface TorrentTracker {
  url: string;
  tier: number;
  [key: string]: RencodeValue | undefined;
}

/**
 * Status of one torrent (§5.1): all 77 keys of Deluge 2.x plus the Label plugin's `label`. Every key
 * is optional: only requested keys come back, and with `diff` only changed ones.
 */
export interface TorrentStatus {
  active_time?: number;
  all_time_download?: number;
  auto_managed?: boolean;
  comment?: string;
  completed_time?: number;
  creator?: string;
  distributed_copies?: number;
  download_location?: string;
  download_payload_rate?: number;
  eta?: number;
  file_priorities?: number[];
  file_progress?: number[];
  files?: TorrentFile[];
  finished_time?: number;
  hash?: string;
  is_auto_managed?: boolean;
  is_finished?: boolean;
  is_seed?: boolean;
  last_seen_complete?: number;
  max_connections?: number;
  max_download_speed?: number;
  max_upload_slots?: number;
  max_upload_speed?: number;
  message?: string;
  move_completed?: boolean;
  move_completed_path?: string;
  move_on_completed?: boolean;
  move_on_completed_path?: string;
  name?: string;
  next_announce?: number;
  num_files?: number;
  num_peers?: number;
  num_pieces?: number;
  num_seeds?: number;
  orig_files?: TorrentFile[];
  owner?: string;
  paused?: boolean;
  peers?: TorrentPeer[];
  piece_length?: number;
  /** Per piece 0 missing, 1 available from peers, 2 downloading, 3 have; null without metadata or when seeding. */
  pieces?: number[] | null;
  prioritize_first_last?: boolean;
  prioritize_first_last_pieces?: boolean;
  private?: boolean;
  progress?: number;
  queue?: number;
  ratio?: number;
  remove_at_ratio?: boolean;
  save_path?: string;
  seed_mode?: boolean;
  seed_rank?: number;
  seeding_time?: number;
  seeds_peers_ratio?: number;
  sequential_download?: boolean;
  shared?: boolean;
  state?: TorrentState;
  stop_at_ratio?: boolean;
  stop_ratio?: number;
  storage_mode?: 'sparse' | 'allocate' | (string & {});
  super_seeding?: boolean;
  time_added?: number;
  time_since_download?: number;
  time_since_transfer?: number;
  time_since_upload?: number;
  total_done?: number;
  total_payload_download?: number;
  total_payload_upload?: number;
  total_peers?: number;
  total_remaining?: number;
  total_seeds?: number;
  total_size?: number;
  total_uploaded?: number;
  total_wanted?: number;
  tracker?: string;
  tracker_host?: string;
  tracker_status?: string;
  trackers?: TorrentTracker[];
  upload_payload_rate?: number;
  /** Label plugin key; returned only when requested explicitly on 2.0.x. */
  label?: string;
}

/** A key of the torrent status; plugin keys other than `label` are plain strings. */
export type TorrentStatusKey = keyof TorrentStatus | (string & {});

/** The 77 built-in torrent status keys of Deluge 2.x, in alphabetical order (no plugin keys). */
export const TORRENT_STATUS_KEYS = [
  'active_time',
  'all_time_download',
  'auto_managed',
  'comment',
  'completed_time',
  'creator',
  'distributed_copies',
  'download_location',
  'download_payload_rate',
  'eta',
  'file_priorities',
  'file_progress',
  'files',
  'finished_time',
  'hash',
  'is_auto_managed',
  'is_finished',
  'is_seed',
  'last_seen_complete',
  'max_connections',
  'max_download_speed',
  'max_upload_slots',
  'max_upload_speed',
  'message',
  'move_completed',
  'move_completed_path',
  'move_on_completed',
  'move_on_completed_path',
  'name',
  'next_announce',
  'num_files',
  'num_peers',
  'num_pieces',
  'num_seeds',
  'orig_files',
  'owner',
  'paused',
  'peers',
  'piece_length',
  'pieces',
  'prioritize_first_last',
  'prioritize_first_last_pieces',
  'private',
  'progress',
  'queue',
  'ratio',
  'remove_at_ratio',
  'save_path',
  'seed_mode',
  'seed_rank',
  'seeding_time',
  'seeds_peers_ratio',
  'sequential_download',
  'shared',
  'state',
  'stop_at_ratio',
  'stop_ratio',
  'storage_mode',
  'super_seeding',
  'time_added',
  'time_since_download',
  'time_since_transfer',
  'time_since_upload',
  'total_done',
  'total_payload_download',
  'total_payload_upload',
  'total_peers',
  'total_remaining',
  'total_seeds',
  'total_size',
  'total_uploaded',
  'total_wanted',
  'tracker',
  'tracker_host',
  'tracker_status',
  'trackers',
  'upload_payload_rate',
] as const satisfies readonly Exclude<keyof TorrentStatus, 'label'>[];

/**
 * `filter_dict` of `core.get_torrents_status` (§5.3): each value is a string or a list of accepted
 * strings (OR within a key, AND across keys). Non-string scalars make the daemon fail, so the type
 * forbids them.
 */
export interface TorrentFilter {
  id?: readonly string[];
  state?: TorrentState | 'Active' | readonly (TorrentState | 'Active')[];
  keyword?: string;
  name?: string;
  tracker_host?: string | readonly string[];
  owner?: string | readonly string[];
  label?: string | readonly string[];
  [key: string]: string | readonly string[] | undefined;
}

/** Options accepted when adding a torrent (`deluge.core.torrent.TorrentOptions`). */
export interface TorrentAddOptions {
  add_paused?: boolean;
  auto_managed?: boolean;
  download_location?: string;
  file_priorities?: readonly number[];
  /** File index → new path. Deluge expects int keys: pass a Map. */
  mapped_files?: ReadonlyMap<number, string>;
  max_connections?: number;
  max_download_speed?: number;
  max_upload_slots?: number;
  max_upload_speed?: number;
  move_completed?: boolean;
  move_completed_path?: string;
  name?: string;
  owner?: string;
  pre_allocate_storage?: boolean;
  prioritize_first_last_pieces?: boolean;
  remove_at_ratio?: boolean;
  seed_mode?: boolean;
  sequential_download?: boolean;
  shared?: boolean;
  stop_at_ratio?: boolean;
  stop_ratio?: number;
  super_seeding?: boolean;
}

/** Options settable on existing torrents with `core.set_torrent_options`. */
export type TorrentOptions = Omit<TorrentAddOptions, 'add_paused' | 'seed_mode' | 'mapped_files'>;

/**
 * `core.get_session_status` answer (§6): libtorrent counters under dotted names plus Deluge's rates.
 * Only requested keys come back; unknown keys are silently omitted.
 */
export type SessionStatus = Readonly<Record<string, number>> & {
  readonly payload_download_rate?: number;
  readonly payload_upload_rate?: number;
  readonly download_rate?: number;
  readonly upload_rate?: number;
  readonly ip_overhead_download_rate?: number;
  readonly ip_overhead_upload_rate?: number;
  readonly tracker_download_rate?: number;
  readonly tracker_upload_rate?: number;
  readonly dht_download_rate?: number;
  readonly dht_upload_rate?: number;
  readonly write_hit_ratio?: number;
  readonly read_hit_ratio?: number;
  readonly 'net.recv_bytes'?: number;
  readonly 'net.sent_bytes'?: number;
  readonly 'net.recv_payload_bytes'?: number;
  readonly 'net.sent_payload_bytes'?: number;
  readonly 'net.has_incoming_connections'?: number;
  readonly 'peer.num_peers_connected'?: number;
  readonly 'peer.num_peers_half_open'?: number;
  readonly 'dht.dht_nodes'?: number;
  readonly 'ses.num_downloading_torrents'?: number;
  readonly 'ses.num_seeding_torrents'?: number;
  readonly 'ses.num_checking_torrents'?: number;
  readonly 'ses.num_error_torrents'?: number;
  readonly 'disk.queued_write_bytes'?: number;
};

/** One account of `core.get_known_accounts` (includes the plain-text password: never log it). */
export interface KnownAccount {
  username: string;
  password: string;
  authlevel: AuthLevelName;
  authlevel_int: number;
}

/** `core.get_auth_levels_mappings`: name → level, and level → name (int keys, hence a Map). */
export type AuthLevelsMappings = [Record<AuthLevelName, number>, Map<number, string>];

/** `core.get_filter_tree`: per category, `[value, count]` pairs. */
export type FilterTree = Record<string, [string, number][]>;

/** Argument and answer of `core.get_completion_paths`. */
export interface CompletionArgs {
  completion_text: string;
  show_hidden_files: boolean;
}

/** Arguments of `core.create_torrent`, named. */
export interface CreateTorrentArgs {
  path: string;
  tracker: string | null;
  pieceLength: number;
  comment: string | null;
  target: string | null;
  webseeds: readonly string[] | null;
  private: boolean;
  createdBy: string | null;
  trackers: readonly (readonly string[])[] | null;
  addToSession: boolean;
}

/** A config dictionary (core config or proxy settings): values of any encodable type. */
export type ConfigDict = Record<string, RencodeValue>;
/** A config dictionary to send (readonly containers are fine). */
export type ConfigInput = Readonly<Record<string, RencodeInput>>;

// ---------------------------------------------------------------------------------------------
// Request builders

/** A request built from {@link METHODS}: carries its auth level and whether it mutates. */
export interface ApiRequest<T> extends RpcRequest<T> {
  readonly method: MethodName;
  readonly authLevel: AuthLevel;
  readonly mutating: boolean;
}

/** A pure request builder; also carries its method's spec as data. */
export type RequestBuilder<P extends readonly unknown[], T> = ((...params: P) => ApiRequest<T>) &
  MethodSpec & { readonly method: MethodName };

interface WireArgs {
  args: readonly RencodeInput[];
  kwargs?: Readonly<Record<string, RencodeInput>>;
}

/** Positional arguments as given, minus trailing `undefined` (so Python defaults apply). */
function positional(params: readonly (RencodeInput | undefined)[]): RencodeInput[] {
  let end = params.length;
  while (end > 0 && params[end - 1] === undefined) end--;
  return params.slice(0, end).map((p) => (p === undefined ? null : p));
}

/**
 * An options object as a dict: entries whose value is undefined are left out (Python defaults apply).
 * The option interfaces of this module only hold encodable values, which is why the cast is sound.
 */
function dict(options: object): Readonly<Record<string, RencodeInput>> {
  return Object.fromEntries(Object.entries(options).filter((entry) => entry[1] !== undefined));
}

/** Keyword arguments with the undefined ones left out; undefined when none remain. */
function keywords(options: object): Readonly<Record<string, RencodeInput>> | undefined {
  const defined = dict(options);
  return Object.keys(defined).length === 0 ? undefined : defined;
}

/** Builder whose parameters go to the wire as positional arguments. */
function define<P extends readonly (RencodeInput | undefined)[], T>(method: MethodName): RequestBuilder<P, T>;
/** Builder whose parameters are mapped to the wire by `toWire`. */
function define<P extends readonly unknown[], T>(
  method: MethodName,
  toWire: (...params: P) => WireArgs,
): RequestBuilder<P, T>;
function define<P extends readonly unknown[], T>(
  method: MethodName,
  toWire: (...params: P) => WireArgs = (...params) => ({ args: positional(params as readonly RencodeInput[]) }),
): RequestBuilder<P, T> {
  const spec: MethodSpec = METHODS[method];
  const build = (...params: P): ApiRequest<T> => {
    const { args, kwargs } = toWire(...params);
    return {
      method,
      args,
      ...(kwargs === undefined ? {} : { kwargs }),
      authLevel: spec.authLevel,
      mutating: spec.mutating,
    };
  };
  return Object.assign(build, spec, { method });
}

/** `diff=True`: only keys changed since this connection's previous call come back (§5.4). */
export interface StatusOptions {
  diff?: boolean;
}

type Ids = readonly string[];
type None = null;

const core = {
  addTorrentFile: define<[filename: string, filedumpBase64: string, options: TorrentAddOptions], string | null>(
    'core.add_torrent_file',
    (filename, filedump, options) => ({ args: [filename, filedump, dict(options)] }),
  ),
  addTorrentFileAsync: define<
    [filename: string, filedumpBase64: string, options: TorrentAddOptions, saveState?: boolean],
    string | null
  >('core.add_torrent_file_async', (filename, filedump, options, saveState) => ({
    args: positional([filename, filedump, dict(options), saveState]),
  })),
  /** Answers the list of add errors (empty when all were added). */
  addTorrentFiles: define<
    [files: readonly (readonly [filename: string, filedumpBase64: string, options: TorrentAddOptions])[]],
    RencodeValue[]
  >('core.add_torrent_files', (files) => ({
    args: [files.map(([filename, filedump, options]) => [filename, filedump, dict(options)])],
  })),
  addTorrentMagnet: define<[uri: string, options: TorrentAddOptions], string | null>(
    'core.add_torrent_magnet',
    (uri, options) => ({ args: [uri, dict(options)] }),
  ),
  addTorrentUrl: define<
    [url: string, options: TorrentAddOptions, headers?: Readonly<Record<string, string>>],
    string | null
  >('core.add_torrent_url', (url, options, headers) => ({ args: positional([url, dict(options), headers]) })),
  connectPeer: define<[torrentId: string, ip: string, port: number], None>('core.connect_peer'),
  createAccount: define<[username: string, password: string, authLevel: AuthLevelName], boolean>('core.create_account'),
  createTorrent: define<[args: CreateTorrentArgs], None>('core.create_torrent', (a) => ({
    args: [
      a.path,
      a.tracker,
      a.pieceLength,
      a.comment,
      a.target,
      a.webseeds,
      a.private,
      a.createdBy,
      a.trackers,
      a.addToSession,
    ],
  })),
  disablePlugin: define<[plugin: string], boolean>('core.disable_plugin'),
  enablePlugin: define<[plugin: string], boolean>('core.enable_plugin'),
  forceReannounce: define<[torrentIds: Ids], None>('core.force_reannounce'),
  forceRecheck: define<[torrentIds: Ids], None>('core.force_recheck'),
  getAuthLevelsMappings: define<[], AuthLevelsMappings>('core.get_auth_levels_mappings'),
  getAvailablePlugins: define<[], string[]>('core.get_available_plugins'),
  getCacheStatus: define<[], Record<string, number>>('core.get_cache_status'),
  getCompletionPaths: define<[args: CompletionArgs], CompletionArgs & { paths: string[] }>(
    'core.get_completion_paths',
    (args) => ({ args: [dict(args)] }),
  ),
  getConfig: define<[], ConfigDict>('core.get_config'),
  getConfigValue: define<[key: string], RencodeValue>('core.get_config_value'),
  getConfigValues: define<[keys: readonly string[]], ConfigDict>('core.get_config_values'),
  getEnabledPlugins: define<[], string[]>('core.get_enabled_plugins'),
  /** `null` until libtorrent has reported an external address. */
  getExternalIp: define<[], string | null>('core.get_external_ip'),
  getFilterTree: define<[showZeroHits?: boolean, hideCat?: readonly string[]], FilterTree>('core.get_filter_tree'),
  /** Free bytes at `path` (default: the download location); −1 when the path does not exist. */
  getFreeSpace: define<[path?: string], number>('core.get_free_space'),
  getI2pProxy: define<[], ConfigDict>('core.get_i2p_proxy'),
  getKnownAccounts: define<[], KnownAccount[]>('core.get_known_accounts'),
  getLibtorrentVersion: define<[], string>('core.get_libtorrent_version'),
  getListenPort: define<[], number>('core.get_listen_port'),
  /** Deluge 2.1 and later. */
  getMagnetUri: define<[torrentId: string], string>('core.get_magnet_uri'),
  /** Size in bytes of a file or folder; −1 when inaccessible. */
  getPathSize: define<[path: string], number>('core.get_path_size'),
  getProxy: define<[], ConfigDict>('core.get_proxy'),
  /** Ids of all torrents in the session. */
  getSessionState: define<[], string[]>('core.get_session_state'),
  getSessionStatus: define<[keys: readonly string[]], SessionStatus>('core.get_session_status'),
  /** An unknown id answers `{}`. */
  getTorrentStatus: define<
    [torrentId: string, keys: readonly TorrentStatusKey[], options?: StatusOptions],
    TorrentStatus
  >('core.get_torrent_status', (id, keys, options) => ({
    args: [id, keys],
    kwargs: keywords({ diff: options?.diff }),
  })),
  getTorrentsStatus: define<
    [filter: TorrentFilter, keys: readonly TorrentStatusKey[], options?: StatusOptions],
    Record<string, TorrentStatus>
  >('core.get_torrents_status', (filter, keys, options) => ({
    args: [dict(filter), keys],
    kwargs: keywords({ diff: options?.diff }),
  })),
  glob: define<[pattern: string], string[]>('core.glob'),
  isSessionPaused: define<[], boolean>('core.is_session_paused'),
  moveStorage: define<[torrentIds: Ids, dest: string], None>('core.move_storage'),
  pauseSession: define<[], None>('core.pause_session'),
  /** Accepts one id or a list of ids. */
  pauseTorrent: define<[torrentIds: string | Ids], None>('core.pause_torrent'),
  /** All torrents when no ids are given. */
  pauseTorrents: define<[torrentIds?: Ids], None>('core.pause_torrents'),
  /** Answers `[torrentId, metadata]`; waits up to `timeout` seconds (default 30). */
  prefetchMagnetMetadata: define<[magnet: string, timeout?: number], [string, RencodeValue]>(
    'core.prefetch_magnet_metadata',
  ),
  queueBottom: define<[torrentIds: Ids], None>('core.queue_bottom'),
  queueDown: define<[torrentIds: Ids], None>('core.queue_down'),
  queueTop: define<[torrentIds: Ids], None>('core.queue_top'),
  queueUp: define<[torrentIds: Ids], None>('core.queue_up'),
  removeAccount: define<[username: string], boolean>('core.remove_account'),
  removeTorrent: define<[torrentId: string, removeData: boolean], boolean>('core.remove_torrent'),
  /** Answers `[torrentId, message]` per torrent that could not be removed. */
  removeTorrents: define<[torrentIds: Ids, removeData: boolean], [string, string][]>('core.remove_torrents'),
  renameFiles: define<[torrentId: string, filenames: readonly (readonly [index: number, name: string])[]], None>(
    'core.rename_files',
  ),
  renameFolder: define<[torrentId: string, folder: string, newFolder: string], None>('core.rename_folder'),
  rescanPlugins: define<[], None>('core.rescan_plugins'),
  resumeSession: define<[], None>('core.resume_session'),
  resumeTorrent: define<[torrentIds: string | Ids], None>('core.resume_torrent'),
  resumeTorrents: define<[torrentIds?: Ids], None>('core.resume_torrents'),
  setConfig: define<[config: ConfigInput], None>('core.set_config'),
  setOwner: define<[torrentIds: Ids, username: string], None>('core.set_owner'),
  setTorrentAutoManaged: define<[torrentId: string, value: boolean], None>('core.set_torrent_auto_managed'),
  setTorrentFilePriorities: define<[torrentId: string, priorities: readonly number[]], None>(
    'core.set_torrent_file_priorities',
  ),
  setTorrentMaxConnections: define<[torrentId: string, value: number], None>('core.set_torrent_max_connections'),
  setTorrentMaxDownloadSpeed: define<[torrentId: string, value: number], None>('core.set_torrent_max_download_speed'),
  setTorrentMaxUploadSlots: define<[torrentId: string, value: number], None>('core.set_torrent_max_upload_slots'),
  setTorrentMaxUploadSpeed: define<[torrentId: string, value: number], None>('core.set_torrent_max_upload_speed'),
  setTorrentMoveCompleted: define<[torrentId: string, value: boolean], None>('core.set_torrent_move_completed'),
  setTorrentMoveCompletedPath: define<[torrentId: string, value: string], None>('core.set_torrent_move_completed_path'),
  setTorrentOptions: define<[torrentIds: Ids, options: TorrentOptions], None>(
    'core.set_torrent_options',
    (ids, options) => ({ args: [ids, dict(options)] }),
  ),
  setTorrentPrioritizeFirstLast: define<[torrentId: string, value: boolean], None>(
    'core.set_torrent_prioritize_first_last',
  ),
  setTorrentRemoveAtRatio: define<[torrentId: string, value: boolean], None>('core.set_torrent_remove_at_ratio'),
  setTorrentStopAtRatio: define<[torrentId: string, value: boolean], None>('core.set_torrent_stop_at_ratio'),
  setTorrentStopRatio: define<[torrentId: string, value: number], None>('core.set_torrent_stop_ratio'),
  setTorrentTrackers: define<[torrentId: string, trackers: readonly { url: string; tier: number }[]], None>(
    'core.set_torrent_trackers',
  ),
  /** Asks deluge-torrent.org; answers null when that site cannot be reached. */
  testListenPort: define<[], boolean | null>('core.test_listen_port'),
  updateAccount: define<[username: string, password: string, authLevel: AuthLevelName], boolean>('core.update_account'),
  uploadPlugin: define<[filename: string, filedumpBase64: string], None>('core.upload_plugin'),
};

const daemon = {
  /** Daemon version; needs no login. */
  info: define<[], string>('daemon.info'),
  /** Answers the account's auth level. `client_version` is required by 2.x; any value is accepted. */
  login: define<[username: string, password: string, clientVersion: string], number>(
    'daemon.login',
    (username, password, clientVersion) => ({ args: [username, password], kwargs: { client_version: clientVersion } }),
  ),
  /** Names are appended to the session's interest; answers true. */
  setEventInterest: define<[eventNames: readonly string[]], boolean>('daemon.set_event_interest'),
  getVersion: define<[], string>('daemon.get_version'),
  /** Whether this session may call `method` (false for unknown methods). */
  authorizedCall: define<[method: string], boolean>('daemon.authorized_call'),
  getMethodList: define<[], string[]>('daemon.get_method_list'),
  shutdown: define<[], None>('daemon.shutdown'),
};

const label = {
  add: define<[labelId: string], None>('label.add'),
  getConfig: define<[], ConfigDict>('label.get_config'),
  getLabels: define<[], string[]>('label.get_labels'),
  getOptions: define<[labelId: string], ConfigDict>('label.get_options'),
  remove: define<[labelId: string], None>('label.remove'),
  setConfig: define<[config: ConfigInput], None>('label.set_config'),
  setOptions: define<[labelId: string, options: ConfigInput], None>('label.set_options'),
  /** An empty label id removes the label. */
  setTorrent: define<[torrentId: string, labelId: string], None>('label.set_torrent'),
};

/** Pure request builders, grouped like the daemon's objects; bundle them with `rpc.callMany`. */
export const requests = { core, daemon, label } as const;

// ---------------------------------------------------------------------------------------------
// Calling facade

type BuilderGroup = Readonly<Record<string, (...params: never[]) => RpcRequest<unknown>>>;

/** A builder group turned into calling functions: same parameters, answers a Promise of the result. */
export type CallingGroup<G> = {
  readonly [K in keyof G]: G[K] extends (...params: infer P) => RpcRequest<infer T>
    ? (...params: P) => Promise<T>
    : never;
};

function callingGroup<G extends BuilderGroup>(
  group: G,
  invoke: (request: RpcRequest) => Promise<unknown>,
): CallingGroup<G> {
  const entries = Object.entries(group).map(([name, build]) => [
    name,
    (...params: never[]) => invoke(build(...params)),
  ]);
  return Object.freeze(Object.fromEntries(entries)) as CallingGroup<G>;
}

/** Typed Remote API over any {@link DelugeRpc}: `api.core.getTorrentsStatus(...)` calls the daemon. */
export class DelugeApi {
  readonly core: CallingGroup<typeof requests.core>;
  readonly daemon: CallingGroup<typeof requests.daemon>;
  readonly label: CallingGroup<typeof requests.label>;

  constructor(
    private readonly rpc: DelugeRpc,
    private readonly defaults: CallOptions = {},
  ) {
    const invoke = (request: RpcRequest) => rpc.call(request, defaults);
    this.core = callingGroup(requests.core, invoke);
    this.daemon = callingGroup(requests.daemon, invoke);
    this.label = callingGroup(requests.label, invoke);
  }

  /** The same API, with `options` (e.g. an abort signal) applied to every call. */
  withOptions(options: CallOptions): DelugeApi {
    return new DelugeApi(this.rpc, { ...this.defaults, ...options });
  }

  /** Runs one prebuilt request. */
  call<T>(request: RpcRequest<T>, options?: CallOptions): Promise<T> {
    return this.rpc.call(request, { ...this.defaults, ...options });
  }

  /** Sends all requests in one message; each result settles on its own. */
  batch<const R extends readonly RpcRequest[]>(requests: R, options?: CallOptions): Promise<SettledTuple<R>> {
    return this.rpc.callMany(requests, { ...this.defaults, ...options });
  }
}

// ---------------------------------------------------------------------------------------------
// Events

type FieldKind = 'string' | 'number' | 'boolean' | 'any';
type FieldType<K extends FieldKind> = K extends 'string'
  ? string
  : K extends 'number'
    ? number
    : K extends 'boolean'
      ? boolean
      : RencodeValue;

/** Positional arguments of each Deluge 2.x event (§8), named. */
const EVENT_FIELDS = {
  TorrentAddedEvent: [
    ['torrentId', 'string'],
    ['fromState', 'boolean'],
  ],
  TorrentRemovedEvent: [['torrentId', 'string']],
  PreTorrentRemovedEvent: [['torrentId', 'string']],
  TorrentStateChangedEvent: [
    ['torrentId', 'string'],
    ['state', 'string'],
  ],
  TorrentTrackerStatusEvent: [
    ['torrentId', 'string'],
    ['status', 'string'],
  ],
  TorrentQueueChangedEvent: [],
  TorrentFolderRenamedEvent: [
    ['torrentId', 'string'],
    ['oldFolder', 'string'],
    ['newFolder', 'string'],
  ],
  TorrentFileRenamedEvent: [
    ['torrentId', 'string'],
    ['index', 'number'],
    ['name', 'string'],
  ],
  TorrentFinishedEvent: [['torrentId', 'string']],
  TorrentResumedEvent: [['torrentId', 'string']],
  TorrentFileCompletedEvent: [
    ['torrentId', 'string'],
    ['index', 'number'],
  ],
  TorrentStorageMovedEvent: [
    ['torrentId', 'string'],
    ['path', 'string'],
  ],
  CreateTorrentProgressEvent: [
    ['pieceCount', 'number'],
    ['numPieces', 'number'],
  ],
  NewVersionAvailableEvent: [['newRelease', 'string']],
  SessionStartedEvent: [],
  SessionPausedEvent: [],
  SessionResumedEvent: [],
  ConfigValueChangedEvent: [
    ['key', 'string'],
    ['value', 'any'],
  ],
  PluginEnabledEvent: [['pluginName', 'string']],
  PluginDisabledEvent: [['pluginName', 'string']],
  ClientDisconnectedEvent: [['sessionId', 'number']],
  ExternalIPEvent: [['externalIp', 'string']],
} as const satisfies Record<string, readonly (readonly [string, FieldKind])[]>;

/** Names of the events Deluge 2.x core emits. */
export type DelugeEventName = keyof typeof EVENT_FIELDS;

/** All core event names, e.g. for `daemon.set_event_interest`. */
export const EVENT_NAMES = Object.freeze(Object.keys(EVENT_FIELDS)) as readonly DelugeEventName[];

type FieldsObject<F extends readonly (readonly [string, FieldKind])[]> = {
  readonly [E in F[number] as E[0]]: FieldType<E[1]>;
};

/** A known event with its arguments named. */
export type KnownDelugeEvent = {
  [N in DelugeEventName]: {
    readonly known: true;
    readonly name: N;
    readonly args: FieldsObject<(typeof EVENT_FIELDS)[N]>;
  };
}[DelugeEventName];

/** An event this library does not know (plugin events, newer daemons): passed through untouched. */
export interface UnknownDelugeEvent {
  readonly known: false;
  readonly name: string;
  readonly args: readonly RencodeValue[];
}

/** Result of {@link parseEvent}; narrow with `known`, then `name`. */
export type ParsedDelugeEvent = KnownDelugeEvent | UnknownDelugeEvent;

function hasKind(value: RencodeValue | undefined, kind: FieldKind): boolean {
  if (kind === 'any') return value !== undefined;
  return typeof value === kind;
}

/**
 * Names the arguments of a known event; unknown events pass through.
 * @throws DelugeProtocolError when a known event's arguments have the wrong count or types.
 */
export function parseEvent(event: DelugeEvent): ParsedDelugeEvent {
  if (!Object.hasOwn(EVENT_FIELDS, event.name)) return { known: false, name: event.name, args: event.args };
  const name = event.name as DelugeEventName;
  const fields: readonly (readonly [string, FieldKind])[] = EVENT_FIELDS[name];
  if (event.args.length !== fields.length) {
    throw new DelugeProtocolError(`event ${name} has ${event.args.length} arguments, expected ${fields.length}`);
  }
  const args: Record<string, RencodeValue> = {};
  fields.forEach(([field, kind], index) => {
    const value = event.args[index];
    if (!hasKind(value, kind)) {
      throw new DelugeProtocolError(`event ${name} argument ${field} is ${inspect(value)}, expected a ${kind}`);
    }
    args[field] = value as RencodeValue;
  });
  return { known: true, name, args } as KnownDelugeEvent;
}
