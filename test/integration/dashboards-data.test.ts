import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARDS } from '../../grafana/generator/dashboards.js';
import { SERIES_STATUS_EXPR } from '../../grafana/generator/torrent.js';
import { requests } from '../../src/rpc/api.js';
import { connectClient } from '../harness/clients.js';
import { stopAllDaemons } from '../harness/daemon.js';
import { type MonitoringWorld, startMonitoringWorld, WORLD_DAEMONS } from '../harness/monitoring-world.js';
import { stopAllTrackers } from '../harness/tracker.js';
import {
  type DashboardPanel,
  dataPanels,
  fillVariables,
  readDashboard,
  type VariableValues,
  variableQuery,
} from '../support/dashboard-json.js';
import {
  type ExporterHandle,
  exporterConfigYaml,
  startExporter,
  stopAllExporters,
} from '../support/exporter-process.js';
import { type PrometheusHandle, queryUntil, startPrometheus, type VectorSample } from '../support/prometheus.js';

/**
 * Every panel of both dashboards has data in a real Prometheus scraping the exporter against real
 * daemons where a transfer runs, a tracker answers "unregistered", a torrent stalls and a small disk
 * is nearly full (test/harness/monitoring-world.ts). Each panel's expressions are evaluated through
 * Prometheus' HTTP API with the dashboard's variables filled in; the few that may stay empty in this
 * world are named below with the reason.
 */

const MiB = 1024 * 1024;
/** Prometheus scrapes every second; Grafana's $__rate_interval is then at least 4 scrape intervals. */
const RATE_INTERVAL = '5s';
/** The jobs of the three exporters: the world's, one with per-torrent series capped, one filtering them. */
const JOB = { main: 'deluge-exporter', capped: 'deluge-capped', filtered: 'deluge-filtered' } as const;
/** The world exporter's stall_window_seconds. */
const STALL_WINDOW_SECONDS = 2;
/** The Label plugin label the stalled torrent carries. */
const LABEL = 'dashboards';
/** A PromQL string literal (JSON's escapes are PromQL's). */
const quoted = (text: string) => JSON.stringify(text);

/**
 * Expressions that may return nothing in this world, as `dashboard file / panel title / refId`, and why.
 * Every other expression must return at least one series.
 */
const MAY_STAY_EMPTY: Readonly<Record<string, string>> = {
  'deluge-overview.json / RPC errors / A': 'no RPC call fails in this world (a counter appears with its first error)',
  'deluge-overview.json / Reconnects and coalesced scrapes / A':
    'no daemon connection drops in this world (a counter appears with its first reconnect)',
  'deluge-torrent.json / Peers and seeds / C':
    'swarm counts come from a tracker scrape; the transfer has no tracker and the other tracker only fails',
  'deluge-torrent.json / Peers and seeds / D':
    'swarm counts come from a tracker scrape; the transfer has no tracker and the other tracker only fails',
};

/** Grafana's variables as a user sets them: one job, every exporter, `daemon` and `torrent` as given. */
const withVariables = (expr: string, values: VariableValues) =>
  fillVariables(expr, { ...values, rateInterval: RATE_INTERVAL });

function prometheusConfig(targets: Readonly<Record<string, ExporterHandle>>): string {
  return JSON.stringify({
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    scrape_configs: Object.entries(targets).map(([job, exporter]) => ({
      job_name: job,
      static_configs: [{ targets: [`127.0.0.1:${exporter.port}`] }],
    })),
  });
}

describe('every panel of both dashboards has data from a real Prometheus and real daemons', () => {
  let world: MonitoringWorld;
  let prometheus: PrometheusHandle;
  /** The world's torrents as the torrent dashboard is opened for them: daemon and hash. */
  let torrents: { daemon: string; hash: string; name: string }[];

  beforeAll(async () => {
    // About 60 s at the limit: the transfer still runs while the panels are queried.
    world = await startMonitoringWorld({
      transfer: { sizeBytes: 15 * MiB, rateLimitKiB: 256 },
      stallWindowSeconds: STALL_WINDOW_SECONDS,
    });
    const transfer = world.transfer;
    if (transfer === undefined) throw new Error('the world has no transfer');
    const conditions = [{ name: WORLD_DAEMONS.conditions, daemon: world.daemon(WORLD_DAEMONS.conditions) }];
    const [capped, filtered] = await Promise.all([
      startExporter({ configYaml: exporterConfigYaml(conditions, { per_torrent: { max_torrents: 0 } }) }),
      startExporter({ configYaml: exporterConfigYaml(conditions, { per_torrent: { states: ['Seeding'] } }) }),
    ]);
    prometheus = await startPrometheus(
      prometheusConfig({ [JOB.main]: world.exporter, [JOB.capped]: capped, [JOB.filtered]: filtered }),
    );
    torrents = [
      { daemon: WORLD_DAEMONS.leecher, hash: transfer.torrentId, name: transfer.name },
      { daemon: WORLD_DAEMONS.seeder, hash: transfer.torrentId, name: transfer.name },
      world.unregistered,
      world.stalled,
    ];
    // Limits the dashboards draw next to what they limit (the test daemons have none by default).
    await world.conditionsClient.call(requests.core.setConfig({ max_upload_speed: 10_000, max_active_limit: 50 }));
    // The stalled torrent carries a label, so the torrent dashboard has one to show.
    const client = world.conditionsClient;
    await client.call(requests.core.enablePlugin('Label'));
    const deadline = Date.now() + 20_000;
    while (!(await client.call(requests.daemon.getMethodList())).includes('label.add')) {
      if (Date.now() > deadline) throw new Error('the Label plugin did not register label.add within 20 s');
      await sleep(100);
    }
    await client.call(requests.label.add(LABEL));
    await client.call(requests.label.setTorrent(world.stalled.hash, LABEL));
    // The small disk keeps less free than the stalled torrent still needs there.
    await world.smallDisk.fill(4 * MiB);
    await transfer.waitForProgress(1, 30_000);

    // Prometheus has seen every condition, over more than one rate interval.
    const seen = async (promql: string, accept: (result: VectorSample[]) => boolean = (r) => r.length > 0) =>
      queryUntil(prometheus, promql, accept, 60_000);
    await seen(`deluge_torrents_stalled{daemon="${WORLD_DAEMONS.conditions}"} > 0`);
    await seen(`deluge_torrent_tracker_error_info{hash="${world.unregistered.hash}", kind="unregistered"}`);
    await seen(`deluge_torrent_info{hash="${world.stalled.hash}", label="${LABEL}"}`);
    await seen(`rate(deluge_session_received_payload_bytes_total{daemon="${WORLD_DAEMONS.leecher}"}[5s]) > 0`);
    await seen(
      `deluge_free_space_bytes{path="${world.smallDisk.path}"} < on(job, instance, daemon, path) deluge_torrents_remaining_bytes`,
    );
    await seen('count_over_time(deluge_up[10s]) >= 5', (result) => result.length === world.daemons.size + 2);
  }, 180_000);

  afterAll(async () => {
    await prometheus?.stop();
    await world?.close();
    await stopAllExporters();
    await stopAllTrackers();
    await stopAllDaemons();
  });

  /** The panels of a dashboard with, for each expression, whether a query with `variables` gave series. */
  async function expressionsWithoutData(
    file: string,
    variableSets: readonly VariableValues[],
  ): Promise<{ empty: string[]; panels: DashboardPanel[] }> {
    const panels = dataPanels(readDashboard(file));
    const empty: string[] = [];
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        let found = false;
        for (const variables of variableSets) {
          if ((await prometheus.query(withVariables(target.expr, variables))).length > 0) {
            found = true;
            break;
          }
        }
        if (!found) empty.push(`${file} / ${panel.title} / ${target.refId}`);
      }
    }
    return { empty, panels };
  }

  const allowed = (key: string) => key in MAY_STAY_EMPTY;

  it('names only expressions the dashboards have as allowed to stay empty', () => {
    const keys = [...DASHBOARDS.keys()].flatMap((file) =>
      dataPanels(readDashboard(file)).flatMap((panel) =>
        (panel.targets ?? []).map((target) => `${file} / ${panel.title} / ${target.refId}`),
      ),
    );
    expect(Object.keys(MAY_STAY_EMPTY).filter((key) => !keys.includes(key))).toEqual([]);
  });

  it('Deluge / Overview: every expression of every panel returns series for all daemons of the job', async () => {
    const { empty, panels } = await expressionsWithoutData('deluge-overview.json', [{ job: JOB.main, daemon: '.+' }]);
    expect(panels.length).toBeGreaterThan(35);
    expect(empty.filter((key) => !allowed(key))).toEqual([]);
  });

  it('Deluge / Overview: the fleet table has one row per daemon and the stalled table the stalled torrent', async () => {
    const panels = dataPanels(readDashboard('deluge-overview.json'));
    const fleet = panels.find((panel) => panel.title === 'Fleet');
    for (const target of fleet?.targets ?? []) {
      const rows = await prometheus.query(withVariables(target.expr, { job: JOB.main, daemon: '.+' }));
      expect(rows.map((row) => row.metric.daemon).sort(), target.expr).toEqual([...world.daemons.keys()].sort());
    }
    const stalled = panels.find((panel) => panel.title === 'Stalled downloads')?.targets?.[0]?.expr ?? '';
    const rows = await prometheus.query(withVariables(stalled, { job: JOB.main, daemon: '.+' }));
    expect(rows.map((row) => row.metric.hash)).toContain(world.stalled.hash);
    expect(rows.map((row) => row.metric.hash)).not.toContain(world.unregistered.hash);
    // The stalled torrents deluge_torrents_stalled counts are the rows idle at least the stall window.
    const conditions = { job: JOB.main, daemon: WORLD_DAEMONS.conditions };
    const reached = await prometheus.query(`count(${withVariables(stalled, conditions)} >= ${STALL_WINDOW_SECONDS})`);
    const counted = await prometheus.query(
      withVariables('sum(deluge_torrents_stalled{job="$job", daemon="$daemon"})', conditions),
    );
    expect(reached.map((sample) => sample.value)).toEqual([1]);
    expect(counted.map((sample) => sample.value)).toEqual([1]);
  });

  it("Deluge / Overview: the fleet's free space is that of the download location each daemon names, not its least free path", async () => {
    const fleet = dataPanels(readDashboard('deluge-overview.json')).find((panel) => panel.title === 'Fleet');
    const column = fleet?.targets?.find((target) => target.expr.includes('deluge_download_location_info'))?.expr ?? '';
    for (const name of world.daemons.keys()) {
      const client = await connectClient(world.daemon(name));
      const { download_location: location } = await client
        .call(requests.core.getConfigValues(['download_location']))
        .finally(() => client.close());
      expect(typeof location, name).toBe('string');
      const filled = withVariables(column, { job: JOB.main, daemon: name });
      // One evaluation: the column minus the free space exported for the daemon's own download location.
      const free = `max by (instance, daemon) (deluge_free_space_bytes{job="${JOB.main}", daemon="${name}", path=${quoted(String(location))}})`;
      const difference = await prometheus.query(`${filled} - on(instance, daemon) ${free}`);
      expect(difference.map((sample) => [sample.metric.daemon, sample.value])).toEqual([[name, 0]]);
    }
    // The conditions daemon saves the stalled torrent to the small disk, its least free path: not shown.
    const conditions = withVariables(column, { job: JOB.main, daemon: WORLD_DAEMONS.conditions });
    const least = `min by (instance, daemon) (deluge_free_space_bytes{job="${JOB.main}", daemon="${WORLD_DAEMONS.conditions}"})`;
    expect(await prometheus.query(`${conditions} > on(instance, daemon) ${least}`)).toHaveLength(1);
  });

  it('Deluge / Torrent: every expression returns series for a torrent of the world, the hash filled in', async () => {
    const sets = torrents.map(({ daemon, hash }) => ({ job: JOB.main, daemon, torrent: hash }));
    const { empty, panels } = await expressionsWithoutData('deluge-torrent.json', sets);
    expect(panels.length).toBeGreaterThan(10);
    expect(empty.filter((key) => !allowed(key))).toEqual([]);
  });

  it("Deluge / Torrent: the torrent's label and save path as the daemon reports them, and the free space and unfinished bytes at that path", async () => {
    const panels = dataPanels(readDashboard('deluge-torrent.json'));
    const expr = (title: string, refId: string) =>
      panels.find((panel) => panel.title === title)?.targets?.find((target) => target.refId === refId)?.expr ?? '';
    const table = expr('Name, state, label, save path and tracker', 'A');
    const free = expr('Free space where it saves', 'A');
    const remaining = expr('Free space where it saves', 'B');
    const { stalled, unregistered } = world;
    for (const torrent of [stalled, unregistered]) {
      const variables = { job: JOB.main, daemon: torrent.daemon, torrent: torrent.hash };
      const status = await world.conditionsClient.call(
        requests.core.getTorrentStatus(torrent.hash, ['download_location', 'label']),
      );
      const path = String(status.download_location);
      const rows = await prometheus.query(withVariables(table, variables));
      // Prometheus drops an empty label: an unlabelled torrent's row has no label column value.
      expect(rows.map(({ metric }) => [metric.name, metric.label ?? '', metric.path])).toEqual([
        [torrent.name, status.label, path],
      ]);
      // One series, the torrent's path; in one evaluation, minus the free space exported there: 0.
      const series = await prometheus.query(withVariables(free, variables));
      expect(series.map((sample) => sample.metric.path)).toEqual([path]);
      const difference = await prometheus.query(
        `${withVariables(free, variables)} - on(job, instance, daemon, path) deluge_free_space_bytes{job="${JOB.main}", path=${quoted(path)}}`,
      );
      expect(difference.map((sample) => [sample.metric.path, sample.value])).toEqual([[path, 0]]);
    }
    // Distinct paths: the stalled torrent saves to the small disk, labelled; the unregistered one elsewhere.
    const stalledRow = await prometheus.query(
      withVariables(table, { job: JOB.main, daemon: stalled.daemon, torrent: stalled.hash }),
    );
    expect(stalledRow.map(({ metric }) => [metric.label, metric.path])).toEqual([[LABEL, world.smallDisk.path]]);
    // Nothing else downloads to the small disk: what is unfinished there is all of the stalled torrent.
    const there = await prometheus.query(
      withVariables(remaining, { job: JOB.main, daemon: stalled.daemon, torrent: stalled.hash }),
    );
    expect(there.map((sample) => [sample.metric.path, sample.value])).toEqual([
      [world.smallDisk.path, stalled.sizeBytes],
    ]);
  });

  it("Deluge / Torrent: the torrent variable lists the daemon's torrents by name with their hashes", async () => {
    const variable = readDashboard('deluge-torrent.json').templating.list.find((v) => v.name === 'torrent');
    const inner = /^query_result\((.*)\)$/.exec(variableQuery(variable))?.[1] ?? '';
    const [, source = '', flags = ''] = /^\/(.*)\/(\w*)$/.exec(variable?.regex ?? '') ?? [];
    const result = await prometheus.query(withVariables(inner, { job: JOB.main, daemon: WORLD_DAEMONS.conditions }));
    // Grafana's text for each query_result series, then the regex's value and text groups.
    const options = result.map((series) => {
      const labels = Object.entries(series.metric).map(([name, value]) => `${name}="${value}"`);
      return new RegExp(source, flags).exec(`{${labels.join(',')}} ${series.value} 1700000000000`)?.groups;
    });
    expect(options).toEqual(
      expect.arrayContaining([
        { value: world.stalled.hash, text: world.stalled.name },
        { value: world.unregistered.hash, text: world.unregistered.name },
      ]),
    );
    expect(options).toHaveLength(2);
  });

  it('Deluge / Torrent: says why a torrent has no series (capped, filtered out, not on the daemon, daemon down), and its panels are then empty', async () => {
    const status = async (job: string, daemon: string, torrent: string) =>
      (await prometheus.query(withVariables(SERIES_STATUS_EXPR, { job, daemon, torrent }))).map((s) => s.value);
    const filteredOutExpr =
      dataPanels(readDashboard('deluge-torrent.json'))
        .find((panel) => panel.title === 'Per-torrent series')
        ?.targets?.find((target) => target.expr.startsWith('deluge_torrent_series_filtered_out'))?.expr ?? '';
    const filteredOut = async (job: string) =>
      (await prometheus.query(withVariables(filteredOutExpr, { job, daemon: WORLD_DAEMONS.conditions }))).map(
        (s) => s.value,
      );
    const { stalled, unregistered } = world;
    for (const torrent of torrents) expect(await status(JOB.main, torrent.daemon, torrent.hash)).toEqual([1]);
    expect(await status(JOB.capped, stalled.daemon, stalled.hash)).toEqual([2]);
    // per_torrent.states [Seeding]: the unregistered torrent seeds, the stalled one downloads and is
    // the one torrent of the daemon the filter leaves out, as the panel's second value says.
    expect(await status(JOB.filtered, unregistered.daemon, unregistered.hash)).toEqual([1]);
    expect(await status(JOB.filtered, stalled.daemon, stalled.hash)).toEqual([3]);
    expect(await filteredOut(JOB.filtered)).toEqual([1]);
    // Without a filter nothing is filtered out: a torrent without series is not on the daemon.
    expect(await filteredOut(JOB.main)).toEqual([0]);
    expect(await status(JOB.main, WORLD_DAEMONS.spare, stalled.hash)).toEqual([4]);
    expect(await status(JOB.main, stalled.daemon, 'f'.repeat(40))).toEqual([4]);
    // With torrents filtered out, a hash the daemon does not have reads the same as a filtered one:
    // the metrics name no filtered hash, so the panel says "filtered out ..., or removed".
    expect(await status(JOB.filtered, stalled.daemon, 'f'.repeat(40))).toEqual([3]);

    // Capped: every per-torrent expression of the dashboard is empty, the first panel says why.
    const { empty, panels } = await expressionsWithoutData('deluge-torrent.json', [
      { job: JOB.capped, daemon: stalled.daemon, torrent: stalled.hash },
    ]);
    const perTorrent = panels
      .filter((panel) => panel.fieldConfig?.defaults?.noValue !== undefined)
      .flatMap((panel) =>
        (panel.targets ?? []).map((target) => `deluge-torrent.json / ${panel.title} / ${target.refId}`),
      );
    expect(perTorrent.length).toBeGreaterThan(15);
    expect(empty).toEqual(expect.arrayContaining(perTorrent));

    await world.daemon(WORLD_DAEMONS.spare).kill();
    await queryUntil(prometheus, `deluge_up{daemon="${WORLD_DAEMONS.spare}"} == 0`, (r) => r.length === 1, 30_000);
    expect(await status(JOB.main, WORLD_DAEMONS.spare, stalled.hash)).toEqual([5]);
  });
});
