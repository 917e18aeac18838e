import { describe, expect, it } from 'vitest';
import type { TorrentEntry } from '../../../src/collector/torrent-entries.js';
import { isActive, summarizeTorrents } from '../../../src/collector/torrent-summary.js';
import { TRACKER_ERROR_KINDS } from '../../../src/collector/tracker-status.js';
import { TRACKER_TORRENT_KEYS, trackerAggregateFamilies, trackersCollector } from '../../../src/collector/trackers.js';
import { findFamily, loadFixture, runCollector, testConfig, valuesBy } from './fixtures.js';

function torrent(hash: string, status: Record<string, unknown>): TorrentEntry {
  return { hash, status };
}

const TORRENTS: readonly TorrentEntry[] = [
  torrent('a1', { tracker_host: 'alpha.org', tracker_status: 'Error: Unregistered torrent', download_payload_rate: 0 }),
  torrent('a2', { tracker_host: 'alpha.org', tracker_status: 'Error: Torrent not found', upload_payload_rate: 2048 }),
  torrent('a3', { tracker_host: 'alpha.org', tracker_status: 'Announce OK', download_payload_rate: 1000 }),
  torrent('a4', { tracker_host: 'alpha.org', tracker_status: 'Warning: slow down', download_payload_rate: 500n }),
  torrent('b1', { tracker_host: 'beta.net', tracker_status: 'Error: Invalid passkey', upload_payload_rate: 10 }),
  torrent('b2', { tracker_host: 'beta.net', tracker_status: 'Error: Connection refused' }),
  torrent('b3', { tracker_host: 'beta.net', tracker_status: 'Error: Torrent non enregistré' }),
  torrent('b4', { tracker_host: 'beta.net', tracker_status: 'Announce Sent', download_payload_rate: -5 }),
  // No tracker: counted under "" like deluge_torrents_by_tracker, never an error.
  torrent('c1', { tracker_host: '', tracker_status: '', download_payload_rate: 'fast' }),
  // Hostile: no tracker_host, a status that is not a string, rates that are not finite.
  torrent('d1', {
    tracker_status: 42,
    download_payload_rate: Number.NaN,
    upload_payload_rate: Number.POSITIVE_INFINITY,
  }),
];

/** The summary of an answer holding `torrents` (their short names padded to valid ids). */
const summaryOf = (torrents: readonly TorrentEntry[]) =>
  summarizeTorrents(
    Object.fromEntries(torrents.map(({ hash, status }) => [hash.padEnd(40, '0'), status])),
    testConfig(),
  );

const families = trackerAggregateFamilies(summaryOf(TORRENTS), 'seedbox');

function samplesOf(name: string) {
  return findFamily(families, name).samples.map((sample) => ({ ...sample.labels, value: sample.value }));
}

describe('deluge_torrents_tracker_errors', () => {
  it('counts each kind per tracker, with all four kinds for every tracker of deluge_torrents_by_tracker', () => {
    const errors = samplesOf('deluge_torrents_tracker_errors');
    const expected = {
      '': { unregistered: 0, unauthorized: 0, unreachable: 0, other: 0 },
      'alpha.org': { unregistered: 2, unauthorized: 0, unreachable: 0, other: 0 },
      'beta.net': { unregistered: 0, unauthorized: 1, unreachable: 1, other: 1 },
    };
    expect(errors).toEqual(
      Object.entries(expected).flatMap(([tracker, counts]) =>
        TRACKER_ERROR_KINDS.map((kind) => ({ daemon: 'seedbox', tracker, kind, value: counts[kind] })),
      ),
    );
  });

  it('is empty when there are no torrents (and no trackers)', () => {
    expect(findFamily(trackerAggregateFamilies(summaryOf([]), 'd'), 'deluge_torrents_tracker_errors').samples).toEqual(
      [],
    );
  });

  it('counts every "Error:" status once and nothing else', () => {
    const total = [...summaryOf(TORRENTS).byTracker.values()].reduce(
      (sum, entry) => sum + TRACKER_ERROR_KINDS.reduce((kinds, kind) => kinds + entry.errors[kind], 0),
      0,
    );
    const errorStatuses = TORRENTS.filter((t) => String(t.status.tracker_status).startsWith('Error:')).length;
    expect(total).toBe(errorStatuses);
    expect(total).toBe(5);
  });
});

describe('deluge_torrents_active', () => {
  it('counts torrents with a download or upload payload rate above 0', () => {
    expect(samplesOf('deluge_torrents_active')).toEqual([{ daemon: 'seedbox', value: 4 }]);
    expect(TORRENTS.filter((t) => isActive(t.status)).map((t) => t.hash)).toEqual(['a2', 'a3', 'a4', 'b1']);
  });

  it('is 0, not absent, when nothing moves', () => {
    expect(findFamily(trackerAggregateFamilies(summaryOf([]), 'd'), 'deluge_torrents_active').samples).toEqual([
      { labels: { daemon: 'd' }, value: 0 },
    ]);
  });
});

describe('per-tracker payload rates', () => {
  it('sums each direction per tracker; missing, negative and non-numeric rates add nothing', () => {
    expect(samplesOf('deluge_tracker_download_rate_bytes_per_second')).toEqual([
      { daemon: 'seedbox', tracker: '', value: 0 },
      { daemon: 'seedbox', tracker: 'alpha.org', value: 1500 },
      { daemon: 'seedbox', tracker: 'beta.net', value: 0 },
    ]);
    expect(samplesOf('deluge_tracker_upload_rate_bytes_per_second')).toEqual([
      { daemon: 'seedbox', tracker: '', value: 0 },
      { daemon: 'seedbox', tracker: 'alpha.org', value: 2048 },
      { daemon: 'seedbox', tracker: 'beta.net', value: 10 },
    ]);
  });
});

describe('trackersCollector', () => {
  const fixture = loadFixture('daemon-healthy');
  const ctx = { daemon: 'd1', scrapeTimeSeconds: 1795466400, config: testConfig() };

  it("asks core.get_torrents_status for the tracker keys only (the session unites them with other collectors')", () => {
    const { requests } = runCollector(trackersCollector, fixture, ctx);
    expect(Object.values(requests).map(({ method, args }) => ({ method, args }))).toEqual([
      { method: 'core.get_torrents_status', args: [{}, [...TRACKER_TORRENT_KEYS]] },
    ]);
  });

  it('derives the tracker families from the fixture daemon', () => {
    const { collected } = runCollector(trackersCollector, fixture, ctx);
    expect(collected.problems).toEqual([]);
    const errors = findFamily(collected.families, 'deluge_torrents_tracker_errors');
    const nonZero = errors.samples.filter((sample) => sample.value > 0).map((sample) => sample.labels);
    expect(nonZero).toEqual([
      { daemon: 'd1', tracker: 'debian.org', kind: 'unregistered' },
      { daemon: 'd1', tracker: 'example.org', kind: 'unauthorized' },
      { daemon: 'd1', tracker: 'example.org', kind: 'other' },
      { daemon: 'd1', tracker: 'tracker.cl', kind: 'unreachable' },
    ]);
    expect(errors.samples).toHaveLength(5 * 4);
    expect(valuesBy(findFamily(collected.families, 'deluge_torrents_active'))).toEqual({ '': 2 });
    expect(
      valuesBy(findFamily(collected.families, 'deluge_tracker_download_rate_bytes_per_second'), 'tracker'),
    ).toEqual({ '': 0, 'debian.org': 0, 'example.org': 0, 'tracker.cl': 0, 'ubuntu.com': 208334 });
  });

  it('reports a failed call as its problem and exports nothing', () => {
    const { collected } = runCollector(
      trackersCollector,
      fixture,
      ctx,
      undefined,
      new Set(['core.get_torrents_status']),
    );
    expect(collected.families).toEqual([]);
    expect(collected.problems.map((problem) => problem.method)).toEqual(['core.get_torrents_status']);
  });

  it('reports an answer that is not a dict of torrents as a problem instead of throwing', () => {
    const { collected } = runCollector(
      trackersCollector,
      { ...fixture, 'core.get_torrents_status': ['not', 'a', 'dict'] },
      ctx,
    );
    expect(collected.families).toEqual([]);
    expect(collected.problems).toHaveLength(1);
  });
});
