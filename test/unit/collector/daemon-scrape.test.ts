import { describe, expect, it } from 'vitest';
import {
  type CallMany,
  CONFIG_KEYS,
  initialMemory,
  scrapeDaemon,
  torrentStatusKeys,
} from '../../../src/collector/daemon-scrape.js';
import { DelugeConnectionError } from '../../../src/rpc/errors.js';
import { fakeCallMany, findFamily, loadFixture, testConfig, valuesBy } from './fixtures.js';

const fixture = loadFixture('daemon-healthy');
const ctx = { daemon: 'd1', scrapeTimeSeconds: 1795466400, config: testConfig() };
const freeSpacePaths = (bundle: readonly { method: string; args: readonly unknown[] }[]) =>
  bundle.filter((r) => r.method === 'core.get_free_space').map((r) => r.args[0]);

describe('torrentStatusKeys', () => {
  it('requests label explicitly and only the keys the enabled families read', () => {
    const keys = torrentStatusKeys(testConfig());
    expect(keys).toContain('label');
    expect(keys).not.toContain('peers');
    const aggregatesOnly = torrentStatusKeys(
      testConfig({ perTorrent: { ...testConfig().perTorrent, enabled: false } }),
    );
    expect(aggregatesOnly).not.toContain('eta');
    expect(aggregatesOnly).not.toContain('name');
    expect(keys.length).toBeGreaterThan(aggregatesOnly.length);
  });
});

describe('scrapeDaemon', () => {
  it('sends everything in one bundle, plus one follow-up only for newly discovered paths', async () => {
    const fake = fakeCallMany(fixture);
    const first = await scrapeDaemon(fake.callMany, ctx, initialMemory);
    expect(fake.bundles).toHaveLength(2);
    const methods = fake.bundles[0]?.map((r) => r.method);
    expect(methods).toEqual([
      'core.get_session_status',
      'core.get_torrents_status',
      'core.get_config_values',
      'core.get_enabled_plugins',
      'core.is_session_paused',
      'daemon.info',
      'core.get_libtorrent_version',
    ]);
    expect(fake.bundles[0]?.[2]?.args[0]).toEqual(CONFIG_KEYS);
    expect(freeSpacePaths(fake.bundles[1] ?? [])).toEqual(['/downloads', '/mnt/done', '/downloads/other', '/mnt/seed']);

    const second = await scrapeDaemon(fake.callMany, ctx, first.memory);
    expect(fake.bundles).toHaveLength(3);
    expect(freeSpacePaths(fake.bundles[2] ?? [])).toEqual(['/downloads', '/mnt/done', '/downloads/other', '/mnt/seed']);
    expect(second.families.map((f) => f.name)).toEqual(first.families.map((f) => f.name));
  });

  it('asks again only for a save path that appears later', async () => {
    const fake = fakeCallMany(fixture);
    const memory = {
      knownSavePaths: ['/downloads', '/mnt/done', '/downloads/other'],
      reportedInvalidPaths: new Set<string>(),
      perTorrentCapped: false,
    };
    await scrapeDaemon(fake.callMany, ctx, memory);
    expect(fake.bundles).toHaveLength(2);
    expect(freeSpacePaths(fake.bundles[1] ?? [])).toEqual(['/mnt/seed']);
  });

  it('asks only for aggregate keys while over the per-torrent cap', async () => {
    const config = testConfig({ perTorrent: { ...testConfig().perTorrent, maxTorrents: 3 } });
    const fake = fakeCallMany(fixture);
    const first = await scrapeDaemon(fake.callMany, { ...ctx, config }, initialMemory);
    expect(first.memory.perTorrentCapped).toBe(true);
    expect(fake.bundles[0]?.[1]?.args[1]).toEqual(torrentStatusKeys(config));
    fake.bundles.length = 0;
    const second = await scrapeDaemon(fake.callMany, { ...ctx, config }, first.memory);
    expect(fake.bundles).toHaveLength(1);
    expect(fake.bundles[0]?.[1]?.args[1]).toEqual(torrentStatusKeys(config, true));
    expect(torrentStatusKeys(config, true).length).toBeLessThan(torrentStatusKeys(config).length);
    expect(valuesBy(findFamily(second.families, 'deluge_torrent_series_capped'))).toEqual({ '': 1 });
    expect(second.memory.perTorrentCapped).toBe(true);
  });

  it('fetches the per-torrent keys in a follow-up when the torrents fit under the cap again', async () => {
    const fake = fakeCallMany(fixture);
    const memory = {
      ...initialMemory,
      knownSavePaths: ['/downloads', '/mnt/done', '/downloads/other', '/mnt/seed'],
      perTorrentCapped: true,
    };
    const result = await scrapeDaemon(fake.callMany, ctx, memory);
    expect(fake.bundles.map((bundle) => bundle.map((r) => r.method))[1]).toEqual(['core.get_torrents_status']);
    expect(fake.bundles[1]?.[0]?.args[1]).toEqual(torrentStatusKeys(ctx.config));
    expect(findFamily(result.families, 'deluge_torrent_info').samples).toHaveLength(8);
    expect(result.memory.perTorrentCapped).toBe(false);
  });

  it('derives every collector from a healthy daemon', async () => {
    const result = await scrapeDaemon(fakeCallMany(fixture).callMany, ctx, initialMemory);
    expect(result.requiredOk).toBe(true);
    expect(result.collectorSuccess).toEqual({ info: true, session: true, settings: true, torrents: true, disk: true });
    expect(result.problems).toEqual([]);
    expect(result.torrentCount).toBe(8);
    expect(valuesBy(findFamily(result.families, 'deluge_free_space_bytes'), 'path')).toEqual({
      '/downloads': 84918054912,
      '/mnt/done': 1999999975424,
      '/downloads/other': 84918054912,
      '/mnt/seed': 1999999975424,
    });
    expect(valuesBy(findFamily(result.families, 'deluge_info'), 'version')).toEqual({ '2.0.3': 1 });
    expect(findFamily(result.families, 'deluge_torrent_info').samples).toHaveLength(8);
  });

  it('fails only the optional collector whose call failed', async () => {
    const fake = fakeCallMany(fixture, new Set(['core.get_enabled_plugins', 'core.get_libtorrent_version']));
    const result = await scrapeDaemon(fake.callMany, ctx, initialMemory);
    expect(result.requiredOk).toBe(true);
    expect(result.collectorSuccess).toMatchObject({ settings: false, info: false, session: true, torrents: true });
    expect(result.problems.map((p) => [p.collector, p.method])).toEqual([
      ['info', 'core.get_libtorrent_version'],
      ['settings', 'core.get_enabled_plugins'],
    ]);
    expect(result.families.some((f) => f.name === 'deluge_info')).toBe(false);
    expect(findFamily(result.families, 'deluge_session_paused').samples).toHaveLength(1);
  });

  it('is not up when a required call fails, and keeps known paths when the torrent list is missing', async () => {
    const fake = fakeCallMany(fixture, new Set(['core.get_torrents_status']));
    const memory = { knownSavePaths: ['/mnt/seed'], reportedInvalidPaths: new Set<string>(), perTorrentCapped: false };
    const result = await scrapeDaemon(fake.callMany, ctx, memory);
    expect(result.requiredOk).toBe(false);
    expect(result.collectorSuccess.torrents).toBe(false);
    expect(result.torrentCount).toBe(0);
    expect(result.memory.knownSavePaths).toEqual(['/mnt/seed', '/downloads', '/mnt/done']);
  });

  it('reports an invalid path once per streak but keeps disk failed while it lasts', async () => {
    const config = testConfig({ disk: { maxPaths: 32, extraPaths: ['/srv/missing'] } });
    const fake = fakeCallMany(fixture);
    const first = await scrapeDaemon(fake.callMany, { ...ctx, config }, initialMemory);
    expect(first.collectorSuccess.disk).toBe(false);
    expect(first.problems.map((p) => p.message)).toEqual([
      'daemon reports path /srv/missing as invalid (free space −1)',
    ]);
    expect(findFamily(first.families, 'deluge_free_space_bytes').samples.map((s) => s.labels.path)).not.toContain(
      '/srv/missing',
    );
    const second = await scrapeDaemon(fake.callMany, { ...ctx, config }, first.memory);
    expect(second.collectorSuccess.disk).toBe(false);
    expect(second.problems).toEqual([]);
  });

  it('fails disk, not the scrape, when the follow-up bundle is rejected', async () => {
    const fake = fakeCallMany(fixture);
    let calls = 0;
    const callMany: CallMany = async (requests) => {
      calls += 1;
      if (calls === 2) throw new DelugeConnectionError('connection closed');
      return fake.callMany(requests);
    };
    const result = await scrapeDaemon(callMany, ctx, initialMemory);
    expect(result.requiredOk).toBe(true);
    expect(result.collectorSuccess.disk).toBe(false);
    expect(result.problems.every((p) => p.collector === 'disk' && p.error instanceof DelugeConnectionError)).toBe(true);
  });

  it('propagates a rejection of the main bundle', async () => {
    const callMany: CallMany = async () => {
      throw new DelugeConnectionError('connection refused');
    };
    await expect(scrapeDaemon(callMany, ctx, initialMemory)).rejects.toBeInstanceOf(DelugeConnectionError);
  });

  it('turns a malformed answer into a collector failure naming it', async () => {
    const broken = { ...fixture, 'core.get_torrents_status': 'not a dict' };
    const result = await scrapeDaemon(fakeCallMany(broken).callMany, ctx, initialMemory);
    expect(result.collectorSuccess.torrents).toBe(false);
    expect(result.requiredOk).toBe(false);
    expect(result.problems[0]?.message).toBe(
      'core.get_torrents_status answered the string "not a dict", expected a dict of torrents',
    );
  });
});
