import { requests } from '../rpc/api.js';
import { answerOf, type Collector, deriveFrom } from './collector.js';
import { UnexpectedAnswerError } from './errors.js';
import { FamilyConflictError } from './families.js';
import { LIBTORRENT_METRIC_TYPES, type LibtorrentMetricTypes } from './libtorrent-metric-types.js';
import type { MetricType, Sample, SampleFamily } from './types.js';
import { asNumber, asRecord } from './values.js';

const METHOD = 'core.get_session_status';

interface SessionMetric {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  /** Source key → extra labels of its sample. */
  readonly sources: readonly { readonly key: string; readonly labels?: Readonly<Record<string, string>> }[];
  readonly extraLabelNames?: readonly string[];
}

const SESSION_METRICS: readonly SessionMetric[] = [
  counter('deluge_session_received_bytes_total', 'net.recv_bytes', 'Bytes received, payload and protocol'),
  counter('deluge_session_received_payload_bytes_total', 'net.recv_payload_bytes', 'Payload bytes received'),
  counter('deluge_session_sent_bytes_total', 'net.sent_bytes', 'Bytes sent, payload and protocol'),
  counter('deluge_session_sent_payload_bytes_total', 'net.sent_payload_bytes', 'Payload bytes sent'),
  {
    name: 'deluge_session_wasted_bytes_total',
    type: 'counter',
    help: 'Received bytes discarded, by reason (core.get_session_status net.recv_redundant_bytes, net.recv_failed_bytes).',
    sources: [
      { key: 'net.recv_redundant_bytes', labels: { reason: 'redundant' } },
      { key: 'net.recv_failed_bytes', labels: { reason: 'failed' } },
    ],
    extraLabelNames: ['reason'],
  },
  gauge(
    'deluge_session_download_rate_bytes_per_second',
    'payload_download_rate',
    "Deluge's smoothed payload download rate",
  ),
  gauge('deluge_session_upload_rate_bytes_per_second', 'payload_upload_rate', "Deluge's smoothed payload upload rate"),
  gauge('deluge_session_peers_connected', 'peer.num_peers_connected', 'Connected peers'),
  gauge('deluge_session_dht_nodes', 'dht.dht_nodes', 'Nodes in the DHT routing table'),
  gauge(
    'deluge_session_has_incoming_connections',
    'net.has_incoming_connections',
    '1 once an incoming connection was accepted',
  ),
  gauge('deluge_session_disk_queued_write_bytes', 'disk.queued_write_bytes', 'Bytes waiting to be written to disk'),
];

function counter(name: string, key: string, what: string): SessionMetric {
  return { name, type: 'counter', help: `${what} (${METHOD} ${key}).`, sources: [{ key }] };
}

function gauge(name: string, key: string, what: string): SessionMetric {
  return { name, type: 'gauge', help: `${what} (${METHOD} ${key}).`, sources: [{ key }] };
}

/** Session keys the fixed session families read. */
export const SESSION_STATUS_KEYS: readonly string[] = SESSION_METRICS.flatMap((metric) =>
  metric.sources.map((source) => source.key),
);

function statusRecord(status: unknown): Readonly<Record<string, unknown>> {
  const record = asRecord(status);
  if (record === undefined) throw new UnexpectedAnswerError(METHOD, 'a dict of session keys', status);
  return record;
}

/**
 * The `deluge_session_*` families from a `core.get_session_status` answer. Missing or non-numeric keys
 * drop their sample. Throws UnexpectedAnswerError when the answer is not a dict.
 */
export function sessionFamilies(status: unknown, daemon: string): SampleFamily[] {
  const record = statusRecord(status);
  return SESSION_METRICS.map((metric) => {
    const samples: Sample[] = [];
    for (const source of metric.sources) {
      const value = asNumber(record[source.key]);
      if (value !== undefined) samples.push({ labels: { daemon, ...source.labels }, value });
    }
    return {
      name: metric.name,
      type: metric.type,
      help: metric.help,
      labelNames: ['daemon', ...(metric.extraLabelNames ?? [])],
      samples,
    };
  });
}

/**
 * `deluge_libtorrent_<group>_<name>` for a libtorrent key (`.` and other invalid characters → `_`).
 * Counters end in `_total`, replacing libtorrent's own `_counter` suffix (`net.on_read_counter` →
 * `deluge_libtorrent_net_on_read_total`): Prometheus names must not carry their type.
 */
export function libtorrentMetricName(key: string, type: MetricType): string {
  const base = `deluge_libtorrent_${key.replace(/[^a-zA-Z0-9_]/g, '_')}`;
  if (type !== 'counter' || base.endsWith('_total')) return base;
  return `${base.replace(/_counter$/, '')}_total`;
}

/**
 * Every libtorrent counter of a full `core.get_session_status([])` answer as
 * {@link libtorrentMetricName}, typed from `types`.
 * Keys the table lacks become gauges; Deluge's own keys (no `.`) are left out: the session families
 * cover them. A name's type never depends on the daemon: a key whose name is already taken in this
 * answer, or is the name of a table metric of another type (`dht.dht_bytes_in_total` next to the
 * counter `dht.dht_bytes_in`), throws FamilyConflictError. Throws UnexpectedAnswerError when the answer
 * is not a dict.
 */
export function libtorrentFamilies(status: unknown, daemon: string, types: LibtorrentMetricTypes): SampleFamily[] {
  const record = statusRecord(status);
  const tableNames = namesOfTable(types);
  const families: SampleFamily[] = [];
  const taken = new Set<string>();
  for (const key of Object.keys(record).sort()) {
    if (!key.includes('.')) continue;
    const value = asNumber(record[key]);
    if (value === undefined) continue;
    const type = types.get(key) ?? 'gauge';
    const name = libtorrentMetricName(key, type);
    const tableType = tableNames.get(name);
    if (taken.has(name) || (tableType !== undefined && tableType !== type)) throw new FamilyConflictError(name);
    taken.add(name);
    families.push({
      name,
      type,
      help: `libtorrent session ${type} ${key} (${METHOD} ${key}).`,
      labelNames: ['daemon'],
      samples: [{ labels: { daemon }, value }],
    });
  }
  return families;
}

const tableNameCache = new WeakMap<LibtorrentMetricTypes, ReadonlyMap<string, MetricType>>();

/** Metric name → type of every key of the table. */
function namesOfTable(types: LibtorrentMetricTypes): ReadonlyMap<string, MetricType> {
  let names = tableNameCache.get(types);
  if (names === undefined) {
    names = new Map([...types].map(([key, type]) => [libtorrentMetricName(key, type), type]));
    tableNameCache.set(types, names);
  }
  return names;
}

/** `deluge_session_*` from `core.get_session_status`. Required. */
export const sessionCollector: Collector<undefined> = {
  name: 'session',
  required: true,
  initialState: undefined,
  requests: () => ({ status: requests.core.getSessionStatus(SESSION_STATUS_KEYS) }),
  collect(answers, { daemon }) {
    const status = answerOf(answers, 'status', METHOD);
    return { ...deriveFrom(status, METHOD, (value) => sessionFamilies(value, daemon)), state: undefined };
  },
};

/**
 * Every libtorrent session counter as `deluge_libtorrent_*`, with `libtorrent_stats: true`. Optional:
 * its `core.get_session_status([])` (every key) is the same call as the session collector's.
 */
export const libtorrentCollector: Collector<undefined> = {
  name: 'libtorrent',
  required: false,
  initialState: undefined,
  enabled: (config) => config.libtorrentStats,
  requests: () => ({ status: requests.core.getSessionStatus([]) }),
  collect(answers, { daemon }) {
    const status = answerOf(answers, 'status', METHOD);
    const derived = deriveFrom(status, METHOD, (value) => libtorrentFamilies(value, daemon, LIBTORRENT_METRIC_TYPES));
    return { ...derived, state: undefined };
  },
};
