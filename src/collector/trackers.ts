import { requests } from '../rpc/api.js';
import { answerOf, type Collector, deriveFrom } from './collector.js';
import {
  sortedByKey,
  summarizeTorrents,
  type TorrentSummary,
  TRACKER_TORRENT_KEYS,
  type TrackerTotals,
} from './torrent-summary.js';
import { TRACKER_ERROR_KINDS } from './tracker-status.js';
import type { MetricFamily, Sample } from './types.js';

export { TRACKER_TORRENT_KEYS };

const METHOD = 'core.get_torrents_status';

function rateFamily(
  totals: readonly [string, TrackerTotals][],
  daemon: string,
  direction: 'download' | 'upload',
): MetricFamily {
  const key = direction === 'download' ? 'download_payload_rate' : 'upload_payload_rate';
  return {
    name: `deluge_tracker_${direction}_rate_bytes_per_second`,
    type: 'gauge',
    help: `Sum of the torrents' payload ${direction} rates per tracker host (${METHOD} ${key}, tracker_host).`,
    labelNames: ['daemon', 'tracker'],
    samples: totals.map(([tracker, entry]) => ({
      labels: { daemon, tracker },
      value: direction === 'download' ? entry.downloadRate : entry.uploadRate,
    })),
  };
}

/** `deluge_torrents_tracker_errors`, `deluge_torrents_active` and the per-tracker payload rates. */
export function trackerAggregateFamilies(summary: TorrentSummary, daemon: string): MetricFamily[] {
  const totals = sortedByKey(summary.byTracker);
  const errorSamples: Sample[] = totals.flatMap(([tracker, entry]) =>
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
      samples: [{ labels: { daemon }, value: summary.active }],
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
  collect(answers, { daemon, config }) {
    const { families, problems } = deriveFrom(answerOf(answers, 'torrents', METHOD), METHOD, (answer) =>
      trackerAggregateFamilies(summarizeTorrents(answer, config), daemon),
    );
    return { families, problems, state: undefined };
  },
};
