import type { Logger } from 'pino';
import { daemonSettingsEqual, sharedSettingsEqual } from '../config/compare.js';
import type { ExporterConfig } from '../config/types.js';
import type { ExporterMetrics } from '../exporter/metrics.js';
import { type ClientFactory, DaemonSession } from './daemon-session.js';
import { mergeFamilies } from './families.js';
import type { ScrapeRequest, Scraper } from './scraper-api.js';
import type { MetricFamily } from './types.js';

/** Smallest deadline handed to a daemon, so a tiny Prometheus timeout still gets an answer (deluge_up 0). */
const MIN_DEADLINE_SECONDS = 0.1;

export interface ScraperOptions {
  readonly config: ExporterConfig;
  readonly logger: Logger;
  readonly exporterMetrics: ExporterMetrics;
  readonly clientFactory?: ClientFactory;
  /** Clock in milliseconds since the epoch; injectable for tests. */
  readonly now?: () => number;
  /** The scraper this one replaces on a reload: sessions of unchanged daemons are taken over from it. */
  readonly previous?: Scraper;
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
export function createScraper({
  config,
  logger,
  exporterMetrics,
  clientFactory,
  now,
  previous,
}: ScraperOptions): Scraper {
  const kept = previous?.releaseSessions?.(config) ?? new Map<string, DaemonSession>();
  const released = new Set<string>();
  const sessions = new Map(
    config.daemons.map((daemon) => [
      daemon.name,
      {
        daemon,
        session:
          kept.get(daemon.name) ??
          new DaemonSession({
            daemon,
            config,
            logger,
            exporterMetrics,
            ...(clientFactory === undefined ? {} : { clientFactory }),
            ...(now === undefined ? {} : { now }),
          }),
      },
    ]),
  );
  return {
    daemonNames: config.daemons.map((daemon) => daemon.name),
    async scrape({ prometheusTimeoutSeconds, target, tracer }: ScrapeRequest): Promise<MetricFamily[]> {
      const selected = [...sessions.values()].filter(({ daemon }) => target === undefined || daemon.name === target);
      const perDaemon = await Promise.all(
        selected.map(({ daemon, session }) =>
          session.scrape(
            daemonDeadlineSeconds(daemon.timeoutSeconds, prometheusTimeoutSeconds, config.scrapeTimeoutOffsetSeconds),
            tracer,
          ),
        ),
      );
      const { families, conflicts } = mergeFamilies(perDaemon.flat());
      // Sessions check their own families and every name's type is fixed, so a conflict here is a bug.
      if (conflicts.length > 0)
        logger.error({ families: conflicts }, 'families left out: two daemons define them differently');
      return families;
    },
    daemonStatus: () => [...sessions.values()].map(({ session }) => session.status),
    releaseSessions(next: ExporterConfig): ReadonlyMap<string, DaemonSession> {
      const handed = new Map<string, DaemonSession>();
      if (!sharedSettingsEqual(config, next)) return handed;
      for (const daemon of next.daemons) {
        const entry = sessions.get(daemon.name);
        if (entry === undefined || released.has(daemon.name) || !daemonSettingsEqual(entry.daemon, daemon)) continue;
        released.add(daemon.name);
        handed.set(daemon.name, entry.session);
      }
      return handed;
    },
    async close(): Promise<void> {
      const owned = [...sessions.values()].filter(({ daemon }) => !released.has(daemon.name));
      await Promise.all(owned.map(({ session }) => session.close()));
    },
  };
}
