import { describe, expect, it } from 'vitest';
import { diskPaths, freeSpace } from '../../../src/collector/disk.js';
import { parseTorrents } from '../../../src/collector/torrents.js';
import { loadFixture, remoteError, valuesBy } from './fixtures.js';

const fixture = loadFixture('daemon-healthy');
const torrents = parseTorrents(fixture['core.get_torrents_status']);
const config = fixture['core.get_config_values'] as Record<string, unknown>;

describe('diskPaths', () => {
  it('lists the download location, the move-completed path, then every save path in use, then extra paths', () => {
    expect(diskPaths(config, torrents, { maxPaths: 32, extraPaths: ['/srv/missing', '/downloads'] })).toEqual([
      '/downloads',
      '/mnt/done',
      '/downloads/other',
      '/mnt/seed',
      '/srv/missing',
    ]);
  });

  it('leaves out the move-completed path when moving is off', () => {
    const paths = diskPaths({ ...config, move_completed: false }, torrents, { maxPaths: 32, extraPaths: [] });
    expect(paths).not.toContain('/mnt/done');
  });

  it('caps discovered paths but never the configured extra ones', () => {
    expect(diskPaths(config, torrents, { maxPaths: 2, extraPaths: ['/x'] })).toEqual(['/downloads', '/mnt/done', '/x']);
  });

  it('works with either source missing', () => {
    expect(diskPaths(undefined, torrents, { maxPaths: 32, extraPaths: [] })).toEqual([
      '/downloads',
      '/downloads/other',
      '/mnt/seed',
    ]);
    expect(diskPaths(config, undefined, { maxPaths: 32, extraPaths: [] })).toEqual(['/downloads', '/mnt/done']);
  });
});

describe('freeSpace', () => {
  it('exports valid paths, reports −1 as invalid and failures with their error', () => {
    const error = remoteError('core.get_free_space', 'PermissionError');
    const outcome = freeSpace(
      [
        { path: '/downloads', result: { ok: true, value: 84918054912 } },
        { path: '/srv/missing', result: { ok: true, value: -1 } },
        { path: '/root/x', result: { ok: false, error } },
        { path: '/odd', result: { ok: true, value: 'lots' } },
      ],
      'd1',
    );
    expect(valuesBy(outcome.family, 'path')).toEqual({ '/downloads': 84918054912 });
    expect(outcome.invalidPaths).toEqual(['/srv/missing']);
    expect(outcome.failures.map((f) => f.path)).toEqual(['/root/x', '/odd']);
    expect(outcome.failures[0]?.error).toBe(error);
    expect(outcome.failures[1]?.error.message).toMatch(/core\.get_free_space\(\/odd\) answered the string "lots"/);
  });
});
