import type { ExporterConfig } from '../config/types.js';
import type { DaemonSession, DaemonStatus, ScrapeTracer } from './daemon-session.js';
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
  /**
   * Hands the sessions (connection, counters) of daemons whose settings are unchanged in `next` to the
   * scraper built for `next`; `close()` then leaves them open. Nothing is released when the settings
   * shared by all daemons changed.
   */
  releaseSessions?(next: ExporterConfig): ReadonlyMap<string, DaemonSession>;
  /** Closes every daemon connection it still owns; called once on shutdown or after a reload. */
  close(): Promise<void>;
}
