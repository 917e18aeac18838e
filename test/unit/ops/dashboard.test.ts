import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CONTRACT_METRIC_NAMES, STANDARD_METRIC_NAMES } from './metric-names.js';
import { metricNamesIn } from './promql-names.js';
import { checkPromqlParses } from './promtool-run.js';

const DASHBOARD_URL = new URL('../../../grafana/dashboards/deluge-overview.json', import.meta.url);
const PROVISIONING_URL = new URL('../../../grafana/provisioning/', import.meta.url);
const dashboardText = readFileSync(DASHBOARD_URL, 'utf8');

interface DataSourceRef {
  readonly type?: string;
  readonly uid?: string;
}
interface Target {
  readonly expr: string;
  readonly datasource?: DataSourceRef;
}
interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly datasource?: DataSourceRef;
  readonly targets?: readonly Target[];
  readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly panels?: readonly Panel[];
}
interface Variable {
  readonly name: string;
  readonly type: string;
  readonly query?: string | { readonly query: string };
  readonly multi?: boolean;
  readonly datasource?: DataSourceRef;
}
interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly panels: readonly Panel[];
  readonly templating: { readonly list: readonly Variable[] };
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JavaScript template.
const DATASOURCE_VARIABLE = '${datasource}';

const dashboard = JSON.parse(dashboardText) as Dashboard;
const allPanels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
const rows = allPanels.filter((panel) => panel.type === 'row');
const dataPanels = allPanels.filter((panel) => panel.type !== 'row');
const expressions = dataPanels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
const variable = (name: string) => dashboard.templating.list.find((candidate) => candidate.name === name);
const queryOf = (candidate: Variable | undefined) =>
  typeof candidate?.query === 'string' ? candidate.query : (candidate?.query?.query ?? '');

/** Grafana's built-in and our own variables that stand for PromQL syntax (not inside label matchers). */
function withGrafanaVariablesResolved(expression: string): string {
  return expression.replaceAll('$__rate_interval', '5m').replaceAll('$topn', '10');
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

  it('uses the datasource variable in every panel and every query', () => {
    expect(dataPanels.length).toBeGreaterThan(20);
    for (const panel of dataPanels) {
      expect(panel.datasource?.uid, panel.title).toBe(DATASOURCE_VARIABLE);
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.datasource?.uid, panel.title).toBe(DATASOURCE_VARIABLE);
    }
  });

  it('references only metric names of the contract (or up and prom-client process metrics)', () => {
    const variableQueries = dashboard.templating.list.filter((entry) => entry.type === 'query').map(queryOf);
    const queries = [...expressions, ...variableQueries];
    const used = new Set(queries.flatMap(metricNamesIn));
    const unknown = [...used].filter((name) => !CONTRACT_METRIC_NAMES.has(name) && !STANDARD_METRIC_NAMES.has(name));
    expect(unknown).toEqual([]);
    expect(used.size).toBeGreaterThan(40);
  });

  it('filters every query by the job variable', () => {
    for (const expression of expressions) expect(expression).toContain('job=~"$job"');
  });

  it('has only expressions that Prometheus parses', () => {
    const result = checkPromqlParses(expressions.map(withGrafanaVariablesResolved));
    expect(result.output).toContain(`SUCCESS: ${expressions.length} rules found`);
    expect(result.status).toBe(0);
  });

  it('has the health, traffic, torrents, disk, per-torrent and exporter rows', () => {
    expect(rows.map((row) => row.title.split(' ')[0])).toEqual([
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

  it('has unique panel ids and no overlapping panels on the 24-column grid', () => {
    expect(new Set(allPanels.map((panel) => panel.id)).size).toBe(allPanels.length);
    for (const panel of allPanels) expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
    allPanels.forEach((a, index) => {
      for (const b of allPanels.slice(index + 1)) {
        const overlaps =
          a.gridPos.x < b.gridPos.x + b.gridPos.w &&
          b.gridPos.x < a.gridPos.x + a.gridPos.w &&
          a.gridPos.y < b.gridPos.y + b.gridPos.h &&
          b.gridPos.y < a.gridPos.y + a.gridPos.h;
        expect(overlaps, `${a.title} / ${b.title}`).toBe(false);
      }
    });
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
