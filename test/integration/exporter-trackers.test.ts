import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { requests } from '../../src/rpc/api.js';
import type { DelugeClient } from '../../src/rpc/client.js';
import { connectClient } from '../harness/clients.js';
import { type DaemonHandle, startDaemon, stopAllDaemons } from '../harness/daemon.js';
import { addTorrent } from '../harness/deluge-calls.js';
import { makeTorrent } from '../harness/torrent.js';
import {
  failureReply,
  type LoopbackTracker,
  refusedAnnounceUrl,
  startTracker,
  stopAllTrackers,
  swarmReply,
} from '../harness/tracker.js';
import { startTransferPair, type TransferPair } from '../harness/transfer.js';
import { fillVariables } from '../support/dashboard-json.js';
import {
  type ExporterHandle,
  exporterConfigYaml,
  startExporter,
  stopAllExporters,
} from '../support/exporter-process.js';
import { findSamples, type ParsedExposition, sampleValue } from '../support/exposition.js';
import { multiTargetConfig, queryUntil, startPrometheus, type VectorSample } from '../support/prometheus.js';

const KINDS = ['unregistered', 'unauthorized', 'unreachable', 'other'] as const;
type Kind = (typeof KINDS)[number];

type StatusView = Record<string, Record<string, unknown>>;

afterAll(async () => {
  await stopAllExporters();
  await stopAllTrackers();
  await stopAllDaemons();
});

/** Every torrent's tracker_status no longer empty or `Announce Sent`, except those without a tracker. */
function settled(view: StatusView, untracked: ReadonlySet<string>): boolean {
  return Object.entries(view).every(
    ([id, status]) => untracked.has(id) || (status.tracker_status !== '' && status.tracker_status !== 'Announce Sent'),
  );
}

function errorCounts(exposition: ParsedExposition, daemon: string, tracker: string): Record<Kind, number> {
  return Object.fromEntries(
    KINDS.map((kind) => [kind, sampleValue(exposition, 'deluge_torrents_tracker_errors', { daemon, tracker, kind })]),
  ) as Record<Kind, number>;
}

const DASHBOARD = new URL('../../grafana/dashboards/deluge-overview.json', import.meta.url);
const ALERTS = new URL('../../grafana/alerts/deluge-alerts.yaml', import.meta.url);

/** The dashboard's variables as a user with one job and every instance and daemon selected sets them. */
const resolveVariables = (expr: string) => fillVariables(expr, { job: 'deluge-exporter', daemon: '.+' });

function sameItems(actual: readonly string[], expected: readonly string[]): boolean {
  return JSON.stringify([...actual].sort()) === JSON.stringify([...expected].sort());
}

describe('tracker errors against a real deluged and real loopback trackers', () => {
  const DAEMON = 'trackers';
  let daemon: DaemonHandle;
  let client: DelugeClient;
  let exporter: ExporterHandle;
  const ids: Record<string, string> = {};
  const hosts: Record<string, string> = {};

  beforeAll(async () => {
    daemon = await startDaemon();
    client = await connectClient(daemon);
    const unregistered = await startTracker(failureReply('Unregistered torrent'));
    const passkey = await startTracker(failureReply('Invalid passkey'));
    const foreign = await startTracker(failureReply('Torrent non enregistré'));
    const swarm = await startTracker(swarmReply());
    const refused = await refusedAnnounceUrl();
    Object.assign(hosts, {
      unregistered: unregistered.host,
      passkey: passkey.host,
      foreign: foreign.host,
      swarm: swarm.host,
      refused: new URL(refused).hostname,
    });
    const announces: Record<string, string | undefined> = {
      unregisteredA: unregistered.announceUrl,
      unregisteredB: unregistered.announceUrl,
      // TLS to the plain-HTTP tracker: an unreachable error at the same host as two unregistered ones.
      tlsToUnregistered: unregistered.announceUrl.replace(/^http:/, 'https:'),
      passkey: passkey.announceUrl,
      foreign: foreign.announceUrl,
      swarm: swarm.announceUrl,
      refused,
      none: undefined,
    };
    for (const [key, announce] of Object.entries(announces)) {
      const torrent = makeTorrent({ name: `${key}.bin`, length: 20_000, ...(announce ? { announce } : {}) });
      ids[key] = await addTorrent(client, torrent);
    }
    exporter = await startExporter({ configYaml: exporterConfigYaml([{ name: DAEMON, daemon }]) });
  });

  /**
   * A scrape with the daemon's own statuses read right before and right after it; retried until both
   * reads agree and every tracker has answered, so the scrape saw exactly those statuses.
   */
  async function scrapeWithStatuses(): Promise<{ exposition: ParsedExposition; view: StatusView }> {
    const keys = ['tracker_status', 'tracker_host', 'download_payload_rate', 'upload_payload_rate'] as const;
    const untracked = new Set([ids.none ?? '']);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const before = (await client.call(requests.core.getTorrentsStatus({}, [...keys]))) as StatusView;
      const { exposition, status } = await exporter.scrape('/metrics');
      const after = (await client.call(requests.core.getTorrentsStatus({}, [...keys]))) as StatusView;
      expect(status).toBe(200);
      if (settled(after, untracked) && JSON.stringify(before) === JSON.stringify(after)) {
        return { exposition, view: after };
      }
      if (Date.now() > deadline) throw new Error(`statuses did not settle: ${JSON.stringify(after)}`);
      await sleep(300);
    }
  }

  it("shows the trackers' answers in Deluge as the test expects", async () => {
    const { view } = await scrapeWithStatuses();
    const statusOf = (key: string) => view[ids[key] ?? '']?.tracker_status;
    expect(statusOf('unregisteredA')).toBe('Error: Unregistered torrent');
    expect(statusOf('unregisteredB')).toBe('Error: Unregistered torrent');
    // OpenSSL 3 (Deluge 2.2.0's Debian 13) appends the library name.
    expect(statusOf('tlsToUnregistered')).toMatch(/^Error: wrong version number(?: \(SSL routines\))?$/);
    expect(statusOf('passkey')).toBe('Error: Invalid passkey');
    expect(statusOf('foreign')).toBe('Error: Torrent non enregistré');
    expect(statusOf('swarm')).toBe('Announce OK');
    expect(statusOf('refused')).toBe('Error: Connection refused');
    expect(statusOf('none')).toBe('');
  });

  it('counts each kind per tracker, all four kinds for every tracker of deluge_torrents_by_tracker', async () => {
    const { exposition } = await scrapeWithStatuses();
    const zero = { unregistered: 0, unauthorized: 0, unreachable: 0, other: 0 };
    const expected: Record<string, Record<Kind, number>> = {
      [hosts.unregistered ?? '']: { ...zero, unregistered: 2, unreachable: 1 },
      [hosts.passkey ?? '']: { ...zero, unauthorized: 1 },
      [hosts.foreign ?? '']: { ...zero, other: 1 },
      [hosts.swarm ?? '']: zero,
      [hosts.refused ?? '']: { ...zero, unreachable: 1 },
      '': zero,
    };
    expect(sampleValue(exposition, 'deluge_scrape_collector_success', { daemon: DAEMON, collector: 'trackers' })).toBe(
      1,
    );
    const byTracker = findSamples(exposition, 'deluge_torrents_by_tracker', { daemon: DAEMON });
    expect(byTracker.map((sample) => sample.labels.tracker).sort()).toEqual(Object.keys(expected).sort());
    for (const [host, counts] of Object.entries(expected)) {
      expect(errorCounts(exposition, DAEMON, host), host).toEqual(counts);
    }
    expect(findSamples(exposition, 'deluge_torrents_tracker_errors', { daemon: DAEMON })).toHaveLength(
      Object.keys(expected).length * KINDS.length,
    );
  });

  it('has one error info series per torrent whose daemon status is an error, with its text as message', async () => {
    const { exposition, view } = await scrapeWithStatuses();
    const expectedKinds: Record<string, Kind> = {
      unregisteredA: 'unregistered',
      unregisteredB: 'unregistered',
      tlsToUnregistered: 'unreachable',
      passkey: 'unauthorized',
      foreign: 'other',
      refused: 'unreachable',
    };
    const series = findSamples(exposition, 'deluge_torrent_tracker_error_info', { daemon: DAEMON });
    expect(series.map((sample) => sample.labels.hash).sort()).toEqual(
      Object.keys(expectedKinds)
        .map((key) => ids[key])
        .sort(),
    );
    for (const [key, kind] of Object.entries(expectedKinds)) {
      const hash = ids[key] ?? '';
      const message = String(view[hash]?.tracker_status).replace(/^Error: /, '');
      expect(
        sampleValue(exposition, 'deluge_torrent_tracker_error_info', { daemon: DAEMON, hash, kind, message }),
      ).toBe(1);
    }
  });

  it('counts no torrent as active and no per-tracker rate while nothing moves', async () => {
    const { exposition, view } = await scrapeWithStatuses();
    const moving = Object.values(view).filter(
      (status) => Number(status.download_payload_rate) > 0 || Number(status.upload_payload_rate) > 0,
    );
    expect(moving).toHaveLength(0);
    expect(sampleValue(exposition, 'deluge_torrents_active', { daemon: DAEMON })).toBe(0);
    for (const direction of ['download', 'upload']) {
      const rates = findSamples(exposition, `deluge_tracker_${direction}_rate_bytes_per_second`, { daemon: DAEMON });
      expect(rates).toHaveLength(6);
      expect(rates.every((sample) => sample.value === 0)).toBe(true);
    }
  });

  it("gives the dashboard's tracker row and the tracker alerts their answers through a real Prometheus", async () => {
    const prometheus = await startPrometheus(multiTargetConfig(`127.0.0.1:${exporter.port}`, []));
    try {
      const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
        panels: { title: string; targets?: { expr: string }[] }[];
      };
      const panelQuery = (title: string) =>
        resolveVariables(dashboard.panels.find((panel) => panel.title === title)?.targets?.[0]?.expr ?? '');
      const alertExpr = (name: string) =>
        (parse(readFileSync(ALERTS, 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups
          .flatMap((group) => group.rules)
          .find((rule) => rule.alert === name)?.expr ?? '';
      const key = (sample: VectorSample, labels: readonly string[]) =>
        `${labels.map((label) => sample.metric[label]).join(' ')} = ${sample.value}`;
      const settledAnswer = async (promql: string, labels: readonly string[], expected: readonly string[]) =>
        queryUntil(
          prometheus,
          promql,
          (result) =>
            sameItems(
              result.map((s) => key(s, labels)),
              expected,
            ),
          30_000,
        );

      await settledAnswer(
        panelQuery('Tracker errors by kind'),
        ['tracker', 'kind'],
        [
          `${hosts.unregistered} unregistered = 2`,
          `${hosts.unregistered} unreachable = 1`,
          `${hosts.passkey} unauthorized = 1`,
          `${hosts.foreign} other = 1`,
          `${hosts.refused} unreachable = 1`,
        ],
      );
      const table = await settledAnswer(
        panelQuery('Torrents with tracker errors'),
        ['name', 'kind'],
        [
          'unregisteredA.bin unregistered = 1',
          'unregisteredB.bin unregistered = 1',
          'tlsToUnregistered.bin unreachable = 1',
          'passkey.bin unauthorized = 1',
          'foreign.bin other = 1',
          'refused.bin unreachable = 1',
        ],
      );
      const passkeyRow = table.find((sample) => sample.metric.name === 'passkey.bin');
      expect(passkeyRow?.metric).toMatchObject({ tracker: hosts.passkey, message: 'Invalid passkey', daemon: DAEMON });

      // The alert conditions (without their hour): unregistered torrents at one tracker; unreachable
      // for most torrents only at the refused one (one of its one), not at the host where one of three fails.
      await settledAnswer(alertExpr('DelugeTorrentsUnregistered'), ['tracker'], [`${hosts.unregistered} = 2`]);
      await settledAnswer(alertExpr('DelugeTrackerUnreachable'), ['tracker'], [`${hosts.refused} = 1`]);
    } finally {
      await prometheus.stop();
    }
  });
});

describe('per-tracker rates and active torrents during a real two-daemon transfer', () => {
  let pair: TransferPair;
  let swarm: LoopbackTracker;
  let exporter: ExporterHandle;

  beforeAll(async () => {
    pair = await startTransferPair({ sizeBytes: 24 * 1024 * 1024, rateLimitKiB: 256 });
    swarm = await startTracker(swarmReply());
    // The same tracker on both sides: tracker_host becomes its address on the seeder and the leecher.
    for (const client of [pair.seederClient, pair.leecherClient]) {
      await client.call(requests.core.setTorrentTrackers(pair.torrentId, [{ url: swarm.announceUrl, tier: 0 }]));
    }
    await pair.waitForProgress(1, 30_000);
    exporter = await startExporter({
      configYaml: exporterConfigYaml([
        { name: 'seeder', daemon: pair.seeder },
        { name: 'leecher', daemon: pair.leecher },
      ]),
    });
  }, 120_000);

  afterAll(async () => {
    await pair?.close();
  });

  it("sums the moving torrent's payload rates under its tracker and counts it active on both daemons", async () => {
    const host = swarm.host;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { exposition } = await exporter.scrape('/metrics');
      const leecherStatus = await pair.leecherClient.call(
        requests.core.getTorrentStatus(pair.torrentId, ['tracker_host', 'download_payload_rate', 'progress']),
      );
      expect(leecherStatus.progress, 'the transfer must still run').toBeLessThan(100);
      expect(leecherStatus.tracker_host).toBe(host);
      const download = sampleValue(exposition, 'deluge_tracker_download_rate_bytes_per_second', {
        daemon: 'leecher',
        tracker: host,
      });
      const upload = sampleValue(exposition, 'deluge_tracker_upload_rate_bytes_per_second', {
        daemon: 'seeder',
        tracker: host,
      });
      if (download > 0 && upload > 0) {
        // The tracker sum is the sum of the per-torrent rates of the same scrape (one torrent here).
        expect(download).toBe(
          sampleValue(exposition, 'deluge_torrent_download_rate_bytes_per_second', {
            daemon: 'leecher',
            hash: pair.torrentId,
          }),
        );
        expect(upload).toBe(
          sampleValue(exposition, 'deluge_torrent_upload_rate_bytes_per_second', {
            daemon: 'seeder',
            hash: pair.torrentId,
          }),
        );
        // Throttled to 256 KiB/s on the leecher: Deluge's smoothed rate stays in that range.
        expect(download).toBeLessThan(3 * 256 * 1024);
        expect(sampleValue(exposition, 'deluge_torrents_active', { daemon: 'leecher' })).toBe(1);
        expect(sampleValue(exposition, 'deluge_torrents_active', { daemon: 'seeder' })).toBe(1);
        // Only the one tracker (and no "" tracker): the torrent moved to the swarm tracker on both daemons.
        for (const daemon of ['seeder', 'leecher']) {
          expect(
            findSamples(exposition, 'deluge_tracker_download_rate_bytes_per_second', { daemon }).map(
              (sample) => sample.labels.tracker,
            ),
          ).toEqual([host]);
        }
        // The daemon's own rate, read after the scrape, is moving as well.
        expect(Number(leecherStatus.download_payload_rate)).toBeGreaterThan(0);
        return;
      }
      if (Date.now() > deadline) throw new Error(`no payload rate under ${host} within 30 s: ${download}, ${upload}`);
      await sleep(1_000);
    }
  });

  it('sees the swarm tracker announce both daemons with their BitTorrent ports', () => {
    const ports = new Set(swarm.announces.filter((a) => a.infoHash === pair.torrentId).map((a) => a.port));
    expect(ports).toEqual(new Set([pair.seeder.btPort, pair.leecher.btPort]));
  });
});
