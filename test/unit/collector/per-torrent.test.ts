import { describe, expect, it } from 'vitest';
import { perTorrentFamilies, perTorrentKeys, selectPerTorrent } from '../../../src/collector/per-torrent.js';
import { parseTorrents } from '../../../src/collector/torrent-entries.js';
import { PER_TORRENT_FAMILIES } from '../../../src/config/per-torrent-families.js';
import type { PerTorrentConfig } from '../../../src/config/types.js';
import { findFamily, loadFixture, valuesBy } from './fixtures.js';

const { torrents } = parseTorrents(loadFixture('daemon-healthy')['core.get_torrents_status']);
const SCRAPE_TIME = 1795466400;
const allOn: PerTorrentConfig = {
  enabled: true,
  maxTorrents: 2000,
  states: [],
  labels: [],
  trackers: [],
  families: [],
};
/** The per-torrent families of the fixture's torrents under `config`. */
function familiesFor(config: PerTorrentConfig) {
  return perTorrentFamilies(selectPerTorrent(torrents, config), 'd1', config, SCRAPE_TIME);
}
const families = familiesFor(allOn);

const UBUNTU = '6439ffe1e5bd1c1d1a8e0c18a3c8ad1e4d9a2c11';
const DEBIAN = '1a8edc645a9d59c3b6f7636be22069a757dc4808';
const NO_METADATA = '11f6ad8ec52a2984abaafd7c3b516503785c2072';
const SEEDING = '17ff4359f32d73612bb61081fb9a6dd41535e93e';
const WEIRD = 'f00df00df00df00df00df00df00df00df00df00d';
const PAUSED = '8fa55b381b3c0c976f3c305bea2db3419e5e7a15';
const ERRORED = 'c0ffee0000c0ffee0000c0ffee0000c0ffee0000';

describe('perTorrentFamilies', () => {
  it('exports every configured family, value series labelled only by daemon and hash', () => {
    for (const name of PER_TORRENT_FAMILIES) {
      const family = findFamily(families, `deluge_torrent_${name}`);
      if (!name.endsWith('info')) expect(family.labelNames).toEqual(['daemon', 'hash']);
    }
    expect(valuesBy(findFamily(families, 'deluge_torrent_series_capped'))).toEqual({ '': 0 });
    expect(valuesBy(findFamily(families, 'deluge_torrent_series_filtered_out'))).toEqual({ '': 0 });
  });

  it('puts names, states, labels and trackers on deluge_torrent_info', () => {
    const info = findFamily(families, 'deluge_torrent_info');
    expect(info.samples).toHaveLength(8);
    expect(info.samples.find((s) => s.labels.hash === SEEDING)?.labels).toEqual({
      daemon: 'd1',
      hash: SEEDING,
      name: 'Big Buck Bunny',
      state: 'Seeding',
      label: '',
      tracker: 'example.org',
    });
    expect(info.samples.find((s) => s.labels.hash === WEIRD)?.labels.state).toBe('Weird');
  });

  it('derives ratios, sentinels and timestamps as the contract says', () => {
    expect(valuesBy(findFamily(families, 'deluge_torrent_progress_ratio'), 'hash')[DEBIAN]).toBeCloseTo(0.453, 6);
    const eta = valuesBy(findFamily(families, 'deluge_torrent_eta_seconds'), 'hash');
    expect(eta).toEqual({ [UBUNTU]: 17977, [SEEDING]: 31557600 });
    const ratio = valuesBy(findFamily(families, 'deluge_torrent_ratio'), 'hash');
    expect(ratio[NO_METADATA]).toBeUndefined();
    expect(ratio[SEEDING]).toBe(1.2345677614212036);
    const swarm = valuesBy(findFamily(families, 'deluge_torrent_swarm_peers'), 'hash');
    expect(swarm).toEqual({ [UBUNTU]: 41, [SEEDING]: 5 });
    const lastTransfer = valuesBy(findFamily(families, 'deluge_torrent_last_transfer_timestamp_seconds'), 'hash');
    expect(lastTransfer[UBUNTU]).toBe(SCRAPE_TIME);
    expect(lastTransfer[DEBIAN]).toBe(SCRAPE_TIME - 2400);
    expect(lastTransfer[NO_METADATA]).toBeUndefined();
    const completed = valuesBy(findFamily(families, 'deluge_torrent_completed_timestamp_seconds'), 'hash');
    expect(Object.keys(completed).sort()).toEqual([SEEDING, 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef']);
  });

  it('skips a sample whose value has the wrong type', () => {
    const wanted = valuesBy(findFamily(families, 'deluge_torrent_wanted_bytes'), 'hash');
    expect(wanted[WEIRD]).toBeUndefined();
    expect(wanted[NO_METADATA]).toBe(0);
  });

  it('types the totals as counters', () => {
    for (const name of [
      'downloaded_bytes_total',
      'uploaded_bytes_total',
      'active_seconds_total',
      'seeding_seconds_total',
    ]) {
      expect(findFamily(families, `deluge_torrent_${name}`).type).toBe('counter');
    }
  });

  it('filters by state, label and tracker', () => {
    const filtered = familiesFor({
      ...allOn,
      states: ['Downloading', 'Error'],
      labels: ['linux', 'movies'],
      trackers: ['example.org', 'ubuntu.com'],
    });
    const hashes = findFamily(filtered, 'deluge_torrent_info').samples.map((s) => s.labels.hash);
    expect(hashes.sort()).toEqual([UBUNTU, 'c0ffee0000c0ffee0000c0ffee0000c0ffee0000']);
  });

  it('has one tracker error series per torrent whose tracker_status is an error, with kind and message', () => {
    const errors = findFamily(families, 'deluge_torrent_tracker_error_info');
    expect(errors.labelNames).toEqual(['daemon', 'hash', 'kind', 'message']);
    expect(errors.samples.map((sample) => ({ ...sample.labels, value: sample.value }))).toEqual([
      { daemon: 'd1', hash: DEBIAN, kind: 'unregistered', message: 'Unregistered torrent', value: 1 },
      {
        daemon: 'd1',
        hash: PAUSED,
        kind: 'unreachable',
        message: 'Host not found (authoritative)',
        value: 1,
      },
      { daemon: 'd1', hash: ERRORED, kind: 'unauthorized', message: 'Invalid passkey', value: 1 },
      // "Warning: …" (deadbeef), "Announce OK" and "" have none; a multi-line message becomes one line.
      { daemon: 'd1', hash: WEIRD, kind: 'other', message: 'Torrent non enregistré (code 12)', value: 1 },
    ]);
  });

  it('applies the filters and the cap to tracker error series too', () => {
    const downloading = findFamily(
      familiesFor({ ...allOn, states: ['Downloading'] }),
      'deluge_torrent_tracker_error_info',
    );
    expect(downloading.samples.map((sample) => sample.labels.hash)).toEqual([DEBIAN]);
    expect(familiesFor({ ...allOn, maxTorrents: 7 }).map((f) => f.name)).toEqual([
      'deluge_torrent_series_capped',
      'deluge_torrent_series_filtered_out',
    ]);
  });

  it('counts the torrents the filters leave out, capped or not, and none while switched off', () => {
    const downloading = { ...allOn, states: ['Downloading'] };
    const passing = torrents.filter((torrent) => torrent.status.state === 'Downloading').length;
    expect(passing).toBeGreaterThan(0);
    for (const config of [downloading, { ...downloading, maxTorrents: passing - 1 }]) {
      const filteredOut = findFamily(familiesFor(config), 'deluge_torrent_series_filtered_out');
      expect(valuesBy(filteredOut)).toEqual({ '': torrents.length - passing });
    }
    const off = familiesFor({ ...downloading, enabled: false });
    expect(valuesBy(findFamily(off, 'deluge_torrent_series_filtered_out'))).toEqual({ '': 0 });
  });

  it("puts each torrent's save path on deluge_torrent_save_path_info", () => {
    const paths = findFamily(families, 'deluge_torrent_save_path_info');
    expect(paths.labelNames).toEqual(['daemon', 'hash', 'path']);
    const expected = Object.fromEntries(
      torrents.map((torrent) => [torrent.hash, torrent.status.download_location]).filter(([, path]) => path !== ''),
    );
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    expect(Object.fromEntries(paths.samples.map((sample) => [sample.labels.hash, sample.labels.path]))).toEqual(
      expected,
    );
    expect(paths.samples.every((sample) => sample.value === 1)).toBe(true);
  });

  it('exports only the selected families', () => {
    const selected = familiesFor({ ...allOn, families: ['ratio'] });
    expect(selected.map((f) => f.name)).toEqual([
      'deluge_torrent_ratio',
      'deluge_torrent_series_capped',
      'deluge_torrent_series_filtered_out',
    ]);
  });

  it('exports no series, only capped 1, above the cap or when switched off', () => {
    for (const config of [
      { ...allOn, maxTorrents: 7 },
      { ...allOn, enabled: false },
    ]) {
      const capped = familiesFor(config);
      expect(capped.map((f) => f.name)).toEqual(['deluge_torrent_series_capped', 'deluge_torrent_series_filtered_out']);
      expect(valuesBy(findFamily(capped, 'deluge_torrent_series_capped'))).toEqual({ '': 1 });
    }
    const atCap = familiesFor({ ...allOn, maxTorrents: 8 });
    expect(valuesBy(findFamily(atCap, 'deluge_torrent_series_capped'))).toEqual({ '': 0 });
  });
});

describe('perTorrentKeys', () => {
  it('asks only for the keys of the selected families and filters', () => {
    expect(perTorrentKeys({ ...allOn, enabled: false })).toEqual([]);
    expect(perTorrentKeys({ ...allOn, families: ['ratio', 'last_transfer_timestamp_seconds'] }).sort()).toEqual([
      'ratio',
      'time_since_transfer',
    ]);
    expect(perTorrentKeys({ ...allOn, families: ['eta_seconds'], labels: ['x'] }).sort()).toEqual(['eta', 'label']);
    expect(perTorrentKeys(allOn)).toContain('tracker_host');
    expect(perTorrentKeys(allOn)).toContain('tracker_status');
    expect(perTorrentKeys({ ...allOn, families: ['tracker_error_info'] })).toEqual(['tracker_status']);
    expect(perTorrentKeys({ ...allOn, families: ['save_path_info'] })).toEqual(['download_location']);
  });
});
