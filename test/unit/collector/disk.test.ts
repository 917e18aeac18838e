import { describe, expect, it } from 'vitest';
import { type DiskState, discoveredPaths, diskCollector, freeSpace } from '../../../src/collector/disk.js';
import { summarizeTorrents } from '../../../src/collector/torrent-summary.js';
import { findFamily, loadFixture, remoteError, runCollector, testConfig, valuesBy } from './fixtures.js';

const fixture = loadFixture('daemon-healthy');
const { savePaths: torrents } = summarizeTorrents(fixture['core.get_torrents_status'], testConfig());
const config = fixture['core.get_config_values'] as Record<string, unknown>;
const ctx = { daemon: 'd1', scrapeTimeSeconds: 1795466400, config: testConfig() };
const freeSpacePaths = (requests: Record<string, { method: string; args: readonly unknown[] }>) =>
  Object.values(requests)
    .filter((r) => r.method === 'core.get_free_space')
    .map((r) => r.args[0]);

describe('discoveredPaths', () => {
  it('lists the download location, the move-completed path, then every save path in use', () => {
    expect(discoveredPaths(config, torrents, 32)).toEqual(['/downloads', '/mnt/done', '/downloads/other', '/mnt/seed']);
  });

  it('leaves out the move-completed path when moving is off', () => {
    expect(discoveredPaths({ ...config, move_completed: false }, torrents, 32)).not.toContain('/mnt/done');
  });

  it('caps the paths', () => {
    expect(discoveredPaths(config, torrents, 2)).toEqual(['/downloads', '/mnt/done']);
  });

  it('works with either source missing', () => {
    expect(discoveredPaths(undefined, torrents, 32)).toEqual(['/downloads', '/downloads/other', '/mnt/seed']);
    expect(discoveredPaths(config, undefined, 32)).toEqual(['/downloads', '/mnt/done']);
  });
});

describe('freeSpace', () => {
  it('exports valid paths; −1, failures and non-numbers are problems naming the path', () => {
    const error = remoteError('core.get_free_space', 'PermissionError');
    const outcome = freeSpace(
      new Map([
        ['/downloads', { ok: true, value: 84918054912 }],
        ['/srv/missing', { ok: true, value: -1 }],
        ['/root/x', { ok: false, error }],
        ['/odd', { ok: true, value: 'lots' }],
      ]),
      'd1',
    );
    expect(valuesBy(outcome.family, 'path')).toEqual({ '/downloads': 84918054912 });
    expect(outcome.problems.map((p) => p.message)).toEqual([
      'daemon reports path /srv/missing as invalid (free space −1)',
      'free space of /root/x: PermissionError',
      'core.get_free_space(/odd) answered "lots", expected a number',
    ]);
    expect(outcome.problems[1]?.error).toBe(error);
  });
});

describe('diskCollector', () => {
  it('asks for the known paths up front and only for newly revealed ones in its second step', () => {
    const first = runCollector(diskCollector, fixture, ctx);
    expect(freeSpacePaths(first.requests)).toEqual([]);
    expect(freeSpacePaths(first.followUp)).toEqual(['/downloads', '/mnt/done', '/downloads/other', '/mnt/seed']);
    expect(first.collected.problems).toEqual([]);
    expect(valuesBy(findFamily(first.collected.families, 'deluge_free_space_bytes'), 'path')).toEqual({
      '/downloads': 84918054912,
      '/mnt/done': 1999999975424,
      '/downloads/other': 84918054912,
      '/mnt/seed': 1999999975424,
    });
    const second = runCollector(diskCollector, fixture, ctx, first.collected.state);
    expect(freeSpacePaths(second.requests)).toEqual(['/downloads', '/mnt/done', '/downloads/other', '/mnt/seed']);
    expect(second.followUp).toEqual({});
    const later = runCollector(diskCollector, fixture, ctx, { knownPaths: ['/downloads', '/mnt/done'] });
    expect(freeSpacePaths(later.followUp)).toEqual(['/downloads/other', '/mnt/seed']);
  });

  it('asks for configured extra paths every time and fails while one is invalid', () => {
    const withExtra = { ...ctx, config: testConfig({ disk: { maxPaths: 32, extraPaths: ['/srv/missing'] } }) };
    const run = runCollector(diskCollector, fixture, withExtra);
    expect(freeSpacePaths(run.requests)).toEqual(['/srv/missing']);
    expect(run.collected.problems.map((p) => p.message)).toEqual([
      'daemon reports path /srv/missing as invalid (free space −1)',
    ]);
    expect(run.collected.state.knownPaths).not.toContain('/srv/missing');
  });

  it('keeps the known paths while the config or the torrent list fails, never more than max_paths', () => {
    const capped = { ...ctx, config: testConfig({ disk: { maxPaths: 3, extraPaths: [] } }) };
    let state: DiskState = { knownPaths: ['/mnt/seed'] };
    const run = runCollector(diskCollector, fixture, capped, state, new Set(['core.get_torrents_status']));
    expect(run.collected.state.knownPaths).toEqual(['/mnt/seed', '/downloads', '/mnt/done']);
    // the config fails and every scrape the torrents name new save paths: the state stays capped
    const changing = structuredClone(fixture);
    const statuses = changing['core.get_torrents_status'] as Record<string, Record<string, unknown>>;
    for (let scrape = 0; scrape < 12; scrape++) {
      for (const [index, status] of Object.values(statuses).entries()) {
        status.download_location = `/data/${scrape}/${index}`;
      }
      const next = runCollector(diskCollector, changing, capped, state, new Set(['core.get_config_values']));
      const asked = freeSpacePaths(next.requests).length + freeSpacePaths(next.followUp).length;
      expect(next.collected.state.knownPaths.length).toBeLessThanOrEqual(3);
      expect(asked).toBeLessThanOrEqual(6);
      expect(findFamily(next.collected.families, 'deluge_free_space_bytes').samples.length).toBeLessThanOrEqual(3);
      state = next.collected.state;
    }
  });

  it('names the download location on deluge_download_location_info, none while the config call fails', () => {
    const run = runCollector(diskCollector, fixture, ctx);
    const location = findFamily(run.collected.families, 'deluge_download_location_info');
    expect(location.samples).toEqual([{ labels: { daemon: 'd1', path: config.download_location }, value: 1 }]);
    const failed = runCollector(diskCollector, fixture, ctx, undefined, new Set(['core.get_config_values']));
    expect(findFamily(failed.collected.families, 'deluge_download_location_info').samples).toEqual([]);
  });
});
