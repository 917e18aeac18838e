import type { DaemonStatus, ScrapeTracer } from './daemon-session.js';
import type { MetricFamily } from './types.js';

/** What the HTTP layer asks of one scrape. */
export interface ScrapeRequest {
  /** Seconds from `X-Prometheus-Scrape-Timeout-Seconds`, if sent (already validated: finite, > 0). */
  prometheusTimeoutSeconds?: number;
  /** One configured daemon name for `/probe` (the server checks it); `undefined` = all daemons. */
  target?: string;
  /** Receives every step of the scrape (`/probe?debug=true`). */
  tracer?: ScrapeTracer;
}

/** The scrape orchestration, as seen by `src/server.ts`. */
export interface Scraper {
  /** Names of the configured daemons, in config order; `/probe` accepts only these. */
  readonly daemonNames: readonly string[];
  /**
   * Families of the selected daemons, merged by name and checked: ready to render. Never rejects for
   * daemon failures (those become `deluge_up` 0); rejects only if the exporter itself is broken.
   */
  scrape(request: ScrapeRequest): Promise<MetricFamily[]>;
  /** The last known state of every daemon, in config order (landing page). */
  daemonStatus(): readonly DaemonStatus[];
  /** Closes every daemon connection; called once on shutdown. */
  close(): Promise<void>;
}
