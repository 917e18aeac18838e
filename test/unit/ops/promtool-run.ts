import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { PROMTOOL } from '../../support/promtool.js';

/** Exit status and combined output of one promtool run. */
export interface PromtoolResult {
  readonly status: number | null;
  readonly output: string;
}

/** Runs promtool with `args`; throws when promtool is missing, so no test passes without it. */
export function runPromtool(args: readonly string[]): PromtoolResult {
  if (!existsSync(PROMTOOL)) throw new Error(`${PROMTOOL} is missing: install the Debian package prometheus`);
  const run = spawnSync(PROMTOOL, args, { encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

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
