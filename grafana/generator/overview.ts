/** `Deluge / Overview`: every selected daemon's health, traffic against limits, torrents, trackers, disk. */
import { CustomVariableBuilder, type Dashboard, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { finish, kitDashboard, OVERVIEW_UID, overviewDaemonLink, torrentLink } from './dashboard.js';
import {
  barGaugePanel,
  dashed,
  exporterSel,
  rightAxis,
  sel,
  stateTimelinePanel,
  statPanel,
  steps,
  tablePanel,
  timeseriesPanel,
  valueText,
} from './panels.js';

const rate = (metric: string, by: string, extra: string[] = []) =>
  `sum by (${by}) (rate(${metric}${sel(...extra)}[$__rate_interval]))`;

/** The per-torrent top-N tables share their shape: value, name joined from deluge_torrent_info. */
function topTable(title: string, description: string, top: string, metric: string, unit: string, column: string) {
  return tablePanel({
    title,
    description,
    w: 12,
    h: 9,
    unit,
    queries: [
      {
        expr: `${top}($topn, ${metric}${sel()}) * on(daemon, hash) group_left(name) deluge_torrent_info${sel()}`,
        table: true,
      },
    ],
    sortBy: { column: 'Value', desc: top === 'topk' },
    exclude: ['Time', '__name__', 'job', 'instance'],
    rename: { Value: column },
    order: ['name', 'daemon', 'hash', 'Value'],
    columns: { name: [{ id: 'links', value: [torrentLink()] }] },
  });
}

/** The fleet table's columns: one instant query each, per daemon, merged into one row per daemon. */
const FLEET_COLUMNS: readonly { readonly column: string; readonly expr: string; readonly unit: string }[] = [
  {
    column: 'up',
    expr: `max by (instance, daemon) (deluge_up${sel()})`,
    unit: 'none',
  },
  {
    column: 'torrents',
    expr: `sum by (instance, daemon) (deluge_torrents${sel()})`,
    unit: 'short',
  },
  {
    column: 'download',
    expr: `sum by (instance, daemon) (rate(deluge_session_received_payload_bytes_total${sel()}[$__rate_interval]))`,
    unit: 'Bps',
  },
  {
    column: 'upload',
    expr: `sum by (instance, daemon) (rate(deluge_session_sent_payload_bytes_total${sel()}[$__rate_interval]))`,
    unit: 'Bps',
  },
  {
    column: 'free on download location',
    expr: `max by (instance, daemon) (deluge_download_location_info${sel()} * on(job, instance, daemon, path) group_left() deluge_free_space_bytes${sel()})`,
    unit: 'bytes',
  },
  {
    column: 'stalled',
    expr: `max by (instance, daemon) (deluge_torrents_stalled${sel()})`,
    unit: 'short',
  },
  {
    column: 'tracker errors',
    // A daemon without torrents has no tracker, hence no error series: 0 then.
    expr: `sum by (instance, daemon) (deluge_torrents_tracker_errors${sel()}) or sum by (instance, daemon) (deluge_torrents${sel()}) * 0`,
    unit: 'short',
  },
];

const REF = (index: number) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'[index] as string;

/** One row per daemon; the daemon's name links to this dashboard filtered to it. */
function fleetTable() {
  const versionExpr = `max by (instance, daemon, version) (deluge_info${sel()})`;
  return tablePanel({
    title: 'Fleet',
    description:
      "One row per daemon: up (deluge_up), Deluge version (deluge_info), torrents (deluge_torrents), payload rates (from the session counters), the free space on its download location, where new torrents go (deluge_free_space_bytes of the path deluge_download_location_info names), stalled torrents (deluge_torrents_stalled) and torrents with tracker errors (deluge_torrents_tracker_errors). A daemon's name opens this dashboard filtered to it.",
    w: 24,
    h: 6,
    unit: 'none',
    merge: true,
    queries: [...FLEET_COLUMNS.map(({ expr }) => ({ expr, table: true })), { expr: versionExpr, table: true }],
    exclude: ['Time', `Value #${REF(FLEET_COLUMNS.length)}`],
    rename: Object.fromEntries(FLEET_COLUMNS.map(({ column }, index) => [`Value #${REF(index)}`, column])),
    order: ['daemon', 'up', 'version', ...FLEET_COLUMNS.slice(1).map(({ column }) => column), 'instance'],
    sortBy: { column: 'daemon', desc: false },
    columns: {
      daemon: [{ id: 'links', value: [overviewDaemonLink()] }],
      up: [
        { id: 'mappings', value: [valueText({ 0: ['DOWN', 'red'], 1: ['UP', 'green'] })] },
        { id: 'custom.cellOptions', value: { type: 'color-background' } },
      ],
      ...Object.fromEntries(FLEET_COLUMNS.slice(1).map(({ column, unit }) => [column, [{ id: 'unit', value: unit }]])),
    },
  });
}

/** Downloading torrents moving no payload, longest idle first: how long since they last moved data. */
function stalledTable() {
  const idle = `(time() - deluge_torrent_last_transfer_timestamp_seconds${sel()}) or (deluge_torrent_active_seconds_total${sel()} + 0)`;
  return tablePanel({
    title: 'Stalled downloads',
    description:
      "Torrents in Downloading (deluge_torrent_info) whose payload download rate is 0 now, longest idle first. Idle for: now minus deluge_torrent_last_transfer_timestamp_seconds (from Deluge's time_since_transfer: payload moved in either direction; up to one scrape interval more than the exporter saw), or, for a torrent that never moved payload, its active time (deluge_torrent_active_seconds_total). deluge_torrents_stalled counts the Downloading torrents idle at least stall_window_seconds (one that never moved payload: active longer than it); the window is the exporter's configuration (default 1800 s) and is not exported, so the stalled ones are the rows whose idle time reaches your configured window. Per-torrent caps and filters apply to this table, not to the count.",
    w: 24,
    h: 9,
    unit: 's',
    queries: [
      {
        expr: `topk($topn, (${idle}) and on(daemon, hash) (deluge_torrent_download_rate_bytes_per_second${sel()} == 0)) * on(daemon, hash) group_left(name) deluge_torrent_info${sel('state="Downloading"')}`,
        table: true,
      },
    ],
    sortBy: { column: 'idle for', desc: true },
    exclude: ['Time', '__name__', 'job', 'instance'],
    rename: { Value: 'idle for' },
    order: ['name', 'daemon', 'hash', 'Value'],
    columns: { name: [{ id: 'links', value: [torrentLink()] }] },
  });
}

export function overviewDashboard(): Dashboard {
  const builder = kitDashboard({
    title: 'Deluge / Overview',
    uid: OVERVIEW_UID,
    description:
      'Deluge daemons monitored by deluge-exporter: health, traffic against limits, torrents, trackers, disk, top torrents and the exporter itself.',
    multiDaemon: true,
  })
    .withVariable(
      new CustomVariableBuilder('topn').label('Top N').values('10,20,50').current({ text: '10', value: '10' }),
    )

    .withRow(new RowBuilder('Fleet'))
    .withPanel(fleetTable())

    .withRow(new RowBuilder('Health'))
    .withPanel(
      statPanel({
        title: 'Daemon up',
        description: 'deluge_up: 1 when the daemon answered login and every required call of the last scrape.',
        w: 6,
        h: 5,
        unit: 'none',
        queries: [{ expr: `deluge_up${sel()}`, legend: '{{daemon}}' }],
        mappings: [valueText({ 0: ['DOWN', 'red'], 1: ['UP', 'green'] })],
        thresholds: steps('red', [1, 'green']),
      }),
    )
    .withPanel(
      statPanel({
        title: 'Auth level',
        description:
          "The exporter account's Deluge auth level (1 read-only, 5 normal, 10 admin). Below 10 Deluge hides other users' torrents, so every count here may be incomplete.",
        w: 6,
        h: 5,
        unit: 'none',
        queries: [{ expr: `deluge_login_auth_level${sel()}`, legend: '{{daemon}}' }],
        mappings: [valueText({ 1: ['read-only'], 5: ['normal (counts may be incomplete)'], 10: ['admin'] })],
        thresholds: steps('orange', [10, 'green']),
      }),
    )
    .withPanel(
      statPanel({
        title: 'Session paused',
        description: 'deluge_session_paused: a paused session moves no data at all.',
        w: 6,
        h: 5,
        unit: 'none',
        queries: [{ expr: `deluge_session_paused${sel()}`, legend: '{{daemon}}' }],
        mappings: [valueText({ 0: ['running', 'green'], 1: ['PAUSED', 'orange'] })],
        thresholds: steps('green', [1, 'orange']),
      }),
    )
    .withPanel(
      tablePanel({
        title: 'Daemon versions',
        description: 'deluge_info: Deluge and libtorrent versions per daemon.',
        w: 6,
        h: 5,
        unit: 'none',
        queries: [{ expr: `deluge_info${sel()}`, table: true }],
        exclude: ['Time', 'Value', '__name__', 'job', 'instance'],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: 'Scrape duration',
        description:
          'deluge_scrape_duration_seconds: wall time spent on each daemon per scrape. Close to the scrape timeout means slow RPC.',
        w: 12,
        h: 7,
        unit: 's',
        queries: [{ expr: `deluge_scrape_duration_seconds${sel()}`, legend: '{{daemon}}' }],
      }),
    )
    .withPanel(
      stateTimelinePanel({
        title: 'Collector success',
        description:
          'deluge_scrape_collector_success per collector: a failed optional collector leaves deluge_up at 1 but its metrics missing.',
        w: 12,
        h: 7,
        unit: 'none',
        queries: [
          {
            expr: `min by (daemon, collector) (deluge_scrape_collector_success${sel()})`,
            legend: '{{daemon}} {{collector}}',
          },
        ],
        mappings: [valueText({ 0: ['failed', 'red'], 1: ['ok', 'green'] })],
        thresholds: steps('red', [1, 'green']),
      }),
    )

    .withRow(new RowBuilder('Traffic'))
    .withPanel(
      timeseriesPanel({
        title: 'Download payload rate vs limit',
        description:
          "Payload received per second, from the counter deluge_session_received_payload_bytes_total; the dashed line is the daemon's configured download limit (absent when unlimited).",
        w: 12,
        h: 8,
        unit: 'Bps',
        queries: [
          { expr: rate('deluge_session_received_payload_bytes_total', 'daemon'), legend: '{{daemon}} payload' },
          { expr: `deluge_config_download_rate_limit_bytes_per_second${sel()}`, legend: '{{daemon}} limit' },
        ],
        overrides: [dashed('.* limit')],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: 'Upload payload rate vs limit',
        description:
          "Payload sent per second, from the counter deluge_session_sent_payload_bytes_total; the dashed line is the daemon's configured upload limit (absent when unlimited).",
        w: 12,
        h: 8,
        unit: 'Bps',
        queries: [
          { expr: rate('deluge_session_sent_payload_bytes_total', 'daemon'), legend: '{{daemon}} payload' },
          { expr: `deluge_config_upload_rate_limit_bytes_per_second${sel()}`, legend: '{{daemon}} limit' },
        ],
        overrides: [dashed('.* limit')],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: 'Wire traffic and waste',
        description:
          'All bytes on the wire (payload plus protocol overhead) and payload wasted as redundant or failed (hash check) pieces.',
        w: 12,
        h: 8,
        unit: 'Bps',
        queries: [
          { expr: rate('deluge_session_received_bytes_total', 'daemon'), legend: '{{daemon}} received' },
          { expr: rate('deluge_session_sent_bytes_total', 'daemon'), legend: '{{daemon}} sent' },
          { expr: rate('deluge_session_wasted_bytes_total', 'daemon, reason'), legend: '{{daemon}} wasted {{reason}}' },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: 'Peers vs connection limit',
        description:
          'Connected peers and DHT nodes; the dashed line is max_connections_global (absent when unlimited).',
        w: 12,
        h: 8,
        unit: 'short',
        queries: [
          { expr: `deluge_session_peers_connected${sel()}`, legend: '{{daemon}} peers' },
          { expr: `deluge_config_max_connections${sel()}`, legend: '{{daemon}} limit' },
          { expr: `deluge_session_dht_nodes${sel()}`, legend: '{{daemon}} DHT nodes' },
        ],
        overrides: [dashed('.* limit')],
      }),
    )
    .withPanel(
      stateTimelinePanel({
        title: 'Incoming connections',
        description:
          'deluge_session_has_incoming_connections: 0 for long while torrents are active means the listen port is not reachable (firewall, NAT).',
        w: 12,
        h: 6,
        unit: 'none',
        queries: [{ expr: `deluge_session_has_incoming_connections${sel()}`, legend: '{{daemon}}' }],
        mappings: [valueText({ 0: ['none', 'orange'], 1: ['yes', 'green'] })],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: 'Disk write queue',
        description:
          'deluge_session_disk_queued_write_bytes: data waiting to be written; a growing queue means the disk is slower than the download.',
        w: 12,
        h: 6,
        unit: 'bytes',
        queries: [{ expr: `deluge_session_disk_queued_write_bytes${sel()}`, legend: '{{daemon}}' }],
      }),
    )

    .withRow(new RowBuilder('Torrents'))
    .withPanel(
      timeseriesPanel({
        title: 'Torrents by state',
        description: 'deluge_torrents per state, summed over the selected daemons.',
        w: 12,
        h: 8,
        unit: 'short',
        stacked: true,
        queries: [{ expr: `sum by (state) (deluge_torrents${sel()})`, legend: '{{state}}' }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: 'Active torrents vs queue limits',
        description:
          'Downloading and seeding torrents, the torrents moving payload now (deluge_torrents_active), and max_active_downloading / max_active_seeding (dashed; absent when unlimited).',
        w: 12,
        h: 8,
        unit: 'short',
        queries: [
          {
            expr: `sum by (daemon, state) (deluge_torrents${sel('state=~"Downloading|Seeding"')})`,
            legend: '{{daemon}} {{state}}',
          },
          { expr: `deluge_config_max_active_torrents${sel()}`, legend: '{{daemon}} {{kind}} limit' },
          { expr: `deluge_torrents_active${sel()}`, legend: '{{daemon}} moving payload' },
        ],
        overrides: [dashed('.* limit')],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Stalled',
        description:
          'deluge_torrents_stalled: downloading torrents that moved no payload for the configured stall window.',
        w: 4,
        h: 5,
        unit: 'short',
        queries: [{ expr: `sum by (daemon) (deluge_torrents_stalled${sel()})`, legend: '{{daemon}}' }],
        thresholds: steps('green', [1, 'orange']),
      }),
    )
    .withPanel(
      statPanel({
        title: 'Errored',
        description:
          'deluge_torrents{state="Error"}: torrents Deluge stopped because of an error (missing files, disk full, permission).',
        w: 4,
        h: 5,
        unit: 'short',
        queries: [{ expr: `sum by (daemon) (deluge_torrents${sel('state="Error"')})`, legend: '{{daemon}}' }],
        thresholds: steps('green', [1, 'red']),
      }),
    )
    .withPanel(
      statPanel({
        title: 'Per-torrent series capped',
        description:
          'deluge_torrent_series_capped: 1 when the daemon has more torrents than per_torrent.max_torrents (or per-torrent series are off); the per-torrent tables below are then empty for it.',
        w: 4,
        h: 5,
        unit: 'none',
        queries: [{ expr: `deluge_torrent_series_capped${sel()}`, legend: '{{daemon}}' }],
        mappings: [valueText({ 0: ['no', 'green'], 1: ['capped', 'orange'] })],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: 'Torrent events',
        description:
          'deluge_torrent_events_total per event: torrents added, removed, finished, errored, state changes.',
        w: 12,
        h: 5,
        unit: 'short',
        queries: [
          {
            expr: `sum by (event) (increase(deluge_torrent_events_total${sel()}[$__rate_interval]))`,
            legend: '{{event}}',
          },
        ],
      }),
    )
    .withPanel(
      barGaugePanel({
        title: 'Torrents by label',
        description: 'deluge_torrents_by_label (Label plugin); "" is unlabelled or plugin off.',
        w: 8,
        h: 8,
        unit: 'short',
        queries: [{ expr: `sum by (label) (deluge_torrents_by_label${sel()})`, legend: '{{label}}' }],
      }),
    )
    .withPanel(
      barGaugePanel({
        title: 'Torrents by tracker (top 20)',
        description: 'deluge_torrents_by_tracker: torrents per tracker host.',
        w: 8,
        h: 8,
        unit: 'short',
        queries: [{ expr: `topk(20, sum by (tracker) (deluge_torrents_by_tracker${sel()}))`, legend: '{{tracker}}' }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: 'Wanted bytes',
        description: 'deluge_torrents_wanted_bytes: sum of the selected-file sizes of all torrents.',
        w: 8,
        h: 8,
        unit: 'bytes',
        queries: [{ expr: `deluge_torrents_wanted_bytes${sel()}`, legend: '{{daemon}}' }],
      }),
    )

    .withRow(new RowBuilder('Trackers'))
    .withPanel(
      timeseriesPanel({
        title: 'Tracker errors by kind',
        description:
          'deluge_torrents_tracker_errors: torrents whose tracker reports an error, per tracker and kind (unregistered: deleted at the tracker; unauthorized: passkey, account or client refused; unreachable: connection, timeout, DNS or TLS; other). Trackers without errors are hidden.',
        w: 12,
        h: 8,
        unit: 'short',
        stacked: true,
        queries: [
          {
            expr: `sum by (tracker, kind) (deluge_torrents_tracker_errors${sel()}) > 0`,
            legend: '{{tracker}} {{kind}}',
          },
        ],
      }),
    )
    .withPanel(
      tablePanel({
        title: 'Torrents with tracker errors',
        description:
          "deluge_torrent_tracker_error_info (per-torrent series, cap and filters apply), names from deluge_torrent_info: the tracker's own message and its kind.",
        w: 12,
        h: 8,
        unit: 'none',
        queries: [
          {
            expr: `deluge_torrent_tracker_error_info${sel()} * on(daemon, hash) group_left(name, tracker) deluge_torrent_info${sel()}`,
            table: true,
          },
        ],
        sortBy: { column: 'kind', desc: false },
        exclude: ['Time', '__name__', 'job', 'instance', 'Value'],
        rename: {},
        order: ['name', 'tracker', 'kind', 'message', 'daemon', 'hash'],
        columns: { name: [{ id: 'links', value: [torrentLink()] }] },
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: 'Download rate per tracker',
        description:
          "deluge_tracker_download_rate_bytes_per_second: the torrents' payload download rates summed per tracker host.",
        w: 12,
        h: 8,
        unit: 'Bps',
        stacked: true,
        queries: [
          {
            expr: `sum by (tracker) (deluge_tracker_download_rate_bytes_per_second${sel()})`,
            legend: '{{tracker}}',
          },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: 'Upload rate per tracker',
        description:
          "deluge_tracker_upload_rate_bytes_per_second: the torrents' payload upload rates summed per tracker host.",
        w: 12,
        h: 8,
        unit: 'Bps',
        stacked: true,
        queries: [
          { expr: `sum by (tracker) (deluge_tracker_upload_rate_bytes_per_second${sel()})`, legend: '{{tracker}}' },
        ],
      }),
    )

    .withRow(new RowBuilder('Disk'))
    .withPanel(
      timeseriesPanel({
        title: 'Free space vs bytes still to download, per path',
        description:
          'deluge_free_space_bytes per path (solid) and deluge_torrents_remaining_bytes of unfinished torrents saving there (dashed): when remaining exceeds free, downloads will fail.',
        w: 16,
        h: 8,
        unit: 'bytes',
        queries: [
          { expr: `deluge_free_space_bytes${sel()}`, legend: '{{daemon}} {{path}} free' },
          { expr: `deluge_torrents_remaining_bytes${sel()}`, legend: '{{daemon}} {{path}} remaining' },
        ],
        overrides: [dashed('.* remaining')],
      }),
    )
    .withPanel(
      barGaugePanel({
        title: 'Free space left after unfinished downloads',
        description:
          'deluge_free_space_bytes minus deluge_torrents_remaining_bytes per path; negative means the disk fills before the downloads finish.',
        w: 8,
        h: 8,
        unit: 'bytes',
        lastValue: true,
        queries: [
          {
            expr: `deluge_free_space_bytes${sel()} - deluge_torrents_remaining_bytes${sel()}`,
            legend: '{{daemon}} {{path}}',
            instant: true,
          },
        ],
        thresholds: steps('red', [0, 'green']),
      }),
    )

    .withRow(new RowBuilder('Per-torrent (top $topn)'))
    .withPanel(
      topTable(
        'Top download rate',
        'Fastest downloading torrents (deluge_torrent_download_rate_bytes_per_second), names from deluge_torrent_info.',
        'topk',
        'deluge_torrent_download_rate_bytes_per_second',
        'Bps',
        'download rate',
      ),
    )
    .withPanel(
      topTable(
        'Top upload rate',
        'Fastest uploading torrents (deluge_torrent_upload_rate_bytes_per_second), names from deluge_torrent_info.',
        'topk',
        'deluge_torrent_upload_rate_bytes_per_second',
        'Bps',
        'upload rate',
      ),
    )
    .withPanel(
      topTable(
        'Longest ETA',
        'Torrents expected to take longest to finish (deluge_torrent_eta_seconds; a year or more shows as 1 year).',
        'topk',
        'deluge_torrent_eta_seconds',
        's',
        'ETA',
      ),
    )
    .withPanel(
      topTable(
        'Lowest progress',
        'Least complete torrents (deluge_torrent_progress_ratio).',
        'bottomk',
        'deluge_torrent_progress_ratio',
        'percentunit',
        'Lowest progress',
      ),
    )
    .withPanel(stalledTable())

    .withRow(new RowBuilder('Exporter'))
    .withPanel(
      timeseriesPanel({
        title: 'RPC errors',
        description:
          'deluge_exporter_rpc_errors_total by daemon and error class (timeout, connection, auth, protocol, remote).',
        w: 8,
        h: 7,
        unit: 'reqps',
        queries: [{ expr: rate('deluge_exporter_rpc_errors_total', 'daemon, error'), legend: '{{daemon}} {{error}}' }],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: 'RPC requests',
        description: 'deluge_exporter_rpc_requests_total by daemon and method.',
        w: 8,
        h: 7,
        unit: 'reqps',
        queries: [
          { expr: rate('deluge_exporter_rpc_requests_total', 'daemon, method'), legend: '{{daemon}} {{method}}' },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: 'Reconnects and coalesced scrapes',
        description:
          "deluge_exporter_reconnects_total per daemon, and deluge_exporter_scrapes_coalesced_total: scrapes that shared another scrape's in-flight fetch.",
        w: 8,
        h: 7,
        unit: 'short',
        queries: [
          {
            expr: `sum by (daemon) (increase(deluge_exporter_reconnects_total${sel()}[$__rate_interval]))`,
            legend: '{{daemon}} reconnects',
          },
          {
            expr: `sum by (instance) (increase(deluge_exporter_scrapes_coalesced_total${exporterSel()}[$__rate_interval]))`,
            legend: '{{instance}} coalesced scrapes',
          },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: 'RPC wire bytes',
        description: 'Bytes the exporter exchanged with each daemon (before inflate).',
        w: 8,
        h: 7,
        unit: 'Bps',
        queries: [
          { expr: rate('deluge_exporter_rpc_received_bytes_total', 'daemon'), legend: '{{daemon}} received' },
          { expr: rate('deluge_exporter_rpc_sent_bytes_total', 'daemon'), legend: '{{daemon}} sent' },
        ],
      }),
    )
    .withPanel(
      timeseriesPanel({
        title: 'Exporter process',
        description: 'Resident memory and CPU of the exporter process; Prometheus up of the exporter target.',
        w: 8,
        h: 7,
        unit: 'bytes',
        queries: [
          { expr: `process_resident_memory_bytes${exporterSel()}`, legend: '{{instance}} memory' },
          {
            expr: `rate(process_cpu_seconds_total${exporterSel()}[$__rate_interval])`,
            legend: '{{instance}} CPU cores',
          },
          { expr: `up${exporterSel()}`, legend: '{{instance}} up' },
        ],
        overrides: [rightAxis('.* (CPU cores|up)', 'short')],
      }),
    )
    .withPanel(
      tablePanel({
        title: 'Exporter build and config',
        description:
          'deluge_exporter_build_info and deluge_exporter_config_last_reload_successful (1 = last config load succeeded).',
        w: 8,
        h: 7,
        unit: 'none',
        queries: [
          {
            expr: `deluge_exporter_build_info${exporterSel()} * on(job, instance) group_left() deluge_exporter_config_last_reload_successful${exporterSel()}`,
            table: true,
          },
        ],
        exclude: ['Time', '__name__', 'job'],
        rename: { Value: 'config ok' },
      }),
    );
  return finish(builder);
}
