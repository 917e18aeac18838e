import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { durationMs, formatDuration, RuleRewriteError, shortenForDurations } from '../../support/alert-rules.js';
import { runPromtool } from '../../support/promtool.js';

const RULES_FILE = new URL('../../../grafana/alerts/deluge-alerts.yaml', import.meta.url);
const shipped = readFileSync(RULES_FILE, 'utf8');

interface Rule {
  readonly alert: string;
  readonly for?: string;
  readonly [key: string]: unknown;
}
const rulesOf = (text: string): Rule[] =>
  (parse(text) as { groups: { rules: Rule[] }[] }).groups.flatMap((group) => group.rules);

describe('shortenForDurations on the shipped rules', () => {
  const shortened = shortenForDurations(shipped, { divisor: 360, atMostMs: 10_000 });

  it('divides every rule for: by the divisor, at most the cap', () => {
    const before = rulesOf(shipped);
    const after = rulesOf(shortened);
    expect(before.every((rule) => rule.for !== undefined)).toBe(true);
    expect(after.map((rule) => [rule.alert, rule.for])).toEqual(
      before.map((rule) => [
        rule.alert,
        formatDuration(Math.min(10_000, Math.round(durationMs(rule.for ?? '') / 360))),
      ]),
    );
    expect(Object.fromEntries(after.map((rule) => [rule.alert, rule.for]))).toMatchObject({
      DelugeDown: '833ms',
      DelugeDiskAlmostFull: '5s',
      DelugeTorrentsStalled: '10s',
      DelugeNoIncomingConnections: '10s',
    });
  });

  it('keeps every expression, label, annotation and comment byte for byte', () => {
    const withoutFor = (rule: Rule) => Object.fromEntries(Object.entries(rule).filter(([key]) => key !== 'for'));
    expect(rulesOf(shortened).map(withoutFor)).toEqual(rulesOf(shipped).map(withoutFor));
    const shippedLines = shipped.split('\n');
    const changed = shortened.split('\n').flatMap((line, index) => (line === shippedLines[index] ? [] : [line]));
    expect(shortened.split('\n')).toHaveLength(shippedLines.length);
    expect(changed).toHaveLength(rulesOf(shipped).length);
    for (const line of changed) expect(line).toMatch(/^ {8}for: \d+m?s$/);
  });

  it('gives a rules file promtool accepts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deluge-exporter-rules-'));
    try {
      writeFileSync(join(dir, 'rules.yaml'), shortened);
      const result = runPromtool(['check', 'rules', join(dir, 'rules.yaml')]);
      expect(result.output).toContain(`SUCCESS: ${rulesOf(shipped).length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('durations', () => {
  it('reads compound Prometheus durations and writes whole seconds or milliseconds', () => {
    expect(durationMs('1h30m')).toBe(5_400_000);
    expect(durationMs('500ms')).toBe(500);
    expect(durationMs('2d')).toBe(172_800_000);
    expect(formatDuration(10_000)).toBe('10s');
    expect(formatDuration(833)).toBe('833ms');
  });

  it('rejects a for: that is not a duration, naming it', () => {
    const rewrite = (text: string) => () => shortenForDurations(text, { divisor: 2, atMostMs: 1000 });
    expect(rewrite('      - alert: A\n        for: 5 minutes\n')).toThrow('"5 minutes"');
    expect(rewrite('      - alert: A\n        for: 5min\n')).toThrow(RuleRewriteError);
    expect(rewrite('      - alert: A\n        for: 5min\n')).toThrow('"5min"');
  });

  it('rejects a divisor or a cap that is not > 0', () => {
    expect(() => shortenForDurations(shipped, { divisor: 0, atMostMs: 1000 })).toThrow(
      'divisor must be a number > 0, got 0',
    );
    expect(() => shortenForDurations(shipped, { divisor: 2, atMostMs: -1 })).toThrow(
      'cap must be a number > 0, got -1',
    );
  });
});
