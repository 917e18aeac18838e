import { describe, expect, it } from 'vitest';
import { MetricTableError, UnexpectedAnswerError } from '../../../src/collector/errors.js';
import { FamilyConflictError } from '../../../src/collector/families.js';
import { LIBTORRENT_METRIC_TYPES, parseLibtorrentMetricTable } from '../../../src/collector/libtorrent-metric-types.js';
import {
  libtorrentCollector,
  libtorrentFamilies,
  libtorrentMetricName,
  SESSION_STATUS_KEYS,
  sessionCollector,
  sessionFamilies,
} from '../../../src/collector/session.js';
import { type MetricFamily, samplesOf } from '../../../src/collector/types.js';
import { findFamily, loadFixture, testConfig, valuesBy } from './fixtures.js';

const ctx = { daemon: 'd1', scrapeTimeSeconds: 1795466400, config: testConfig() };

const status = loadFixture('daemon-healthy')['core.get_session_status'] as Record<string, unknown>;

describe('sessionFamilies', () => {
  const families = sessionFamilies(status, 'd1');

  it('maps each source key to its family with the daemon label', () => {
    expect(valuesBy(findFamily(families, 'deluge_session_received_bytes_total'))).toEqual({ '': 5390243211 });
    expect(valuesBy(findFamily(families, 'deluge_session_download_rate_bytes_per_second'))).toEqual({ '': 343927.5 });
    expect(valuesBy(findFamily(families, 'deluge_session_dht_nodes'))).toEqual({ '': 231 });
    expect(findFamily(families, 'deluge_session_peers_connected').samples[0]?.labels).toEqual({ daemon: 'd1' });
  });

  it('splits wasted bytes by reason', () => {
    const wasted = findFamily(families, 'deluge_session_wasted_bytes_total');
    expect(wasted.type).toBe('counter');
    expect(wasted.labelNames).toEqual(['daemon', 'reason']);
    expect(valuesBy(wasted, 'reason')).toEqual({ redundant: 16384, failed: 0 });
  });

  it('names the source key in every HELP', () => {
    for (const family of families) expect(family.help).toMatch(/core\.get_session_status [a-z_.]+/);
  });

  it('skips missing and non-numeric keys instead of failing', () => {
    const partial = sessionFamilies({ 'net.recv_bytes': '12', 'dht.dht_nodes': 10n }, 'd1');
    expect(findFamily(partial, 'deluge_session_received_bytes_total').samples).toEqual([]);
    expect(valuesBy(findFamily(partial, 'deluge_session_dht_nodes'))).toEqual({ '': 10 });
  });

  it('rejects an answer that is not a dict, naming it', () => {
    expect(() => sessionFamilies('oops', 'd1')).toThrow(UnexpectedAnswerError);
    expect(() => sessionFamilies('oops', 'd1')).toThrow(/core\.get_session_status answered "oops"/);
  });

  it('requests exactly the fixed keys; the libtorrent collector, when on, asks for every key', () => {
    expect(sessionCollector.requests(ctx, undefined).status?.args).toEqual([SESSION_STATUS_KEYS]);
    expect(SESSION_STATUS_KEYS).toContain('net.recv_redundant_bytes');
    expect(libtorrentCollector.requests(ctx, undefined).status?.args).toEqual([[]]);
    expect(libtorrentCollector.enabled?.(testConfig())).toBe(false);
    expect(libtorrentCollector.enabled?.(testConfig({ libtorrentStats: true }))).toBe(true);
  });
});

describe('libtorrentFamilies', () => {
  const families = libtorrentFamilies(status, 'd1', LIBTORRENT_METRIC_TYPES);
  const byName = new Map(families.map((family) => [family.name, family]));

  it('types counters and gauges from the table, counters ending in _total', () => {
    expect(byName.get('deluge_libtorrent_net_recv_bytes_total')?.type).toBe('counter');
    expect(samplesOf(byName.get('deluge_libtorrent_dht_dht_bytes_in_total') as MetricFamily)[0]?.value).toBe(904532);
    expect(byName.get('deluge_libtorrent_dht_dht_nodes')?.type).toBe('gauge');
    expect(byName.get('deluge_libtorrent_ses_num_downloading_torrents')?.type).toBe('gauge');
  });

  it('names counters without the _counter suffix of libtorrent', () => {
    expect(libtorrentMetricName('net.on_read_counter', 'counter')).toBe('deluge_libtorrent_net_on_read_total');
    expect(samplesOf(byName.get('deluge_libtorrent_net_on_read_total') as MetricFamily)[0]?.value).toBe(88211);
    expect(libtorrentMetricName('sock_bufs.socket_send_size3', 'gauge')).toBe(
      'deluge_libtorrent_sock_bufs_socket_send_size3',
    );
  });

  it('exports keys the table lacks as gauges and leaves out Deluge-computed keys', () => {
    expect(byName.get('deluge_libtorrent_ses_num_future_thing')).toMatchObject({ type: 'gauge' });
    expect(families.some((family) => family.name.includes('payload_download_rate'))).toBe(false);
    const dotted = Object.keys(status).filter((key) => key.includes('.'));
    expect(families).toHaveLength(dotted.length);
  });
});

describe('libtorrent names', () => {
  it('fails on two keys that become one name after sanitising', () => {
    expect(() => libtorrentFamilies({ 'x.a-b': 1, 'x.a_b': 2 }, 'd1', LIBTORRENT_METRIC_TYPES)).toThrow(
      FamilyConflictError,
    );
  });

  it("fails on an unknown key named like a table counter of another type, so a name's type never varies", () => {
    const clash = { 'dht.dht_bytes_in': 1, 'dht.dht_bytes_in_total': 2 };
    expect(() => libtorrentFamilies(clash, 'd1', LIBTORRENT_METRIC_TYPES)).toThrow(FamilyConflictError);
    expect(() => libtorrentFamilies({ 'dht.dht_bytes_in_total': 2 }, 'd1', LIBTORRENT_METRIC_TYPES)).toThrow(
      /deluge_libtorrent_dht_dht_bytes_in_total/,
    );
  });

  it('reports the conflict as a problem of the libtorrent collector only', () => {
    const answers = new Map([['status', { ok: true as const, value: { 'x.a-b': 1, 'x.a_b': 2 } }]]);
    const collected = libtorrentCollector.collect(answers, ctx, undefined);
    expect(collected.families).toEqual([]);
    expect(collected.problems.map((p) => p.message)).toEqual([
      'metric family deluge_libtorrent_x_a_b is defined twice',
    ]);
    expect(sessionCollector.collect(answers, ctx, undefined).problems).toEqual([]);
  });
});

describe('libtorrent metric table', () => {
  it('holds libtorrent 2.0 metrics with their types', () => {
    expect(LIBTORRENT_METRIC_TYPES.size).toBeGreaterThanOrEqual(291);
    expect(LIBTORRENT_METRIC_TYPES.get('net.sent_payload_bytes')).toBe('counter');
    expect(LIBTORRENT_METRIC_TYPES.get('net.has_incoming_connections')).toBe('gauge');
    expect(LIBTORRENT_METRIC_TYPES.get('disk.queued_write_bytes')).toBe('gauge');
  });

  it('rejects a malformed table, naming the bad entry', () => {
    expect(() => parseLibtorrentMetricTable({})).toThrow(MetricTableError);
    expect(() => parseLibtorrentMetricTable({ metrics: { 'a.b': 'histogram' } })).toThrow(/a\.b has type histogram/);
  });
});
