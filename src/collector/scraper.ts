import type { Logger } from 'pino';
import type { ExporterConfig } from '../config/types.js';
import type { ExporterMetrics } from '../exporter-metrics.js';
import { type ClientFactory, DaemonSession } from './daemon-session.js';
import type { ScrapeRequest, Scraper } from './scraper-api.js';
import type { MetricFamily } from './types.js';

/** Smallest deadline handed to a daemon, so a tiny Prometheus timeout still gets an answer (deluge_up 0). */
const MIN_DEADLINE_SECONDS = 0.1;

export interface ScraperOptions {
  readonly config: ExporterConfig;
  readonly logger: Logger;
  readonly exporterMetrics: ExporterMetrics;
  readonly clientFactory?: ClientFactory;
}

/**
 * Deadline of one daemon in one scrape: its configured timeout, shortened to what Prometheus waits
 * (`X-Prometheus-Scrape-Timeout-Seconds`) minus the configured offset.
 */
export function daemonDeadlineSeconds(
  configuredSeconds: number,
  prometheusTimeoutSeconds: number | undefined,
  offsetSeconds: number,
): number {
  if (prometheusTimeoutSeconds === undefined) return configuredSeconds;
  return Math.max(MIN_DEADLINE_SECONDS, Math.min(configuredSeconds, prometheusTimeoutSeconds - offsetSeconds));
}

/** The scrape orchestration: one {@link DaemonSession} per configured daemon, scraped in parallel. */
export function createScraper({ config, logger, exporterMetrics, clientFactory }: ScraperOptions): Scraper {
  const sessions = new Map(
    config.daemons.map((daemon) => [
      daemon.name,
      {
        daemon,
        session: new DaemonSession({
          daemon,
          config,
          logger,
          exporterMetrics,
          ...(clientFactory === undefined ? {} : { clientFactory }),
        }),
      },
    ]),
  );
  return {
    daemonNames: config.daemons.map((daemon) => daemon.name),
    async scrape({ prometheusTimeoutSeconds, target }: ScrapeRequest): Promise<MetricFamily[]> {
      const selected =
        target === undefined
          ? [...sessions.values()]
          : [
              sessions.get(target) ??
                unknownTarget(
                  target,
                  config.daemons.map((daemon) => daemon.name),
                ),
            ];
      const perDaemon = await Promise.all(
        selected.map(({ daemon, session }) =>
          session.scrape(
            daemonDeadlineSeconds(daemon.timeoutSeconds, prometheusTimeoutSeconds, config.scrapeTimeoutOffsetSeconds),
          ),
        ),
      );
      // Families of the same name from several daemons are merged once, by the exposition.
      return perDaemon.flat();
    },
    async close(): Promise<void> {
      await Promise.all([...sessions.values()].map(({ session }) => session.close()));
    },
  };
}

function unknownTarget(target: string, known: readonly string[]): never {
  throw new RangeError(`unknown target "${target}"; configured targets: ${known.join(', ')}`);
}
