import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { DaemonHandle } from '../harness/daemon.js';
import { type ParsedExposition, parseExposition } from './exposition.js';

/** The repository root (the exporter runs from here so `tsx` resolves). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(REPO_ROOT, 'src', 'cli.ts');
const SETPRIV = '/usr/bin/setpriv';
const DEFAULT_READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

/** Options of {@link startExporter}. */
export interface StartExporterOptions {
  /** YAML config text, written to a temp file and passed as `--config`. Without it: env-only mode. */
  readonly configYaml?: string;
  /** Extra environment. `DELUGE_*` variables of the test process are never inherited. */
  readonly env?: Readonly<Record<string, string>>;
  /** `--log.level`; `info` or `debug` (the port is read from the `listening` info line). Default `info`. */
  readonly logLevel?: 'info' | 'debug';
  readonly readyTimeoutMs?: number;
  /** More command-line flags, e.g. `--web.enable-lifecycle`. */
  readonly args?: readonly string[];
  /**
   * `https` when `args` has a web config with TLS (or basic auth): `url` says so, and the exporter counts
   * as ready at its `listening` line, as `/readyz` then needs the caller's CA or credentials. Default `http`.
   */
  readonly scheme?: 'http' | 'https';
  /** Run this built `cli.js` with plain `node` (no `tsx` loader in the process) instead of `src/cli.ts`. */
  readonly builtCli?: string;
  /** No `--web.listen-address` and `--log.level` flags: the environment alone decides (drop-in tests). */
  readonly noDefaultFlags?: boolean;
  /** The `node` binary that runs it (with `builtCli`, e.g. another Node.js version). Default: this process's. */
  readonly node?: string;
}

/** One JSON log line of the exporter. */
export interface ExporterLogLine {
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** The answer of one scrape: HTTP status, body and the body parsed as exposition text (when 200). */
export interface ScrapeResult {
  readonly status: number;
  readonly contentType: string | null;
  readonly text: string;
  readonly exposition: ParsedExposition;
}

/** A running exporter child process. */
export interface ExporterHandle {
  /** `http://127.0.0.1:<port>` (`https://` with `scheme: 'https'`) */
  readonly url: string;
  readonly port: number;
  readonly pid: number | undefined;
  /** The `--config` file (rewrite it to test reloads); `undefined` in env-only mode. */
  readonly configPath: string | undefined;
  /** GETs `path` (e.g. `/metrics`, `/probe?target=a`) and parses the body. */
  scrape(path?: string): Promise<ScrapeResult>;
  /** Every JSON log line written so far (non-JSON lines are skipped). */
  logLines(): ExporterLogLine[];
  /** Raw stdout and stderr so far, for failure messages. */
  output(): string;
  /** SIGTERM, SIGKILL after a grace period; resolves with the exit code (null when killed by a signal). */
  stop(): Promise<number | null>;
}

/** The exporter did not become ready. Carries its output in the message. */
export class ExporterStartError extends Error {
  override readonly name = 'ExporterStartError';
}

const running = new Set<ChildProcess>();

function scrubbedEnv(extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('DELUGE_')) env[key] = value;
  }
  return { ...env, ...extra };
}

function parseLogLine(line: string): ExporterLogLine | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(line) as unknown;
    if (typeof parsed === 'object' && parsed !== null && 'msg' in parsed && 'level' in parsed) {
      return parsed as ExporterLogLine;
    }
  } catch {
    // A line that is not JSON (e.g. a Node warning) is kept in output() only.
  }
  return undefined;
}

/**
 * Starts `src/cli.ts` under `tsx` as a child process listening on `127.0.0.1:0`, reads the bound port
 * from its `listening` log line and waits until `/readyz` answers 200.
 *
 * @throws ExporterStartError when it exits or is not ready in time; the message has its output
 */
export async function startExporter(options: StartExporterOptions = {}): Promise<ExporterHandle> {
  const workDir = mkdtempSync(join(tmpdir(), 'deluge-exporter-test-'));
  const entry = options.builtCli === undefined ? ['--import', 'tsx', CLI] : [options.builtCli];
  const args = [
    ...entry,
    ...(options.noDefaultFlags
      ? []
      : ['--web.listen-address', '127.0.0.1:0', '--log.level', options.logLevel ?? 'info']),
    ...(options.args ?? []),
  ];
  let configPath: string | undefined;
  if (options.configYaml !== undefined) {
    configPath = join(workDir, 'config.yaml');
    writeFileSync(configPath, options.configYaml, { mode: 0o600 });
    args.push('--config', configPath);
  }
  // setpriv makes the kernel kill the exporter when the test process dies, even by SIGKILL.
  const node = options.node ?? process.execPath;
  const [command, commandArgs] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', node, ...args]] : [node, args];
  const child = spawn(command, commandArgs, {
    cwd: REPO_ROOT,
    env: scrubbedEnv(options.env ?? {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  let pending = '';
  const lines: ExporterLogLine[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    pending += chunk;
    const complete = pending.split('\n');
    pending = complete.pop() ?? '';
    for (const line of complete) {
      const parsed = parseLogLine(line);
      if (parsed !== undefined) lines.push(parsed);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code) => {
      exitCode = code;
      running.delete(child);
      rmSync(workDir, { recursive: true, force: true });
      resolve();
    });
  });

  const stop = async (): Promise<number | null> => {
    if (exitCode === undefined) {
      child.kill('SIGTERM');
      const graceful = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
      if (!graceful) child.kill('SIGKILL');
    }
    await exited;
    return exitCode ?? null;
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
  let port: number | undefined;
  const plainHttp = (options.scheme ?? 'http') === 'http';
  const ready = async (listeningPort: number) => !plainHttp || (await readyzOk(listeningPort));
  while (Date.now() < deadline && exitCode === undefined) {
    const listening = lines.find((line) => line.msg === 'listening');
    port ??= typeof listening?.port === 'number' ? listening.port : undefined;
    if (port !== undefined && (await ready(port))) break;
    await sleep(100);
  }
  if (port === undefined || exitCode !== undefined || !(await ready(port))) {
    await stop();
    throw new ExporterStartError(
      `exporter not ready (exit code ${String(exitCode)}, args ${args.slice(entry.length).join(' ')})\n${output.slice(-4000)}`,
    );
  }
  const url = `${options.scheme ?? 'http'}://127.0.0.1:${port}`;
  return {
    url,
    port,
    get pid() {
      return child.pid;
    },
    configPath,
    scrape: (path = '/metrics') => scrape(`${url}${path}`),
    logLines: () => [...lines],
    output: () => output,
    stop,
  };
}

async function readyzOk(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** GETs `url` and parses a 200 answer as exposition text (other answers get an empty exposition). */
export async function scrape(url: string): Promise<ScrapeResult> {
  const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  const exposition = response.status === 200 ? parseExposition(text) : parseExposition('');
  return { status: response.status, contentType: response.headers.get('content-type'), text, exposition };
}

/** Stops every exporter this process started; meant for `afterAll`. */
export async function stopAllExporters(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** One daemon entry of an exporter config. */
export interface DaemonEntryOptions {
  readonly name: string;
  readonly daemon: DaemonHandle;
  /** Default: the daemon's admin account. */
  readonly username?: string;
  readonly password?: string;
}

/**
 * A YAML config for the given daemons (other top-level keys from `extra`, written as YAML-compatible JSON).
 * JSON is valid YAML, so names with any Unicode are quoted correctly.
 */
export function exporterConfigYaml(
  daemons: readonly DaemonEntryOptions[],
  extra: Readonly<Record<string, unknown>> = {},
): string {
  return JSON.stringify(
    {
      daemons: daemons.map((entry) => ({
        name: entry.name,
        host: entry.daemon.host,
        port: entry.daemon.port,
        username: entry.username ?? entry.daemon.admin.username,
        password: entry.password ?? entry.daemon.admin.password,
      })),
      ...extra,
    },
    null,
    2,
  );
}
