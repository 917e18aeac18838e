import { UnexpectedAnswerError } from './errors.js';
import type { MetricFamily, Sample } from './types.js';
import { asBoolean, asNumber, asRecord, asString } from './values.js';

const METHOD = 'core.get_torrents_status';

/** Deluge 2.x states (`TORRENT_STATE`); each always has a `deluge_torrents` sample. */
export const TORRENT_STATES: readonly string[] = [
  'Allocating',
  'Checking',
  'Downloading',
  'Seeding',
  'Paused',
  'Error',
  'Queued',
  'Moving',
];

/** Torrent keys the aggregate families read (`label` is the Label plugin's key, absent when it is off). */
export const AGGREGATE_TORRENT_KEYS: readonly string[] = [
  'state',
  'label',
  'tracker_host',
  'total_wanted',
  'total_remaining',
  'is_finished',
  'download_location',
  'time_since_transfer',
  'active_time',
];

/** One torrent of a `core.get_torrents_status` answer: its id and its status dict. */
export interface TorrentEntry {
  readonly hash: string;
  readonly status: Readonly<Record<string, unknown>>;
}

/**
 * Reads a `core.get_torrents_status` answer (`{torrent_id: {key: value}}`) in id order. Entries whose
 * status is not a dict are skipped. Throws UnexpectedAnswerError when the answer is not a dict.
 */
export function parseTorrents(answer: unknown): TorrentEntry[] {
  const record = asRecord(answer);
  if (record === undefined) throw new UnexpectedAnswerError(METHOD, 'a dict of torrents', answer);
  const torrents: TorrentEntry[] = [];
  for (const hash of Object.keys(record).sort()) {
    const status = asRecord(record[hash]);
    if (status !== undefined) torrents.push({ hash, status });
  }
  return torrents;
}

/** The torrent's Label plugin label; `""` when unlabelled or when the plugin is off. */
export function torrentLabel(torrent: TorrentEntry): string {
  return asString(torrent.status.label) ?? '';
}

/** The torrent's `tracker_host`; `""` when it has none. */
export function torrentTracker(torrent: TorrentEntry): string {
  return asString(torrent.status.tracker_host) ?? '';
}

/** The torrent's save path (`download_location`), when Deluge sent one. */
export function torrentSavePath(torrent: TorrentEntry): string | undefined {
  const path = asString(torrent.status.download_location);
  return path === '' ? undefined : path;
}

function countBy(values: Iterable<string>, initial: readonly string[] = []): Map<string, number> {
  const counts = new Map<string, number>(initial.map((key) => [key, 0]));
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

function countSamples(counts: Map<string, number>, daemon: string, label: string): Sample[] {
  return [...counts].map(([value, count]) => ({ labels: { daemon, [label]: value }, value: count }));
}

/**
 * Torrents per state: all eight known states (0 when none) then unknown states in first-seen order.
 * A torrent without a string `state` is not counted.
 */
export function countByState(torrents: readonly TorrentEntry[]): Map<string, number> {
  const states = torrents.flatMap((torrent) => {
    const state = asString(torrent.status.state);
    return state === undefined ? [] : [state];
  });
  return countBy(states, TORRENT_STATES);
}

/**
 * Whether a torrent counts as stalled: `Downloading` and no payload moved for at least `windowSeconds`
 * (`time_since_transfer`), or never moved any (−1) while active longer than the window.
 */
export function isStalled(torrent: TorrentEntry, windowSeconds: number): boolean {
  if (torrent.status.state !== 'Downloading') return false;
  const sinceTransfer = asNumber(torrent.status.time_since_transfer);
  if (sinceTransfer === undefined) return false;
  if (sinceTransfer >= 0) return sinceTransfer >= windowSeconds;
  const activeTime = asNumber(torrent.status.active_time);
  return activeTime !== undefined && activeTime > windowSeconds;
}

/** Sum of `total_remaining` of unfinished torrents (`is_finished` false) per save path. */
export function remainingBySavePath(torrents: readonly TorrentEntry[]): Map<string, number> {
  const sums = new Map<string, number>();
  for (const torrent of torrents) {
    if (asBoolean(torrent.status.is_finished) !== false) continue;
    const path = torrentSavePath(torrent);
    const remaining = asNumber(torrent.status.total_remaining);
    if (path === undefined || remaining === undefined) continue;
    sums.set(path, (sums.get(path) ?? 0) + remaining);
  }
  return sums;
}

/** The low-cardinality `deluge_torrents*` aggregate families. */
export function torrentAggregateFamilies(
  torrents: readonly TorrentEntry[],
  daemon: string,
  stallWindowSeconds: number,
): MetricFamily[] {
  const wanted = torrents.reduce((sum, torrent) => sum + (asNumber(torrent.status.total_wanted) ?? 0), 0);
  const remaining = [...remainingBySavePath(torrents)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [
    {
      name: 'deluge_torrents',
      type: 'gauge',
      help: `Torrents per state (${METHOD} state).`,
      labelNames: ['daemon', 'state'],
      samples: countSamples(countByState(torrents), daemon, 'state'),
    },
    {
      name: 'deluge_torrents_by_label',
      type: 'gauge',
      help: `Torrents per Label plugin label, "" when unlabelled (${METHOD} label).`,
      labelNames: ['daemon', 'label'],
      samples: countSamples(countBy(torrents.map(torrentLabel).sort()), daemon, 'label'),
    },
    {
      name: 'deluge_torrents_by_tracker',
      type: 'gauge',
      help: `Torrents per tracker host (${METHOD} tracker_host).`,
      labelNames: ['daemon', 'tracker'],
      samples: countSamples(countBy(torrents.map(torrentTracker).sort()), daemon, 'tracker'),
    },
    {
      name: 'deluge_torrents_wanted_bytes',
      type: 'gauge',
      help: `Sum of bytes selected for download (${METHOD} total_wanted).`,
      labelNames: ['daemon'],
      samples: [{ labels: { daemon }, value: wanted }],
    },
    {
      name: 'deluge_torrents_remaining_bytes',
      type: 'gauge',
      help: `Bytes unfinished torrents still have to download, per save path (${METHOD} total_remaining, download_location).`,
      labelNames: ['daemon', 'path'],
      samples: remaining.map(([path, value]) => ({ labels: { daemon, path }, value })),
    },
    {
      name: 'deluge_torrents_stalled',
      type: 'gauge',
      help: `Downloading torrents that moved no payload within the stall window (${METHOD} state, time_since_transfer, active_time).`,
      labelNames: ['daemon'],
      samples: [{ labels: { daemon }, value: torrents.filter((t) => isStalled(t, stallWindowSeconds)).length }],
    },
  ];
}
