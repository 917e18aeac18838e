import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requests } from '../../src/rpc/api.js';
import { connectClient } from '../harness/clients.js';
import { stopAllDaemons } from '../harness/daemon.js';
import { addTorrent } from '../harness/deluge-calls.js';
import {
  type MonitoringWorld,
  startMonitoringWorld,
  UNREGISTERED_REASON,
  WORLD_DAEMONS,
} from '../harness/monitoring-world.js';
import { type GeneratedTorrent, makeTorrent, writeTorrentData } from '../harness/torrent.js';
import { refusedAnnounceUrl, stopAllTrackers } from '../harness/tracker.js';
import { shortenForDurations } from '../support/alert-rules.js';
import { type AlertWebhook, type NotifiedAlert, startAlertWebhook } from '../support/alert-webhook.js';
import { type AlertmanagerHandle, startAlertmanager, webhookAlertmanagerConfig } from '../support/alertmanager.js';
import { startExporter, stopAllExporters } from '../support/exporter-process.js';
import { type PrometheusHandle, queryUntil, startPrometheus } from '../support/prometheus.js';

const RULES = readFileSync(new URL('../../grafana/alerts/deluge-alerts.yaml', import.meta.url), 'utf8');
/** docs/alerts.md: every `for:` divided by 360, at most 10 s (6h and 1h -> 10s, 30m -> 5s, 5m -> 833ms). */
const FOR_SHORTENING = { divisor: 360, atMostMs: 10_000 };
const MiB = 1024 * 1024;
/** What the filled small disk keeps free: less than the stalled torrent still needs there. */
const LEFT_FREE = 4 * MiB;
/** Bounds for one alert to fire or resolve on a loaded machine; typical times are a few seconds. */
const ARRIVAL_MS = 60_000;

/** The exporter's name for the `conditions` daemon reached through a level-5 (normal, not admin) account. */
const LIMITED = 'limited';

/** A daemon entry of the exporter's config file. */
interface ExporterDaemonEntry {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
}

/** Scrapes the exporter and evaluates rules every second, sending alerts to `alertmanagerPort`. */
function prometheusConfig(exporterAddress: string, alertmanagerPort: number): string {
  return JSON.stringify({
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: ['deluge-alerts.yaml'],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${alertmanagerPort}`] }] }] },
    scrape_configs: [{ job_name: 'deluge-exporter', static_configs: [{ targets: [exporterAddress] }] }],
  });
}

// A test waits for a firing and a resolved notification, each bounded by ARRIVAL_MS.
describe('alerts from real conditions on real daemons arrive at an Alertmanager webhook', {
  timeout: 2 * ARRIVAL_MS + 30_000,
}, () => {
  let webhook: AlertWebhook;
  let alertmanager: AlertmanagerHandle;
  let world: MonitoringWorld;
  let prometheus: PrometheusHandle;
  let instance: string;
  /** The `conditions` daemon's move-completed path, which does not exist until the test creates it. */
  const missingPath = () => join(world.daemon(WORLD_DAEMONS.conditions).configDir, 'completed');
  /** When each condition was brought about (ms since the epoch). */
  const causedAt: Record<string, number> = {};
  /** Seeding torrents of the `conditions` daemon: one whose data becomes unreadable, one whose tracker refuses. */
  let errored: GeneratedTorrent;
  let unreachable: GeneratedTorrent & { readonly tracker: string };

  /** Adds a complete torrent (its data written first) to the `conditions` daemon: it seeds. */
  const seed = async (torrent: GeneratedTorrent) => {
    await writeTorrentData(torrent, world.daemon(WORLD_DAEMONS.conditions).dataDir);
    await addTorrent(world.conditionsClient, torrent);
  };
  /** The exporter's config file as it is now. */
  const exporterConfigText = () => {
    if (world.exporter.configPath === undefined) throw new Error('the exporter has no config file');
    return readFileSync(world.exporter.configPath, 'utf8');
  };
  /** Edits the exporter's config file (JSON, as exporterConfigYaml writes it) and reloads it with SIGHUP. */
  const reloadExporterConfig = (edit: (daemons: ExporterDaemonEntry[]) => ExporterDaemonEntry[]) => {
    const { configPath, pid } = world.exporter;
    if (configPath === undefined || pid === undefined) throw new Error('the exporter has no config file or no process');
    const config = JSON.parse(exporterConfigText()) as { daemons: ExporterDaemonEntry[] };
    writeFileSync(configPath, JSON.stringify({ ...config, daemons: edit(config.daemons) }));
    process.kill(pid, 'SIGHUP');
  };
  /** An exporter entry `limited` for the `conditions` daemon, logging in with its account of `level`. */
  const limitedEntry = (level: number): ExporterDaemonEntry => {
    const daemon = world.daemon(WORLD_DAEMONS.conditions);
    const account = daemon.accounts.find((candidate) => candidate.level === level);
    if (account === undefined) throw new Error(`the conditions daemon has no level-${level} account`);
    return {
      name: LIMITED,
      host: daemon.host,
      port: daemon.port,
      username: account.username,
      password: account.password,
    };
  };
  const erroredFile = () => join(world.daemon(WORLD_DAEMONS.conditions).dataDir, errored.name);
  /** Polls a `conditions` torrent's state until `accept` holds; throws naming the last state. */
  const waitForState = async (hash: string, accept: (state: string) => boolean) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { state } = await world.conditionsClient.call(requests.core.getTorrentStatus(hash, ['state']));
      if (accept(String(state))) return String(state);
      if (Date.now() > deadline) throw new Error(`torrent ${hash} still ${String(state)} after 30 s`);
      await sleep(200);
    }
  };

  const runbook = (alert: string) => `docs/alerts.md#${alert.toLowerCase()}`;
  /** Every label a notified alert of this exporter carries: the rule's, the series' and the target's. */
  const expectedLabels = (alertname: string, severity: string, series: Record<string, string>) => ({
    alertname,
    severity,
    job: 'deluge-exporter',
    instance,
    ...series,
  });
  /** The first notified alert of `alertname` with `status` whose labels include `labels`. */
  const arrival = (status: 'firing' | 'resolved', alertname: string, labels: Record<string, string>) =>
    webhook.waitForAlert(
      `${status} ${alertname} ${JSON.stringify(labels)}`,
      (alert) =>
        alert.status === status &&
        alert.labels.alertname === alertname &&
        Object.entries(labels).every(([key, value]) => alert.labels[key] === value),
      ARRIVAL_MS,
    );
  /** A resolved notification of the same alert, ending after `undoneAt`. */
  const resolvedAfter = async (firing: NotifiedAlert, undoneAt: number) => {
    const resolved = await arrival('resolved', firing.labels.alertname ?? '', { ...firing.labels });
    expect(resolved.fingerprint).toBe(firing.fingerprint);
    expect(resolved.labels).toEqual(firing.labels);
    expect(Date.parse(resolved.endsAt)).toBeGreaterThanOrEqual(undoneAt - 1_000);
    return resolved;
  };

  beforeAll(async () => {
    webhook = await startAlertWebhook();
    alertmanager = await startAlertmanager(
      webhookAlertmanagerConfig(webhook.url, {
        groupWait: '1s',
        groupInterval: '1s',
        repeatInterval: '1h',
        resolveTimeout: '1m',
      }),
    );
    world = await startMonitoringWorld();
    instance = `127.0.0.1:${world.exporter.port}`;
    errored = makeTorrent({ name: 'errored.bin', length: 64 * 1024 });
    const refused = await refusedAnnounceUrl();
    unreachable = {
      ...makeTorrent({ name: 'unreachable.bin', length: 64 * 1024, announce: refused }),
      tracker: new URL(refused).hostname,
    };
    await seed(errored);
    await seed(unreachable);
    prometheus = await startPrometheus(prometheusConfig(instance, alertmanager.port), undefined, {
      'deluge-alerts.yaml': shortenForDurations(RULES, FOR_SHORTENING),
    });
    // Prometheus has seen every daemon up and the small disk with room for the stalled torrent...
    await queryUntil(prometheus, 'deluge_up == 1', (result) => result.length === world.daemons.size, 30_000);
    const disk = `deluge_free_space_bytes{path="${world.smallDisk.path}"}`;
    await queryUntil(prometheus, disk, (result) => (result[0]?.value ?? 0) >= world.stalled.sizeBytes, 30_000);
    await waitForState(errored.infoHash, (state) => state === 'Seeding');
    // ...then the conditions start together: a daemon dies, the disk fills, a move-completed path is
    // missing, a seeding torrent's data becomes unreadable (stalling and the trackers' answers take
    // their course on their own).
    causedAt.down = Date.now();
    await world.daemon(WORLD_DAEMONS.spare).kill();
    causedAt.full = Date.now();
    await world.smallDisk.fill(LEFT_FREE);
    causedAt.missingPath = Date.now();
    await world.conditionsClient.call(
      requests.core.setConfig({ move_completed: true, move_completed_path: missingPath() }),
    );
    causedAt.errored = Date.now();
    await rm(erroredFile());
    await mkdir(erroredFile());
    await world.conditionsClient.call(requests.core.forceRecheck([errored.infoHash]));
    causedAt.notAdmin = Date.now();
    reloadExporterConfig((daemons) => [...daemons, limitedEntry(5)]);
  }, 120_000);

  afterAll(async () => {
    await prometheus?.stop();
    await alertmanager?.stop();
    await webhook?.close();
    await world?.close();
    await stopAllExporters();
    await stopAllTrackers();
    await stopAllDaemons();
  });

  it('DelugeDown arrives for the killed daemon, and resolves once it runs again', async () => {
    const firing = await arrival('firing', 'DelugeDown', { daemon: WORLD_DAEMONS.spare });
    expect(firing.labels).toEqual(expectedLabels('DelugeDown', 'critical', { daemon: WORLD_DAEMONS.spare }));
    expect(firing.annotations).toEqual({
      summary: 'A Deluge daemon does not answer the exporter.',
      description: `Deluge daemon ${WORLD_DAEMONS.spare} (exporter ${instance}) failed login or a required call on every scrape for 5 minutes.`,
      runbook_url: runbook('DelugeDown'),
    });
    expect(Date.parse(firing.startsAt)).toBeGreaterThanOrEqual((causedAt.down ?? 0) - 2_000);

    // The daemon stays down, in Prometheus' data, twice as long as DelugeCollectorFailing's shortened
    // for: (2500ms): every collector of it reports 0 all that time, yet that alert never even pends.
    await queryUntil(prometheus, 'max_over_time(deluge_up{daemon="spare"}[5s]) == 0', (r) => r.length === 1, 30_000);
    expect(
      await prometheus.query('count_over_time(ALERTS{alertname="DelugeCollectorFailing", daemon="spare"}[5m])'),
    ).toEqual([]);
    const collectors = await prometheus.query('max_over_time(deluge_scrape_collector_success{daemon="spare"}[5s])');
    expect(collectors.map((sample) => sample.metric.collector).sort()).toEqual([
      'disk',
      'info',
      'session',
      'settings',
      'torrents',
      'trackers',
    ]);
    expect(collectors.every((sample) => sample.value === 0)).toBe(true);

    const restartedAt = Date.now();
    await world.daemon(WORLD_DAEMONS.spare).restart();
    await resolvedAfter(firing, restartedAt);
  });

  it('DelugeSessionPaused arrives for the restarted daemon once its session is paused, and resolves once resumed', async () => {
    const spare = await connectClient(world.daemon(WORLD_DAEMONS.spare));
    try {
      const pausedAt = Date.now();
      await spare.call(requests.core.pauseSession());
      const firing = await arrival('firing', 'DelugeSessionPaused', { daemon: WORLD_DAEMONS.spare });
      expect(firing.labels).toEqual(expectedLabels('DelugeSessionPaused', 'warning', { daemon: WORLD_DAEMONS.spare }));
      expect(firing.annotations).toEqual({
        summary: 'The Deluge session is paused.',
        description: `The whole session of Deluge daemon ${WORLD_DAEMONS.spare} has been paused for 30 minutes: no torrent moves any data.`,
        runbook_url: runbook('DelugeSessionPaused'),
      });
      expect(Date.parse(firing.startsAt)).toBeGreaterThanOrEqual(pausedAt - 2_000);

      const resumedAt = Date.now();
      await spare.call(requests.core.resumeSession());
      await resolvedAfter(firing, resumedAt);
    } finally {
      await spare.close();
    }
  });

  it('DelugeDiskAlmostFull arrives for the filled small disk with its path and free space, and resolves once space is freed', async () => {
    expect(await world.smallDisk.freeBytes()).toBe(LEFT_FREE);
    const path = world.smallDisk.path;
    const firing = await arrival('firing', 'DelugeDiskAlmostFull', { path });
    expect(firing.labels).toEqual(
      expectedLabels('DelugeDiskAlmostFull', 'warning', { daemon: WORLD_DAEMONS.conditions, path }),
    );
    expect(firing.annotations).toEqual({
      summary: 'A Deluge download path is running out of space.',
      description: `${path} on Deluge daemon ${WORLD_DAEMONS.conditions} has 4MiB free: less than its unfinished torrents still need, or predicted to fill within 24 hours.`,
      runbook_url: runbook('DelugeDiskAlmostFull'),
    });
    expect(Date.parse(firing.startsAt)).toBeGreaterThanOrEqual((causedAt.full ?? 0) - 2_000);

    const freedAt = Date.now();
    await world.smallDisk.release();
    await resolvedAfter(firing, freedAt);
  });

  it('DelugeCollectorFailing arrives for the disk collector of a daemon whose move-completed path is missing, and resolves once it exists', async () => {
    const firing = await arrival('firing', 'DelugeCollectorFailing', { daemon: WORLD_DAEMONS.conditions });
    expect(firing.labels).toEqual(
      expectedLabels('DelugeCollectorFailing', 'warning', { daemon: WORLD_DAEMONS.conditions, collector: 'disk' }),
    );
    expect(firing.annotations).toEqual({
      summary: 'A collector of the Deluge exporter keeps failing.',
      description: `The disk collector has failed for 15 minutes on Deluge daemon ${WORLD_DAEMONS.conditions}; its metrics are missing.`,
      runbook_url: runbook('DelugeCollectorFailing'),
    });
    expect(Date.parse(firing.startsAt)).toBeGreaterThanOrEqual((causedAt.missingPath ?? 0) - 2_000);

    const createdAt = Date.now();
    await mkdir(missingPath());
    await resolvedAfter(firing, createdAt);
  });

  it('DelugeTorrentsStalled arrives for the torrent without peers, and resolves once it is paused', async () => {
    const firing = await arrival('firing', 'DelugeTorrentsStalled', { daemon: WORLD_DAEMONS.conditions });
    expect(firing.labels).toEqual(
      expectedLabels('DelugeTorrentsStalled', 'warning', { daemon: WORLD_DAEMONS.conditions }),
    );
    expect(firing.annotations).toEqual({
      summary: 'Downloading torrents have moved no data for a long time.',
      description: `1 downloading torrents on Deluge daemon ${WORLD_DAEMONS.conditions} transferred no payload for longer than the stall window.`,
      runbook_url: runbook('DelugeTorrentsStalled'),
    });
    const status = await world.conditionsClient.call(
      requests.core.getTorrentStatus(world.stalled.hash, ['state', 'total_done', 'num_peers']),
    );
    expect(status).toMatchObject({ state: 'Downloading', total_done: 0, num_peers: 0 });

    const pausedAt = Date.now();
    await world.conditionsClient.call(requests.core.pauseTorrent([world.stalled.hash]));
    await resolvedAfter(firing, pausedAt);
  });

  it('DelugeTorrentsUnregistered arrives with the tracker that answered "unregistered"', async () => {
    const tracker = world.unregistered.tracker;
    const firing = await arrival('firing', 'DelugeTorrentsUnregistered', { tracker: tracker.host });
    expect(firing.labels).toEqual(
      expectedLabels('DelugeTorrentsUnregistered', 'warning', {
        daemon: WORLD_DAEMONS.conditions,
        kind: 'unregistered',
        tracker: tracker.host,
      }),
    );
    expect(firing.annotations).toEqual({
      summary: 'A tracker no longer knows some torrents.',
      description: `1 torrents on Deluge daemon ${WORLD_DAEMONS.conditions} have been unregistered at tracker ${tracker.host} for an hour: they were deleted or replaced there and will never get peers from it again.`,
      runbook_url: runbook('DelugeTorrentsUnregistered'),
    });
    const status = await world.conditionsClient.call(
      requests.core.getTorrentStatus(world.unregistered.hash, ['tracker_status', 'state']),
    );
    expect(status).toMatchObject({ tracker_status: `Error: ${UNREGISTERED_REASON}`, state: 'Seeding' });
    expect(tracker.announces.some((announce) => announce.infoHash === world.unregistered.hash)).toBe(true);
  });

  it('DelugeTorrentsErrored arrives for the torrent whose data became unreadable, and resolves once it is restored', async () => {
    const firing = await arrival('firing', 'DelugeTorrentsErrored', { daemon: WORLD_DAEMONS.conditions });
    expect(firing.labels).toEqual(
      expectedLabels('DelugeTorrentsErrored', 'warning', { daemon: WORLD_DAEMONS.conditions, state: 'Error' }),
    );
    expect(firing.annotations).toEqual({
      summary: 'Torrents are in the Error state.',
      description: `1 torrents on Deluge daemon ${WORLD_DAEMONS.conditions} have been in the Error state for 15 minutes.`,
      runbook_url: runbook('DelugeTorrentsErrored'),
    });
    expect(Date.parse(firing.startsAt)).toBeGreaterThanOrEqual((causedAt.errored ?? 0) - 2_000);
    const status = await world.conditionsClient.call(
      requests.core.getTorrentStatus(errored.infoHash, ['state', 'message']),
    );
    expect(status).toEqual({ state: 'Error', message: 'Is a directory' });

    // What the runbook says: restore the files, force a re-check, resume.
    const restoredAt = Date.now();
    await rm(erroredFile(), { recursive: true });
    await writeTorrentData(errored, world.daemon(WORLD_DAEMONS.conditions).dataDir);
    await world.conditionsClient.call(requests.core.forceRecheck([errored.infoHash]));
    await waitForState(errored.infoHash, (state) => state === 'Paused');
    await world.conditionsClient.call(requests.core.resumeTorrent([errored.infoHash]));
    await resolvedAfter(firing, restoredAt);
    expect(await waitForState(errored.infoHash, (state) => state !== 'Paused')).toBe('Seeding');
  });

  it('DelugeTrackerUnreachable arrives with the tracker that refuses connections', async () => {
    const firing = await arrival('firing', 'DelugeTrackerUnreachable', { tracker: unreachable.tracker });
    expect(firing.labels).toEqual(
      // The comparison matches on(job, instance, daemon, tracker): those are the labels it keeps.
      expectedLabels('DelugeTrackerUnreachable', 'warning', {
        daemon: WORLD_DAEMONS.conditions,
        tracker: unreachable.tracker,
      }),
    );
    expect(firing.annotations).toEqual({
      summary: 'A tracker is unreachable for most of its torrents.',
      description: `Tracker ${unreachable.tracker} has been unreachable (connection refused, timeout, DNS or TLS error) for 1 torrents, most of its torrents on Deluge daemon ${WORLD_DAEMONS.conditions}, for an hour.`,
      runbook_url: runbook('DelugeTrackerUnreachable'),
    });
    const status = await world.conditionsClient.call(
      requests.core.getTorrentStatus(unreachable.infoHash, ['tracker_status', 'state']),
    );
    expect(status).toEqual({ tracker_status: 'Error: Connection refused', state: 'Seeding' });
  });

  it('DelugeNotAdmin arrives once the exporter logs in with a level-5 account, and resolves once it uses an admin one', async () => {
    const firing = await arrival('firing', 'DelugeNotAdmin', { daemon: LIMITED });
    expect(firing.labels).toEqual(expectedLabels('DelugeNotAdmin', 'info', { daemon: LIMITED }));
    expect(firing.annotations).toEqual({
      summary: "The exporter's Deluge account is not admin, so counts may be incomplete.",
      description: `The exporter logs in to Deluge daemon ${LIMITED} with auth level 5 (admin is 10): Deluge hides other users' torrents from it.`,
      runbook_url: runbook('DelugeNotAdmin'),
    });
    expect(Date.parse(firing.startsAt)).toBeGreaterThanOrEqual((causedAt.notAdmin ?? 0) - 2_000);

    const adminAt = Date.now();
    reloadExporterConfig((daemons) => daemons.map((entry) => (entry.name === LIMITED ? limitedEntry(10) : entry)));
    await resolvedAfter(firing, adminAt);
  });

  it('DelugeNoIncomingConnections arrives for the daemon with active torrents that nobody connects to from outside, not for the idle one', async () => {
    const firing = await arrival('firing', 'DelugeNoIncomingConnections', { daemon: WORLD_DAEMONS.conditions });
    expect(firing.labels).toEqual(
      expectedLabels('DelugeNoIncomingConnections', 'warning', { daemon: WORLD_DAEMONS.conditions }),
    );
    expect(firing.annotations).toEqual({
      summary: 'Deluge receives no incoming peer connections.',
      description: `Deluge daemon ${WORLD_DAEMONS.conditions} has had active torrents but no incoming peer connection for 6 hours: its listen port is probably not reachable.`,
      runbook_url: runbook('DelugeNoIncomingConnections'),
    });
    // `spare` has no incoming connection either, but no torrent: the alert never even pends for it.
    expect(await prometheus.query('deluge_session_has_incoming_connections{daemon="spare"}')).toMatchObject([
      { value: 0 },
    ]);
    expect(
      await prometheus.query('count_over_time(ALERTS{alertname="DelugeNoIncomingConnections", daemon="spare"}[5m])'),
    ).toEqual([]);
  });

  // Last: without the exporter every other alert's series go stale.
  it('DelugeExporterDown arrives once the exporter stops, and resolves once it serves again on its address', async () => {
    const configYaml = exporterConfigText();
    const stoppedAt = Date.now();
    await world.exporter.stop();
    const firing = await arrival('firing', 'DelugeExporterDown', { instance });
    expect(firing.labels).toEqual(expectedLabels('DelugeExporterDown', 'critical', {}));
    expect(firing.annotations).toEqual({
      summary: 'The Deluge exporter is down or not scraped.',
      description: `Prometheus has had no successful scrape of job="deluge-exporter" at ${instance} for 5 minutes: no Deluge daemon is monitored.`,
      runbook_url: runbook('DelugeExporterDown'),
    });
    expect(Date.parse(firing.startsAt)).toBeGreaterThanOrEqual(stoppedAt - 2_000);

    const startedAt = Date.now();
    await startExporter({
      configYaml,
      noDefaultFlags: true,
      args: ['--web.listen-address', instance, '--log.level', 'info'],
    });
    await resolvedAfter(firing, startedAt);
  });
});
