/** What every generated dashboard shares: its variables, ids, annotations and its JSON text. */
import {
  type Dashboard,
  type DashboardBuilder,
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
  return dashboard;
}

/** The committed text of a dashboard: two-space JSON and a final newline. */
export function renderDashboard(dashboard: Dashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
