import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DASHBOARDS } from '../../../grafana/generator/dashboards.js';
import { allPanels, readDashboard, variableQuery } from '../../support/dashboard-json.js';
import { CONTRACT_METRIC_NAMES, STANDARD_METRIC_NAMES } from './metric-names.js';
import { metricNamesIn } from './promql-names.js';
import { checkPromqlParses } from './promtool-run.js';

/**
 * The rules Grafana's dashboard linter applies, as a test over every committed dashboard: units and
 * descriptions, the datasource variable, $__rate_interval, the job/instance/daemon variables in every
 * selector, contract metric names only, and a grid without overlaps.
 */

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JavaScript template.
const DATASOURCE_VARIABLE = '${datasource}';
const DAEMON_MATCHERS = ['job=~"$job"', 'instance=~"$instance"', 'daemon=~"$daemon"'];

/**
 * Families without a `daemon` label: the exporter's own whose labels column in docs/metrics.md does not
 * name it, and the standard `up` and process metrics. Their selectors need job and instance only.
 */
const WITHOUT_DAEMON: ReadonlySet<string> = (() => {
  const text = readFileSync(new URL('../../../docs/metrics.md', import.meta.url), 'utf8');
  const section = text.slice(text.indexOf('## The exporter itself'));
  const names = [...section.matchAll(/^\|\s*`(deluge_[a-z0-9_]+)`\s*\|[^|]*\|([^|]*)\|/gm)]
    .filter((match) => !(match[2] as string).includes('daemon'))
    .map((match) => match[1] as string);
  return new Set([...names, ...STANDARD_METRIC_NAMES]);
})();

/** Each `name{matchers}` of an expression; a name used without matchers yields an empty matcher list. */
function selectorsIn(expression: string): { name: string; matchers: string }[] {
  const names = new Set(metricNamesIn(expression));
  const selectors: { name: string; matchers: string }[] = [];
  for (const match of expression.matchAll(/(?<![\w:$])([a-zA-Z_:][\w:]*)\s*(\{[^}]*\})?/g)) {
    const name = match[1] as string;
    if (names.has(name)) selectors.push({ name, matchers: match[2] ?? '' });
  }
  return selectors;
}

for (const file of DASHBOARDS.keys()) {
  const dashboard = readDashboard(file);
  const all = allPanels(dashboard);
  const panels = all.filter((panel) => panel.type !== 'row');
  const queries = panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel, ...target })));

  describe(`lint of grafana/dashboards/${file}`, () => {
    it('has a datasource variable of type datasource, used by every panel and every query', () => {
      expect(dashboard.templating.list.find((variable) => variable.name === 'datasource')?.type).toBe('datasource');
      for (const panel of panels) {
        expect(panel.datasource?.uid, panel.title).toBe(DATASOURCE_VARIABLE);
        expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      }
      for (const query of queries) expect(query.datasource?.uid, query.panel.title).toBe(DATASOURCE_VARIABLE);
    });

    it('gives every panel a unit and a description', () => {
      for (const panel of panels) {
        expect(panel.fieldConfig?.defaults?.unit, panel.title).toMatch(/\S/);
        expect(panel.description, panel.title).toMatch(/\S{3}/);
      }
    });

    it('uses $__rate_interval as the range of every rate and increase', () => {
      for (const { expr, panel } of queries) {
        for (const range of expr.matchAll(/\[[^\]]*\]/g)) expect(range[0], panel.title).toBe('[$__rate_interval]');
        for (const call of expr.matchAll(/\b(?:rate|irate|increase)\(/g)) {
          expect(expr.slice(call.index), panel.title).toMatch(/^\w+\([^[]*\[\$__rate_interval\]\)/);
        }
      }
    });

    it('selects job, instance and daemon through the variables in every selector', () => {
      for (const { expr, panel } of queries) {
        const selectors = selectorsIn(expr);
        expect(selectors.length, `${panel.title}: ${expr}`).toBeGreaterThan(0);
        for (const { name, matchers } of selectors) {
          const required = WITHOUT_DAEMON.has(name) ? DAEMON_MATCHERS.slice(0, 2) : DAEMON_MATCHERS;
          for (const matcher of required) expect(matchers, `${panel.title}: ${name}`).toContain(matcher);
        }
      }
    });

    it('names only metrics of docs/metrics.md (or up and the process metrics), in panels and variables', () => {
      const variables = dashboard.templating.list.filter((variable) => variable.type === 'query').map(variableQuery);
      const used = new Set([...queries.map(({ expr }) => expr), ...variables].flatMap(metricNamesIn));
      const unknown = [...used].filter((name) => !CONTRACT_METRIC_NAMES.has(name) && !STANDARD_METRIC_NAMES.has(name));
      expect(unknown).toEqual([]);
    });

    it('has only expressions Prometheus parses', () => {
      const expressions = queries.map(({ expr }) =>
        expr.replaceAll('$__rate_interval', '5m').replaceAll('$topn', '10'),
      );
      const result = checkPromqlParses(expressions);
      expect(result.output).toContain(`SUCCESS: ${expressions.length} rules found`);
      expect(result.status).toBe(0);
    });

    it('has unique panel ids and no two panels overlapping on the 24-column grid', () => {
      expect(new Set(all.map((panel) => panel.id)).size).toBe(all.length);
      for (const panel of all) expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
      all.forEach((a, index) => {
        for (const b of all.slice(index + 1)) {
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
}

describe('the lint itself', () => {
  it('knows the families without a daemon label from docs/metrics.md', () => {
    expect([...WITHOUT_DAEMON].sort()).toEqual(
      [
        'deluge_exporter_build_info',
        'deluge_exporter_config_last_reload_successful',
        'deluge_exporter_scrapes_coalesced_total',
        ...STANDARD_METRIC_NAMES,
      ].sort(),
    );
  });

  it('finds each selector of an expression, with or without matchers', () => {
    expect(
      selectorsIn('sum by (daemon) (rate(deluge_a_total{job=~"$job"}[$__rate_interval])) - on(daemon) deluge_b'),
    ).toEqual([
      { name: 'deluge_a_total', matchers: '{job=~"$job"}' },
      { name: 'deluge_b', matchers: '' },
    ]);
  });
});
