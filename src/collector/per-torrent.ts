import type { PerTorrentFamily } from '../config/per-torrent-families.js';
import type { PerTorrentConfig } from '../config/types.js';
import { statusLabel, statusTracker, type TorrentEntry, type TorrentStatus } from './torrent-entries.js';
import { classifyTrackerStatus, MAX_TRACKER_MESSAGE_LENGTH } from './tracker-status.js';
import type { ColumnFamily, Labels, MetricFamily, MetricType, SampleFamily } from './types.js';
import { asNumber, asString } from './values.js';

const METHOD = 'core.get_torrents_status';
/** Deluge's eta −1 means "a year or more". */
const ETA_YEAR_OR_MORE_SECONDS = 31_557_600;

type Status = Readonly<Record<string, unknown>>;

interface ValueFamily {
  /** Name without the `deluge_torrent_` prefix; the name used in `perTorrent.families`. */
  readonly family: PerTorrentFamily;
  readonly type: MetricType;
  readonly help: string;
  readonly keys: readonly string[];
  /** The sample value, or `undefined` to omit the sample. */
  readonly derive: (status: Status, scrapeTimeSeconds: number) => number | undefined;
}

const number = (key: string) => (status: Status) => asNumber(status[key]);
/** Omits the sample when the value is `sentinel` (Deluge's "unknown"/"never"). */
const unlessEqual = (key: string, sentinel: number) => (status: Status) => {
  const value = asNumber(status[key]);
  return value === sentinel ? undefined : value;
};

function valueFamily(
  family: PerTorrentFamily,
  type: MetricType,
  key: string,
  what: string,
  derive: ValueFamily['derive'] = number(key),
): ValueFamily {
  return { family, type, help: `${what} (${METHOD} ${key}).`, keys: [key], derive };
}

const VALUE_FAMILIES: readonly ValueFamily[] = [
  valueFamily('wanted_bytes', 'gauge', 'total_wanted', 'Bytes selected for download'),
  valueFamily('completed_bytes', 'gauge', 'total_done', 'Bytes of wanted data done'),
  valueFamily('progress_ratio', 'gauge', 'progress', 'Progress as a ratio 0–1, Deluge percent / 100', (status) => {
    const progress = asNumber(status.progress);
    return progress === undefined ? undefined : progress / 100;
  }),
  valueFamily('downloaded_bytes_total', 'counter', 'all_time_download', 'Bytes ever downloaded'),
  valueFamily('uploaded_bytes_total', 'counter', 'total_uploaded', 'Bytes ever uploaded'),
  valueFamily('download_rate_bytes_per_second', 'gauge', 'download_payload_rate', 'Payload download rate'),
  valueFamily('upload_rate_bytes_per_second', 'gauge', 'upload_payload_rate', 'Payload upload rate'),
  valueFamily('peers_connected', 'gauge', 'num_peers', 'Connected peers that are not seeds'),
  valueFamily('seeds_connected', 'gauge', 'num_seeds', 'Connected seeds'),
  valueFamily(
    'swarm_peers',
    'gauge',
    'total_peers',
    'Tracker-reported incomplete peers',
    unlessEqual('total_peers', -1),
  ),
  valueFamily('swarm_seeds', 'gauge', 'total_seeds', 'Tracker-reported seeds', unlessEqual('total_seeds', -1)),
  valueFamily('eta_seconds', 'gauge', 'eta', 'Estimated seconds to completion', (status) => {
    const eta = asNumber(status.eta);
    if (eta === -1) return ETA_YEAR_OR_MORE_SECONDS;
    return eta === undefined || eta <= 0 ? undefined : eta;
  }),
  valueFamily('ratio', 'gauge', 'ratio', 'Share ratio', unlessEqual('ratio', -1)),
  valueFamily('added_timestamp_seconds', 'gauge', 'time_added', 'Time the torrent was added'),
  valueFamily(
    'completed_timestamp_seconds',
    'gauge',
    'completed_time',
    'Time the download completed',
    unlessEqual('completed_time', 0),
  ),
  valueFamily(
    'last_seen_complete_timestamp_seconds',
    'gauge',
    'last_seen_complete',
    'Time a complete copy was last seen',
    unlessEqual('last_seen_complete', 0),
  ),
  valueFamily(
    'last_transfer_timestamp_seconds',
    'gauge',
    'time_since_transfer',
    'Time payload last moved, scrape time minus time_since_transfer',
    (status, scrapeTimeSeconds) => {
      const since = asNumber(status.time_since_transfer);
      return since === undefined || since < 0 ? undefined : scrapeTimeSeconds - since;
    },
  ),
  valueFamily('active_seconds_total', 'counter', 'active_time', 'Seconds active'),
  valueFamily('seeding_seconds_total', 'counter', 'seeding_time', 'Seconds seeding'),
];

const INFO_FAMILY: PerTorrentFamily = 'info';
const INFO_KEYS: readonly string[] = ['name', 'state', 'label', 'tracker_host'];
const TRACKER_ERROR_FAMILY: PerTorrentFamily = 'tracker_error_info';
const SAVE_PATH_FAMILY: PerTorrentFamily = 'save_path_info';
const HASH_LABELS: readonly string[] = ['daemon', 'hash'];

function isSelected(config: PerTorrentConfig, familyName: string): boolean {
  return config.families.length === 0 || config.families.includes(familyName);
}

/** Torrent keys the selected per-torrent families and filters need; none when per-torrent series are off. */
export function perTorrentKeys(config: PerTorrentConfig): string[] {
  if (!config.enabled) return [];
  const keys = new Set<string>();
  if (isSelected(config, INFO_FAMILY)) for (const key of INFO_KEYS) keys.add(key);
  if (isSelected(config, TRACKER_ERROR_FAMILY)) keys.add('tracker_status');
  if (isSelected(config, SAVE_PATH_FAMILY)) keys.add('download_location');
  for (const family of VALUE_FAMILIES) {
    if (isSelected(config, family.family)) for (const key of family.keys) keys.add(key);
  }
  if (config.states.length > 0) keys.add('state');
  if (config.labels.length > 0) keys.add('label');
  if (config.trackers.length > 0) keys.add('tracker_host');
  return [...keys];
}

/** Whether a torrent passes the state, label and tracker filters (an empty filter passes all). */
export function matchesFilters(status: TorrentStatus, config: PerTorrentConfig): boolean {
  return (
    (config.states.length === 0 || config.states.includes(asString(status.state) ?? '')) &&
    (config.labels.length === 0 || config.labels.includes(statusLabel(status))) &&
    (config.trackers.length === 0 || config.trackers.includes(statusTracker(status)))
  );
}

/** The torrents that pass the state, label and tracker filters (an empty filter passes all). */
export function filterTorrents(torrents: readonly TorrentEntry[], config: PerTorrentConfig): readonly TorrentEntry[] {
  const unfiltered = config.states.length === 0 && config.labels.length === 0 && config.trackers.length === 0;
  return unfiltered ? torrents : torrents.filter((torrent) => matchesFilters(torrent.status, config));
}

/**
 * The torrents that get per-torrent series, whether there are none because of the cap or the switch,
 * and how many torrents the filters leave out (0 while per-torrent series are off).
 */
export interface PerTorrentSelection {
  readonly selected: readonly TorrentEntry[];
  readonly capped: boolean;
  readonly filteredOut: number;
}

/** Applies the filters and the cap of `config` to `torrents`. */
export function selectPerTorrent(torrents: readonly TorrentEntry[], config: PerTorrentConfig): PerTorrentSelection {
  const selected = config.enabled ? filterTorrents(torrents, config) : [];
  const capped = !config.enabled || selected.length > config.maxTorrents;
  const filteredOut = config.enabled ? torrents.length - selected.length : 0;
  return { selected: capped ? [] : selected, capped, filteredOut };
}

/** A column family of `deluge_torrent_*` over `series`. */
function torrentFamily(
  name: string,
  type: MetricType,
  help: string,
  labelNames: readonly string[],
  series: readonly Labels[],
  values: Float64Array,
): ColumnFamily {
  return { name: `deluge_torrent_${name}`, type, help, labelNames, columns: [{ series, values }] };
}

/**
 * The per-torrent families, `deluge_torrent_series_capped` and `deluge_torrent_series_filtered_out`
 * of a selection: series exist only when per-torrent series are on and the filtered torrents do not
 * exceed the cap; otherwise capped is 1. Per-torrent families are columns over one `{daemon, hash}`
 * series list (no sample objects).
 */
export function perTorrentFamilies(
  { selected, capped, filteredOut }: PerTorrentSelection,
  daemon: string,
  config: PerTorrentConfig,
  scrapeTimeSeconds: number,
): MetricFamily[] {
  const cappedFamily: SampleFamily = {
    name: 'deluge_torrent_series_capped',
    type: 'gauge',
    help: '1 when per-torrent series are off or the torrent count exceeds the configured cap, else 0.',
    labelNames: ['daemon'],
    samples: [{ labels: { daemon }, value: capped ? 1 : 0 }],
  };
  const filteredOutFamily: SampleFamily = {
    name: 'deluge_torrent_series_filtered_out',
    type: 'gauge',
    help: 'Torrents the per-torrent state, label and tracker filters leave without series (0 with no filter or per-torrent series off).',
    labelNames: ['daemon'],
    samples: [{ labels: { daemon }, value: filteredOut }],
  };
  if (capped) return [cappedFamily, filteredOutFamily];
  const families: MetricFamily[] = [];
  if (isSelected(config, INFO_FAMILY)) families.push(infoFamily(selected, daemon));
  const series: Labels[] = selected.map((torrent) => ({ daemon, hash: torrent.hash }));
  for (const family of VALUE_FAMILIES) {
    if (!isSelected(config, family.family)) continue;
    const values = new Float64Array(selected.length);
    for (let index = 0; index < selected.length; index++) {
      values[index] = family.derive((selected[index] as TorrentEntry).status, scrapeTimeSeconds) ?? Number.NaN;
    }
    families.push(torrentFamily(family.family, family.type, family.help, HASH_LABELS, series, values));
  }
  if (isSelected(config, TRACKER_ERROR_FAMILY)) families.push(trackerErrorInfoFamily(selected, daemon));
  if (isSelected(config, SAVE_PATH_FAMILY)) families.push(savePathInfoFamily(selected, daemon));
  families.push(cappedFamily, filteredOutFamily);
  return families;
}

/** `deluge_torrent_tracker_error_info`: one series for each torrent whose tracker status is an error. */
function trackerErrorInfoFamily(torrents: readonly TorrentEntry[], daemon: string): ColumnFamily {
  const series: Labels[] = [];
  for (let index = 0; index < torrents.length; index++) {
    const torrent = torrents[index] as TorrentEntry;
    const error = classifyTrackerStatus(torrent.status.tracker_status);
    if (error !== undefined) series.push({ daemon, hash: torrent.hash, kind: error.kind, message: error.message });
  }
  return torrentFamily(
    TRACKER_ERROR_FAMILY,
    'gauge',
    `Tracker error of the torrent, value 1: kind (unregistered, unauthorized, unreachable, other) and the tracker's message without "Error: ", at most ${MAX_TRACKER_MESSAGE_LENGTH} characters (${METHOD} tracker_status).`,
    ['daemon', 'hash', 'kind', 'message'],
    series,
    new Float64Array(series.length).fill(1),
  );
}

/** `deluge_torrent_save_path_info`: the directory each torrent's data is in (none for a torrent without one). */
function savePathInfoFamily(torrents: readonly TorrentEntry[], daemon: string): ColumnFamily {
  const series: Labels[] = [];
  for (let index = 0; index < torrents.length; index++) {
    const torrent = torrents[index] as TorrentEntry;
    const path = asString(torrent.status.download_location);
    if (path !== undefined && path !== '') series.push({ daemon, hash: torrent.hash, path });
  }
  return torrentFamily(
    SAVE_PATH_FAMILY,
    'gauge',
    `Directory the torrent's data is saved in, value 1 (${METHOD} download_location).`,
    ['daemon', 'hash', 'path'],
    series,
    new Float64Array(series.length).fill(1),
  );
}

function infoFamily(torrents: readonly TorrentEntry[], daemon: string): ColumnFamily {
  const series = torrents.map((torrent) => ({
    daemon,
    hash: torrent.hash,
    name: asString(torrent.status.name) ?? torrent.hash,
    state: asString(torrent.status.state) ?? '',
    label: statusLabel(torrent.status),
    tracker: statusTracker(torrent.status),
  }));
  return torrentFamily(
    INFO_FAMILY,
    'gauge',
    `Torrent facts, value 1 (${METHOD} name, state, label, tracker_host).`,
    ['daemon', 'hash', 'name', 'state', 'label', 'tracker'],
    series,
    new Float64Array(series.length).fill(1),
  );
}
