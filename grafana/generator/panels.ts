/**
 * Building blocks of the generated dashboards: the datasource variable, the variable selectors every
 * query uses, and one factory per panel type with this kit's look (legend tables, dashed limits).
 * Dev tooling (not part of the exporter): `npm run dashboards` runs grafana/generator/generate.ts.
 */
import * as barGauge from '@grafana/grafana-foundation-sdk/bargauge';
import {
  BarGaugeDisplayMode,
  BigValueColorMode,
  BigValueGraphMode,
  BigValueTextMode,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  SortOrder,
  StackingConfigBuilder,
  StackingMode,
  TableSortByFieldStateBuilder,
  TooltipDisplayMode,
  VisibilityMode,
  VizLegendOptionsBuilder,
  VizOrientation,
  VizTooltipOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import {
  type DynamicConfigValue,
  MappingType,
  type ThresholdsConfig,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  type ValueMapping,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as stateTimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

/** Every panel and query reads from the dashboard's own `datasource` variable (never `${DS_PROMETHEUS}`). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JavaScript template.
export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;

/** The matchers every daemon series is selected by: the job, instance and daemon variables. */
const DAEMON_MATCHERS = ['job=~"$job"', 'instance=~"$instance"', 'daemon=~"$daemon"'];
/** The matchers of the exporter's own series, which carry no daemon label. */
const EXPORTER_MATCHERS = ['job=~"$job"', 'instance=~"$instance"'];

/** `{job=~"$job", instance=~"$instance", daemon=~"$daemon", ...extra}`. */
export function sel(...extra: string[]): string {
  return `{${[...DAEMON_MATCHERS, ...extra].join(', ')}}`;
}

/** `{job=~"$job", instance=~"$instance"}`: for the exporter's own series (no daemon label). */
export function exporterSel(): string {
  return `{${EXPORTER_MATCHERS.join(', ')}}`;
}

/** One query of a panel: a range query with a legend, or an instant table query. */
export interface Query {
  readonly expr: string;
  readonly legend?: string;
  /** Instant query with table format (tables). */
  readonly table?: boolean;
  /** Instant query (the last value only), kept in time series format. */
  readonly instant?: boolean;
}

/** An override of the series whose display name matches `regexp`. */
export interface Override {
  readonly regexp: string;
  readonly properties: DynamicConfigValue[];
}

/** The common fields of every panel this kit draws. */
export interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly queries: readonly Query[];
  readonly w: number;
  readonly h: number;
  readonly unit: string;
  readonly mappings?: readonly ValueMapping[];
  readonly thresholds?: ThresholdsConfig;
  /** Text shown instead of "No data". */
  readonly noValue?: string;
  /** Series whose display name matches a regexp get extra properties (dashed limits, a right axis). */
  readonly overrides?: readonly Override[];
}

const REF_IDS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function target(query: Query, index: number): DataqueryBuilder {
  const builder = new DataqueryBuilder()
    .datasource(DATASOURCE)
    .expr(query.expr)
    .legendFormat(query.legend ?? '')
    .refId(REF_IDS[index] ?? `Q${index}`);
  if (query.table) return builder.format(PromQueryFormat.Table).instant();
  return query.instant ? builder.instant() : builder;
}

/** The builder methods every panel type shares. */
interface CommonBuilder<T> {
  title(title: string): T;
  description(description: string): T;
  datasource(datasource: typeof DATASOURCE): T;
  span(w: number): T;
  height(h: number): T;
  withTarget(target: DataqueryBuilder): T;
  unit(unit: string): T;
  mappings(mappings: ValueMapping[]): T;
  thresholds(thresholds: ThresholdsConfigBuilder): T;
  noValue(noValue: string): T;
  overrideByRegexp(regexp: string, properties: DynamicConfigValue[]): T;
}

function common<T extends CommonBuilder<T>>(builder: T, spec: PanelSpec): T {
  let panel = builder
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .span(spec.w)
    .height(spec.h);
  spec.queries.forEach((query, index) => {
    panel = panel.withTarget(target(query, index));
  });
  panel = panel.unit(spec.unit);
  if (spec.mappings !== undefined) panel = panel.mappings([...spec.mappings]);
  if (spec.thresholds !== undefined) {
    panel = panel.thresholds(
      new ThresholdsConfigBuilder().mode(spec.thresholds.mode).steps([...spec.thresholds.steps]),
    );
  }
  if (spec.noValue !== undefined) panel = panel.noValue(spec.noValue);
  for (const override of spec.overrides ?? []) panel = panel.overrideByRegexp(override.regexp, override.properties);
  return panel;
}

/** Absolute thresholds: the first color from -Infinity, then each `[value, color]` step. */
export function steps(base: string, ...rest: readonly (readonly [number, string])[]): ThresholdsConfig {
  return {
    mode: ThresholdsMode.Absolute,
    // biome-ignore lint/suspicious/noExplicitAny: Grafana's JSON has null for the base step's value.
    steps: [{ color: base, value: null as any }, ...rest.map(([value, color]) => ({ color, value }))],
  };
}

/** A value-to-text mapping, optionally colored: `{ '0': ['DOWN', 'red'] }`. */
export function valueText(options: Readonly<Record<string, readonly [string, string?]>>): ValueMapping {
  return {
    type: MappingType.ValueToText,
    options: Object.fromEntries(
      Object.entries(options).map(([value, [text, color]]) => [
        value,
        color === undefined ? { text } : { text, color },
      ]),
    ),
  };
}

/** Series whose display name matches `regexp` drawn dashed and unfilled: limits next to what they limit. */
export function dashed(regexp: string): Override {
  return {
    regexp,
    properties: [
      { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
      { id: 'custom.fillOpacity', value: 0 },
    ],
  };
}

/** Series whose display name matches `regexp` drawn in `unit` on a right-hand axis. */
export function rightAxis(regexp: string, unit: string): Override {
  return {
    regexp,
    properties: [
      { id: 'unit', value: unit },
      { id: 'custom.axisPlacement', value: 'right' },
    ],
  };
}

/** A time series panel. */
export interface TimeseriesSpec extends PanelSpec {
  readonly stacked?: boolean;
}

export function timeseriesPanel(spec: TimeseriesSpec): timeseries.PanelBuilder {
  const panel = common(new timeseries.PanelBuilder(), spec)
    .fillOpacity(10)
    .lineWidth(1)
    .showPoints(VisibilityMode.Never)
    .legend(
      new VizLegendOptionsBuilder()
        .displayMode(LegendDisplayMode.Table)
        .placement(LegendPlacement.Bottom)
        .calcs(['lastNotNull', 'max']),
    )
    .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending));
  return spec.stacked ? panel.stacking(new StackingConfigBuilder().mode(StackingMode.Normal).group('A')) : panel;
}

const lastValue = () => new ReduceDataOptionsBuilder().calcs(['lastNotNull']).fields('').values(false);

/** A stat panel: the last value per series, colored background, with its name. */
export function statPanel(spec: PanelSpec): stat.PanelBuilder {
  return common(new stat.PanelBuilder(), spec)
    .reduceOptions(lastValue())
    .colorMode(BigValueColorMode.Background)
    .graphMode(BigValueGraphMode.None)
    .textMode(BigValueTextMode.ValueAndName);
}

/** A state timeline: one lane per series, values mapped to words and colors. */
export function stateTimelinePanel(spec: PanelSpec): stateTimeline.PanelBuilder {
  return common(new stateTimeline.PanelBuilder(), spec).showValue(VisibilityMode.Never).mergeValues(true);
}

/** A horizontal bar gauge. */
export function barGaugePanel(spec: PanelSpec & { readonly lastValue?: boolean }): barGauge.PanelBuilder {
  const panel = common(new barGauge.PanelBuilder(), spec)
    .orientation(VizOrientation.Horizontal)
    .displayMode(BarGaugeDisplayMode.Basic);
  return spec.lastValue ? panel.reduceOptions(lastValue()) : panel;
}

/** A table of instant query results, organised by an `organize` transformation. */
export interface TableSpec extends PanelSpec {
  readonly sortBy?: { readonly column: string; readonly desc: boolean };
  readonly exclude: readonly string[];
  readonly rename?: Readonly<Record<string, string>>;
  readonly order?: readonly string[];
  /** Merge the queries' frames into one table first (rows joined on their common labels). */
  readonly merge?: boolean;
  /** Per-column properties (e.g. data links, units), by column name after renaming. */
  readonly columns?: Readonly<Record<string, DynamicConfigValue[]>>;
}

export function tablePanel(spec: TableSpec): table.PanelBuilder {
  let panel = common(new table.PanelBuilder(), spec).showHeader(true);
  if (spec.sortBy !== undefined) {
    panel = panel.sortBy([new TableSortByFieldStateBuilder().displayName(spec.sortBy.column).desc(spec.sortBy.desc)]);
  }
  const organize: Record<string, unknown> = {
    excludeByName: Object.fromEntries(spec.exclude.map((name) => [name, true])),
  };
  if (spec.rename !== undefined) organize.renameByName = spec.rename;
  if (spec.order !== undefined) organize.indexByName = Object.fromEntries(spec.order.map((name, i) => [name, i]));
  if (spec.merge) panel = panel.withTransformation({ id: 'merge', options: {} });
  panel = panel.withTransformation({ id: 'organize', options: organize });
  for (const [column, properties] of Object.entries(spec.columns ?? {}))
    panel = panel.overrideByName(column, properties);
  return panel;
}
