import { describe, expect, it } from 'vitest';
import { UnexpectedAnswerError } from '../../../src/collector/errors.js';
import { infoFamily } from '../../../src/collector/info.js';
import { configFamilies, pluginFamily, sessionPausedFamily } from '../../../src/collector/settings.js';
import { findFamily, loadFixture, valuesBy } from './fixtures.js';

const fixture = loadFixture('daemon-healthy');

describe('configFamilies', () => {
  const families = configFamilies(fixture['core.get_config_values'], 'd1');

  it('converts KiB/s limits to bytes per second and omits unlimited (−1) ones', () => {
    expect(valuesBy(findFamily(families, 'deluge_config_download_rate_limit_bytes_per_second'))).toEqual({
      '': 2048 * 1024,
    });
    expect(findFamily(families, 'deluge_config_upload_rate_limit_bytes_per_second').samples).toEqual([]);
    expect(valuesBy(findFamily(families, 'deluge_config_max_connections'))).toEqual({ '': 200 });
  });

  it('exports active limits per kind, without the unlimited ones', () => {
    expect(valuesBy(findFamily(families, 'deluge_config_max_active_torrents'), 'kind')).toEqual({
      downloading: 3,
      seeding: 5,
    });
  });

  it('exports the stop ratio only while stop_seed_at_ratio is on', () => {
    expect(valuesBy(findFamily(families, 'deluge_config_stop_seed_ratio'))).toEqual({ '': 2 });
    const off = configFamilies({ stop_seed_at_ratio: false, stop_seed_ratio: 2 }, 'd1');
    expect(findFamily(off, 'deluge_config_stop_seed_ratio').samples).toEqual([]);
  });

  it('skips wrongly typed values and rejects a non-dict answer', () => {
    const odd = configFamilies({ max_connections_global: 'many' }, 'd1');
    expect(findFamily(odd, 'deluge_config_max_connections').samples).toEqual([]);
    expect(() => configFamilies(['x'], 'd1')).toThrow(UnexpectedAnswerError);
  });
});

describe('pluginFamily and sessionPausedFamily', () => {
  it('exports one series per enabled plugin', () => {
    expect(valuesBy(pluginFamily(fixture['core.get_enabled_plugins'], 'd1'), 'plugin')).toEqual({
      Label: 1,
      Scheduler: 1,
    });
    expect(pluginFamily([], 'd1').samples).toEqual([]);
    expect(() => pluginFamily({ Label: true }, 'd1')).toThrow(/core\.get_enabled_plugins answered \{"Label":true\}/);
  });

  it('exports the paused flag as 0/1', () => {
    expect(valuesBy(sessionPausedFamily(false, 'd1'))).toEqual({ '': 0 });
    expect(valuesBy(sessionPausedFamily(true, 'd1'))).toEqual({ '': 1 });
    expect(() => sessionPausedFamily('yes', 'd1')).toThrow(UnexpectedAnswerError);
  });
});

describe('infoFamily', () => {
  it('carries both versions as labels', () => {
    expect(infoFamily('2.0.3', '2.0.8.0', 'd1').samples).toEqual([
      { labels: { daemon: 'd1', version: '2.0.3', libtorrent_version: '2.0.8.0' }, value: 1 },
    ]);
    expect(() => infoFamily(2, '2.0.8.0', 'd1')).toThrow(/daemon\.info answered 2,/);
  });
});
