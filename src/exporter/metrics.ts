import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { ClientInstrumentation } from '../rpc/types.js';
import { VERSION } from './version.js';

/** prom-client default metrics that are gauges with a `_total` suffix. */
const MISNAMED_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

/** Options of `ExporterMetrics`; the defaults describe this process. */
export interface ExporterMetricsOptions {
  readonly version?: string;
  readonly nodeVersion?: string;
  /** prom-client's process and Node.js metrics. Default true. */
  readonly defaultMetrics?: boolean;
}

/**
 * Metrics about the exporter itself (docs/metrics.md "The exporter itself"), in their own registry, served
 * only on `/metrics`, never on `/probe`.
 */
export class ExporterMetrics {
  /** The exporter's own registry; long-lived, unlike the per-scrape registries. */
  readonly registry = new Registry();

  readonly #rpcRequests = new Counter({
    name: 'deluge_exporter_rpc_requests_total',
    help: 'DelugeRPC requests written to the wire, by daemon and RPC method.',
    labelNames: ['daemon', 'method'] as const,
    registers: [this.registry],
  });
  readonly #rpcErrors = new Counter({
    name: 'deluge_exporter_rpc_errors_total',
    help: 'DelugeRPC requests that failed, by daemon, RPC method and error class (timeout, connection, auth, protocol, remote).',
    labelNames: ['daemon', 'method', 'error'] as const,
    registers: [this.registry],
  });
  readonly #receivedBytes = new Counter({
    name: 'deluge_exporter_rpc_received_bytes_total',
    help: 'DelugeRPC wire bytes read from the daemon (compressed frames incl. header).',
    labelNames: ['daemon'] as const,
    registers: [this.registry],
  });
  readonly #sentBytes = new Counter({
    name: 'deluge_exporter_rpc_sent_bytes_total',
    help: 'DelugeRPC wire bytes written to the daemon (compressed frames incl. header).',
    labelNames: ['daemon'] as const,
    registers: [this.registry],
  });
  readonly #reconnects = new Counter({
    name: 'deluge_exporter_reconnects_total',
    help: 'Connections to the daemon that replaced a previous connection.',
    labelNames: ['daemon'] as const,
    registers: [this.registry],
  });
  readonly #scrapesCoalesced = new Counter({
    name: 'deluge_exporter_scrapes_coalesced_total',
    help: "Scrapes that shared another scrape's in-flight fetch instead of starting their own.",
    registers: [this.registry],
  });
  readonly #skippedItems = new Counter({
    name: 'deluge_exporter_skipped_items_total',
    help: 'Items of daemon answers left out, by daemon, collector and reason (invalid_id: a torrent id that is not 40 lowercase hex; invalid_status: a torrent status that is not a dict).',
    labelNames: ['daemon', 'collector', 'reason'] as const,
    registers: [this.registry],
  });
  readonly #configLoadSuccessful = new Gauge({
    name: 'deluge_exporter_config_last_reload_successful',
    help: 'Whether the last configuration load or reload succeeded (1) or failed (0).',
    registers: [this.registry],
  });

  constructor({
    version = VERSION,
    nodeVersion = process.version,
    defaultMetrics = true,
  }: ExporterMetricsOptions = {}) {
    new Gauge({
      name: 'deluge_exporter_build_info',
      help: 'Build facts of the exporter; always 1.',
      labelNames: ['version', 'node_version'] as const,
      registers: [this.registry],
    }).set({ version, node_version: nodeVersion }, 1);
    if (defaultMetrics) {
      collectDefaultMetrics({ register: this.registry });
      // Gauges named *_total break the naming rules (promtool check metrics rejects them); the same
      // numbers remain available per type in nodejs_active_handles / _requests / _resources.
      for (const name of MISNAMED_DEFAULT_METRICS) this.registry.removeSingleMetric(name);
    }
  }

  /**
   * Hooks for the DelugeRPC client of daemon `daemon`. Its per-daemon counters start at 0 right away,
   * so they exist before the first byte moves.
   */
  instrumentationFor(daemon: string): ClientInstrumentation {
    this.#receivedBytes.inc({ daemon }, 0);
    this.#sentBytes.inc({ daemon }, 0);
    this.#reconnects.inc({ daemon }, 0);
    return {
      request: (method) => this.#rpcRequests.inc({ daemon, method }),
      error: (method, kind) => this.#rpcErrors.inc({ daemon, method, error: kind }),
      sentBytes: (bytes) => this.#sentBytes.inc({ daemon }, bytes),
      receivedBytes: (bytes) => this.#receivedBytes.inc({ daemon }, bytes),
      reconnect: () => this.#reconnects.inc({ daemon }),
    };
  }

  /** One scrape was served from another scrape's in-flight fetch. */
  scrapeCoalesced(): void {
    this.#scrapesCoalesced.inc();
  }

  /** `count` items of `daemon`'s answers were left out by `collector` for `reason`. */
  itemsSkipped(daemon: string, collector: string, reason: string, count: number): void {
    this.#skippedItems.inc({ daemon, collector, reason }, count);
  }

  /** Records the outcome of the last config load or reload. */
  configLoaded(successful: boolean): void {
    this.#configLoadSuccessful.set(successful ? 1 : 0);
  }
}
