import { describe, expect, it } from 'vitest';
import { UnexpectedAnswerError } from '../../../src/collector/errors.js';
import { parseTorrents } from '../../../src/collector/torrent-entries.js';
import { isStalled, summarizeTorrents } from '../../../src/collector/torrent-summary.js';
import { TORRENT_STATES, torrentAggregateFamilies } from '../../../src/collector/torrents.js';
import { findFamily, loadFixture, testConfig, valuesBy } from './fixtures.js';

const answer = loadFixture('daemon-healthy')['core.get_torrents_status'];
const { torrents } = parseTorrents(answer);
const summary = summarizeTorrents(answer, testConfig());
const families = torrentAggregateFamilies(summary, 'd1');

describe('parseTorrents', () => {
  it('reads every torrent in id order and skips entries that are not dicts', () => {
    expect(torrents).toHaveLength(8);
    expect(torrents.map((t) => t.hash)).toEqual([...torrents.map((t) => t.hash)].sort());
    const [a, b] = ['a'.repeat(40), 'b'.repeat(40)];
    const parsed = parseTorrents({ [a]: 1, [b]: { state: 'Seeding' } });
    expect(parsed.torrents.map((t) => t.hash)).toEqual([b]);
    expect(parsed.skipped).toEqual({ invalid_id: 0, invalid_status: 1 });
    expect(() => parseTorrents(null)).toThrow(UnexpectedAnswerError);
  });

  it('skips and counts ids that are not 40 lowercase hex, however long', () => {
    const valid = 'c'.repeat(40);
    const parsed = parseTorrents({
      [valid]: { state: 'Seeding' },
      ['x'.repeat(30_000_000)]: { state: 'Seeding' },
      ['C'.repeat(40)]: { state: 'Seeding' },
      ['c'.repeat(39)]: { state: 'Seeding' },
      [`${valid}\n`]: { state: 'Seeding' },
    });
    expect(parsed.torrents.map((t) => t.hash)).toEqual([valid]);
    expect(parsed.skipped.invalid_id).toBe(4);
  });

  it('parses one answer object once for every collector that reads it', () => {
    const answer = { ['d'.repeat(40)]: { state: 'Paused' } };
    expect(parseTorrents(answer)).toBe(parseTorrents(answer));
  });
});

describe('deluge_torrents', () => {
  it('has all eight known states, zeros included, then unknown states', () => {
    const counts = summary.byState;
    expect([...counts.keys()]).toEqual([...TORRENT_STATES, 'Weird']);
    expect(Object.fromEntries(counts)).toEqual({
      Allocating: 0,
      Checking: 0,
      Downloading: 3,
      Seeding: 1,
      Paused: 1,
      Error: 1,
      Queued: 0,
      Moving: 1,
      Weird: 1,
    });
  });

  it('reports zero for every state when there are no torrents', () => {
    const empty = summarizeTorrents({}, testConfig());
    expect(findFamily(torrentAggregateFamilies(empty, 'd1'), 'deluge_torrents').samples).toHaveLength(8);
  });
});

describe('label and tracker aggregates', () => {
  it('counts a torrent without a label key (plugin off) under ""', () => {
    expect(valuesBy(findFamily(families, 'deluge_torrents_by_label'), 'label')).toEqual({
      '': 4,
      linux: 2,
      movies: 2,
    });
  });

  it('counts per tracker host', () => {
    expect(valuesBy(findFamily(families, 'deluge_torrents_by_tracker'), 'tracker')).toEqual({
      '': 1,
      'debian.org': 1,
      'example.org': 4,
      'tracker.cl': 1,
      'ubuntu.com': 1,
    });
  });
});

describe('wanted and remaining bytes', () => {
  it('sums total_wanted, skipping a string value', () => {
    const expected = 6114656256 + 659554304 + 0 + 276134947 + 49152 + 1048576 + 2097152;
    expect(valuesBy(findFamily(families, 'deluge_torrents_wanted_bytes'))).toEqual({ '': expected });
  });

  it('sums total_remaining of unfinished torrents per save path', () => {
    expect(Object.fromEntries(summary.remainingBySavePath)).toEqual({
      '/downloads': 3745226957 + 360776204 + 0 + 524288 + 11111,
      '/downloads/other': 49152,
    });
  });
});

describe('stalled torrents', () => {
  const entry = (status: Record<string, unknown>) => status;

  it('counts Downloading torrents idle for the window, and never-active ones active longer than it', () => {
    expect(valuesBy(findFamily(families, 'deluge_torrents_stalled'))).toEqual({ '': 2 });
    expect(isStalled(entry({ state: 'Downloading', time_since_transfer: 1800 }), 1800)).toBe(true);
    expect(isStalled(entry({ state: 'Downloading', time_since_transfer: 1799 }), 1800)).toBe(false);
    expect(isStalled(entry({ state: 'Downloading', time_since_transfer: -1, active_time: 1800 }), 1800)).toBe(false);
    expect(isStalled(entry({ state: 'Downloading', time_since_transfer: -1, active_time: 1801 }), 1800)).toBe(true);
    expect(isStalled(entry({ state: 'Seeding', time_since_transfer: 99999 }), 1800)).toBe(false);
    expect(isStalled(entry({ state: 'Downloading', time_since_transfer: '9999' }), 1800)).toBe(false);
  });
});
