import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requests } from '../../src/rpc/api.js';
import type { DelugeClient } from '../../src/rpc/client.js';
import { connectClient } from '../harness/clients.js';
import { type DaemonHandle, startDaemon, stopAllDaemons } from '../harness/daemon.js';
import { addTorrent } from '../harness/deluge-calls.js';
import { makeTorrent, writeTorrentData } from '../harness/torrent.js';
import { startTransferPair, type TransferPair } from '../harness/transfer.js';
import {
  type ExporterHandle,
  exporterConfigYaml,
  type ScrapeResult,
  startExporter,
  stopAllExporters,
} from '../support/exporter-process.js';
import { findSamples, type ParsedExposition, sampleValue } from '../support/exposition.js';
import { promtoolCheckMetrics } from '../support/promtool.js';

// Slow enough that the leecher is still downloading when this file ends (even at 3× the limit).
const TRANSFER_BYTES = 24 * 1024 * 1024;
const RATE_LIMIT_KIB = 256;
const UNICODE_NAME = 'Übung – 日本語 🎵';
const LABEL = 'exporter-test';
const WRONG_PASSWORD = 'definitely-not-the-password';
const KNOWN_STATES = ['Allocating', 'Checking', 'Downloading', 'Seeding', 'Paused', 'Error', 'Queued', 'Moving'];

/** The keys the test asks each daemon for, to compute the expected aggregates itself. */
const TORRENT_KEYS = [
  'name',
  'state',
  'label',
  'tracker_host',
  'total_wanted',
  'total_remaining',
  'total_done',
  'is_finished',
  'download_location',
  'progress',
  'time_added',
] as const;
const SESSION_KEYS = ['net.recv_payload_bytes', 'net.sent_payload_bytes', 'net.recv_bytes', 'net.sent_bytes'] as const;
const SESSION_FAMILIES: Readonly<Record<(typeof SESSION_KEYS)[number], string>> = {
  'net.recv_payload_bytes': 'deluge_session_received_payload_bytes_total',
  'net.sent_payload_bytes': 'deluge_session_sent_payload_bytes_total',
  'net.recv_bytes': 'deluge_session_received_bytes_total',
  'net.sent_bytes': 'deluge_session_sent_bytes_total',
};

/** Families docs/metrics.md marks always-on that every healthy daemon must have at least one sample of. */
const ALWAYS_ON_PER_DAEMON = [
  'deluge_up',
  'deluge_scrape_duration_seconds',
  'deluge_scrape_collector_success',
  'deluge_info',
  'deluge_login_auth_level',
  'deluge_session_received_bytes_total',
  'deluge_session_received_payload_bytes_total',
  'deluge_session_sent_bytes_total',
  'deluge_session_sent_payload_bytes_total',
  'deluge_session_wasted_bytes_total',
  'deluge_session_download_rate_bytes_per_second',
  'deluge_session_upload_rate_bytes_per_second',
  'deluge_session_peers_connected',
  'deluge_session_dht_nodes',
  'deluge_session_has_incoming_connections',
  'deluge_session_disk_queued_write_bytes',
  'deluge_config_max_connections',
  'deluge_session_paused',
  'deluge_torrents',
  'deluge_torrents_by_label',
  'deluge_torrents_by_tracker',
  'deluge_torrents_wanted_bytes',
  'deluge_torrents_stalled',
  'deluge_torrent_events_total',
  'deluge_free_space_bytes',
  'deluge_torrent_series_capped',
  'deluge_torrent_info',
];
/** Families without samples on a daemon that has no torrents (`spare`). */
const NEED_TORRENTS = ['deluge_torrents_by_label', 'deluge_torrents_by_tracker', 'deluge_torrent_info'];
const EXPORTER_FAMILIES = [
  'deluge_exporter_build_info',
  'deluge_exporter_rpc_requests_total',
  'deluge_exporter_rpc_received_bytes_total',
  'deluge_exporter_rpc_sent_bytes_total',
  'deluge_exporter_reconnects_total',
  'deluge_exporter_scrapes_coalesced_total',
  'deluge_exporter_config_last_reload_successful',
  'process_cpu_seconds_total',
  'nodejs_heap_size_used_bytes',
];

type TorrentView = Record<string, Record<string, unknown>>;

function countBy(values: readonly string[], initial: readonly string[] = []): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(initial.map((key) => [key, 0]));
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** `{labelValue: value}` of the samples of `name` for `daemon`, keyed by label `key`. */
function samplesByLabel(
  exposition: ParsedExposition,
  name: string,
  daemon: string,
  key: string,
): Record<string, number> {
  return Object.fromEntries(
    findSamples(exposition, name, { daemon }).map((sample) => [sample.labels[key], sample.value]),
  );
}

/** Polls `condition` every 200 ms until it holds. @throws Error naming `what` after `timeoutMs` */
async function waitUntil(what: string, condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await sleep(200);
  }
}

describe('the exporter process against real daemons', () => {
  let pair: TransferPair;
  let spare: DaemonHandle;
  let user5Password: string;
  let unicodeHash: string;
  let exporter: ExporterHandle;
  /** Scrapes of /metrics this file made: every one scrapes every daemon once. */
  let metricsScrapes = 0;

  const scrapeMetrics = async (): Promise<ScrapeResult> => {
    metricsScrapes += 1;
    const result = await exporter.scrape('/metrics');
    expect(result.status, result.text).toBe(200);
    return result;
  };

  const torrentsOf = async (client: DelugeClient): Promise<TorrentView> =>
    (await client.call(requests.core.getTorrentsStatus({}, TORRENT_KEYS))) as TorrentView;

  beforeAll(async () => {
    [pair, spare] = await Promise.all([
      startTransferPair({ sizeBytes: TRANSFER_BYTES, rateLimitKiB: RATE_LIMIT_KIB }),
      startDaemon(),
    ]);
    const { seeder, seederClient } = pair;
    user5Password = seeder.accounts.find((account) => account.level === 5)?.password ?? '';
    expect(user5Password, 'harness default accounts include a level-5 account').not.toBe('');

    // A second, complete torrent with a non-ASCII name, seeded by the seeder.
    const unicode = makeTorrent({ name: UNICODE_NAME, length: 100 * 1024 });
    await writeTorrentData(unicode, seeder.dataDir);
    unicodeHash = await addTorrent(seederClient, unicode);

    await seederClient.call(requests.core.enablePlugin('Label'));
    await waitUntil('Label plugin enabled', async () =>
      (await seederClient.call(requests.core.getEnabledPlugins())).includes('Label'),
    );
    await seederClient.call(requests.label.add(LABEL));
    await seederClient.call(requests.label.setTorrent(unicodeHash, LABEL));
    await waitUntil(
      `${UNICODE_NAME} seeding`,
      async () => (await torrentsOf(seederClient))[unicodeHash]?.state === 'Seeding',
    );
    await pair.waitForProgress(1, 30_000);

    exporter = await startExporter({
      configYaml: exporterConfigYaml([
        { name: 'seeder', daemon: seeder },
        { name: 'leecher', daemon: pair.leecher },
        { name: 'spare', daemon: spare },
        { name: 'wrong-password', daemon: seeder, password: WRONG_PASSWORD },
        { name: 'normal-user', daemon: seeder, username: 'user5', password: user5Password },
      ]),
    });
  }, 120_000);

  afterAll(async () => {
    await exporter?.stop();
    await stopAllExporters();
    await pair?.close();
    await stopAllDaemons();
  });

  it('exports every always-on family for healthy daemons, and the exporter families', async () => {
    const { exposition } = await scrapeMetrics();
    for (const daemon of ['seeder', 'leecher', 'spare']) {
      expect(sampleValue(exposition, 'deluge_up', { daemon }), `deluge_up of ${daemon}`).toBe(1);
      for (const name of ALWAYS_ON_PER_DAEMON) {
        if (daemon === 'spare' && NEED_TORRENTS.includes(name)) continue;
        expect(findSamples(exposition, name, { daemon }).length, `${name}{daemon="${daemon}"}`).toBeGreaterThan(0);
      }
    }
    expect(findSamples(exposition, 'deluge_torrents_remaining_bytes', { daemon: 'leecher' }).length).toBe(1);
    expect(sampleValue(exposition, 'deluge_plugin_enabled', { daemon: 'seeder', plugin: 'Label' })).toBe(1);
    for (const name of EXPORTER_FAMILIES) expect(findSamples(exposition, name).length, name).toBeGreaterThan(0);
    for (const daemon of ['seeder', 'leecher', 'spare']) {
      for (const collector of ['session', 'torrents', 'disk', 'info', 'settings']) {
        expect(sampleValue(exposition, 'deluge_scrape_collector_success', { daemon, collector }), collector).toBe(1);
      }
    }
  });

  it('counts torrents per state, label and tracker and sums wanted bytes exactly as the daemons list them', async () => {
    for (const [daemon, client] of [
      ['seeder', pair.seederClient],
      ['leecher', pair.leecherClient],
    ] as const) {
      const before = Object.values(await torrentsOf(client));
      const { exposition } = await scrapeMetrics();
      const after = Object.values(await torrentsOf(client));
      const states = (view: typeof before) => view.map((status) => String(status.state));
      // States do not move during this file (the leecher downloads throughout); if they did, the check is void.
      expect(states(after)).toEqual(states(before));

      expect(samplesByLabel(exposition, 'deluge_torrents', daemon, 'state')).toEqual(
        countBy(states(after), KNOWN_STATES),
      );
      expect(samplesByLabel(exposition, 'deluge_torrents_by_label', daemon, 'label')).toEqual(
        countBy(after.map((status) => (typeof status.label === 'string' ? status.label : ''))),
      );
      expect(samplesByLabel(exposition, 'deluge_torrents_by_tracker', daemon, 'tracker')).toEqual(
        countBy(after.map((status) => String(status.tracker_host))),
      );
      const wanted = after.reduce((sum, status) => sum + Number(status.total_wanted), 0);
      expect(sampleValue(exposition, 'deluge_torrents_wanted_bytes', { daemon })).toBe(wanted);
    }
    const { exposition } = await scrapeMetrics();
    expect(sampleValue(exposition, 'deluge_torrents_by_label', { daemon: 'seeder', label: LABEL })).toBe(1);
    expect(sampleValue(exposition, 'deluge_torrents_by_label', { daemon: 'seeder', label: '' })).toBe(1);
    expect(sampleValue(exposition, 'deluge_torrents', { daemon: 'seeder', state: 'Seeding' })).toBe(2);
    expect(sampleValue(exposition, 'deluge_torrents', { daemon: 'leecher', state: 'Downloading' })).toBe(1);
    expect(sampleValue(exposition, 'deluge_torrents_wanted_bytes', { daemon: 'leecher' })).toBe(TRANSFER_BYTES);
  });

  it('exports remaining bytes per save path between what the daemon reports just before and just after', async () => {
    const remainingByPath = (view: TorrentView): Record<string, number> => {
      const sums: Record<string, number> = {};
      for (const status of Object.values(view)) {
        if (status.is_finished !== false) continue;
        const path = String(status.download_location);
        sums[path] = (sums[path] ?? 0) + Number(status.total_remaining);
      }
      return sums;
    };
    const seederBefore = remainingByPath(await torrentsOf(pair.seederClient));
    const leecherBefore = remainingByPath(await torrentsOf(pair.leecherClient));
    const { exposition } = await scrapeMetrics();
    const leecherAfter = remainingByPath(await torrentsOf(pair.leecherClient));

    expect(samplesByLabel(exposition, 'deluge_torrents_remaining_bytes', 'seeder', 'path')).toEqual(seederBefore);
    expect(Object.keys(leecherBefore)).toEqual([pair.leecher.dataDir]);
    const exported = sampleValue(exposition, 'deluge_torrents_remaining_bytes', {
      daemon: 'leecher',
      path: pair.leecher.dataDir,
    });
    // The download moves on: the exported value lies between the daemon's answers around the scrape.
    expect(exported).toBeLessThanOrEqual(leecherBefore[pair.leecher.dataDir] ?? Number.NaN);
    expect(exported).toBeGreaterThanOrEqual(leecherAfter[pair.leecher.dataDir] ?? Number.NaN);
    expect(exported).toBeGreaterThan(0);
  });

  it('exports free space of exactly the paths in use, matching core.get_free_space(path)', async () => {
    const { exposition } = await scrapeMetrics();
    for (const [daemon, client, handle] of [
      ['seeder', pair.seederClient, pair.seeder],
      ['leecher', pair.leecherClient, pair.leecher],
    ] as const) {
      const exported = samplesByLabel(exposition, 'deluge_free_space_bytes', daemon, 'path');
      const location = await client.call(requests.core.getConfigValue('download_location'));
      const savePaths = Object.values(await torrentsOf(client)).map((status) => String(status.download_location));
      expect(Object.keys(exported).sort()).toEqual([...new Set([String(location), ...savePaths])].sort());
      expect(Object.keys(exported)).toContain(handle.dataDir);
      for (const [path, value] of Object.entries(exported)) {
        const daemonAnswer = await client.call(requests.core.getFreeSpace(path));
        expect(daemonAnswer).toBeGreaterThan(0);
        // Other tests on this machine write to the same file system: allow 256 MiB of drift.
        expect(Math.abs(value - daemonAnswer), `free space of ${path}`).toBeLessThan(256 * 1024 * 1024);
      }
    }
  });

  it('exports session byte counters between the daemon’s own answers before and after the scrape', async () => {
    for (const [daemon, client] of [
      ['seeder', pair.seederClient],
      ['leecher', pair.leecherClient],
    ] as const) {
      const before = await client.call(requests.core.getSessionStatus(SESSION_KEYS));
      await sleep(1_100); // the daemon refreshes its session counters about once a second
      const { exposition } = await scrapeMetrics();
      await sleep(1_100);
      const after = await client.call(requests.core.getSessionStatus(SESSION_KEYS));
      for (const key of SESSION_KEYS) {
        const exported = sampleValue(exposition, SESSION_FAMILIES[key], { daemon });
        expect(exported, `${daemon} ${key}`).toBeGreaterThanOrEqual(before[key] ?? Number.NaN);
        expect(exported, `${daemon} ${key}`).toBeLessThanOrEqual(after[key] ?? Number.NaN);
      }
    }
    const { exposition } = await scrapeMetrics();
    expect(
      sampleValue(exposition, 'deluge_session_received_payload_bytes_total', { daemon: 'leecher' }),
    ).toBeGreaterThan(0);
    expect(sampleValue(exposition, 'deluge_session_sent_payload_bytes_total', { daemon: 'seeder' })).toBeGreaterThan(0);
    const limit = await pair.leecherClient.call(requests.core.getConfigValue('max_download_speed'));
    expect(sampleValue(exposition, 'deluge_config_download_rate_limit_bytes_per_second', { daemon: 'leecher' })).toBe(
      Number(limit) * 1024,
    );
  });

  it('exports per-torrent series of a torrent with a non-ASCII name, incl. deluge_torrent_info', async () => {
    const { exposition, text } = await scrapeMetrics();
    expect(text).toContain(`name="${UNICODE_NAME}"`);
    const status = (await torrentsOf(pair.seederClient))[unicodeHash] ?? {};
    expect(status.name).toBe(UNICODE_NAME);
    const info = findSamples(exposition, 'deluge_torrent_info', { daemon: 'seeder', hash: unicodeHash });
    expect(info.map((sample) => ({ labels: sample.labels, value: sample.value }))).toEqual([
      {
        labels: {
          daemon: 'seeder',
          hash: unicodeHash,
          name: UNICODE_NAME,
          state: String(status.state),
          label: LABEL,
          tracker: String(status.tracker_host),
        },
        value: 1,
      },
    ]);
    const series = { daemon: 'seeder', hash: unicodeHash };
    expect(sampleValue(exposition, 'deluge_torrent_wanted_bytes', series)).toBe(Number(status.total_wanted));
    expect(sampleValue(exposition, 'deluge_torrent_completed_bytes', series)).toBe(Number(status.total_done));
    expect(sampleValue(exposition, 'deluge_torrent_progress_ratio', series)).toBe(Number(status.progress) / 100);
    expect(sampleValue(exposition, 'deluge_torrent_added_timestamp_seconds', series)).toBe(Number(status.time_added));
    // Value series carry only daemon and hash.
    const value = findSamples(exposition, 'deluge_torrent_wanted_bytes', series);
    expect(Object.keys(value[0]?.labels ?? {}).sort()).toEqual(['daemon', 'hash']);
  });

  it('reports the auth level a normal account gets at login, and warns once per connection', async () => {
    const user5Client = await connectClient(pair.seeder, { username: 'user5', password: user5Password });
    const daemonLevel = user5Client.authLevel;
    const visible = Object.values(await torrentsOf(user5Client)).map((status) => String(status.state));
    await user5Client.close();
    expect(daemonLevel).toBe(5);

    const { exposition } = await scrapeMetrics();
    expect(sampleValue(exposition, 'deluge_login_auth_level', { daemon: 'normal-user' })).toBe(daemonLevel);
    expect(sampleValue(exposition, 'deluge_login_auth_level', { daemon: 'seeder' })).toBe(10);
    expect(sampleValue(exposition, 'deluge_up', { daemon: 'normal-user' })).toBe(1);
    expect(samplesByLabel(exposition, 'deluge_torrents', 'normal-user', 'state')).toEqual(
      countBy(visible, KNOWN_STATES),
    );

    const connections = 1 + sampleValue(exposition, 'deluge_exporter_reconnects_total', { daemon: 'normal-user' });
    const warnings = exporter
      .logLines()
      .filter((line) => line.level === 'warn' && line.daemon === 'normal-user' && /admin/.test(line.msg));
    expect(warnings.length).toBe(connections);
    expect(warnings[0]?.auth_level).toBe(5);
    expect(exporter.logLines().filter((line) => line.level === 'warn' && line.daemon === 'seeder')).toEqual([]);
  });

  it('gives deluge_up 0 for a wrong password without retrying login more than once per scrape, and logs no secret', async () => {
    for (let scrape = 0; scrape < 3; scrape++) {
      const { exposition } = await scrapeMetrics();
      expect(sampleValue(exposition, 'deluge_up', { daemon: 'wrong-password' })).toBe(0);
      expect(sampleValue(exposition, 'deluge_up', { daemon: 'seeder' })).toBe(1);
    }
    const { exposition } = await scrapeMetrics();
    const logins = sampleValue(exposition, 'deluge_exporter_rpc_requests_total', {
      daemon: 'wrong-password',
      method: 'daemon.login',
    });
    expect(logins).toBeGreaterThanOrEqual(1);
    expect(logins).toBeLessThanOrEqual(metricsScrapes);
    expect(
      sampleValue(exposition, 'deluge_exporter_rpc_errors_total', {
        daemon: 'wrong-password',
        method: 'daemon.login',
        error: 'auth',
      }),
    ).toBe(logins);
    expect(findSamples(exposition, 'deluge_login_auth_level', { daemon: 'wrong-password' })).toEqual([]);
    const output = exporter.output();
    for (const secret of [WRONG_PASSWORD, pair.seeder.admin.password, user5Password, pair.leecher.admin.password]) {
      expect(output.includes(secret), 'a password appears in the exporter output').toBe(false);
    }
  });

  it('serves two concurrent /metrics scrapes with one status bundle per daemon', async () => {
    // The call each daemon's scrape starts with: the status bundle, or the login that fails.
    const bundleMethod: Readonly<Record<string, string>> = {
      seeder: 'core.get_torrents_status',
      leecher: 'core.get_torrents_status',
      spare: 'core.get_torrents_status',
      'normal-user': 'core.get_torrents_status',
      'wrong-password': 'daemon.login',
    };
    const bundles = (result: ScrapeResult, daemon: string) =>
      sampleValue(result.exposition, 'deluge_exporter_rpc_requests_total', {
        daemon,
        method: bundleMethod[daemon] ?? '',
      });
    const coalesced = (result: ScrapeResult) =>
      sampleValue(result.exposition, 'deluge_exporter_scrapes_coalesced_total');
    const daemons = Object.keys(bundleMethod);
    // Whether a fast daemon's fetch is still in flight when the second request arrives is up to timing,
    // so a few attempts are allowed; the accounting must be exact in every one of them.
    let coalescedInPair = 0;
    for (let attempt = 0; attempt < 5 && coalescedInPair === 0; attempt++) {
      const first = await scrapeMetrics();
      const pairResults = await Promise.all([scrapeMetrics(), scrapeMetrics()]);
      const last = await scrapeMetrics();
      for (const result of pairResults)
        expect(sampleValue(result.exposition, 'deluge_up', { daemon: 'seeder' })).toBe(1);
      coalescedInPair = coalesced(last) - coalesced(first);
      let sent = 0;
      for (const daemon of daemons) {
        const delta = bundles(last, daemon) - bundles(first, daemon);
        // One bundle for the last scrape, one or two for the concurrent pair.
        expect(delta, daemon).toBeGreaterThanOrEqual(2);
        expect(delta, daemon).toBeLessThanOrEqual(3);
        sent += delta;
      }
      // Every daemon of each of the three scrapes either sent its own bundle or shared one.
      expect(sent + coalescedInPair).toBe(3 * daemons.length);
    }
    expect(coalescedInPair).toBeGreaterThanOrEqual(1);
  });

  it('passes promtool check metrics for /probe, which has only its own daemon and no exporter metrics', async () => {
    const probe = await exporter.scrape('/probe?target=seeder');
    expect(probe.status).toBe(200);
    expect(promtoolCheckMetrics(probe.text)).toEqual({ status: 0, output: '' });
    expect(findSamples(probe.exposition, 'deluge_up').map((sample) => sample.labels.daemon)).toEqual(['seeder']);
    expect(findSamples(probe.exposition, 'deluge_exporter_build_info')).toEqual([]);
  });

  it('passes promtool check metrics for /metrics', async () => {
    const metrics = await scrapeMetrics();
    expect(promtoolCheckMetrics(metrics.text)).toEqual({ status: 0, output: '' });
  });

  it('gives deluge_up 0 for a stopped daemon while still exporting the others in the same answer', async () => {
    await spare.stop();
    const { exposition } = await scrapeMetrics();
    expect(sampleValue(exposition, 'deluge_up', { daemon: 'spare' })).toBe(0);
    expect(sampleValue(exposition, 'deluge_up', { daemon: 'seeder' })).toBe(1);
    expect(sampleValue(exposition, 'deluge_up', { daemon: 'leecher' })).toBe(1);
    expect(findSamples(exposition, 'deluge_torrents', { daemon: 'spare' })).toEqual([]);
    expect(sampleValue(exposition, 'deluge_torrents', { daemon: 'seeder', state: 'Seeding' })).toBe(2);
    const probe = await exporter.scrape('/probe?target=spare');
    expect(probe.status).toBe(200);
    expect(sampleValue(probe.exposition, 'deluge_up', { daemon: 'spare' })).toBe(0);
  });
});
