import type { MetricFamily } from './types.js';

/** What the HTTP layer asks of one scrape. */
export interface ScrapeRequest {
  /** Seconds from `X-Prometheus-Scrape-Timeout-Seconds`, if sent (already validated: finite, > 0). */
  prometheusTimeoutSeconds?: number;
  /** One configured daemon name for `/probe`; `undefined` = all daemons. */
  target?: string;
}

/** The scrape orchestration, as seen by `src/server.ts`. */
export interface Scraper {
  /** Names of the configured daemons, in config order; `/probe` accepts only these. */
  readonly daemonNames: readonly string[];
  /** Never rejects for daemon failures (those become `deluge_up` 0); rejects only if the exporter itself is broken. */
  scrape(request: ScrapeRequest): Promise<MetricFamily[]>;
  /** Closes every daemon connection; called once on shutdown. */
  close(): Promise<void>;
}
