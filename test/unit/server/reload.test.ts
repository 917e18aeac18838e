import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { DaemonStatus } from '../../../src/collector/daemon-session.js';
import { ExporterStateHolder, type ReloadDependencies } from '../../../src/collector/reload.js';
import type { ScrapeRequest, Scraper } from '../../../src/collector/scraper-api.js';
import type { MetricFamily } from '../../../src/collector/types.js';
import { ConfigError } from '../../../src/config/errors.js';
import { loadConfig } from '../../../src/config/load.js';
import type { ExporterConfig } from '../../../src/config/types.js';
import { ExporterMetrics } from '../../../src/exporter/metrics.js';
import { createLogger } from '../../../src/log/logger.js';
import { configWithDaemons, testDaemon } from '../../support/config.js';

const PASSWORD = 'reload-test-secret';

function configWith(...names: string[]): ExporterConfig {
  return configWithDaemons(names.map((name) => testDaemon(name, PASSWORD)));
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/** A scraper whose scrapes wait for `release`, recording what happened to it in `events`. */
class FakeScraper implements Scraper {
  readonly daemonNames: readonly string[];
  readonly #gate = deferred<void>();
  constructor(
    readonly config: ExporterConfig,
    private readonly events: string[],
  ) {
    this.daemonNames = config.daemons.map((daemon) => daemon.name);
  }
  async scrape(_request: ScrapeRequest): Promise<MetricFamily[]> {
    await this.#gate.promise;
    this.events.push(`scraped ${this.daemonNames.join(',')}`);
    return [];
  }
  release(): void {
    this.#gate.resolve();
  }
  daemonStatus(): readonly DaemonStatus[] {
    return [];
  }
  async close(): Promise<void> {
    this.events.push(`closed ${this.daemonNames.join(',')}`);
  }
}

interface Harness {
  readonly holder: ExporterStateHolder;
  readonly initial: FakeScraper;
  readonly created: FakeScraper[];
  readonly events: string[];
  readonly logLines: Record<string, unknown>[];
  readonly logText: () => string;
  readonly reloadMetric: () => Promise<string>;
}

function harness(
  loadConfig: () => ExporterConfig,
  createScraper?: (config: ExporterConfig, created: FakeScraper) => Promise<FakeScraper>,
): Harness {
  const events: string[] = [];
  const logLines: Record<string, unknown>[] = [];
  let logText = '';
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk, _encoding, callback) {
        logText += String(chunk);
        logLines.push(JSON.parse(String(chunk)));
        callback();
      },
    }),
  });
  const exporterMetrics = new ExporterMetrics({ defaultMetrics: false });
  exporterMetrics.configLoaded(true);
  const created: FakeScraper[] = [];
  const dependencies: ReloadDependencies = {
    loadConfig,
    createScraper: (config) => {
      events.push(`create ${config.daemons.map((daemon) => daemon.name).join(',')}`);
      const scraper = new FakeScraper(config, events);
      created.push(scraper);
      return createScraper === undefined ? scraper : createScraper(config, scraper);
    },
    configLoaded: (successful) => exporterMetrics.configLoaded(successful),
    logger,
  };
  const initial = new FakeScraper(configWith('a'), events);
  return {
    holder: new ExporterStateHolder({ config: initial.config, scraper: initial }, dependencies),
    initial,
    created,
    events,
    logLines,
    logText: () => logText,
    reloadMetric: async () =>
      (await exporterMetrics.registry.getSingleMetricAsString('deluge_exporter_config_last_reload_successful'))
        .split('\n')
        .filter((line) => !line.startsWith('#'))
        .join('\n'),
  };
}

describe('ExporterStateHolder.reload', () => {
  it('switches to the new config at once and closes the old scraper only after its running scrapes', async () => {
    const next = configWith('a', 'b');
    const { holder, initial, created, events, logLines, logText, reloadMetric } = harness(() => next);
    const before = holder.current();
    const inFlight = before.scraper.scrape({});

    expect(await holder.reload()).toEqual({ ok: true });
    const after = holder.current();
    expect(after.config).toBe(next);
    expect(after.scraper.daemonNames).toEqual(['a', 'b']);
    expect(events).toEqual(['create a,b']);

    initial.release();
    await inFlight;
    await holder.close();
    expect(events).toEqual(['create a,b', 'scraped a', 'closed a', 'closed a,b']);
    expect(created).toHaveLength(1);
    expect(await reloadMetric()).toBe('deluge_exporter_config_last_reload_successful 1');
    expect(logLines.find((line) => line.msg === 'config reloaded')).toMatchObject({
      level: 'info',
      daemons: ['a', 'b'],
    });
    expect(logText()).not.toContain(PASSWORD);
  });

  it('new scrapes go to the new scraper while the old one finishes', async () => {
    const { holder, initial, created, events } = harness(() => configWith('b'));
    const oldScrape = holder.current().scraper.scrape({});
    await holder.reload();
    const newScrape = holder.current().scraper.scrape({});
    created[0]?.release();
    await newScrape;
    expect(events).toEqual(['create b', 'scraped b']);
    initial.release();
    await oldScrape;
    await holder.close();
    expect(events).toEqual(['create b', 'scraped b', 'scraped a', 'closed a', 'closed b']);
  });

  it('on a ConfigError keeps the old state, sets the metric to 0 and reports the message without the password', async () => {
    const brokenYaml = `daemons:\n  - username: u\n    password: ${PASSWORD}\n    port: abc\n`;
    const { holder, initial, events, logLines, logText, reloadMetric } = harness(() =>
      loadConfig({
        argvConfigPath: 'config.yaml',
        env: {},
        readFile: () => brokenYaml,
        homedir: '/',
        platform: 'linux',
      }),
    );
    const before = holder.current();

    const outcome = await holder.reload();
    const message = 'config.yaml: daemons[0].port: expected integer 1..65535, got "abc"';
    expect(outcome).toEqual({ ok: false, message });
    expect(holder.current()).toBe(before);
    expect(await reloadMetric()).toBe('deluge_exporter_config_last_reload_successful 0');
    expect(logLines.find((line) => line.msg === 'config reload failed')).toMatchObject({
      level: 'error',
      err: { type: 'ConfigError', message },
    });
    expect(logText()).not.toContain(PASSWORD);
    expect(events).toEqual([]);

    initial.release();
    await holder.close();
    expect(events).toEqual(['closed a']);
  });

  it('a later successful reload sets the metric back to 1', async () => {
    let fail = true;
    const { holder, reloadMetric } = harness(() => {
      if (fail) throw new ConfigError('config.yaml', 'daemons', 'expected at least one daemon');
      return configWith('c');
    });
    expect(await holder.reload()).toEqual({ ok: false, message: 'config.yaml: daemons: expected at least one daemon' });
    expect(await reloadMetric()).toBe('deluge_exporter_config_last_reload_successful 0');
    fail = false;
    expect(await holder.reload()).toEqual({ ok: true });
    expect(await reloadMetric()).toBe('deluge_exporter_config_last_reload_successful 1');
    expect(holder.current().scraper.daemonNames).toEqual(['c']);
  });

  it('rethrows an error that is not a ConfigError, keeping the old state and setting the metric to 0', async () => {
    const { holder, reloadMetric } = harness(() => {
      throw new TypeError('loader bug');
    });
    const before = holder.current();
    await expect(holder.reload()).rejects.toThrow('loader bug');
    expect(holder.current()).toBe(before);
    expect(await reloadMetric()).toBe('deluge_exporter_config_last_reload_successful 0');
  });

  it('runs concurrent reloads one after the other, never building two scrapers at once', async () => {
    const configs = [configWith('first'), configWith('second')];
    const gates = [deferred<void>(), deferred<void>()];
    let loads = 0;
    const { holder, events } = harness(
      () => configs[loads++] ?? configWith('unexpected'),
      async (config, scraper) => {
        await gates[configs.indexOf(config)]?.promise;
        events.push(`built ${scraper.daemonNames.join(',')}`);
        return scraper;
      },
    );
    const first = holder.reload();
    const second = holder.reload();
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['create first']);
    gates[1]?.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['create first']);
    gates[0]?.resolve();
    expect(await Promise.all([first, second])).toEqual([{ ok: true }, { ok: true }]);
    expect(events.filter((event) => !event.startsWith('closed'))).toEqual([
      'create first',
      'built first',
      'create second',
      'built second',
    ]);
    expect(events.filter((event) => event.startsWith('closed'))).toEqual(['closed a', 'closed first']);
    expect(holder.current().config).toBe(configs[1]);
    expect(loads).toBe(2);
  });
});
