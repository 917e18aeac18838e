import { Writable } from 'node:stream';
import { setTimeout as realSleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expositionText, renderFamilies } from '../../../src/collector/exposition.js';
import { createScraper, daemonDeadlineSeconds } from '../../../src/collector/scraper.js';
import { type MetricFamily, samplesOf } from '../../../src/collector/types.js';
import type { ExporterConfig } from '../../../src/config/types.js';
import { ExporterMetrics } from '../../../src/exporter/metrics.js';
import { createLogger } from '../../../src/log/logger.js';
import { configFromYaml } from '../../support/config.js';
import { FAKE_CLOCK, settledNow, untilIo } from '../../support/fake-clock.js';
import { type FakeDaemon, FakeRemoteError, startFakeDaemon } from '../../support/fake-daemon.js';

const TORRENT_ID = 'a'.repeat(40);

function fakeHandlers() {
  return {
    'core.get_session_status': () => ({ 'net.recv_bytes': 1000, 'net.sent_bytes': 500, payload_download_rate: 12.5 }),
    'core.get_torrents_status': () => ({
      [TORRENT_ID]: {
        name: 'one',
        state: 'Downloading',
        total_wanted: 4096,
        total_remaining: 1024,
        download_location: '/data',
        tracker_host: 'example.org',
        time_since_transfer: 5,
        active_time: 10,
      },
    }),
    'core.get_config_values': () => ({ download_location: '/data', move_completed: false, max_upload_speed: -1 }),
    'core.get_enabled_plugins': () => [],
    'core.is_session_paused': () => false,
    'core.get_libtorrent_version': () => '2.0.8.0',
    'core.get_free_space': () => 123_456,
  };
}

function configFor(daemons: { name: string; port: number; username: string; password: string }[]): ExporterConfig {
  const yaml = [
    'daemons:',
    ...daemons.flatMap((d) => [
      `  - name: ${d.name}`,
      '    host: 127.0.0.1',
      `    port: ${d.port}`,
      `    username: ${d.username}`,
      `    password: ${d.password}`,
      '    timeout_seconds: 2',
    ]),
  ].join('\n');
  return configFromYaml(yaml);
}

function logCapture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'debug', destination }) };
}

function sampleValue(families: MetricFamily[], name: string, labels: Record<string, string>): number | undefined {
  return families
    .filter((f) => f.name === name)
    .flatMap(samplesOf)
    .find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function fake(options: Parameters<typeof startFakeDaemon>[0] = {}): Promise<FakeDaemon> {
  const daemon = await startFakeDaemon({ handlers: fakeHandlers(), ...options });
  cleanups.push(() => daemon.close());
  return daemon;
}

function scraperFor(config: ExporterConfig, logger = logCapture().logger) {
  const exporterMetrics = new ExporterMetrics({ defaultMetrics: false });
  const scraper = createScraper({ config, logger, exporterMetrics });
  cleanups.push(() => scraper.close());
  return { scraper, exporterMetrics };
}

describe('daemonDeadlineSeconds', () => {
  it('uses the configured timeout without a Prometheus header', () => {
    expect(daemonDeadlineSeconds(10, undefined, 0.5)).toBe(10);
  });
  it('shortens to the Prometheus timeout minus the offset', () => {
    expect(daemonDeadlineSeconds(10, 5, 0.5)).toBe(4.5);
    expect(daemonDeadlineSeconds(3, 5, 0.5)).toBe(3);
  });
  it('never goes to zero or below', () => {
    expect(daemonDeadlineSeconds(10, 0.2, 0.5)).toBe(0.1);
  });
});

describe('createScraper against fake daemons', () => {
  it('exports a healthy daemon and a dead one in the same scrape', async () => {
    const alive = await fake();
    const dead = await fake();
    const deadPort = dead.port;
    await dead.close();
    const config = configFor([
      { name: 'alive', port: alive.port, username: 'admin', password: 'admin-secret' },
      { name: 'dead', port: deadPort, username: 'admin', password: 'admin-secret' },
    ]);
    const { scraper } = scraperFor(config);
    const families = await scraper.scrape({});
    expect(sampleValue(families, 'deluge_up', { daemon: 'alive' })).toBe(1);
    expect(sampleValue(families, 'deluge_up', { daemon: 'dead' })).toBe(0);
    expect(sampleValue(families, 'deluge_login_auth_level', { daemon: 'alive' })).toBe(10);
    expect(sampleValue(families, 'deluge_session_received_bytes_total', { daemon: 'alive' })).toBe(1000);
    expect(sampleValue(families, 'deluge_torrents', { daemon: 'alive', state: 'Downloading' })).toBe(1);
    expect(sampleValue(families, 'deluge_torrent_events_total', { daemon: 'dead', event: 'added' })).toBe(0);
    // both daemons merged into one family per name
    expect(expositionText(renderFamilies(families)).match(/^# TYPE deluge_up gauge$/gm)).toHaveLength(1);
  });

  it('sends one status bundle per scrape and shares it between concurrent scrapes', async () => {
    const daemon = await fake();
    daemon.setFault('core.get_torrents_status', { kind: 'delay', ms: 200 });
    const config = configFor([{ name: 'd', port: daemon.port, username: 'admin', password: 'admin-secret' }]);
    const { scraper, exporterMetrics } = scraperFor(config);
    await scraper.scrape({}); // first scrape: connects, learns the save path
    daemon.clearRecords();
    const [a, b] = await Promise.all([scraper.scrape({}), scraper.scrape({ target: 'd' })]);
    const withoutDuration = (families: MetricFamily[]) =>
      families.filter((family) => family.name !== 'deluge_scrape_duration_seconds');
    expect(withoutDuration(a)).toEqual(withoutDuration(b));
    const statusBundles = daemon.messages.filter((m) =>
      m.requests.some((r) => r.method === 'core.get_torrents_status'),
    );
    expect(statusBundles).toHaveLength(1);
    expect(statusBundles[0]?.requests.map((r) => r.method)).toContain('core.get_session_status');
    const text = await exporterMetrics.registry.getSingleMetricAsString('deluge_exporter_scrapes_coalesced_total');
    expect(text).toMatch(/^deluge_exporter_scrapes_coalesced_total 1$/m);
  });

  it('reports a hanging daemon as down at the Prometheus deadline; the next scrape joins the unanswered bundle', async () => {
    const daemon = await fake();
    const config = configFor([{ name: 'slow', port: daemon.port, username: 'admin', password: 'admin-secret' }]);
    const { scraper, exporterMetrics } = scraperFor(config);
    expect(sampleValue(await scraper.scrape({}), 'deluge_up', { daemon: 'slow' })).toBe(1);
    daemon.setFault('core.get_session_status', { kind: 'hang' });
    const bundles = () => daemon.messages.filter((m) => m.requests.some((r) => r.method === 'core.get_session_status'));
    vi.useFakeTimers(FAKE_CLOCK);
    const scrape = scraper.scrape({ prometheusTimeoutSeconds: 2, target: 'slow' });
    await untilIo(() => bundles().length === 2);
    // 2 s from Prometheus minus the 0.5 s offset: down when the fake clock reaches 1.5 s, not before.
    await vi.advanceTimersByTimeAsync(1_499);
    expect(await settledNow(scrape)).toBe('still waiting');
    await vi.advanceTimersByTimeAsync(1);
    const families = await settledNow(scrape);
    if (families === 'still waiting') throw new Error('the scrape outlived its deadline');
    expect(sampleValue(families, 'deluge_up', { daemon: 'slow' })).toBe(0);
    expect(sampleValue(families, 'deluge_scrape_duration_seconds', { daemon: 'slow' })).toBe(1.5);
    // The unanswered bundle stays outstanding until the daemon's own timeout (2 s, a real AbortSignal
    // timer): the next scrape joins it instead of stacking a second one, then a fresh scrape works again.
    daemon.setFault('core.get_session_status', undefined);
    expect(sampleValue(await scraper.scrape({}), 'deluge_up', { daemon: 'slow' })).toBe(0);
    const coalesced = await exporterMetrics.registry.getSingleMetricAsString('deluge_exporter_scrapes_coalesced_total');
    expect(coalesced).toMatch(/^deluge_exporter_scrapes_coalesced_total 1$/m);
    expect(sampleValue(await scraper.scrape({}), 'deluge_up', { daemon: 'slow' })).toBe(1);
    expect(bundles()).toHaveLength(3);
  });

  it('logs a failure streak once and a wrong password does not retry-storm', async () => {
    const daemon = await fake();
    const config = configFor([{ name: 'bad', port: daemon.port, username: 'admin', password: 'wrong' }]);
    const { lines, logger } = logCapture();
    const { scraper } = scraperFor(config, logger);
    for (let i = 0; i < 3; i++) {
      expect(sampleValue(await scraper.scrape({}), 'deluge_up', { daemon: 'bad' })).toBe(0);
    }
    expect(daemon.loginAttempts).toBe(3);
    const errors = lines.filter((line) => line.level === 'error');
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(lines)).not.toContain('wrong');
  });

  it('logs a failing required call once per streak, not again as a collector warning', async () => {
    const daemon = await fake();
    daemon.setHandler('core.get_torrents_status', () => {
      throw new FakeRemoteError('InvalidTorrentError', ['status unavailable']);
    });
    const config = configFor([{ name: 'req', port: daemon.port, username: 'admin', password: 'admin-secret' }]);
    const { lines, logger } = logCapture();
    const { scraper } = scraperFor(config, logger);
    for (let i = 0; i < 2; i++) {
      expect(sampleValue(await scraper.scrape({}), 'deluge_up', { daemon: 'req' })).toBe(0);
    }
    const problems = lines.filter((line) => line.level === 'error' || line.level === 'warn');
    expect(problems).toHaveLength(1);
    expect(JSON.stringify(problems[0])).toContain('status unavailable');
  });

  it('warns once per connection when the account is not admin and exports its level', async () => {
    const daemon = await fake();
    const config = configFor([{ name: 'u', port: daemon.port, username: 'user', password: 'user-secret' }]);
    const { lines, logger } = logCapture();
    const { scraper } = scraperFor(config, logger);
    const families = await scraper.scrape({});
    await scraper.scrape({});
    expect(sampleValue(families, 'deluge_login_auth_level', { daemon: 'u' })).toBe(5);
    const warnings = () => lines.filter((line) => line.level === 'warn' && String(line.msg).includes('not admin'));
    expect(warnings()).toHaveLength(1);
    daemon.dropConnections();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sampleValue(await scraper.scrape({}), 'deluge_up', { daemon: 'u' })).toBe(1);
    expect(warnings()).toHaveLength(2);
  });

  it('counts subscribed events', async () => {
    const daemon = await fake();
    const config = configFor([{ name: 'e', port: daemon.port, username: 'admin', password: 'admin-secret' }]);
    const { scraper } = scraperFor(config);
    await scraper.scrape({});
    expect(daemon.emitEvent('TorrentAddedEvent', [TORRENT_ID, false])).toBe(1);
    daemon.emitEvent('TorrentStateChangedEvent', [TORRENT_ID, 'Error']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const families = await scraper.scrape({});
    expect(sampleValue(families, 'deluge_torrent_events_total', { daemon: 'e', event: 'added' })).toBe(1);
    expect(sampleValue(families, 'deluge_torrent_events_total', { daemon: 'e', event: 'errored' })).toBe(1);
    expect(sampleValue(families, 'deluge_torrent_events_total', { daemon: 'e', event: 'state_changed' })).toBe(1);
  });
});

describe('a slow daemon is never stacked', () => {
  it('answering after 3 s, scraped every 0.5 s with 1.5 s deadlines: one bundle at a time, one connection, no scrape past its deadline', async () => {
    const daemon = await fake();
    const answer = fakeHandlers()['core.get_torrents_status'];
    let delayMs = 10;
    let outstanding = 0;
    let mostOutstanding = 0;
    daemon.setHandler('core.get_torrents_status', async () => {
      outstanding += 1;
      mostOutstanding = Math.max(mostOutstanding, outstanding);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      outstanding -= 1;
      return answer();
    });
    const yaml = configFor([{ name: 'slow', port: daemon.port, username: 'admin', password: 'admin-secret' }]);
    const config = { ...yaml, daemons: yaml.daemons.map((entry) => ({ ...entry, timeoutSeconds: 10 })) };
    const { scraper } = scraperFor(config);
    await scraper.scrape({}); // connects on the real clock
    delayMs = 3000;
    vi.useFakeTimers(FAKE_CLOCK);
    const scrapeAt = async (index: number, offsetMs: number) => {
      await new Promise((resolve) => setTimeout(resolve, offsetMs));
      const started = Date.now();
      // /metrics and /probe alternate: they share the daemon's session
      const families = await scraper.scrape({ prometheusTimeoutSeconds: 2, ...(index % 2 ? { target: 'slow' } : {}) });
      return { up: sampleValue(families, 'deluge_up', { daemon: 'slow' }), tookMs: Date.now() - started };
    };
    /**
     * Runs the fake clock in 20 ms steps with 1 ms of real time after each (node:timers/promises is not
     * faked) for the socket I/O, until `done` settles.
     */
    const run = async <T>(done: Promise<T>): Promise<T> => {
      let settled = false;
      const result = done.finally(() => {
        settled = true;
      });
      while (!settled) {
        await vi.advanceTimersByTimeAsync(20);
        await realSleep(1);
      }
      return result;
    };
    const slow = await run(Promise.all(Array.from({ length: 16 }, (_, index) => scrapeAt(index, index * 500))));
    expect(mostOutstanding).toBe(1);
    expect(daemon.connections).toBe(1);
    // The deadline is 2 s - 0.5 s: on the fake clock no scrape takes longer.
    expect(Math.max(...slow.map((scrape) => scrape.tookMs))).toBeLessThanOrEqual(1500);
    // scrapes that joined a bundle about to be answered got it in time
    expect(slow.filter((scrape) => scrape.up === 1).length).toBeGreaterThan(0);
    expect(slow.filter((scrape) => scrape.up === 0).length).toBeGreaterThan(0);

    delayMs = 10;
    await run(new Promise((resolve) => setTimeout(resolve, 3000))); // the last slow bundle is answered
    // A prompt daemon on the real clock: every scrape gets its answer.
    vi.useRealTimers();
    const fast = await Promise.all(Array.from({ length: 4 }, (_, index) => scrapeAt(index, index * 100)));
    expect(fast.map((scrape) => scrape.up)).toEqual([1, 1, 1, 1]);
    expect(daemon.connections).toBe(1);
    expect(mostOutstanding).toBe(1);
  }, 15_000);
});
