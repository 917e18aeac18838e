/**
 * deluge-exporter as a drop-in for ngosang/deluge-exporter: the real process, started with nothing but
 * ngosang's environment, against a real deluge-web 2.0.3 in front of a real deluged 2.0.3. It serves
 * on ngosang's port 8011, connects the Web UI to its only host, and ngosang's metric names computed by
 * examples/ngosang-exporter-rules.yml (promtool, over this very scrape) equal what deluge-web's own
 * `web.update_ui` (the one call ngosang makes) says.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requests } from '../../src/rpc/api.js';
import { WebUiClient } from '../../src/webui/index.js';
import { connectClient } from '../harness/clients.js';
import { type DaemonHandle, startDaemon, stopAllDaemons } from '../harness/daemon.js';
import { addTorrent } from '../harness/deluge-calls.js';
import { type DelugeWebHandle, hostOf, startDelugeWeb, stopAllDelugeWebs } from '../harness/deluge-web.js';
import { claimPort, findFreePort } from '../harness/ports.js';
import { makeTorrent } from '../harness/torrent.js';
import { startExporter, stopAllExporters } from '../support/exporter-process.js';
import type { ParsedSample } from '../support/exposition.js';
import { findSamples, sampleValue } from '../support/exposition.js';
import { runPromtool } from '../support/promtool.js';

const RULES = fileURLToPath(new URL('../../examples/ngosang-exporter-rules.yml', import.meta.url));
const NGOSANG_PORT = 8011;
/** Families the rules read (the protocol rates and free space are left out: they move between scrapes). */
const READ_BY_RULES = [
  'deluge_torrents',
  'deluge_torrents_active',
  'deluge_torrents_by_label',
  'deluge_config_download_rate_limit_bytes_per_second',
  'deluge_config_upload_rate_limit_bytes_per_second',
  'deluge_config_max_connections',
  'deluge_scrape_collector_success',
  'deluge_session_peers_connected',
  'deluge_session_download_rate_bytes_per_second',
  'deluge_session_upload_rate_bytes_per_second',
  'deluge_session_dht_nodes',
  'deluge_session_has_incoming_connections',
];
/** ngosang's gauges from `web.update_ui`'s stats that the rules give (free space and protocol rates move). */
const STILL_STATS = [
  'max_download',
  'max_upload',
  'max_num_connections',
  'num_connections',
  'upload_rate',
  'download_rate',
  'dht_nodes',
  'has_incoming_connections',
];

interface UpdateUi {
  readonly connected: boolean;
  readonly filters: { readonly state: [string, number][]; readonly label?: [string, number][] };
  readonly stats: Readonly<Record<string, number | boolean | string | null>>;
}

let daemon: DaemonHandle;
let web: DelugeWebHandle;

beforeAll(async () => {
  daemon = await startDaemon({ coreConfig: { enabled_plugins: ['Label'], max_upload_speed: 125.0 } });
  const client = await connectClient(daemon);
  try {
    const torrents = ['debian.iso', 'ubuntu.iso', 'notes.txt'].map((name) => makeTorrent({ name, length: 4096 }));
    const ids = [];
    for (const torrent of torrents) ids.push(await addTorrent(client, torrent, { add_paused: true }));
    await client.call(requests.label.add('linux'));
    for (const id of ids.slice(0, 2)) await client.call(requests.label.setTorrent(id as string, 'linux'));
  } finally {
    await client.close();
  }
  // Connected to none: the exporter connects it to its only host, as ngosang's does.
  web = await startDelugeWeb({ hosts: [hostOf(daemon)] });
});

afterAll(async () => {
  await stopAllExporters();
  await stopAllDelugeWebs();
  await stopAllDaemons();
});

/** ngosang's one call, made here by hand against the same Web UI. */
async function ngosangView(): Promise<UpdateUi> {
  const client = new WebUiClient({ url: web.url, password: web.password });
  try {
    return await client.call<UpdateUi>('web.update_ui', [['label'], { label: 'fake_label' }]);
  } finally {
    await client.close();
  }
}

/** A promtool series selector for a sample, as it was scraped. */
function seriesText(sample: ParsedSample): string {
  const labels = Object.entries(sample.labels).map(([name, value]) => `${name}=${JSON.stringify(value)}`);
  return `${sample.name}{${labels.join(', ')}}`;
}

/** Runs the rules over `samples` (held still for 3 minutes) and expects `expected` of each recorded expression. */
function checkRules(samples: readonly ParsedSample[], tests: readonly { expr: string; exp_samples: object[] }[]): void {
  const dir = mkdtempSync(join(tmpdir(), 'ngosang-rules-'));
  try {
    const file = join(dir, 'test.yml');
    const spec = {
      rule_files: [RULES],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: samples.map((sample) => ({ series: seriesText(sample), values: `${sample.value}x3` })),
          promql_expr_test: tests.map((test) => ({ ...test, eval_time: '2m' })),
        },
      ],
    };
    writeFileSync(file, JSON.stringify(spec, null, 2));
    const result = runPromtool(['test', 'rules', file]);
    expect([result.status, result.output]).toEqual([0, expect.stringContaining('SUCCESS')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('drop-in for ngosang/deluge-exporter: its environment, no flags, no config file', () => {
  it('DELUGE_URL, DELUGE_PASSWORD, LISTEN_ADDRESS, LOG_LEVEL: serves on 8011, and its names from ours match the Web UI', async () => {
    await claimPort(NGOSANG_PORT);
    const exporter = await startExporter({
      noDefaultFlags: true,
      env: {
        // As ngosang's README writes it: no trailing slash.
        DELUGE_URL: web.url.replace(/\/$/, ''),
        DELUGE_PASSWORD: web.password,
        LISTEN_ADDRESS: '127.0.0.1',
        LOG_LEVEL: 'INFO',
      },
    });
    expect(exporter.port).toBe(NGOSANG_PORT);
    const daemonLabel = new URL(web.url).host;
    const { exposition } = await exporter.scrape();
    expect(sampleValue(exposition, 'deluge_up', { daemon: daemonLabel })).toBe(1);
    expect(exporter.output()).not.toContain(web.password);

    const view = await ngosangView();
    expect(view.connected).toBe(true);
    const samples = READ_BY_RULES.flatMap((name) => findSamples(exposition, name, { daemon: daemonLabel }));
    const lower = (entries: [string, number][] | undefined) =>
      (entries ?? []).map(([key, count]) => [key.toLowerCase(), count] as const);
    const gauge = (name: string, value: number, labels: Record<string, string> = {}) => ({
      labels: seriesText({ name, labels: { daemon: daemonLabel, ...labels }, value }),
      value,
    });
    expect(lower(view.filters.state).map(([state]) => state)).toEqual([
      'all',
      'active',
      'allocating',
      'checking',
      'downloading',
      'seeding',
      'paused',
      'error',
      'queued',
      'moving',
    ]);
    expect(Object.fromEntries(lower(view.filters.label))).toEqual({ all: 3, '': 1, linux: 2 });
    checkRules(samples, [
      {
        expr: `deluge_torrent_state_count{daemon="${daemonLabel}"}`,
        exp_samples: lower(view.filters.state).map(([state, count]) =>
          gauge('deluge_torrent_state_count', count, { state }),
        ),
      },
      {
        expr: `deluge_torrent_label_count{daemon="${daemonLabel}"}`,
        exp_samples: lower(view.filters.label).map(([label, count]) =>
          gauge('deluge_torrent_label_count', count, { label }),
        ),
      },
      ...STILL_STATS.map((stat) => ({
        expr: `deluge_${stat}`,
        exp_samples: [gauge(`deluge_${stat}`, Number(view.stats[stat]))],
      })),
    ]);
    expect(view.stats.max_upload).toBe(125);
    await exporter.stop();
  });

  it('LISTEN_PORT and LOG_LEVEL=DEBUG as ngosang reads them; the flag still wins over LISTEN_PORT', async () => {
    const listenPort = await findFreePort();
    const env = { DELUGE_URL: web.url, DELUGE_PASSWORD: web.password, LISTEN_ADDRESS: '127.0.0.1' };
    const exporter = await startExporter({
      noDefaultFlags: true,
      env: { ...env, LISTEN_PORT: String(listenPort), LOG_LEVEL: 'DEBUG' },
    });
    expect(exporter.port).toBe(listenPort);
    expect(exporter.logLines().some((line) => line.level === 'debug')).toBe(true);
    await exporter.stop();
    const flagged = await startExporter({ env: { ...env, LISTEN_PORT: String(listenPort) } });
    expect(flagged.port).not.toBe(listenPort);
    const { exposition } = await flagged.scrape();
    expect(sampleValue(exposition, 'deluge_up', { daemon: new URL(web.url).host })).toBe(1);
    await flagged.stop();
  });
});
