import { readFileSync } from 'node:fs';

/**
 * Every metric name of the metric contract, read from the first column of docs/metrics.md's tables. A
 * name missing there is a name the exporter does not promise: dashboards and alerts must not use it.
 */
export const CONTRACT_METRIC_NAMES: ReadonlySet<string> = new Set(
  [
    ...readFileSync(new URL('../../../docs/metrics.md', import.meta.url), 'utf8').matchAll(
      /^\|\s*`(deluge_[a-z0-9_]+)`\s*\|/gm,
    ),
  ].map((match) => match[1] as string),
);

/** Names outside the contract that every Prometheus (`up`) or prom-client's default metrics provide. */
export const STANDARD_METRIC_NAMES: ReadonlySet<string> = new Set([
  'up',
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
]);
