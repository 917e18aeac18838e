/**
 * ngosang/deluge-exporter (the Web UI exporter most Deluge users run, Python) as a bench process, run
 * from a checkout the user provides: its code is not part of this repository and the bench never
 * fetches it. It runs under Debian's Python with Debian's python3-prometheus-client and
 * python3-requests (its requirements.txt pins newer ones from PyPI; its code needs nothing they lack).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePort, LOOPBACK } from '../../test/harness/ports.js';

/** The release the bench was written against: v1.0.2. */
export const NGOSANG_COMMIT = 'c61b8036fe3e82b0ad81ded02f80d40822e268d4';
/** How to get its source, for error messages and docs/benchmarks.md. */
export const NGOSANG_HOW_TO_GET = `git clone https://github.com/ngosang/deluge-exporter && git -C deluge-exporter checkout ${NGOSANG_COMMIT}`;

const PYTHON = '/usr/bin/python3';
const SETPRIV = '/usr/bin/setpriv';
const SCRIPT = 'deluge-exporter.py';
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;

/** Debian's packages of the two libraries it imports. */
const PYTHON_MODULES = [
  ['prometheus_client', 'python3-prometheus-client'],
  ['requests', 'python3-requests'],
] as const;

/** A running ngosang/deluge-exporter. */
export interface NgosangProcess {
  /** `http://127.0.0.1:PORT` (it answers its metrics on any path). */
  readonly url: string;
  readonly pid: number;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Checks that `sourceDir` holds ngosang's script and that Debian's Python has its two libraries.
 * @throws Error saying how to get what is missing
 */
export function checkNgosangSource(sourceDir: string): void {
  if (!existsSync(join(sourceDir, SCRIPT))) {
    throw new Error(`--ngosang ${sourceDir}: no ${SCRIPT} there; get it with: ${NGOSANG_HOW_TO_GET}`);
  }
  const missing = PYTHON_MODULES.filter(([module]) => spawnSync(PYTHON, ['-c', `import ${module}`]).status !== 0);
  if (missing.length > 0) {
    throw new Error(`--ngosang: ${PYTHON} lacks ${missing.map(([, pkg]) => pkg).join(' and ')}: apt-get install them`);
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/**
 * Starts ngosang's exporter with its own environment (the Web UI's URL and password, a free loopback
 * port, LOG_LEVEL WARNING) and waits until it answers. It logs in and connects at start, as it does.
 */
export async function startNgosang(
  sourceDir: string,
  webUi: { readonly url: string; readonly password: string },
): Promise<NgosangProcess> {
  checkNgosangSource(sourceDir);
  const port = await findFreePort();
  const command = [PYTHON, '-u', join(sourceDir, SCRIPT)];
  const [program, ...args] = existsSync(SETPRIV) ? [SETPRIV, '--pdeathsig', 'KILL', ...command] : command;
  const child: ChildProcess = spawn(program as string, args, {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      DELUGE_URL: webUi.url,
      DELUGE_PASSWORD: webUi.password,
      LISTEN_ADDRESS: LOOPBACK,
      LISTEN_PORT: String(port),
      LOG_LEVEL: 'WARNING',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const url = `http://${LOOPBACK}:${port}`;
  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    const graceful = await Promise.race([exit.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
    if (!graceful) child.kill('SIGKILL');
    await exit;
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!exited && Date.now() < deadline && !(await answers(url))) await sleep(200);
  if (exited || !(await answers(url)) || child.pid === undefined) {
    await stop();
    throw new Error(`ngosang/deluge-exporter did not come up on ${url}:\n${output.slice(-3000)}`);
  }
  const pid = child.pid;
  return { url, pid, output: () => output, stop };
}
