import { readFileSync } from 'node:fs';
import { MetricTableError } from './errors.js';
import type { MetricType } from './types.js';

/** libtorrent session-stats metric name (e.g. `net.sent_bytes`) → its type. */
export type LibtorrentMetricTypes = ReadonlyMap<string, MetricType>;

/**
 * Parses the document written by `scripts/gen-libtorrent-metrics.py`.
 * Throws MetricTableError naming the bad entry.
 */
export function parseLibtorrentMetricTable(document: unknown): LibtorrentMetricTypes {
  const metrics = (document as { metrics?: unknown } | null)?.metrics;
  if (typeof metrics !== 'object' || metrics === null) {
    throw new MetricTableError('libtorrent metric table has no "metrics" object');
  }
  const table = new Map<string, MetricType>();
  for (const [name, type] of Object.entries(metrics)) {
    if (type !== 'counter' && type !== 'gauge') {
      throw new MetricTableError(`libtorrent metric ${name} has type ${String(type)}, expected counter or gauge`);
    }
    table.set(name, type);
  }
  return table;
}

// src/collector and dist/collector are both two levels below the package root, next to data/.
const TABLE_URL = new URL('../../data/libtorrent-metrics.json', import.meta.url);

/** The checked-in libtorrent metric table, read once when this module loads. */
export const LIBTORRENT_METRIC_TYPES: LibtorrentMetricTypes = parseLibtorrentMetricTable(
  JSON.parse(readFileSync(TABLE_URL, 'utf8')),
);
