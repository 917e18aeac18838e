import { readFileSync } from 'node:fs';

/** The parts of a committed Grafana dashboard JSON (grafana/dashboards/) the tests read. */
export interface DataSourceRef {
  readonly type?: string;
  readonly uid?: string;
}
export interface DashboardTarget {
  readonly expr: string;
  readonly refId: string;
  readonly datasource?: DataSourceRef;
  readonly format?: string;
  readonly instant?: boolean;
}
export interface DynamicConfigValue {
  readonly id: string;
  readonly value: unknown;
}
export interface DashboardPanel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly description?: string;
  readonly datasource?: DataSourceRef;
  readonly targets?: readonly DashboardTarget[];
  readonly fieldConfig?: {
    readonly defaults?: { readonly unit?: string; readonly noValue?: string };
    readonly overrides?: readonly {
      readonly matcher: { readonly id: string; readonly options: string };
      readonly properties: readonly DynamicConfigValue[];
    }[];
  };
  readonly transformations?: readonly { readonly id: string; readonly options: Record<string, unknown> }[];
  readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly panels?: readonly DashboardPanel[];
}
export interface DashboardVariable {
  readonly name: string;
  readonly type: string;
  readonly query?: string | { readonly query: string };
  readonly regex?: string;
  readonly multi?: boolean;
  readonly includeAll?: boolean;
  readonly datasource?: DataSourceRef;
}
export interface DashboardLink {
  readonly type: string;
  readonly tags?: readonly string[];
  readonly includeVars?: boolean;
  readonly keepTime?: boolean;
}
export interface DashboardJson {
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly links?: readonly DashboardLink[];
  readonly panels: readonly DashboardPanel[];
  readonly templating: { readonly list: readonly DashboardVariable[] };
}

/** A committed dashboard of grafana/dashboards/, by file name. */
export function readDashboard(file: string): DashboardJson {
  return JSON.parse(
    readFileSync(new URL(`../../grafana/dashboards/${file}`, import.meta.url), 'utf8'),
  ) as DashboardJson;
}

/** Every panel, rows and the panels of collapsed rows included, in the dashboard's order. */
export function allPanels(dashboard: DashboardJson): DashboardPanel[] {
  const flatten = (panels: readonly DashboardPanel[]): DashboardPanel[] =>
    panels.flatMap((panel) => [panel, ...flatten(panel.panels ?? [])]);
  return flatten(dashboard.panels);
}

/** The panels that query data (not rows). */
export function dataPanels(dashboard: DashboardJson): DashboardPanel[] {
  return allPanels(dashboard).filter((panel) => panel.type !== 'row');
}

/** A variable's query text (Grafana stores it as a string or as `{ query }`). */
export function variableQuery(variable: DashboardVariable | undefined): string {
  return typeof variable?.query === 'string' ? variable.query : (variable?.query?.query ?? '');
}

/** The values a user picks for a dashboard's variables; `instance` defaults to every exporter. */
export interface VariableValues {
  readonly job: string;
  readonly daemon: string;
  readonly instance?: string;
  readonly torrent?: string;
  /** What Grafana's `$__rate_interval` becomes (at least four scrape intervals). */
  readonly rateInterval?: string;
  readonly topn?: number;
}

/** A panel expression with the dashboard's variables filled in, as Grafana sends it to Prometheus. */
export function fillVariables(expr: string, values: VariableValues): string {
  return expr
    .replaceAll('$__rate_interval', values.rateInterval ?? '5m')
    .replaceAll('$topn', String(values.topn ?? 10))
    .replaceAll('$job', values.job)
    .replaceAll('$instance', values.instance ?? '.+')
    .replaceAll('$daemon', values.daemon)
    .replaceAll('$torrent', values.torrent ?? '');
}
