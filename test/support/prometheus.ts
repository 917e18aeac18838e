import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePort } from '../harness/ports.js';

/** The Debian Prometheus binary the tests run. */
export const PROMETHEUS = '/usr/bin/prometheus';
const SETPRIV = '/usr/bin/setpriv';
const DEFAULT_READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;

/** One series of an instant-vector answer of `/api/v1/query`. */
export interface VectorSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One scrape target as `/api/v1/targets` reports it. */
export interface ActiveTarget {
  readonly labels: Readonly<Record<string, string>>;
  readonly scrapeUrl: string;
  readonly health: string;
  readonly lastError: string;
}

/** A running Prometheus owned by the test process. */
export interface PrometheusHandle {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Evaluates an instant PromQL query now; rejects on a non-success answer or a non-vector result. */
  query(promql: string): Promise<VectorSample[]>;
  /** The active scrape targets. */
  targets(): Promise<ActiveTarget[]>;
  /** The tail of Prometheus' own log, for failure messages. */
  logTail(lines?: number): string;
  /** SIGTERM, SIGKILL after a grace period; removes the temp directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** Prometheus did not start, or an API call failed. */
export class PrometheusError extends Error {
  override readonly name = 'PrometheusError';
}

const running = new Set<ChildProcess>();

interface ApiAnswer<T> {
  status: string;
  data?: T;
  error?: string;
}

/**
 * Starts `/usr/bin/prometheus` with `configYaml` as its config file, a temporary TSDB directory and
 * a free loopback port; waits until `/-/ready` answers 200.
 *
 * @throws PrometheusError when the binary is missing, the process exits or it is not ready in time
 */
export async function startPrometheus(
  configYaml: string,
  readyTimeoutMs = DEFAULT_READY_TIMEOUT_MS,
): Promise<PrometheusHandle> {
  if (!existsSync(PROMETHEUS)) {
    throw new PrometheusError(`${PROMETHEUS} is missing: install Debian's "prometheus" package`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-test-'));
  const configFile = join(dir, 'prometheus.yml');
  const logFile = join(dir, 'prometheus.log');
  writeFileSync(configFile, configYaml);
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ];
  const logFd = openSync(logFile, 'a');
  // setpriv makes the kernel kill Prometheus when the test process dies, even by SIGKILL.
  const [command, commandArgs] = existsSync(SETPRIV)
    ? [SETPRIV, ['--pdeathsig', 'KILL', PROMETHEUS, ...args]]
    : [PROMETHEUS, args];
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

  const deadline = Date.now() + readyTimeoutMs;
  while (!(await isReady(url))) {
    if (exitCode !== undefined || Date.now() >= deadline) {
      const reason = exitCode === undefined ? `not ready within ${readyTimeoutMs} ms` : `exited (${exitCode})`;
      const log = logTail();
      await stop();
      throw new PrometheusError(`prometheus ${reason}\n${log}`);
    }
    await sleep(200);
  }

  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
    const answer = (await response.json()) as ApiAnswer<T>;
    if (answer.status !== 'success' || answer.data === undefined) {
      throw new PrometheusError(`GET ${path}: ${response.status} ${answer.error ?? JSON.stringify(answer)}`);
    }
    return answer.data;
  };

  return {
    url,
    async query(promql) {
      const data = await api<{
        resultType: string;
        result: { metric: Record<string, string>; value: [number, string] }[];
      }>(`/api/v1/query?query=${encodeURIComponent(promql)}`);
      if (data.resultType !== 'vector') {
        throw new PrometheusError(`query ${promql} gave a ${data.resultType}, expected a vector`);
      }
      return data.result.map((series) => ({ metric: series.metric, value: Number(series.value[1]) }));
    },
    async targets() {
      const data = await api<{ activeTargets: ActiveTarget[] }>('/api/v1/targets?state=active');
      return data.activeTargets;
    },
    logTail,
    stop,
  };
}

/**
 * Polls `promql` until `accept` holds for its answer.
 *
 * @throws PrometheusError with the last answer, the targets and Prometheus' log when it never does
 */
export async function queryUntil(
  prometheus: PrometheusHandle,
  promql: string,
  accept: (result: VectorSample[]) => boolean,
  timeoutMs = 20_000,
): Promise<VectorSample[]> {
  const deadline = Date.now() + timeoutMs;
  let last: VectorSample[] = [];
  while (Date.now() < deadline) {
    last = await prometheus.query(promql);
    if (accept(last)) return last;
    await sleep(250);
  }
  throw new PrometheusError(
    `query ${promql} did not give the expected answer within ${timeoutMs} ms; last: ${JSON.stringify(last)}\n` +
      `targets: ${JSON.stringify(await prometheus.targets())}\n${prometheus.logTail()}`,
  );
}

async function isReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/**
 * A Prometheus config scraping `exporterAddress`'s `/metrics` (job `deluge-exporter`) and, with the
 * standard multi-target relabeling, its `/probe` for every name in `probeTargets` (job `deluge-probe`).
 */
export function multiTargetConfig(
  exporterAddress: string,
  probeTargets: readonly string[],
  scrapeInterval = '1s',
): string {
  const config = {
    global: { scrape_interval: scrapeInterval, scrape_timeout: scrapeInterval, evaluation_interval: scrapeInterval },
    scrape_configs: [
      { job_name: 'deluge-exporter', static_configs: [{ targets: [exporterAddress] }] },
      {
        job_name: 'deluge-probe',
        metrics_path: '/probe',
        static_configs: [{ targets: probeTargets }],
        relabel_configs: [
          { source_labels: ['__address__'], target_label: '__param_target' },
          { source_labels: ['__param_target'], target_label: 'instance' },
          { target_label: '__address__', replacement: exporterAddress },
        ],
      },
    ],
  };
  // JSON is YAML.
  return JSON.stringify(config, null, 2);
}

process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
