import type { ExporterConfig } from '../config/types.js';
import { requests } from '../rpc/api.js';
import { type Answers, answerOf, type Collected, type Collector, callProblem, type Requests } from './collector.js';
import { perTorrentFamilies, perTorrentKeys, selectPerTorrent } from './per-torrent.js';
import { parseTorrents, type TorrentEntry, torrentLabel, torrentSavePath, torrentTracker } from './torrent-entries.js';
import type { MetricFamily, Sample } from './types.js';
import { asBoolean, asNumber, asString } from './values.js';

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

/** What one torrents scrape tells the next. */
export interface TorrentsState {
  /**
   * The last scrape exported no per-torrent series (over the cap): the next one asks only for the keys
   * the aggregates need, which is much less work for the daemon and for decoding.
   */
  readonly perTorrentCapped: boolean;
}

/**
 * The torrent keys to request: what the aggregates and the enabled per-torrent families read; with
 * `aggregatesOnly`, what the aggregates read (they include the per-torrent filter keys `state`,
 * `label` and `tracker_host`, so the torrents can still be counted against the cap).
 */
export function torrentKeys(config: ExporterConfig, aggregatesOnly: boolean): string[] {
  const perTorrent = aggregatesOnly ? [] : perTorrentKeys(config.perTorrent);
  return [...new Set([...AGGREGATE_TORRENT_KEYS, ...perTorrent])].sort();
}

const aggregatesOnly = (config: ExporterConfig, state: TorrentsState) =>
  state.perTorrentCapped && config.perTorrent.enabled;

function failed(state: TorrentsState, method: string, error: Error): Collected<TorrentsState> {
  return { families: [], problems: [callProblem(method, error)], state };
}

function parsedAnswer(answers: Answers, name: string) {
  const settled = answerOf(answers, name, METHOD);
  if (!settled.ok) return settled;
  try {
    return { ok: true as const, value: parseTorrents(settled.value) };
  } catch (error) {
    return { ok: false as const, error: error instanceof Error ? error : new Error(String(error)) };
  }
}

/**
 * The `deluge_torrents*` aggregates and the per-torrent series (`deluge_torrent_*`, capped) from one
 * `core.get_torrents_status`. Required. While over the cap it asks only for the aggregate keys; when
 * the torrents fit again, its second step fetches the per-torrent keys.
 */
export const torrentsCollector: Collector<TorrentsState> = {
  name: 'torrents',
  required: true,
  initialState: { perTorrentCapped: false },
  requests: ({ config }, state) => ({
    torrents: requests.core.getTorrentsStatus({}, torrentKeys(config, aggregatesOnly(config, state))),
  }),
  followUp(answers, { config }, state): Requests {
    if (!aggregatesOnly(config, state)) return {};
    const first = parsedAnswer(answers, 'torrents');
    if (!first.ok || selectPerTorrent(first.value.torrents, config.perTorrent).capped) return {};
    return { full: requests.core.getTorrentsStatus({}, torrentKeys(config, false)) };
  },
  collect(answers, { daemon, config, scrapeTimeSeconds }, state) {
    const first = parsedAnswer(answers, 'torrents');
    if (!first.ok) return failed(state, METHOD, first.error);
    const { torrents, skipped } = first.value;
    const aggregates = torrentAggregateFamilies(torrents, daemon, config.stallWindowSeconds);
    const facts = { torrentCount: torrents.length };
    let perTorrentSource = torrents;
    if (answers.has('full')) {
      const full = parsedAnswer(answers, 'full');
      if (!full.ok) return { ...failed(state, METHOD, full.error), skipped, facts };
      perTorrentSource = full.value.torrents;
    }
    const selection = selectPerTorrent(perTorrentSource, config.perTorrent);
    return {
      families: [...aggregates, ...perTorrentFamilies(selection, daemon, config.perTorrent, scrapeTimeSeconds)],
      problems: [],
      state: { perTorrentCapped: selection.capped },
      skipped,
      facts,
    };
  },
};
