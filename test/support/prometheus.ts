import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServiceProcess } from './service-process.js';

/** The Debian Prometheus binary the tests run. */
export const PROMETHEUS = '/usr/bin/prometheus';

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

interface ApiAnswer<T> {
  status: string;
  data?: T;
  error?: string;
}

/**
 * Starts `/usr/bin/prometheus` with `configYaml` as its config file, a temporary TSDB directory and
 * a free loopback port; waits until `/-/ready` answers 200. `files` (e.g. a rules file) are written
 * beside the config file, where relative `rule_files` entries resolve.
 *
 * @throws PrometheusError when the binary is missing, the process exits or it is not ready in time
 */
export async function startPrometheus(
  configYaml: string,
  readyTimeoutMs?: number,
  files: Readonly<Record<string, string>> = {},
): Promise<PrometheusHandle> {
  const service = await startServiceProcess({
    binary: PROMETHEUS,
    debianPackage: 'prometheus',
    files: { ...files, 'prometheus.yml': configYaml },
    args: (dir, port) => [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    readyPath: '/-/ready',
    ...(readyTimeoutMs === undefined ? {} : { readyTimeoutMs }),
    error: PrometheusError,
  });
  const { url } = service;

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
    logTail: service.logTail,
    stop: service.stop,
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
