/**
 * `Deluge / Torrent`: one torrent's history (state, progress, rates, peers, ratio, tracker answers),
 * reached from any torrent row of the overview. When the torrent has no per-torrent series, its first
 * panel says why (capped, filtered out or removed, daemon down, not on the daemon) instead of leaving the rest blank.
 */
import {
  type Dashboard,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { finish, kitDashboard, TORRENT_UID } from './dashboard.js';
import {
  DATASOURCE,
  dashed,
  rightAxis,
  sel,
  stateTimelinePanel,
  statPanel,
  steps,
  tablePanel,
  timeseriesPanel,
  valueText,
} from './panels.js';

/** The selector of the chosen torrent's series. */
const torrent = () => sel('hash="$torrent"');

/** Shown by every per-torrent panel that has no data: the first panel says why. */
const NO_SERIES = 'No series for this torrent: see "Per-torrent series" at the top';

/**
 * Why the torrent has (or has no) per-torrent series, as a code per daemon; the first branch of `or`
 * that has a sample wins. 3 and 4 read deluge_torrent_series_filtered_out: with no torrent filtered
 * out, a torrent without series is not on the daemon (4); with some, the metrics cannot say whether
 * this one is among them or was removed (3).
 */
export const SERIES_STATUS_EXPR = [
  `max by (daemon) (deluge_torrent_info${torrent()}) * 0 + 1`,
  `max by (daemon) (deluge_up${sel()} == 0) * 0 + 5`,
  `max by (daemon) (deluge_torrent_series_capped${sel()} == 1) * 0 + 2`,
  `max by (daemon) (deluge_torrent_series_filtered_out${sel()} > 0) * 0 + 3`,
  `max by (daemon) (deluge_torrent_series_filtered_out${sel()} == 0) * 0 + 4`,
].join('\nor\n');

/** The legend of the per-torrent series panel's second value: how many torrents the filters leave out. */
const FILTERED_OUT = 'torrents filtered out';

/** The chosen torrent's save path, joined onto a per-path family of its daemon: its value there. */
const atSavePath = (metric: string) =>
  `deluge_torrent_save_path_info${torrent()} * on(job, instance, daemon, path) group_left() ${metric}${sel()}`;

/** deluge_torrent_info of the chosen torrent with its save path (without one when it has none). */
const INFO_WITH_SAVE_PATH = `(deluge_torrent_info${torrent()} * on(job, instance, daemon, hash) group_left(path) deluge_torrent_save_path_info${torrent()}) or on(job, instance, daemon, hash) deluge_torrent_info${torrent()}`;

/** The `torrent` variable: hashes as values, names as the text shown and searched. */
function torrentVariable(): QueryVariableBuilder {
  const query = `query_result(max by (hash, name) (deluge_torrent_info${sel()}))`;
  return new QueryVariableBuilder('torrent')
    .label('Torrent')
    .description('The torrent (its hash), listed and searched by name from deluge_torrent_info.')
    .datasource(DATASOURCE)
    .query({ query, refId: 'PrometheusVariableQueryEditor-VariableQuery' })
    .definition(query)
    .regex('/hash="(?<value>[0-9a-f]{40})",name="(?<text>.*)"}/')
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalCaseInsensitiveAsc)
    .multi(false)
    .includeAll(false);
}

export function torrentDashboard(): Dashboard {
  const builder = kitDashboard({
    title: 'Deluge / Torrent',
    uid: TORRENT_UID,
    description:
      "One torrent of a Deluge daemon over time: state, progress and ETA, payload rates, peers and seeds, ratio, bytes still wanted, time since it last moved data, its tracker's answers, its save path and the free space there.",
    multiDaemon: false,
  })
    .withVariable(torrentVariable())

    .withRow(new RowBuilder('Torrent'))
    .withPanel(
      statPanel({
        title: 'Per-torrent series',
        description:
          "Whether the exporter exports this torrent's series, and if not why: the daemon down (deluge_up 0); per-torrent series capped (more torrents than per_torrent.max_torrents, or per_torrent.enabled false: deluge_torrent_series_capped); per_torrent.states, labels or trackers leave torrents out (deluge_torrent_series_filtered_out above 0, shown beside): this one among them, or removed, which the metrics cannot tell apart; no torrent filtered out: the torrent is not on this daemon (removed, or on another daemon).",
        w: 8,
        h: 5,
        unit: 'none',
        queries: [
          { expr: SERIES_STATUS_EXPR, legend: '{{daemon}}' },
          { expr: `deluge_torrent_series_filtered_out${sel()}`, legend: FILTERED_OUT },
        ],
        mappings: [
          valueText({
            1: ['exported', 'green'],
            2: ['capped or per-torrent off', 'orange'],
            3: ['filtered out by per_torrent filters, or removed', 'orange'],
            4: ['not on this daemon (none filtered out)', 'red'],
            5: ['daemon down', 'red'],
          }),
        ],
        thresholds: steps('green'),
        overrides: [
          {
            regexp: FILTERED_OUT,
            properties: [
              { id: 'mappings', value: [] },
              { id: 'unit', value: 'short' },
            ],
          },
        ],
      }),
    )
    .withPanel(
      tablePanel({
        title: 'Name, state, label, save path and tracker',
        description:
          'deluge_torrent_info now: the name, Deluge state, Label plugin label and tracker host; the save path from deluge_torrent_save_path_info (the directory its data is in; empty when that family is not exported). "Free space where it saves" below shows that directory\'s free space.',
        w: 16,
        h: 5,
        unit: 'none',
        noValue: NO_SERIES,
        queries: [{ expr: INFO_WITH_SAVE_PATH, table: true }],
        exclude: ['Time', 'Value', '__name__', 'job', 'instance'],
        rename: { path: 'save path' },
        order: ['name', 'state', 'label', 'path', 'tracker', 'daemon', 'hash'],
      }),
    )
    .withPanel(
      stateTimelinePanel({
        title: 'State over time',
        description: "deluge_torrent_info's state label over time: one lane per Deluge state the torrent was in.",
        w: 24,
        h: 5,
        unit: 'none',
        noValue: NO_SERIES,
        queries: [{ expr: `count by (state) (deluge_torrent_info${torrent()})`, legend: '{{state}}' }],
        mappings: [valueText({ 1: ['in this state', 'blue'] })],
      }),
    )

    .withRow(new RowBuilder('Progress'))
    .withPanel(
      timeseriesPanel({
        title: 'Progress',
        description: 'deluge_torrent_progress_ratio: the share of the wanted bytes done.',
        w: 12,
        h: 8,
        unit: 'percentunit',
        noValue: NO_SERIES,
        queries: [{ expr: `deluge_torrent_progress_ratio${torrent()}`, legend: 'progress' }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: 'ETA',
        description:
          "deluge_torrent_eta_seconds: Deluge's estimate of the time left (absent when unknown or finished; a year or more shows as 1 year).",
        w: 12,
        h: 8,
        unit: 's',
        noValue: NO_SERIES,
        queries: [{ expr: `deluge_torrent_eta_seconds${torrent()}`, legend: 'ETA' }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: 'Wanted and remaining',
        description:
          'deluge_torrent_wanted_bytes (the selected files), deluge_torrent_completed_bytes and what is still to download (wanted minus completed).',
        w: 12,
        h: 8,
        unit: 'bytes',
        noValue: NO_SERIES,
        queries: [
          { expr: `deluge_torrent_wanted_bytes${torrent()}`, legend: 'wanted' },
          { expr: `deluge_torrent_completed_bytes${torrent()}`, legend: 'completed' },
          {
            expr: `deluge_torrent_wanted_bytes${torrent()} - deluge_torrent_completed_bytes${torrent()}`,
            legend: 'remaining',
          },
        ],
        overrides: [dashed('wanted')],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: 'Time since last transfer',
        description:
          'Now minus deluge_torrent_last_transfer_timestamp_seconds: how long ago the torrent last moved payload (absent while it never has). A downloading torrent idle longer than the stall window counts in deluge_torrents_stalled.',
        w: 12,
        h: 8,
        unit: 's',
        noValue: NO_SERIES,
        queries: [
          {
            expr: `time() - deluge_torrent_last_transfer_timestamp_seconds${torrent()}`,
            legend: 'since last transfer',
          },
        ],
      }),
    )

    .withRow(new RowBuilder('Transfer'))
    .withPanel(
      timeseriesPanel({
        title: 'Payload rates',
        description:
          "deluge_torrent_download_rate_bytes_per_second and deluge_torrent_upload_rate_bytes_per_second: Deluge's smoothed payload rates of this torrent.",
        w: 12,
        h: 8,
        unit: 'Bps',
        noValue: NO_SERIES,
        queries: [
          { expr: `deluge_torrent_download_rate_bytes_per_second${torrent()}`, legend: 'download' },
          { expr: `deluge_torrent_upload_rate_bytes_per_second${torrent()}`, legend: 'upload' },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: 'Peers and seeds',
        description:
          'Peers and seeds connected (deluge_torrent_peers_connected, deluge_torrent_seeds_connected) and in the swarm as the tracker reports them (dashed: deluge_torrent_swarm_peers, deluge_torrent_swarm_seeds; absent when unknown).',
        w: 12,
        h: 8,
        unit: 'short',
        noValue: NO_SERIES,
        queries: [
          { expr: `deluge_torrent_peers_connected${torrent()}`, legend: 'peers connected' },
          { expr: `deluge_torrent_seeds_connected${torrent()}`, legend: 'seeds connected' },
          { expr: `deluge_torrent_swarm_peers${torrent()}`, legend: 'peers in swarm' },
          { expr: `deluge_torrent_swarm_seeds${torrent()}`, legend: 'seeds in swarm' },
        ],
        overrides: [dashed('.* in swarm')],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: 'Ratio and uploaded',
        description:
          'deluge_torrent_ratio (uploaded over downloaded; absent when unknown) and deluge_torrent_uploaded_bytes_total (right axis).',
        w: 12,
        h: 8,
        unit: 'short',
        noValue: NO_SERIES,
        queries: [
          { expr: `deluge_torrent_ratio${torrent()}`, legend: 'ratio' },
          { expr: `deluge_torrent_uploaded_bytes_total${torrent()}`, legend: 'uploaded' },
        ],
        overrides: [rightAxis('uploaded', 'bytes')],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: 'Downloaded and uploaded per second',
        description:
          'The rate of deluge_torrent_downloaded_bytes_total and deluge_torrent_uploaded_bytes_total: payload moved, averaged over the rate interval.',
        w: 12,
        h: 8,
        unit: 'Bps',
        noValue: NO_SERIES,
        queries: [
          {
            expr: `rate(deluge_torrent_downloaded_bytes_total${torrent()}[$__rate_interval])`,
            legend: 'downloaded',
          },
          { expr: `rate(deluge_torrent_uploaded_bytes_total${torrent()}[$__rate_interval])`, legend: 'uploaded' },
        ],
      }),
    )

    .withRow(new RowBuilder('Tracker'))
    .withPanel(
      stateTimelinePanel({
        title: 'Tracker',
        description: "deluge_torrent_info's tracker label over time: the tracker host Deluge announces to.",
        w: 12,
        h: 6,
        unit: 'none',
        noValue: NO_SERIES,
        queries: [{ expr: `count by (tracker) (deluge_torrent_info${torrent()})`, legend: '{{tracker}}' }],
        mappings: [valueText({ 1: ['announcing here', 'blue'] })],
      }),
    )
    .withPanel(
      stateTimelinePanel({
        title: 'Tracker error',
        description:
          "deluge_torrent_tracker_error_info over time: the kind (unregistered, unauthorized, unreachable, other) and the tracker's own message while its last answer was an error.",
        w: 12,
        h: 6,
        unit: 'none',
        noValue: 'No tracker error (or no series: see "Per-torrent series")',
        queries: [
          {
            expr: `count by (kind, message) (deluge_torrent_tracker_error_info${torrent()})`,
            legend: '{{kind}}: {{message}}',
          },
        ],
        mappings: [valueText({ 1: ['error', 'red'] })],
      }),
    )

    .withRow(new RowBuilder('Disk'))
    .withPanel(
      timeseriesPanel({
        title: 'Free space where it saves',
        description:
          "The torrent's save path (deluge_torrent_save_path_info) joined on path with deluge_free_space_bytes, the free space there, and with deluge_torrents_remaining_bytes (dashed), what all unfinished torrents saving there, this one included, still have to write: the room this torrent's remaining bytes compete for. Follows the torrent when it moves.",
        w: 24,
        h: 7,
        unit: 'bytes',
        noValue: NO_SERIES,
        queries: [
          { expr: atSavePath('deluge_free_space_bytes'), legend: '{{path}} free' },
          {
            expr: atSavePath('deluge_torrents_remaining_bytes'),
            legend: '{{path}} remaining (all unfinished torrents)',
          },
        ],
        overrides: [dashed('.* remaining .*')],
      }),
    );
  return finish(builder);
}
