import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const SETPRIV = '/usr/bin/setpriv';
const STOP_GRACE_MS = 10_000;

/** What a test may do with a real Deluge process the harness started. */
export interface HarnessProcessHandle {
  /** PID of the current process, undefined while stopped. */
  readonly pid: number | undefined;
  /** SIGTERM, then SIGKILL if it has not exited after a grace period; resolves once it has exited. */
  stop(): Promise<void>;
  /** Starts it again (after stopping it if it runs) with the same directory and ports. */
  restart(): Promise<void>;
  /** SIGKILL (no clean shutdown); resolves once it has exited. */
  kill(): Promise<void>;
  /** The last `lines` lines of its log and console output, for failure messages. */
  logTail(lines?: number): string;
}

/** A real Deluge process (deluged, deluge-web) run by the harness, its console appended to a file. */
export abstract class HarnessProcess implements HarnessProcessHandle {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  abstract start(): Promise<void>;
  abstract logTail(lines?: number): string;

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * Spawns `program` with its output appended to `consoleFile`, under setpriv so that the kernel
   * kills it when this process dies, even by SIGKILL: no orphans. Returns how it ended, once it has.
   */
  protected spawnProcess(program: string, args: readonly string[], consoleFile: string): () => string | undefined {
    const consoleFd = openSync(consoleFile, 'a');
    const [command, commandArgs] = existsSync(SETPRIV)
      ? [SETPRIV, ['--pdeathsig', 'KILL', program, ...args]]
      : [program, [...args]];
    const child = spawn(command, commandArgs, { stdio: ['ignore', consoleFd, consoleFd] });
    closeSync(consoleFd);
    this.child = child;
    let ended: string | undefined;
    this.exited = new Promise((resolve) => {
      const end = (how: string): void => {
        ended = how;
        if (this.child === child) this.child = undefined;
        resolve();
      };
      child.once('exit', (code, signal) => end(signal ?? String(code)));
      child.once('error', (error) => end(error.message));
    });
    return () => ended;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    child.kill('SIGTERM');
    const graceful = await Promise.race([this.exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
    if (!graceful) await this.kill();
  }

  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Synchronous last resort for `process.on('exit')`. */
  killNow(): void {
    this.child?.kill('SIGKILL');
  }
}
