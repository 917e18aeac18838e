import { join } from 'node:path';
import { type ServiceProcess, startServiceProcess } from './service-process.js';

/** Debian's Alertmanager binary (package `prometheus-alertmanager`). */
export const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';

/** Alertmanager did not start. */
export class AlertmanagerError extends Error {
  override readonly name = 'AlertmanagerError';
}

/** A running Alertmanager: `url`, `port`, its log tail and `stop()`. */
export type AlertmanagerHandle = ServiceProcess;

/** Alertmanager's grouping timings, as Prometheus durations (`1s`, `5m`). */
export interface AlertmanagerTimings {
  readonly groupWait: string;
  readonly groupInterval: string;
  readonly repeatInterval: string;
  /** For alerts without an end time; Prometheus always sends one, so it rarely matters. */
  readonly resolveTimeout: string;
}

/**
 * An Alertmanager config with one webhook receiver at `webhookUrl` that also gets resolved
 * notifications, and a route that groups by every label (`group_by: ['...']`): each notification
 * carries one alert.
 */
export function webhookAlertmanagerConfig(webhookUrl: string, timings: AlertmanagerTimings): string {
  const config = {
    global: { resolve_timeout: timings.resolveTimeout },
    route: {
      receiver: 'webhook',
      group_by: ['...'],
      group_wait: timings.groupWait,
      group_interval: timings.groupInterval,
      repeat_interval: timings.repeatInterval,
    },
    receivers: [{ name: 'webhook', webhook_configs: [{ url: webhookUrl, send_resolved: true }] }],
  };
  // JSON is YAML.
  return JSON.stringify(config, null, 2);
}

/**
 * Starts `/usr/bin/prometheus-alertmanager` with `configYaml`, a temporary storage directory, a free
 * loopback port and clustering off (`--cluster.listen-address=`); waits until `/-/ready` answers 200.
 *
 * @throws AlertmanagerError when the binary is missing, the process exits or it is not ready in time
 */
export function startAlertmanager(configYaml: string): Promise<AlertmanagerHandle> {
  return startServiceProcess({
    binary: ALERTMANAGER,
    debianPackage: 'prometheus-alertmanager',
    files: { 'alertmanager.yml': configYaml },
    args: (dir, port) => [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    readyPath: '/-/ready',
    error: AlertmanagerError,
  });
}
