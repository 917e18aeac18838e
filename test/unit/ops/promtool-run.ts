import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type PromtoolResult, runPromtool } from '../../support/promtool.js';

/**
 * Parses PromQL expressions with Prometheus's own parser, as recording rules of a throw-away rules file
 * (`promtool check rules`); the result names every expression that does not parse.
 */
export function checkPromqlParses(expressions: readonly string[]): PromtoolResult {
  const dir = mkdtempSync(join(tmpdir(), 'deluge-exporter-promql-'));
  try {
    const file = join(dir, 'expressions.yaml');
    const rules = expressions.map((expr, index) => ({ record: `check:expression_${index}`, expr }));
    writeFileSync(file, stringify({ groups: [{ name: 'expressions', rules }] }));
    return runPromtool(['check', 'rules', file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
