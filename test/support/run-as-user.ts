import { type ChildProcess, spawn } from 'node:child_process';
import { REPO_ROOT } from './exporter-process.js';

/** Who a process runs as: uid, primary gid and supplementary groups (none: cleared). */
export interface Identity {
  readonly uid: number;
  readonly gid: number;
  readonly groups: readonly number[];
}

/** A child started by {@link runExporterAs}, its exit and everything it printed so far. */
export interface UserProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
}

/**
 * Starts the exporter (`src/cli.ts` under tsx) with `args` as another user (setpriv), killed with the
 * test process. The environment is exactly `env` plus PATH.
 */
export function runExporterAs(
  identity: Identity,
  args: readonly string[],
  env: Record<string, string> = {},
): UserProcess {
  const user = ['--reuid', String(identity.uid), '--regid', String(identity.gid)];
  const groups = identity.groups.length === 0 ? ['--clear-groups'] : ['--groups', identity.groups.join(',')];
  const command = [process.execPath, '--import', 'tsx', 'src/cli.ts', ...args];
  const child = spawn('setpriv', [...user, ...groups, '--pdeathsig', 'KILL', ...command], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}
