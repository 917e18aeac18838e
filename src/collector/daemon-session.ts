import type { Logger } from 'pino';
import type { DaemonConfig, ExporterConfig } from '../config/types.js';
import type { ExporterMetrics } from '../exporter-metrics.js';
import { DelugeClient } from '../rpc/client.js';
import type { DelugeClientOptions } from '../rpc/types.js';
import { type DaemonMemory, type DaemonScrapeResult, initialMemory, scrapeDaemon } from './daemon-scrape.js';
import { classifyEvent, eventFamily, SUBSCRIBED_EVENTS, type TorrentEventCounter } from './events.js';
import { healthFamilies } from './health.js';
import type { MetricFamily } from './types.js';

/** Deluge's admin level: below it the daemon hides other accounts' torrents. */
const AUTH_LEVEL_ADMIN = 10;

/** Makes the RPC client of one daemon; tests inject one that points elsewhere. */
export type ClientFactory = (options: DelugeClientOptions) => DelugeClient;

export interface DaemonSessionOptions {
  readonly daemon: DaemonConfig;
  readonly config: ExporterConfig;
  readonly logger: Logger;
  readonly exporterMetrics: ExporterMetrics;
  readonly clientFactory?: ClientFactory;
  /** Clock in milliseconds since the epoch; injectable for tests. */
  readonly now?: () => number;
}

/**
 * One configured daemon: a persistent, logged-in client, the event counters, what one scrape tells
 * the next (`DaemonMemory`), and at most one status fetch in flight. Concurrent scrapes share it.
 */
export class DaemonSession {
  readonly name: string;
  readonly #options: DaemonSessionOptions;
  readonly #client: DelugeClient;
  readonly #logger: Logger;
  readonly #eventCounts: Record<TorrentEventCounter, number> = {
    added: 0,
    removed: 0,
    finished: 0,
    errored: 0,
    state_changed: 0,
  };
  #memory: DaemonMemory = initialMemory;
  #inFlight: Promise<MetricFamily[]> | undefined;
  /** The failure that started the current streak; logged once, cleared on recovery. */
  #failing = false;
  /** Collectors that failed in the previous scrape; a failure is logged when it starts, not again. */
  #failingCollectors = new Set<string>();

  constructor(options: DaemonSessionOptions) {
    const { daemon, config, exporterMetrics } = options;
    this.#options = options;
    this.name = daemon.name;
    this.#logger = options.logger.child({ daemon: daemon.name });
    const factory = options.clientFactory ?? ((clientOptions) => new DelugeClient(clientOptions));
    this.#client = factory({
      host: daemon.host,
      port: daemon.port,
      username: daemon.username,
      password: daemon.password,
      tls: {
        ...(daemon.tls.fingerprintSha256 === undefined ? {} : { fingerprintSha256: daemon.tls.fingerprintSha256 }),
        ...(daemon.tls.caPem === undefined ? {} : { ca: daemon.tls.caPem }),
      },
      maxFrameBytes: config.maxFrameBytes,
      eventInterest: SUBSCRIBED_EVENTS,
      instrumentation: exporterMetrics.instrumentationFor(daemon.name),
    });
    this.#client.on('event', (event) => {
      for (const counter of classifyEvent(event)) this.#eventCounts[counter] += 1;
    });
    this.#client.on('connected', ({ authLevel, daemonVersion, reconnect }) => {
      this.#logger.info({ auth_level: authLevel, version: daemonVersion, reconnect }, 'connected to daemon');
      if (authLevel < AUTH_LEVEL_ADMIN) {
        this.#logger.warn(
          { auth_level: authLevel },
          "account is not admin (level 10): Deluge hides other users' torrents, so torrent counts and sizes cover only this account's torrents",
        );
      }
    });
    this.#client.on('disconnected', (reason) => {
      if (reason !== undefined) this.#logger.debug({ err: reason }, 'connection to daemon lost');
    });
  }

  /**
   * Scrapes the daemon within `deadlineSeconds`; never rejects. A scrape that starts while another is
   * in flight shares its result (and counts in `deluge_exporter_scrapes_coalesced_total`), so the
   * daemon never sees two status bundles at once.
   */
  scrape(deadlineSeconds: number): Promise<MetricFamily[]> {
    if (this.#inFlight !== undefined) {
      this.#options.exporterMetrics.scrapeCoalesced();
      return this.#inFlight;
    }
    const run = this.#scrapeOnce(deadlineSeconds).finally(() => {
      this.#inFlight = undefined;
    });
    this.#inFlight = run;
    return run;
  }

  async #scrapeOnce(deadlineSeconds: number): Promise<MetricFamily[]> {
    const now = this.#options.now ?? Date.now;
    const startedMs = now();
    const signal = AbortSignal.timeout(Math.max(1, Math.round(deadlineSeconds * 1000)));
    let result: DaemonScrapeResult | undefined;
    try {
      result = await scrapeDaemon(
        (requests) => this.#client.callMany(requests, { signal }),
        { daemon: this.name, scrapeTimeSeconds: startedMs / 1000, config: this.#options.config },
        this.#memory,
      );
      this.#memory = result.memory;
      this.#recordOutcome(result);
    } catch (error) {
      this.#recordFailure(error);
    }
    const up = result?.requiredOk === true;
    return [
      ...(result?.families ?? []),
      ...healthFamilies({
        daemon: this.name,
        up,
        durationSeconds: (now() - startedMs) / 1000,
        collectorSuccess: result?.collectorSuccess ?? {},
        authLevel: up ? this.#client.authLevel : undefined,
      }),
      eventFamily(this.name, this.#eventCounts),
    ];
  }

  #recordFailure(error: unknown): void {
    this.#failingCollectors.clear();
    if (this.#failing) return;
    this.#failing = true;
    this.#logger.error({ err: error }, 'scrape of daemon failed; further failures are not logged until it recovers');
  }

  #recordOutcome(result: DaemonScrapeResult): void {
    if (this.#failing && result.requiredOk) {
      this.#failing = false;
      this.#logger.info('daemon recovered');
    }
    // The error that starts a streak already names every problem of this scrape.
    const startsStreak = !this.#failing && !result.requiredOk;
    if (startsStreak) {
      this.#failing = true;
      this.#logger.error(
        { problems: result.problems.map((problem) => problem.message) },
        'required calls failed; further failures are not logged until it recovers',
      );
    }
    const failingNow = new Set<string>();
    for (const problem of result.problems) {
      failingNow.add(problem.collector);
      if (startsStreak || this.#failingCollectors.has(problem.collector)) continue;
      this.#logger.warn({ collector: problem.collector, method: problem.method, err: problem.error }, problem.message);
    }
    this.#failingCollectors = failingNow;
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}
