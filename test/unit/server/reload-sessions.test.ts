import { afterEach, describe, expect, it } from 'vitest';
import { expositionText, renderFamilies } from '../../../src/collector/exposition.js';
import { ExporterStateHolder } from '../../../src/collector/reload.js';
import { createScraper } from '../../../src/collector/scraper.js';
import type { Scraper } from '../../../src/collector/scraper-api.js';
import { daemonSettingsEqual, sharedSettingsEqual } from '../../../src/config/compare.js';
import type { ExporterConfig } from '../../../src/config/types.js';
import { ExporterMetrics } from '../../../src/exporter/metrics.js';
import { createLogger } from '../../../src/log/logger.js';
import { configFromYaml, testDaemon } from '../../support/config.js';
import { type FakeDaemon, startFakeDaemon } from '../../support/fake-daemon.js';

const ACCOUNT = { username: 'exporter', password: 'pw', level: 10 };
const TORRENT_ID = 'b'.repeat(40);
const daemons: FakeDaemon[] = [];
const holders: ExporterStateHolder[] = [];

afterEach(async () => {
  for (const holder of holders.splice(0)) await holder.close();
  for (const daemon of daemons.splice(0)) await daemon.close();
});

async function fakeDaemon(): Promise<FakeDaemon> {
  const daemon = await startFakeDaemon({
    accounts: [ACCOUNT],
    handlers: {
      'core.get_session_status': () => ({ 'net.recv_bytes': 1, 'net.sent_bytes': 1 }),
      'core.get_torrents_status': () => ({ [TORRENT_ID]: { name: 'x', state: 'Seeding', download_location: '/d' } }),
      'core.get_config_values': () => ({ download_location: '/d', move_completed: false }),
      'core.get_enabled_plugins': () => [],
      'core.is_session_paused': () => false,
      'core.get_libtorrent_version': () => '2.0.8.0',
      'core.get_free_space': () => 1,
    },
  });
  daemons.push(daemon);
  return daemon;
}

function yamlFor(
  entries: readonly { name: string; daemon: FakeDaemon; timeout?: number }[],
  extra = '',
): ExporterConfig {
  return configFromYaml(
    [
      'daemons:',
      ...entries.flatMap(({ name, daemon, timeout }) => [
        `  - name: ${name}`,
        `    port: ${daemon.port}`,
        `    username: ${ACCOUNT.username}`,
        `    password: ${ACCOUNT.password}`,
        `    timeout_seconds: ${timeout ?? 5}`,
      ]),
      extra,
    ].join('\n'),
  );
}

/** An ExporterStateHolder over the real scraper whose next loadConfig returns `next.config`. */
function holderFor(initial: ExporterConfig, next: { config: ExporterConfig }) {
  const exporterMetrics = new ExporterMetrics({ defaultMetrics: false });
  const logger = createLogger({ level: 'error' });
  const build = (config: ExporterConfig, previous?: Scraper) =>
    createScraper({ config, logger, exporterMetrics, ...(previous === undefined ? {} : { previous }) });
  const holder = new ExporterStateHolder(
    { config: initial, scraper: build(initial) },
    { loadConfig: () => next.config, createScraper: build, configLoaded: () => undefined, logger },
  );
  holders.push(holder);
  return holder;
}

async function exposition(holder: ExporterStateHolder): Promise<string> {
  return expositionText(renderFamilies(await holder.current().scraper.scrape({})));
}

const eventsOf = (text: string, daemon: string) =>
  text
    .split('\n')
    .filter((line) => line.startsWith('deluge_torrent_events_total{') && line.includes(`daemon="${daemon}"`))
    .join('\n');

describe('a reload keeps the sessions of unchanged daemons', () => {
  it('unchanged: same connection, event counters go on; changed or added: a new session; removed: closed', async () => {
    const [a, b, c] = await Promise.all([fakeDaemon(), fakeDaemon(), fakeDaemon()]);
    const next = {
      config: yamlFor([
        { name: 'a', daemon: a },
        { name: 'b', daemon: b },
      ]),
    };
    const holder = holderFor(next.config, next);
    await exposition(holder);
    a.emitEvent('TorrentAddedEvent', [TORRENT_ID, false]);
    b.emitEvent('TorrentAddedEvent', [TORRENT_ID, false]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const before = await exposition(holder);
    expect(eventsOf(before, 'a')).toContain('event="added"} 1');

    // a unchanged, b's timeout changed, c added.
    next.config = yamlFor([
      { name: 'a', daemon: a },
      { name: 'b', daemon: b, timeout: 6 },
      { name: 'c', daemon: c },
    ]);
    expect(await holder.reload()).toEqual({ ok: true });
    const after = await exposition(holder);
    expect([a.connections, a.logins]).toEqual([1, 1]);
    expect(eventsOf(after, 'a')).toBe(eventsOf(before, 'a'));
    expect([b.connections, b.logins]).toEqual([2, 2]);
    expect(eventsOf(after, 'b')).toContain('event="added"} 0');
    expect([c.connections, c.logins]).toEqual([1, 1]);
    for (const name of ['a', 'b', 'c']) expect(after).toContain(`deluge_up{daemon="${name}"} 1`);

    // a removed: its session is closed once the old scraper retires (the fake sees the socket end).
    next.config = yamlFor([{ name: 'c', daemon: c }]);
    expect(await holder.reload()).toEqual({ ok: true });
    await exposition(holder);
    expect(c.connections).toBe(1);
    const deadline = Date.now() + 5_000;
    while (a.emitEvent('TorrentAddedEvent', [TORRENT_ID, false]) > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(a.emitEvent('TorrentAddedEvent', [TORRENT_ID, false])).toBe(0);
  });

  it('a change of a setting shared by all daemons gives every daemon a new session', async () => {
    const a = await fakeDaemon();
    const next = { config: yamlFor([{ name: 'a', daemon: a }]) };
    const holder = holderFor(next.config, next);
    await exposition(holder);
    next.config = yamlFor([{ name: 'a', daemon: a }], 'stall_window_seconds: 60');
    expect(await holder.reload()).toEqual({ ok: true });
    await exposition(holder);
    expect(a.connections).toBe(2);
  });
});

describe('settings comparison', () => {
  it('compares the password by value and every connection setting', () => {
    const base = testDaemon('a', 'pw');
    expect(daemonSettingsEqual(base, testDaemon('a', 'pw'))).toBe(true);
    expect(daemonSettingsEqual(base, testDaemon('a', 'other'))).toBe(false);
    expect(daemonSettingsEqual(base, testDaemon('a', 'pw', '10.0.0.1'))).toBe(false);
    expect(daemonSettingsEqual(base, { ...base, tls: { fingerprintSha256: 'aa' } })).toBe(false);
    expect(daemonSettingsEqual(base, { ...base, timeoutSeconds: 3 })).toBe(false);
    const config = configFromYaml('daemons: [{ username: u, password: p }]');
    expect(sharedSettingsEqual(config, { ...config, daemons: [] })).toBe(true);
    expect(sharedSettingsEqual(config, { ...config, libtorrentStats: true })).toBe(false);
  });
});
