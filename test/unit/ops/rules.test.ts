import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runPromtool } from '../../support/promtool.js';
import { CONTRACT_METRIC_NAMES, STANDARD_METRIC_NAMES } from './metric-names.js';
import { metricNamesIn } from './promql-names.js';

const ALERTS_DIR = fileURLToPath(new URL('../../../grafana/alerts/', import.meta.url));
const RULES_FILE = join(ALERTS_DIR, 'deluge-alerts.yaml');
const TESTS_DIR = join(ALERTS_DIR, 'tests');
const testFiles = readdirSync(TESTS_DIR)
  .filter((name) => name.endsWith('.yaml'))
  .map((name) => join(TESTS_DIR, name));
const alertsDoc = readFileSync(fileURLToPath(new URL('../../../docs/alerts.md', import.meta.url)), 'utf8');

interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: { readonly severity: string };
  readonly annotations: { readonly summary: string; readonly description: string; readonly runbook_url: string };
}
interface AlertTest {
  readonly alertname: string;
  readonly exp_alerts?: readonly unknown[];
}
interface PromtoolTestFile {
  readonly tests: readonly { readonly alert_rule_test?: readonly AlertTest[] }[];
}

const rules = (parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { rules: AlertRule[] }[] }).groups.flatMap(
  (group) => group.rules,
);
const alertTests = testFiles.flatMap((file) =>
  (parse(readFileSync(file, 'utf8')) as PromtoolTestFile).tests.flatMap((test) => test.alert_rule_test ?? []),
);

const REQUIRED_ALERTS = [
  'DelugeDown',
  'DelugeExporterDown',
  'DelugeCollectorFailing',
  'DelugeDiskAlmostFull',
  'DelugeTorrentsStalled',
  'DelugeTorrentsErrored',
  'DelugeSessionPaused',
  'DelugeNotAdmin',
  'DelugeNoIncomingConnections',
  'DelugeTorrentsUnregistered',
  'DelugeTrackerUnreachable',
];

const scratchDirs: string[] = [];
afterAll(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

// promtool runs as a separate process: on a loaded machine its rule tests take several seconds.
describe('grafana/alerts/deluge-alerts.yaml', { timeout: 30_000 }, () => {
  it('passes promtool check rules', () => {
    const result = runPromtool(['check', 'rules', RULES_FILE]);
    expect(result.output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(result.status).toBe(0);
  });

  it('passes its promtool unit tests', () => {
    expect(testFiles.length).toBeGreaterThan(0);
    const result = runPromtool(['test', 'rules', ...testFiles]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it('has unit tests that fail when a rule changes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deluge-exporter-rules-'));
    scratchDirs.push(dir);
    mkdirSync(join(dir, 'tests'));
    for (const file of testFiles) copyFileSync(file, join(dir, 'tests', file.slice(TESTS_DIR.length + 1)));
    writeFileSync(
      join(dir, 'deluge-alerts.yaml'),
      readFileSync(RULES_FILE, 'utf8').replace('expr: deluge_up == 0', 'expr: deluge_up == 1'),
    );
    const result = runPromtool([
      'test',
      'rules',
      ...testFiles.map((file) => join(dir, 'tests', file.slice(TESTS_DIR.length + 1))),
    ]);
    expect(result.status).toBe(1);
    expect(result.output).toContain('DelugeDown');
  });

  it('defines every alert of the kit, each once', () => {
    expect(rules.map((rule) => rule.alert).sort()).toEqual([...REQUIRED_ALERTS].sort());
  });

  it('has, for every alert, a promtool case where it fires and one where it does not', () => {
    for (const rule of rules) {
      const cases = alertTests.filter((test) => test.alertname === rule.alert);
      expect(
        cases.some((test) => (test.exp_alerts ?? []).length > 0),
        `${rule.alert} firing case`,
      ).toBe(true);
      expect(
        cases.some((test) => (test.exp_alerts ?? []).length === 0),
        `${rule.alert} silent case`,
      ).toBe(true);
    }
  });

  it('follows the mixin style: severity, summary sentence, templated description, runbook into docs/alerts.md', () => {
    for (const rule of rules) {
      expect(['critical', 'warning', 'info'], rule.alert).toContain(rule.labels.severity);
      expect(rule.annotations.summary, rule.alert).toMatch(/^[A-Z].*\.$/);
      expect(rule.annotations.summary, rule.alert).not.toContain('{{');
      const subject = rule.alert === 'DelugeExporterDown' ? '$labels.instance' : '$labels.daemon';
      expect(rule.annotations.description, rule.alert).toContain(subject);
      const anchor = rule.alert.toLowerCase();
      expect(rule.annotations.runbook_url, rule.alert).toBe(`docs/alerts.md#${anchor}`);
      expect(alertsDoc, rule.alert).toContain(`\n## ${rule.alert}\n`);
    }
  });

  it('uses the severities and conditions the runbooks describe', () => {
    const byName = new Map(rules.map((rule) => [rule.alert, rule]));
    expect(byName.get('DelugeDown')).toMatchObject({ expr: 'deluge_up == 0', for: '5m' });
    expect(byName.get('DelugeNotAdmin')).toMatchObject({ expr: 'deluge_login_auth_level < 10' });
    expect(byName.get('DelugeNotAdmin')?.labels.severity).toBe('info');
    expect(byName.get('DelugeTorrentsErrored')?.expr).toBe('deluge_torrents{state="Error"} > 0');
    expect(byName.get('DelugeExporterDown')?.expr).toContain('absent(up{job="deluge-exporter"})');
  });

  it('references only metric names of the contract (or up)', () => {
    const used = new Set(rules.flatMap((rule) => metricNamesIn(rule.expr)));
    const unknown = [...used].filter((name) => !CONTRACT_METRIC_NAMES.has(name) && !STANDARD_METRIC_NAMES.has(name));
    expect(unknown).toEqual([]);
    expect(used).toContain('deluge_up');
  });
});
