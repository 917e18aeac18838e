import type { TransportKind } from '../transport/transport.js';
import type { SampleFamily } from './types.js';

/** What the scrape of one daemon achieved. */
export interface DaemonHealth {
  readonly daemon: string;
  /** Login and every required call of this scrape succeeded. */
  readonly up: boolean;
  readonly durationSeconds: number;
  /** Per collector: did it succeed. Empty when the daemon could not be reached. */
  readonly collectorSuccess: Readonly<Record<string, boolean>>;
  /** Auth level granted at login; `undefined` when not logged in. */
  readonly authLevel?: number | undefined;
  /** How the daemon is reached: its RPC port or its Web UI. */
  readonly transport: TransportKind;
}

/**
 * `deluge_up`, `deluge_scrape_duration_seconds`, `deluge_scrape_collector_success`, `deluge_login_auth_level`,
 * `deluge_transport_info`.
 */
export function healthFamilies(health: DaemonHealth): SampleFamily[] {
  const { daemon } = health;
  return [
    {
      name: 'deluge_up',
      type: 'gauge',
      help: '1 when the daemon answered login and every required call of this scrape, else 0.',
      labelNames: ['daemon'],
      samples: [{ labels: { daemon }, value: health.up ? 1 : 0 }],
    },
    {
      name: 'deluge_scrape_duration_seconds',
      type: 'gauge',
      help: 'Wall time spent on this daemon in this scrape.',
      labelNames: ['daemon'],
      samples: [{ labels: { daemon }, value: health.durationSeconds }],
    },
    {
      name: 'deluge_scrape_collector_success',
      type: 'gauge',
      help: '1 when the collector succeeded in this scrape, else 0.',
      labelNames: ['daemon', 'collector'],
      samples: Object.keys(health.collectorSuccess)
        .sort()
        .map((collector) => ({
          labels: { daemon, collector },
          value: health.collectorSuccess[collector] === true ? 1 : 0,
        })),
    },
    {
      name: 'deluge_login_auth_level',
      type: 'gauge',
      help: 'Auth level the exporter account got at login (daemon.login): 1 read-only, 5 normal, 10 admin.',
      labelNames: ['daemon'],
      samples: health.authLevel === undefined ? [] : [{ labels: { daemon }, value: health.authLevel }],
    },
    {
      name: 'deluge_transport_info',
      type: 'gauge',
      help: 'How the exporter reaches the daemon, value 1: transport "rpc" (its RPC port) or "webui" (its Web UI).',
      labelNames: ['daemon', 'transport'],
      samples: [{ labels: { daemon, transport: health.transport }, value: 1 }],
    },
  ];
}
