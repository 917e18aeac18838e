import type { ExporterConfig } from '../config/types.js';
import type { Collector } from './collector.js';
import { diskCollector } from './disk.js';
import { infoCollector } from './info.js';
import { libtorrentCollector, sessionCollector } from './session.js';
import { settingsCollector } from './settings.js';
import { torrentsCollector } from './torrents.js';
import { trackersCollector } from './trackers.js';

/** Every collector, in exposition order. A new collector is one module plus one line here. */
export const COLLECTORS: readonly Collector<unknown>[] = [
  infoCollector,
  sessionCollector,
  libtorrentCollector,
  settingsCollector,
  torrentsCollector,
  trackersCollector,
  diskCollector,
];

/** The collectors `config` enables. */
export function enabledCollectors(config: ExporterConfig): Collector<unknown>[] {
  return COLLECTORS.filter((collector) => collector.enabled?.(config) ?? true);
}
