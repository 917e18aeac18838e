import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseExposition } from '../../support/exposition.js';
import { CONTRACT_METRIC_NAMES } from '../ops/metric-names.js';

const goldenDir = new URL('../../golden/', import.meta.url);
const exposed = new Set(
  readdirSync(goldenDir)
    .filter((file) => file.endsWith('.prom'))
    .flatMap((file) => [...parseExposition(readFileSync(new URL(file, goldenDir), 'utf8')).families.keys()]),
);

describe('the metric contract (docs/metrics.md) and what the exporter exposes (test/golden)', () => {
  it('documents every family the golden /metrics answers hold (libtorrent names by their rule)', () => {
    const undocumented = [...exposed].filter(
      (name) =>
        name.startsWith('deluge_') && !name.startsWith('deluge_libtorrent_') && !CONTRACT_METRIC_NAMES.has(name),
    );
    expect(undocumented).toEqual([]);
  });

  it('holds a few names of every section, so a broken table parse cannot pass', () => {
    for (const name of [
      'deluge_up',
      'deluge_torrent_info',
      'deluge_free_space_bytes',
      'deluge_exporter_rpc_sent_bytes_total',
    ]) {
      expect(CONTRACT_METRIC_NAMES.has(name)).toBe(true);
    }
    expect(CONTRACT_METRIC_NAMES.size).toBeGreaterThan(60);
  });
});
