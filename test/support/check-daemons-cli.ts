/** Runs `deluge-exporter --check-daemons` as a process and reads its table. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './exporter-process.js';

export interface CliOutcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `deluge-exporter --config <yaml> --check-daemons` as a process. */
export function checkDaemonsCli(configYaml: string): Promise<CliOutcome> {
  const dir = mkdtempSync(join(tmpdir(), 'check-daemons-'));
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, configYaml, { mode: 0o600 });
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('DELUGE_')));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', '--config', configPath, '--check-daemons'],
      { cwd: REPO_ROOT, env, timeout: 60_000 },
      (error, stdout, stderr) => {
        rmSync(dir, { recursive: true, force: true });
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
      },
    );
  });
}

/** The table row of `name`, split into cells (cells never contain two spaces in a row). */
export function row(stdout: string, name: string): string[] {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no row for ${name} in:\n${stdout}`);
  return line.split(/ {2,}/);
}
