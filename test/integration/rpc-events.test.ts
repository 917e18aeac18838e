import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requests } from '../../src/rpc/api.js';
import type { DelugeClient } from '../../src/rpc/client.js';
import type { DelugeEvent } from '../../src/rpc/types.js';
import { connectClient } from '../harness/clients.js';
import { type DaemonHandle, startDaemon, stopAllDaemons } from '../harness/daemon.js';
import { addTorrent } from '../harness/deluge-calls.js';
import { makeTorrent } from '../harness/torrent.js';

const INTEREST = ['TorrentAddedEvent', 'TorrentRemovedEvent'] as const;

describe('daemon events', () => {
  let daemon: DaemonHandle;
  let listener: DelugeClient;
  let actor: DelugeClient;
  const received: DelugeEvent[] = [];

  beforeAll(async () => {
    daemon = await startDaemon();
    listener = await connectClient(daemon, { eventInterest: INTEREST });
    listener.on('event', (event) => received.push(event));
    actor = await connectClient(daemon);
  });

  afterAll(async () => {
    await Promise.all([listener?.close(), actor?.close()]);
    await stopAllDaemons();
  });

  it('delivers TorrentAddedEvent and TorrentRemovedEvent with the torrent id, and nothing else', async () => {
    const torrent = makeTorrent({ name: 'evented', length: 50_000 });
    const id = await addTorrent(actor, torrent);
    await expect.poll(() => received.find((event) => event.name === 'TorrentAddedEvent')).toBeDefined();
    expect(received.find((event) => event.name === 'TorrentAddedEvent')?.args).toEqual([id, false]);

    expect(await actor.call(requests.core.removeTorrent(id, false))).toBe(true);
    await expect.poll(() => received.find((event) => event.name === 'TorrentRemovedEvent')).toBeDefined();
    expect(received.find((event) => event.name === 'TorrentRemovedEvent')?.args).toEqual([id]);

    // The daemon also emitted state, resume and tracker events; none were asked for.
    expect(received.map((event) => event.name)).toEqual(['TorrentAddedEvent', 'TorrentRemovedEvent']);
  });

  it('delivers events caused by the listening client’s own calls too', async () => {
    received.length = 0;
    const torrent = makeTorrent({ name: 'own call', length: 20_000 });
    const id = await addTorrent(listener, torrent);
    await expect.poll(() => received.map((event) => event.name)).toEqual(['TorrentAddedEvent']);
    expect(received[0]?.args).toEqual([id, false]);
  });
});
