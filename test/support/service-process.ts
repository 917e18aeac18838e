import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePort } from '../harness/ports.js';

const SETPRIV = '/usr/bin/setpriv';
const DEFAULT_READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;

/** What {@link startServiceProcess} runs: a Debian server binary with a temp directory and a loopback port. */
export interface ServiceProcessSpec {
  /** The binary's absolute path, e.g. `/usr/bin/prometheus`. */
  readonly binary: string;
  /** The Debian package that provides it, named when the binary is missing. */
  readonly debianPackage: string;
  /** Files written into the process' temp directory before it starts (relative name -> content). */
  readonly files: Readonly<Record<string, string>>;
  /** The command line, given the temp directory and the free loopback port picked for it. */
  args(dir: string, port: number): readonly string[];
  /** A path answering 200 once the process is ready, e.g. `/-/ready`. */
  readonly readyPath: string;
  readonly readyTimeoutMs?: number;
  /** Builds the error thrown when it is missing, exits or is not ready in time. */
  readonly error: new (
    message: string,
  ) => Error;
}

/** A running server process owned by the test process. */
export interface ServiceProcess {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Its temp directory (the spec's files, its data, its log). */
  readonly dir: string;
  /** The tail of its output, for failure messages. */
  logTail(lines?: number): string;
  /** SIGTERM, SIGKILL after a grace period; removes the temp directory. Safe to call twice. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/**
 * Starts `spec.binary` on a free loopback port with its own temp directory and output log, and waits
 * until `spec.readyPath` answers 200. setpriv makes the kernel kill it when the test process dies.
 *
 * @throws spec.error when the binary is missing, the process exits or it is not ready in time
 */
export async function startServiceProcess(spec: ServiceProcessSpec): Promise<ServiceProcess> {
  if (!existsSync(spec.binary)) {
    throw new spec.error(`${spec.binary} is missing: install Debian's "${spec.debianPackage}" package`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'service-test-'));
  for (const [name, content] of Object.entries(spec.files)) writeFileSync(join(dir, name), content);
  const logFile = join(dir, 'output.log');
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  const args = spec.args(dir, port);
  const logFd = openSync(logFile, 'a');
  const [command, commandArgs] = existsSync(SETPRIV)
    ? [SETPRIV, ['--pdeathsig', 'KILL', spec.binary, ...args]]
    : [spec.binary, [...args]];
  const child = spawn(command, commandArgs, { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  running.add(child);
  let exitCode: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitCode = signal ?? String(code);
      running.delete(child);
      resolve();
    });
  });
  const logTail = (lines = 30) =>
    existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n') : '';
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (!stopped) {
      stopped = true;
      child.kill('SIGTERM');
      const graceful = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
      if (!graceful) child.kill('SIGKILL');
    }
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };

  const readyTimeoutMs = spec.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const deadline = Date.now() + readyTimeoutMs;
  while (!(await answers200(`${url}${spec.readyPath}`))) {
    if (exitCode !== undefined || Date.now() >= deadline) {
      const reason = exitCode === undefined ? `not ready within ${readyTimeoutMs} ms` : `exited (${exitCode})`;
      const log = logTail();
      await stop();
      throw new spec.error(`${spec.binary} ${reason}\n${log}`);
    }
    await sleep(200);
  }
  return { url, port, dir, logTail, stop };
}

async function answers200(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
