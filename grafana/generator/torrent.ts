/**
 * `Deluge / Torrent`: one torrent's history (state, progress, rates, peers, ratio, tracker answers),
 * reached from any torrent row of the overview. When the torrent has no per-torrent series, its first
 * panel says why (capped, filtered, daemon down, not on the daemon) instead of leaving the rest blank.
 */
import {
  type Dashboard,
  DashboardBuilder,
  DashboardCursorSync,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { daemonVariables, datasourceVariable, finish, KIT_TAG, kitLinks, TORRENT_UID } from './dashboard.js';
import {
  DASHED,
  DATASOURCE,
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
 * that has a sample wins. 3 is an inference: the daemon has more torrents than per-torrent series.
 */
export const SERIES_STATUS_EXPR = [
  `max by (daemon) (deluge_torrent_info${torrent()}) * 0 + 1`,
  `max by (daemon) (deluge_up${sel()} == 0) * 0 + 5`,
  `max by (daemon) (deluge_torrent_series_capped${sel()} == 1) * 0 + 2`,
  `(sum by (daemon) (deluge_torrents${sel()}) > (count by (daemon) (deluge_torrent_info${sel()}) or sum by (daemon) (deluge_torrents${sel()}) * 0)) * 0 + 3`,
  `max by (daemon) (deluge_up${sel()}) * 0 + 4`,
].join('\nor\n');

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
  const builder = new DashboardBuilder('Deluge / Torrent')
    .uid(TORRENT_UID)
    .description(
      "One torrent of a Deluge daemon over time: state, progress and ETA, payload rates, peers and seeds, ratio, bytes still wanted, time since it last moved data and its tracker's answers.",
    )
    .tags(['deluge', KIT_TAG, 'bittorrent'])
    .timezone('')
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .refresh('1m')
    .time({ from: 'now-6h', to: 'now' })
    .variables([datasourceVariable(), ...daemonVariables({ multiDaemon: false }), torrentVariable()])
    .links([kitLinks()])

    .withRow(new RowBuilder('Torrent'))
    .withPanel(
      statPanel({
        title: 'Per-torrent series',
        description:
          "Whether the exporter exports this torrent's series, and if not why: per-torrent series capped (more torrents than per_torrent.max_torrents, or per_torrent.enabled false: deluge_torrent_series_capped), filtered out by per_torrent.states, labels or trackers (the daemon has more torrents than per-torrent series), the daemon down (deluge_up 0), or the torrent not on the daemon (removed, or another daemon).",
        w: 8,
        h: 5,
        unit: 'none',
        queries: [{ expr: SERIES_STATUS_EXPR, legend: '{{daemon}}' }],
        mappings: [
          valueText({
            1: ['exported', 'green'],
            2: ['capped or per-torrent off', 'orange'],
            3: ['filtered out (per_torrent filters) or removed', 'orange'],
            4: ['not on this daemon', 'red'],
            5: ['daemon down', 'red'],
          }),
        ],
        thresholds: steps('green'),
      }),
    )
    .withPanel(
      tablePanel({
        title: 'Name, state, label and tracker',
        description:
          'deluge_torrent_info now: the name, Deluge state, Label plugin label and tracker host. The save path is not a per-torrent label; "Free space on the daemon\'s paths" below shows the daemon\'s download paths.',
        w: 16,
        h: 5,
        unit: 'none',
        noValue: NO_SERIES,
        queries: [{ expr: `deluge_torrent_info${torrent()}`, table: true }],
        exclude: ['Time', 'Value', '__name__', 'job', 'instance'],
        order: ['name', 'state', 'label', 'tracker', 'daemon', 'hash'],
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
        overrides: [{ regexp: 'wanted', properties: DASHED }],
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
        overrides: [{ regexp: '.* in swarm', properties: DASHED }],
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
        overrides: [
          {
            regexp: 'uploaded',
            properties: [
              { id: 'unit', value: 'bytes' },
              { id: 'custom.axisPlacement', value: 'right' },
            ],
          },
        ],
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
        title: "Free space on the daemon's paths",
        description:
          "deluge_free_space_bytes of the daemon's download paths and deluge_torrents_remaining_bytes of its unfinished torrents saving there (dashed): the room this torrent's remaining bytes compete for.",
        w: 24,
        h: 7,
        unit: 'bytes',
        queries: [
          { expr: `deluge_free_space_bytes${sel()}`, legend: '{{path}} free' },
          { expr: `deluge_torrents_remaining_bytes${sel()}`, legend: '{{path}} remaining' },
        ],
        overrides: [{ regexp: '.* remaining', properties: DASHED }],
      }),
    );
  return finish(builder);
}
