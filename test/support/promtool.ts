import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's promtool (package `prometheus`); `npm test` installs it or fails naming the package. */
export const PROMTOOL = '/usr/bin/promtool';

/**
 * Runs `promtool check metrics` on an exposition text. Throws when promtool is missing, so a test
 * never passes without it having run. A clean text gives `{ status: 0, output: '' }`.
 */
export function promtoolCheckMetrics(text: string): { status: number | null; output: string } {
  if (!existsSync(PROMTOOL)) throw new Error(`${PROMTOOL} is missing: install the Debian package prometheus`);
  const run = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}
