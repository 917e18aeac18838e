import { ConfigError } from '../config/errors.js';
import type { ExporterConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import type { DaemonSession, DaemonStatus } from './daemon-session.js';
import type { ScrapeRequest, Scraper } from './scraper-api.js';
import type { MetricFamily } from './types.js';

/** The configuration in force and the scraper built for it; always replaced together. */
export interface ExporterState {
  readonly config: ExporterConfig;
  readonly scraper: Scraper;
}

/** The outcome of one reload; a failure carries the one-line `ConfigError` message (never a password). */
export type ReloadOutcome = { readonly ok: true } | { readonly ok: false; readonly message: string };

/** What {@link ExporterStateHolder} needs; injected so reloads are testable without files or daemons. */
export interface ReloadDependencies {
  /** Reads the configuration from the source used at start-up. @throws {ConfigError} when invalid */
  readonly loadConfig: () => ExporterConfig;
  /** Builds the scraper for `config`, taking over unchanged daemons' sessions from `previous` (on reloads). */
  readonly createScraper: (config: ExporterConfig, previous?: Scraper) => Scraper | Promise<Scraper>;
  /** Records whether the last load or reload succeeded (`deluge_exporter_config_last_reload_successful`). */
  readonly configLoaded: (successful: boolean) => void;
  readonly logger: Logger;
}

/** A scraper that counts its running scrapes, so it can be closed once they are done. */
class DrainableScraper implements Scraper {
  readonly daemonNames: readonly string[];
  #running = 0;
  #onIdle: (() => void)[] = [];

  constructor(private readonly inner: Scraper) {
    this.daemonNames = inner.daemonNames;
  }

  async scrape(request: ScrapeRequest): Promise<MetricFamily[]> {
    this.#running += 1;
    try {
      return await this.inner.scrape(request);
    } finally {
      this.#running -= 1;
      if (this.#running === 0) for (const resolve of this.#onIdle.splice(0)) resolve();
    }
  }

  daemonStatus(): readonly DaemonStatus[] {
    return this.inner.daemonStatus();
  }

  releaseSessions(next: ExporterConfig): ReadonlyMap<string, DaemonSession> {
    return this.inner.releaseSessions?.(next) ?? new Map();
  }

  /** Waits for the scrapes running now (and any started meanwhile), then closes the inner scraper. */
  async close(): Promise<void> {
    if (this.#running > 0) await new Promise<void>((resolve) => this.#onIdle.push(resolve));
    await this.inner.close();
  }
}

/**
 * The one owner of the current {@link ExporterState}. `reload` re-reads the configuration, builds a new
 * scraper, switches to it at once, and closes the old scraper in the background once the scrapes already
 * running on it have finished. Reloads run one at a time, in the order they were asked for.
 */
export class ExporterStateHolder {
  #state: ExporterState;
  #reloads: Promise<unknown> = Promise.resolve();
  readonly #retiring = new Set<Promise<void>>();

  constructor(
    initial: ExporterState,
    private readonly dependencies: ReloadDependencies,
  ) {
    this.#state = { config: initial.config, scraper: new DrainableScraper(initial.scraper) };
  }

  /** The state new requests must use; read it once per request and use that snapshot throughout. */
  current(): ExporterState {
    return this.#state;
  }

  /**
   * Reloads the configuration. A `ConfigError` leaves the current state in place and is reported in
   * the outcome; any other error is rethrown after the same bookkeeping.
   */
  reload(): Promise<ReloadOutcome> {
    const next = this.#reloads.then(() => this.#reloadNow());
    this.#reloads = next.catch(() => undefined);
    return next;
  }

  /** Closes the current scraper and waits for old ones still finishing their scrapes; for shutdown. */
  async close(): Promise<void> {
    await this.#reloads;
    await Promise.all([this.#state.scraper.close(), ...this.#retiring]);
  }

  async #reloadNow(): Promise<ReloadOutcome> {
    const { loadConfig, createScraper, configLoaded, logger } = this.dependencies;
    let state: ExporterState;
    try {
      const config = loadConfig();
      state = { config, scraper: new DrainableScraper(await createScraper(config, this.#state.scraper)) };
    } catch (error) {
      configLoaded(false);
      if (!(error instanceof ConfigError)) throw error;
      logger.error({ err: error }, 'config reload failed');
      return { ok: false, message: error.message };
    }
    const previous = this.#state;
    this.#state = state;
    configLoaded(true);
    logger.info({ daemons: state.scraper.daemonNames }, 'config reloaded');
    this.#retire(previous.scraper);
    return { ok: true };
  }

  #retire(scraper: Scraper): void {
    const closed = scraper
      .close()
      .catch((error: unknown) => this.dependencies.logger.error({ err: error }, 'closing the previous scraper failed'))
      .finally(() => this.#retiring.delete(closed));
    this.#retiring.add(closed);
  }
}
