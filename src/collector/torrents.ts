import type { ExporterConfig } from '../config/types.js';
import { requests } from '../rpc/api.js';
import { type Answers, answerOf, type Collected, type Collector, callProblem, type Requests } from './collector.js';
import { type PerTorrentSelection, perTorrentFamilies, perTorrentKeys, selectPerTorrent } from './per-torrent.js';
import { parseTorrents } from './torrent-entries.js';
import { AGGREGATE_TORRENT_KEYS, sortedByKey, summarizeTorrents, type TorrentSummary } from './torrent-summary.js';
import type { MetricFamily, Sample } from './types.js';

export { AGGREGATE_TORRENT_KEYS, TORRENT_STATES } from './torrent-summary.js';

const METHOD = 'core.get_torrents_status';

function countSamples(counts: Iterable<[string, number]>, daemon: string, label: string): Sample[] {
  return [...counts].map(([value, count]) => ({ labels: { daemon, [label]: value }, value: count }));
}

/** The low-cardinality `deluge_torrents*` aggregate families. */
export function torrentAggregateFamilies(summary: TorrentSummary, daemon: string): MetricFamily[] {
  return [
    {
      name: 'deluge_torrents',
      type: 'gauge',
      help: `Torrents per state (${METHOD} state).`,
      labelNames: ['daemon', 'state'],
      samples: countSamples(summary.byState, daemon, 'state'),
    },
    {
      name: 'deluge_torrents_by_label',
      type: 'gauge',
      help: `Torrents per Label plugin label, "" when unlabelled (${METHOD} label).`,
      labelNames: ['daemon', 'label'],
      samples: countSamples(sortedByKey(summary.byLabel), daemon, 'label'),
    },
    {
      name: 'deluge_torrents_by_tracker',
      type: 'gauge',
      help: `Torrents per tracker host (${METHOD} tracker_host).`,
      labelNames: ['daemon', 'tracker'],
      samples: sortedByKey(summary.byTracker).map(([tracker, totals]) => ({
        labels: { daemon, tracker },
        value: totals.torrents,
      })),
    },
    {
      name: 'deluge_torrents_wanted_bytes',
      type: 'gauge',
      help: `Sum of bytes selected for download (${METHOD} total_wanted).`,
      labelNames: ['daemon'],
      samples: [{ labels: { daemon }, value: summary.wantedBytes }],
    },
    {
      name: 'deluge_torrents_remaining_bytes',
      type: 'gauge',
      help: `Bytes unfinished torrents still have to download, per save path (${METHOD} total_remaining, download_location).`,
      labelNames: ['daemon', 'path'],
      samples: sortedByKey(summary.remainingBySavePath).map(([path, value]) => ({ labels: { daemon, path }, value })),
    },
    {
      name: 'deluge_torrents_stalled',
      type: 'gauge',
      help: `Downloading torrents that moved no payload within the stall window (${METHOD} state, time_since_transfer, active_time).`,
      labelNames: ['daemon'],
      samples: [{ labels: { daemon }, value: summary.stalled }],
    },
  ];
}

/** What one torrents scrape tells the next. */
export interface TorrentsState {
  /**
   * Whether the last scrape exported no per-torrent series (over the cap); `undefined` before the
   * first scrape. While capped, a scrape asks only for the keys the aggregates need (much less work
   * for the daemon and for decoding), and its second step fetches the per-torrent keys when the
   * torrents fit again.
   */
  readonly perTorrentCapped: boolean | undefined;
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
  state.perTorrentCapped === true || !config.perTorrent.enabled;

function failed(state: TorrentsState, method: string, error: Error): Collected<TorrentsState> {
  return { families: [], problems: [callProblem(method, error)], state };
}

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: Error };

function readAnswer<T>(answers: Answers, name: string, read: (answer: unknown) => T): Outcome<T> {
  const settled = answerOf(answers, name, METHOD);
  if (!settled.ok) return settled;
  try {
    return { ok: true, value: read(settled.value) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
  }
}

/**
 * The `deluge_torrents*` aggregates and the per-torrent series (`deluge_torrent_*`, capped) from one
 * `core.get_torrents_status`. Required. While over the cap it asks only for the aggregate keys; when
 * the torrents fit under the cap again, its second step fetches the per-torrent keys. An answer
 * that may turn out to be over the cap (capped, or the first scrape) is taken encoded and reduced
 * without building a dict per torrent; it is decoded only when its torrents get series.
 */
export const torrentsCollector: Collector<TorrentsState> = {
  name: 'torrents',
  required: true,
  initialState: { perTorrentCapped: undefined },
  requests: ({ config }, state) => {
    const onlyAggregates = aggregatesOnly(config, state);
    const request = requests.core.getTorrentsStatus({}, torrentKeys(config, onlyAggregates));
    const maybeCapped = onlyAggregates || state.perTorrentCapped === undefined;
    return { torrents: maybeCapped ? { ...request, encodedAnswer: true } : request };
  },
  followUp(answers, { config }, state): Requests {
    if (!config.perTorrent.enabled || state.perTorrentCapped !== true) return {};
    const first = readAnswer(answers, 'torrents', (answer) => summarizeTorrents(answer, config));
    if (!first.ok || first.value.perTorrentMatches > config.perTorrent.maxTorrents) return {};
    return { full: requests.core.getTorrentsStatus({}, torrentKeys(config, false)) };
  },
  collect(answers, { daemon, config, scrapeTimeSeconds }, state) {
    const first = readAnswer(answers, 'torrents', (answer) => summarizeTorrents(answer, config));
    if (!first.ok) return failed(state, METHOD, first.error);
    const { skipped, torrentCount } = first.value;
    const facts = { torrentCount };
    const overCap = first.value.perTorrentMatches > config.perTorrent.maxTorrents;
    let selection: PerTorrentSelection = {
      selected: [],
      capped: true,
      filteredOut: config.perTorrent.enabled ? torrentCount - first.value.perTorrentMatches : 0,
    };
    if (answers.has('full') || (!aggregatesOnly(config, state) && !overCap)) {
      const full = readAnswer(answers, answers.has('full') ? 'full' : 'torrents', parseTorrents);
      if (!full.ok) return { ...failed(state, METHOD, full.error), skipped, facts };
      selection = selectPerTorrent(full.value.torrents, config.perTorrent);
    }
    return {
      families: [
        ...torrentAggregateFamilies(first.value, daemon),
        ...perTorrentFamilies(selection, daemon, config.perTorrent, scrapeTimeSeconds),
      ],
      problems: [],
      state: { perTorrentCapped: selection.capped },
      skipped,
      facts,
    };
  },
};
