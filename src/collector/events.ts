import { parseEvent } from '../rpc/api.js';
import type { DelugeEvent } from '../rpc/types.js';
import type { SampleFamily } from './types.js';

/** The `event` label values of `deluge_torrent_events_total`; all are always present. */
export const TORRENT_EVENT_COUNTERS = ['added', 'removed', 'finished', 'errored', 'state_changed'] as const;

/** One of TORRENT_EVENT_COUNTERS. */
export type TorrentEventCounter = (typeof TORRENT_EVENT_COUNTERS)[number];

/** Deluge event names to pass to `daemon.set_event_interest`. */
export const SUBSCRIBED_EVENTS: readonly string[] = [
  'TorrentAddedEvent',
  'TorrentRemovedEvent',
  'TorrentFinishedEvent',
  'TorrentStateChangedEvent',
];

/**
 * The counters a Deluge event increments: a `TorrentStateChangedEvent` counts as `state_changed`, and
 * also as `errored` when its new state is `Error`. Other events, and events whose arguments are not
 * what Deluge sends, count nothing.
 */
export function classifyEvent(event: DelugeEvent): TorrentEventCounter[] {
  let parsed: ReturnType<typeof parseEvent>;
  try {
    parsed = parseEvent(event);
  } catch {
    return [];
  }
  if (!parsed.known) return [];
  switch (parsed.name) {
    case 'TorrentAddedEvent':
      return ['added'];
    case 'TorrentRemovedEvent':
      return ['removed'];
    case 'TorrentFinishedEvent':
      return ['finished'];
    case 'TorrentStateChangedEvent':
      return parsed.args.state === 'Error' ? ['state_changed', 'errored'] : ['state_changed'];
    default:
      return [];
  }
}

/** `deluge_torrent_events_total{event}` for one daemon; a counter missing from `counts` is 0. */
export function eventFamily(
  daemon: string,
  counts: Readonly<Partial<Record<TorrentEventCounter, number>>>,
): SampleFamily {
  return {
    name: 'deluge_torrent_events_total',
    type: 'counter',
    help: 'Torrent events received from the daemon since the exporter started (daemon.set_event_interest).',
    labelNames: ['daemon', 'event'],
    samples: TORRENT_EVENT_COUNTERS.map((event) => ({ labels: { daemon, event }, value: counts[event] ?? 0 })),
  };
}
