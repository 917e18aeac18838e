import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runPromtool } from '../../support/promtool.js';
import { CONTRACT_METRIC_NAMES } from '../ops/metric-names.js';
import { metricNamesIn } from '../ops/promql-names.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The recording rules that give another exporter's names from ours (docs/migrating.md), and one way to break each. */
const RULE_FILES = [
  {
    name: 'reference-exporter-rules',
    rules: 29,
    breakFrom: 'expr: deluge_torrent_completed_bytes *',
    breakTo: 'expr: deluge_torrent_peers_connected *',
  },
  {
    name: 'ngosang-exporter-rules',
    rules: 23,
    breakFrom: 'expr: deluge_session_peers_connected',
    breakTo: 'expr: deluge_session_dht_nodes',
  },
] as const;

interface RecordingRule {
  readonly record: string;
  readonly expr: string;
}

describe.each(RULE_FILES)('examples/$name.yml', ({ name, rules, breakFrom, breakTo }) => {
  const rulesPath = join(root, `examples/${name}.yml`);
  const testsPath = join(root, `test/fixtures/rules/${name}.test.yml`);

  it('is valid and passes its promtool unit tests', { timeout: 30_000 }, () => {
    const check = runPromtool(['check', 'rules', rulesPath]);
    expect(check.output).toContain(`SUCCESS: ${rules} rules found`);
    const test = runPromtool(['test', 'rules', testsPath]);
    expect([test.status, test.output]).toEqual([0, expect.stringContaining('SUCCESS')]);
  });

  it('reads only metric names deluge-exporter exports (docs/metrics.md)', () => {
    const parsed = parse(readFileSync(rulesPath, 'utf8')) as { groups: { rules: RecordingRule[] }[] };
    const recorded = parsed.groups.flatMap((group) => group.rules);
    const read = new Set(recorded.flatMap((rule) => metricNamesIn(rule.expr)));
    expect([...read].filter((metric) => !CONTRACT_METRIC_NAMES.has(metric))).toEqual([]);
    expect(read.size).toBeGreaterThan(5);
  });

  it('the unit tests fail when a rule maps to the wrong metric', { timeout: 30_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'migration-rules-'));
    try {
      mkdirSync(join(dir, 'examples'));
      mkdirSync(join(dir, 'test/fixtures/rules'), { recursive: true });
      const original = readFileSync(rulesPath, 'utf8');
      const broken = original.replace(breakFrom, breakTo);
      expect(broken).not.toBe(original);
      writeFileSync(join(dir, `examples/${name}.yml`), broken);
      cpSync(testsPath, join(dir, `test/fixtures/rules/${name}.test.yml`));
      const test = runPromtool(['test', 'rules', join(dir, `test/fixtures/rules/${name}.test.yml`)]);
      expect(test.status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
