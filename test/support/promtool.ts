import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's promtool (package `prometheus`); `npm test` installs it or fails naming the package. */
export const PROMTOOL = '/usr/bin/promtool';

/** Exit status and combined output of one promtool run. */
export interface PromtoolResult {
  readonly status: number | null;
  readonly output: string;
}

/** Runs promtool with `args` (and `input` on stdin); throws when promtool is missing, so no test passes without it. */
export function runPromtool(args: readonly string[], input?: string): PromtoolResult {
  if (!existsSync(PROMTOOL)) throw new Error(`${PROMTOOL} is missing: install the Debian package prometheus`);
  const run = spawnSync(PROMTOOL, args, { encoding: 'utf8', ...(input === undefined ? {} : { input }) });
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

/** `promtool check metrics` on an exposition text; a clean text gives `{ status: 0, output: '' }`. */
export function promtoolCheckMetrics(text: string): PromtoolResult {
  return runPromtool(['check', 'metrics'], text);
}
