/** What every generated dashboard shares: its variables, ids, annotations and its JSON text. */
import {
  type Dashboard,
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DATASOURCE } from './panels.js';

/** The `datasource` variable: any Prometheus data source, the default one first. */
export function datasourceVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus');
}

function labelValues(name: string, label: string, query: string): QueryVariableBuilder {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .query({ query, refId: 'PrometheusVariableQueryEditor-VariableQuery' })
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc);
}

/**
 * `job` (one at a time: a daemon scraped by both /metrics and /probe jobs would be counted twice),
 * `instance` (the exporter, all by default) and `daemon`, each read from `deluge_up`.
 */
export function daemonVariables(options: { readonly multiDaemon: boolean }): QueryVariableBuilder[] {
  const job = labelValues('job', 'Job', 'label_values(deluge_up, job)').multi(false).includeAll(false);
  const instance = labelValues('instance', 'Exporter', 'label_values(deluge_up{job=~"$job"}, instance)')
    .multi(true)
    .includeAll(true)
    .allValue('.+');
  const daemon = labelValues('daemon', 'Daemon', 'label_values(deluge_up{job=~"$job", instance=~"$instance"}, daemon)');
  return [
    job,
    instance,
    options.multiDaemon ? daemon.multi(true).includeAll(true).allValue('.+') : daemon.multi(false).includeAll(false),
  ];
}

/** The tag every dashboard of the kit carries: their dashboard links list each other by it. */
export const KIT_TAG = 'deluge-exporter';

/** The overview's and the torrent dashboard's uids: provisioning updates them in place, links reach them. */
export const OVERVIEW_UID = 'deluge-exporter-overview';
export const TORRENT_UID = 'deluge-exporter-torrent';

/**
 * The link bar of every dashboard: the kit's other dashboards (by tag), keeping the time range and
 * the variables they share (datasource, job, instance, daemon).
 */
export function kitLinks(): DashboardLinkBuilder {
  return new DashboardLinkBuilder('Deluge dashboards')
    .type(DashboardLinkType.Dashboards)
    .tags([KIT_TAG])
    .asDropdown(false)
    .includeVars(true)
    .keepTime(true);
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not JavaScript templates.
const KEEP = '${datasource:queryparam}&${job:queryparam}&${instance:queryparam}&${__url_time_range}';

/** Grafana's data link variable for the clicked row's value of a column. */
const field = (column: string) => `\${__data.fields.${column}}`;

/**
 * A data link from a table row to `Deluge / Torrent` for the row's daemon and hash, with the time
 * range, data source, job and instance kept.
 */
export function torrentLink(): { title: string; url: string } {
  return {
    title: `Deluge / Torrent: ${field('name')}`,
    url: `/d/${TORRENT_UID}?${KEEP}&var-daemon=${field('daemon')}&var-torrent=${field('hash')}`,
  };
}

/** A data link from a table row to `Deluge / Overview` filtered to the row's daemon. */
export function overviewDaemonLink(): { title: string; url: string } {
  return {
    title: `Deluge / Overview for ${field('daemon')}`,
    url: `/d/${OVERVIEW_UID}?${KEEP}&var-daemon=${field('daemon')}`,
  };
}

/**
 * A dashboard of the kit: its title, uid and description, the kit's tags, time range, refresh and
 * shared crosshair, the `datasource`, `job`, `instance` and `daemon` variables, and the link bar.
 * The caller adds its own variables (`withVariable`) and panels.
 */
export function kitDashboard(spec: {
  readonly title: string;
  readonly uid: string;
  readonly description: string;
  readonly multiDaemon: boolean;
}): DashboardBuilder {
  return new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(['deluge', KIT_TAG, 'bittorrent'])
    .timezone('')
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .refresh('1m')
    .time({ from: 'now-6h', to: 'now' })
    .variables([datasourceVariable(), ...daemonVariables({ multiDaemon: spec.multiDaemon })])
    .links([kitLinks()]);
}

/** Grafana's built-in "Annotations & Alerts" annotation, as Grafana itself saves it. */
const BUILT_IN_ANNOTATION = {
  builtIn: 1,
  datasource: { type: 'grafana', uid: '-- Grafana --' },
  enable: true,
  hide: true,
  iconColor: 'rgba(0, 211, 255, 1)',
  name: 'Annotations & Alerts',
  type: 'dashboard',
};

/** Builds the dashboard and numbers its panels (rows included) in grid order, from 1. */
export function finish(builder: DashboardBuilder): Dashboard {
  const dashboard = builder.build();
  let id = 0;
  for (const panel of dashboard.panels ?? []) {
    panel.id = ++id;
    if ('panels' in panel) for (const inner of panel.panels ?? []) inner.id = ++id;
  }
  dashboard.annotations = { list: [BUILT_IN_ANNOTATION] };
  // Without a placement Grafana shows links in the bar above the panels, where people look for them.
  for (const link of dashboard.links ?? []) delete link.placement;
  return dashboard;
}

/** The committed text of a dashboard: two-space JSON and a final newline. */
export function renderDashboard(dashboard: Dashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
