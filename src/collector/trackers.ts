import { requests } from '../rpc/api.js';
import { answerOf, type Collector, deriveFrom } from './collector.js';
import { parseTorrents, type TorrentEntry, torrentTracker } from './torrent-entries.js';
import { classifyTrackerStatus, TRACKER_ERROR_KINDS, type TrackerErrorKind } from './tracker-status.js';
import type { MetricFamily, Sample } from './types.js';
import { asNumber } from './values.js';

const METHOD = 'core.get_torrents_status';

/** Torrent keys the tracker families read. */
export const TRACKER_TORRENT_KEYS: readonly string[] = [
  'tracker_host',
  'tracker_status',
  'download_payload_rate',
  'upload_payload_rate',
];

/** A payload rate in bytes per second; missing, negative or not a number reads as 0. */
function payloadRate(torrent: TorrentEntry, key: 'download_payload_rate' | 'upload_payload_rate'): number {
  const rate = asNumber(torrent.status[key]);
  return rate === undefined || rate < 0 ? 0 : rate;
}

/** Whether the torrent moves payload now (download or upload payload rate above 0). */
export function isActive(torrent: TorrentEntry): boolean {
  return payloadRate(torrent, 'download_payload_rate') > 0 || payloadRate(torrent, 'upload_payload_rate') > 0;
}

/** What one tracker host adds up to. */
export interface TrackerTotals {
  readonly errors: Record<TrackerErrorKind, number>;
  downloadRate: number;
  uploadRate: number;
}

/**
 * Per tracker host (`tracker_host`, `""` when none; the hosts of `deluge_torrents_by_tracker`), in
 * host order: tracker errors per kind (every kind, 0 when none) and the sums of the payload rates.
 */
export function totalsByTracker(torrents: readonly TorrentEntry[]): Map<string, TrackerTotals> {
  const totals = new Map<string, TrackerTotals>();
  for (const tracker of [...new Set(torrents.map(torrentTracker))].sort()) {
    const errors = Object.fromEntries(TRACKER_ERROR_KINDS.map((kind) => [kind, 0])) as Record<TrackerErrorKind, number>;
    totals.set(tracker, { errors, downloadRate: 0, uploadRate: 0 });
  }
  for (const torrent of torrents) {
    const entry = totals.get(torrentTracker(torrent));
    if (entry === undefined) continue;
    const error = classifyTrackerStatus(torrent.status.tracker_status);
    if (error !== undefined) entry.errors[error.kind] += 1;
    entry.downloadRate += payloadRate(torrent, 'download_payload_rate');
    entry.uploadRate += payloadRate(torrent, 'upload_payload_rate');
  }
  return totals;
}

function rateFamily(
  totals: Map<string, TrackerTotals>,
  daemon: string,
  direction: 'download' | 'upload',
): MetricFamily {
  const key = direction === 'download' ? 'download_payload_rate' : 'upload_payload_rate';
  return {
    name: `deluge_tracker_${direction}_rate_bytes_per_second`,
    type: 'gauge',
    help: `Sum of the torrents' payload ${direction} rates per tracker host (${METHOD} ${key}, tracker_host).`,
    labelNames: ['daemon', 'tracker'],
    samples: [...totals].map(([tracker, entry]) => ({
      labels: { daemon, tracker },
      value: direction === 'download' ? entry.downloadRate : entry.uploadRate,
    })),
  };
}

/** `deluge_torrents_tracker_errors`, `deluge_torrents_active` and the per-tracker payload rates. */
export function trackerAggregateFamilies(torrents: readonly TorrentEntry[], daemon: string): MetricFamily[] {
  const totals = totalsByTracker(torrents);
  const errorSamples: Sample[] = [...totals].flatMap(([tracker, entry]) =>
    TRACKER_ERROR_KINDS.map((kind) => ({ labels: { daemon, tracker, kind }, value: entry.errors[kind] })),
  );
  return [
    {
      name: 'deluge_torrents_tracker_errors',
      type: 'gauge',
      help: `Torrents whose tracker status is an error, per tracker host and kind: unregistered, unauthorized, unreachable, other (${METHOD} tracker_status, tracker_host).`,
      labelNames: ['daemon', 'tracker', 'kind'],
      samples: errorSamples,
    },
    {
      name: 'deluge_torrents_active',
      type: 'gauge',
      help: `Torrents moving payload now: download or upload payload rate above 0 (${METHOD} download_payload_rate, upload_payload_rate).`,
      labelNames: ['daemon'],
      samples: [{ labels: { daemon }, value: torrents.filter(isActive).length }],
    },
    rateFamily(totals, daemon, 'download'),
    rateFamily(totals, daemon, 'upload'),
  ];
}

/**
 * Tracker health and traffic per tracker host (`deluge_torrents_tracker_errors`,
 * `deluge_torrents_active`, `deluge_tracker_*_rate_bytes_per_second`) from the torrent list the
 * torrents collector also reads (one call, keys united). Optional: a failure here leaves
 * `deluge_up` alone. The per-torrent `deluge_torrent_tracker_error_info` is a per-torrent family.
 */
export const trackersCollector: Collector<undefined> = {
  name: 'trackers',
  required: false,
  initialState: undefined,
  requests: () => ({ torrents: requests.core.getTorrentsStatus({}, TRACKER_TORRENT_KEYS) }),
  collect(answers, { daemon }) {
    const { families, problems } = deriveFrom(answerOf(answers, 'torrents', METHOD), METHOD, (answer) =>
      trackerAggregateFamilies(parseTorrents(answer).torrents, daemon),
    );
    return { families, problems, state: undefined };
  },
};
