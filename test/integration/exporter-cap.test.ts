import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requests } from '../../src/rpc/api.js';
import type { DelugeClient } from '../../src/rpc/client.js';
import { connectClient } from '../harness/clients.js';
import { type DaemonHandle, startDaemon, stopAllDaemons } from '../harness/daemon.js';
import { addTorrent } from '../harness/deluge-calls.js';
import { makeTorrent } from '../harness/torrent.js';
import {
  type ExporterHandle,
  exporterConfigYaml,
  startExporter,
  stopAllExporters,
} from '../support/exporter-process.js';
import { findSamples, sampleValue } from '../support/exposition.js';

const DAEMON = 'capped';

/**
 * The per-torrent cap against a real deluged: over the cap only aggregates (and the exporter then asks
 * only for aggregate keys); back under it, per-torrent series return in the very next scrape.
 */
describe('the per-torrent cap against a real daemon', () => {
  let daemon: DaemonHandle;
  let client: DelugeClient;
  let exporter: ExporterHandle;
  const ids: string[] = [];

  beforeAll(async () => {
    daemon = await startDaemon();
    client = await connectClient(daemon);
    for (const name of ['cap-one.bin', 'cap-two.bin']) {
      ids.push(await addTorrent(client, makeTorrent({ name, length: 32 * 1024 }), { add_paused: true }));
    }
    exporter = await startExporter({
      configYaml: exporterConfigYaml([{ name: DAEMON, daemon }], { per_torrent: { max_torrents: 1 } }),
    });
  });

  afterAll(async () => {
    await client?.close();
    await stopAllExporters();
    await stopAllDaemons();
  });

  it('exports only aggregates while over the cap, also on later scrapes', async () => {
    for (let scrape = 0; scrape < 2; scrape++) {
      const { exposition } = await exporter.scrape('/metrics');
      expect(sampleValue(exposition, 'deluge_up', { daemon: DAEMON })).toBe(1);
      expect(sampleValue(exposition, 'deluge_torrent_series_capped', { daemon: DAEMON })).toBe(1);
      expect(sampleValue(exposition, 'deluge_torrents', { daemon: DAEMON, state: 'Paused' })).toBe(2);
      expect(findSamples(exposition, 'deluge_torrent_info', { daemon: DAEMON })).toHaveLength(0);
    }
  });

  it('brings per-torrent series back in the first scrape after the count drops under the cap', async () => {
    const removed = ids.pop() ?? '';
    await client.call(requests.core.removeTorrent(removed, true));
    const remaining = await client.call(
      requests.core.getTorrentsStatus({}, ['name', 'total_wanted', 'download_location']),
    );
    expect(Object.keys(remaining)).toEqual([ids[0]]);
    const [hash, status] = Object.entries(remaining)[0] ?? ['', {}];
    const name = status.name ?? '';

    const { exposition } = await exporter.scrape('/metrics');
    expect(sampleValue(exposition, 'deluge_torrent_series_capped', { daemon: DAEMON })).toBe(0);
    expect(sampleValue(exposition, 'deluge_torrent_info', { daemon: DAEMON, hash, name })).toBe(1);
    expect(sampleValue(exposition, 'deluge_torrent_wanted_bytes', { daemon: DAEMON, hash })).toBe(status.total_wanted);
    const path = String(status.download_location);
    expect(path).toBe(daemon.dataDir);
    expect(sampleValue(exposition, 'deluge_torrent_save_path_info', { daemon: DAEMON, hash, path })).toBe(1);
    const { download_location } = await client.call(requests.core.getConfigValues(['download_location']));
    expect(findSamples(exposition, 'deluge_download_location_info', { daemon: DAEMON })).toEqual([
      { name: 'deluge_download_location_info', labels: { daemon: DAEMON, path: download_location }, value: 1 },
    ]);
    expect(sampleValue(exposition, 'deluge_torrent_series_filtered_out', { daemon: DAEMON })).toBe(0);
  });

  it('counts the torrents a state filter leaves without series', async () => {
    const filtering = await startExporter({
      configYaml: exporterConfigYaml([{ name: DAEMON, daemon }], { per_torrent: { states: ['Seeding'] } }),
    });
    const { exposition } = await filtering.scrape('/metrics');
    const paused = sampleValue(exposition, 'deluge_torrents', { daemon: DAEMON, state: 'Paused' });
    expect(paused).toBe(ids.length);
    expect(sampleValue(exposition, 'deluge_torrent_series_filtered_out', { daemon: DAEMON })).toBe(paused);
    expect(findSamples(exposition, 'deluge_torrent_info', { daemon: DAEMON })).toHaveLength(0);
  });
});
