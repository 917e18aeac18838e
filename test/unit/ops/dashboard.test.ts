// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax in expected dashboard text.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  type DashboardPanel,
  dataPanels as dataPanelsOf,
  allPanels as panelsOf,
  variableQuery as queryOf,
  readDashboard,
} from '../../support/dashboard-json.js';

const DASHBOARD_URL = new URL('../../../grafana/dashboards/deluge-overview.json', import.meta.url);
const PROVISIONING_URL = new URL('../../../grafana/provisioning/', import.meta.url);
const dashboardText = readFileSync(DASHBOARD_URL, 'utf8');

const DATASOURCE_VARIABLE = '${datasource}';

const dashboard = readDashboard('deluge-overview.json');
const rows = panelsOf(dashboard).filter((panel) => panel.type === 'row');
const dataPanels = dataPanelsOf(dashboard);
const expressions = dataPanels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
const variable = (name: string) => dashboard.templating.list.find((candidate) => candidate.name === name);

/** The data links a table sets on one of its columns. */
function columnLinks(panel: DashboardPanel | undefined, column: string): { title: string; url: string }[] {
  const override = panel?.fieldConfig?.overrides?.find(
    (candidate) => candidate.matcher.id === 'byName' && candidate.matcher.options === column,
  );
  return (override?.properties.find((property) => property.id === 'links')?.value ?? []) as {
    title: string;
    url: string;
  }[];
}

describe('grafana/dashboards/deluge-overview.json', () => {
  it('pins a stable uid, so provisioning updates the same dashboard', () => {
    expect(dashboard.uid).toBe('deluge-exporter-overview');
  });

  it('chooses its Prometheus through a datasource variable, never through DS_PROMETHEUS or __inputs', () => {
    expect(variable('datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(dashboardText).not.toContain('DS_PROMETHEUS');
    expect(dashboardText).not.toContain('__inputs');
  });

  it('has a single-value job and a multi-value daemon variable read from deluge_up through the datasource variable', () => {
    expect(queryOf(variable('job'))).toBe('label_values(deluge_up, job)');
    // One job at a time: a daemon scraped by both /metrics and /probe jobs would be summed twice and
    // would break the one-to-one deluge_torrent_info join.
    expect(variable('job')).toMatchObject({ type: 'query', multi: false });
    expect(variable('daemon')).toMatchObject({ type: 'query', multi: true });
    expect(queryOf(variable('daemon'))).toMatch(/^label_values\(deluge_up\{.*\}, daemon\)$/);
    for (const candidate of dashboard.templating.list.filter((entry) => entry.type === 'query')) {
      expect(candidate.datasource?.uid, candidate.name).toBe(DATASOURCE_VARIABLE);
    }
  });

  it('has the fleet, health, traffic, torrents, disk, per-torrent and exporter rows', () => {
    expect(rows.map((row) => row.title.split(' ')[0])).toEqual([
      'Fleet',
      'Health',
      'Traffic',
      'Torrents',
      'Trackers',
      'Disk',
      'Per-torrent',
      'Exporter',
    ]);
  });

  it('puts limits next to the traffic they limit, with rates computed from the counters', () => {
    const traffic = expressions.join('\n');
    expect(traffic).toMatch(/rate\(deluge_session_received_payload_bytes_total\{/);
    expect(traffic).toMatch(/rate\(deluge_session_sent_payload_bytes_total\{/);
    for (const limit of [
      'deluge_config_download_rate_limit_bytes_per_second',
      'deluge_config_upload_rate_limit_bytes_per_second',
    ]) {
      const panel = dataPanels.find((candidate) => candidate.targets?.some((target) => target.expr.startsWith(limit)));
      expect(
        panel?.targets?.some((target) => target.expr.includes('rate(')),
        limit,
      ).toBe(true);
    }
  });

  it('names torrents in the per-torrent tables by joining deluge_torrent_info on daemon and hash', () => {
    const tables = dataPanels.filter((panel) => panel.type === 'table' && panel.title.match(/^(Top|Longest|Lowest) /));
    expect(tables.length).toBe(4);
    for (const table of tables) {
      expect(table.targets?.[0]?.expr).toMatch(
        /^(topk|bottomk)\(\$topn, deluge_torrent_\w+\{.*\}\) \* on\(daemon, hash\) group_left\(name\) deluge_torrent_info\{/,
      );
    }
  });

  it('shows tracker errors by kind, rates per tracker, and the torrents with tracker errors by name', () => {
    const row = expressions.join('\n');
    expect(row).toMatch(/sum by \(tracker, kind\) \(deluge_torrents_tracker_errors\{/);
    expect(row).toMatch(/sum by \(tracker\) \(deluge_tracker_download_rate_bytes_per_second\{/);
    expect(row).toMatch(/sum by \(tracker\) \(deluge_tracker_upload_rate_bytes_per_second\{/);
    const table = dataPanels.find((panel) => panel.title === 'Torrents with tracker errors');
    expect(table?.type).toBe('table');
    expect(table?.targets?.[0]?.expr).toMatch(
      /^deluge_torrent_tracker_error_info\{.*\} \* on\(daemon, hash\) group_left\(name, tracker\) deluge_torrent_info\{/,
    );
  });
  it('links every torrent row (a table joining deluge_torrent_info) to Deluge / Torrent for its daemon and hash, keeping the time range', () => {
    const torrentTables = dataPanels.filter(
      (panel) => panel.type === 'table' && panel.targets?.some((target) => target.expr.includes('deluge_torrent_info')),
    );
    expect(torrentTables.map((panel) => panel.title).sort()).toEqual(
      [
        'Longest ETA',
        'Lowest progress',
        'Stalled downloads',
        'Top download rate',
        'Top upload rate',
        'Torrents with tracker errors',
      ].sort(),
    );
    for (const table of torrentTables) {
      const [link, ...more] = columnLinks(table, 'name');
      expect(more, table.title).toEqual([]);
      const url = new URL(link?.url ?? '', 'http://grafana');
      expect(url.pathname, table.title).toBe(`/d/${torrent.uid}`);
      expect(url.search, table.title).toContain('${__url_time_range}');
      expect(url.search, table.title).toContain('${datasource:queryparam}&${job:queryparam}&${instance:queryparam}');
      expect(url.searchParams.get('var-daemon'), table.title).toBe('${__data.fields.daemon}');
      expect(url.searchParams.get('var-torrent'), table.title).toBe('${__data.fields.hash}');
      // The columns the link reads stay in the table.
      const organize = table.transformations?.find((transformation) => transformation.id === 'organize');
      const excluded = Object.keys((organize?.options.excludeByName ?? {}) as Record<string, boolean>);
      expect(excluded, table.title).not.toContain('daemon');
      expect(excluded, table.title).not.toContain('hash');
    }
  });

  it('opens with a fleet table, one row per daemon merged from per-daemon queries, each daemon linking to this dashboard filtered to it', () => {
    const [fleetRow, fleet] = panelsOf(dashboard);
    expect(fleetRow?.title).toBe('Fleet');
    expect(fleet?.type).toBe('table');
    expect(fleet?.transformations?.map((transformation) => transformation.id)).toEqual(['merge', 'organize']);
    for (const target of fleet?.targets ?? []) {
      expect(target.expr, target.refId).toMatch(/^(max|min|sum) by \(instance, daemon(, version)?\) \(/);
      expect(target).toMatchObject({ format: 'table', instant: true });
    }
    const used = (fleet?.targets ?? []).map((target) => target.expr).join('\n');
    for (const metric of [
      'deluge_up',
      'deluge_info',
      'deluge_torrents',
      'deluge_session_received_payload_bytes_total',
      'deluge_session_sent_payload_bytes_total',
      'deluge_download_location_info',
      'deluge_free_space_bytes',
      'deluge_torrents_stalled',
      'deluge_torrents_tracker_errors',
    ]) {
      expect(used).toContain(`${metric}{`);
    }
    const [link] = columnLinks(fleet, 'daemon');
    const url = new URL(link?.url ?? '', 'http://grafana');
    expect(url.pathname).toBe(`/d/${dashboard.uid}`);
    expect(url.searchParams.get('var-daemon')).toBe('${__data.fields.daemon}');
    expect(url.search).toContain('${__url_time_range}');
  });
});

const torrent = readDashboard('deluge-torrent.json');
const torrentPanels = dataPanelsOf(torrent);

describe('grafana/dashboards/deluge-torrent.json', () => {
  const torrentVariable = torrent.templating.list.find((candidate) => candidate.name === 'torrent');

  it('pins its uid and has the datasource, job, instance, single daemon and torrent variables', () => {
    expect(torrent.uid).toBe('deluge-exporter-torrent');
    expect(torrent.templating.list.map((candidate) => candidate.name)).toEqual([
      'datasource',
      'job',
      'instance',
      'daemon',
      'torrent',
    ]);
    const daemon = torrent.templating.list.find((candidate) => candidate.name === 'daemon');
    expect(daemon).toMatchObject({ multi: false, includeAll: false });
    expect(torrentVariable).toMatchObject({ type: 'query', multi: false, includeAll: false });
    expect(torrentVariable?.datasource?.uid).toBe(DATASOURCE_VARIABLE);
  });

  it('lists torrents by name with their hash as the value, from deluge_torrent_info of the chosen daemon', () => {
    expect(queryOf(torrentVariable)).toBe(
      'query_result(max by (hash, name) (deluge_torrent_info{job=~"$job", instance=~"$instance", daemon=~"$daemon"}))',
    );
    // Grafana turns each query_result series into this text (labels in order, values as they are), then
    // applies the regex's named groups; quotes and braces in a name do not end it early.
    const hash = 'a'.repeat(40);
    const text = `{hash="${hash}",name="Debian "12" {netinst}.iso"} 1 1700000000000`;
    const [, source = '', flags = ''] = /^\/(.*)\/(\w*)$/.exec(torrentVariable?.regex ?? '') ?? [];
    const match = new RegExp(source, flags).exec(text);
    expect(match?.groups).toEqual({ value: hash, text: 'Debian "12" {netinst}.iso' });
  });

  it('selects the chosen torrent in every per-torrent query, and shows why when that torrent has no series', () => {
    const [status, ...rest] = torrentPanels;
    expect(status?.title).toBe('Per-torrent series');
    for (const panel of rest) {
      const perTorrent = panel.targets?.every((target) => /deluge_torrent_/.test(target.expr)) ?? false;
      if (!perTorrent) continue;
      for (const target of panel.targets ?? []) {
        for (const selector of target.expr.matchAll(/deluge_torrent_\w+(\{[^}]*\})/g)) {
          expect(selector[1], panel.title).toContain('hash="$torrent"');
        }
      }
      expect(panel.fieldConfig?.defaults?.noValue, panel.title).toMatch(/Per-torrent series/);
    }
  });

  it('has the panels the torrent history needs', () => {
    expect(torrentPanels.map((panel) => panel.title)).toEqual([
      'Per-torrent series',
      'Name, state, label, save path and tracker',
      'State over time',
      'Progress',
      'ETA',
      'Wanted and remaining',
      'Time since last transfer',
      'Payload rates',
      'Peers and seeds',
      'Ratio and uploaded',
      'Downloaded and uploaded per second',
      'Tracker',
      'Tracker error',
      'Free space where it saves',
    ]);
  });

  it('links back to the overview (and the overview to it) by the kit tag, with variables and time range', () => {
    for (const board of [dashboard, torrent]) {
      expect(board.tags).toContain('deluge-exporter');
      expect(board.links).toEqual([
        expect.objectContaining({ type: 'dashboards', tags: ['deluge-exporter'], includeVars: true, keepTime: true }),
      ]);
    }
  });
});

describe('grafana/provisioning examples', () => {
  it('provide a file dashboard provider with folders from the file structure', () => {
    const provider = parseYaml(readFileSync(new URL('dashboards.yaml', PROVISIONING_URL), 'utf8')) as {
      apiVersion: number;
      providers: { type: string; options: { path: string; foldersFromFilesStructure: boolean } }[];
    };
    expect(provider.apiVersion).toBe(1);
    expect(provider.providers).toEqual([
      expect.objectContaining({
        type: 'file',
        options: { path: '/var/lib/grafana/dashboards', foldersFromFilesStructure: true },
      }),
    ]);
  });

  it('provide a Prometheus data source that the datasource variable lists', () => {
    const sources = parseYaml(readFileSync(new URL('datasources.yaml', PROVISIONING_URL), 'utf8')) as {
      apiVersion: number;
      datasources: { type: string }[];
    };
    expect(sources.apiVersion).toBe(1);
    expect(sources.datasources.map((source) => source.type)).toEqual([queryOf(variable('datasource'))]);
  });
});
