import { describe, expect, it } from 'vitest';
import {
  classifyEvent,
  eventFamily,
  SUBSCRIBED_EVENTS,
  TORRENT_EVENT_COUNTERS,
} from '../../../src/collector/events.js';
import { healthFamilies } from '../../../src/collector/health.js';
import { EVENT_NAMES } from '../../../src/rpc/api.js';
import { findFamily, valuesBy } from './fixtures.js';

const ID = '1a8edc645a9d59c3b6f7636be22069a757dc4808';

describe('classifyEvent', () => {
  it('maps Deluge events to counters, a change to Error counting twice', () => {
    expect(classifyEvent({ name: 'TorrentAddedEvent', args: [ID, false] })).toEqual(['added']);
    expect(classifyEvent({ name: 'TorrentRemovedEvent', args: [ID] })).toEqual(['removed']);
    expect(classifyEvent({ name: 'TorrentFinishedEvent', args: [ID] })).toEqual(['finished']);
    expect(classifyEvent({ name: 'TorrentStateChangedEvent', args: [ID, 'Paused'] })).toEqual(['state_changed']);
    expect(classifyEvent({ name: 'TorrentStateChangedEvent', args: [ID, 'Error'] })).toEqual([
      'state_changed',
      'errored',
    ]);
    expect(classifyEvent({ name: 'TorrentQueueChangedEvent', args: [] })).toEqual([]);
    // malformed arguments count nothing instead of being read by position
    expect(classifyEvent({ name: 'TorrentStateChangedEvent', args: [ID] })).toEqual([]);
    expect(classifyEvent({ name: 'TorrentAddedEvent', args: [42, false] })).toEqual([]);
  });

  it('subscribes to exactly the events it counts', () => {
    // every argument shape Deluge sends for the torrent events; other events count nothing whatever they carry
    const shapes = [[ID], [ID, false], [ID, 'Error'], [ID, 'Seeding']];
    const counting = EVENT_NAMES.filter((name) => shapes.some((args) => classifyEvent({ name, args }).length > 0));
    expect([...SUBSCRIBED_EVENTS].sort()).toEqual([...counting].sort());
  });
});

describe('eventFamily', () => {
  it('always has all five events, missing counts as 0', () => {
    const family = eventFamily('d1', { added: 3, errored: 1 });
    expect(family.type).toBe('counter');
    expect(valuesBy(family, 'event')).toEqual({ added: 3, removed: 0, finished: 0, errored: 1, state_changed: 0 });
    expect(family.samples).toHaveLength(TORRENT_EVENT_COUNTERS.length);
  });
});

describe('healthFamilies', () => {
  it('reports up, duration, per-collector success, auth level and the way to the daemon', () => {
    const families = healthFamilies({
      daemon: 'd1',
      up: true,
      durationSeconds: 0.042,
      collectorSuccess: { session: true, disk: false },
      authLevel: 10,
      transport: 'webui',
    });
    expect(valuesBy(findFamily(families, 'deluge_transport_info'), 'transport')).toEqual({ webui: 1 });
    expect(valuesBy(findFamily(families, 'deluge_up'))).toEqual({ '': 1 });
    expect(valuesBy(findFamily(families, 'deluge_scrape_duration_seconds'))).toEqual({ '': 0.042 });
    expect(valuesBy(findFamily(families, 'deluge_scrape_collector_success'), 'collector')).toEqual({
      disk: 0,
      session: 1,
    });
    expect(valuesBy(findFamily(families, 'deluge_login_auth_level'))).toEqual({ '': 10 });
  });

  it('still reports deluge_up 0 for a daemon that could not be reached, without an auth level', () => {
    const families = healthFamilies({
      daemon: 'd1',
      up: false,
      durationSeconds: 5,
      collectorSuccess: {},
      transport: 'rpc',
    });
    expect(valuesBy(findFamily(families, 'deluge_up'))).toEqual({ '': 0 });
    expect(findFamily(families, 'deluge_login_auth_level').samples).toEqual([]);
    expect(valuesBy(findFamily(families, 'deluge_transport_info'), 'transport')).toEqual({ rpc: 1 });
  });
});
