import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requests } from '../../src/rpc/api.js';
import type { DelugeClient } from '../../src/rpc/client.js';
import { connectClient } from '../harness/clients.js';
import { type DaemonHandle, startDaemon, stopAllDaemons } from '../harness/daemon.js';
import { addTorrent } from '../harness/deluge-calls.js';
import { makeTorrent } from '../harness/torrent.js';
import { failureReply, refusedAnnounceUrl, startTracker, stopAllTrackers, swarmReply } from '../harness/tracker.js';

let daemon: DaemonHandle;
let client: DelugeClient;

beforeAll(async () => {
  daemon = await startDaemon();
  client = await connectClient(daemon);
});

afterAll(async () => {
  await client?.close();
  await stopAllTrackers();
  await stopAllDaemons();
});

/** Polls until every torrent's tracker_status is no longer empty or `Announce Sent`. */
async function settledStatuses(ids: readonly string[], timeoutMs = 30_000): Promise<Record<string, string>> {
  const deadline = Date.now() + timeoutMs;
  let statuses: Record<string, string> = {};
  while (Date.now() < deadline) {
    const answer = await client.call(requests.core.getTorrentsStatus({ id: [...ids] }, ['tracker_status']));
    statuses = Object.fromEntries(ids.map((id) => [id, String(answer[id]?.tracker_status ?? '')]));
    if (Object.values(statuses).every((status) => status !== '' && status !== 'Announce Sent')) return statuses;
    await sleep(250);
  }
  throw new Error(
    `tracker statuses did not settle in ${timeoutMs} ms: ${JSON.stringify(statuses)}\n${daemon.logTail()}`,
  );
}

describe('loopback tracker harness against a real deluged', () => {
  it('makes Deluge show the failure reason, a good announce, a refused connection and a TLS error', async () => {
    const unregistered = await startTracker(failureReply('Unregistered torrent'));
    const passkey = await startTracker(failureReply('Invalid passkey'));
    const swarm = await startTracker(swarmReply());
    const refused = await refusedAnnounceUrl();
    const hosts = [unregistered.host, passkey.host, swarm.host];
    expect(new Set(hosts).size).toBe(3);

    // TLS to a plain HTTP server: OpenSSL's "wrong version number".
    const tls = swarm.announceUrl.replace(/^http:/, 'https:');
    const urls = [unregistered.announceUrl, passkey.announceUrl, swarm.announceUrl, refused, tls];
    const torrents = urls.map((announce, index) =>
      makeTorrent({ name: `tracked-${index}.bin`, length: 40_000, announce }),
    );
    const ids: string[] = [];
    for (const torrent of torrents) ids.push(await addTorrent(client, torrent));

    const statuses = await settledStatuses(ids);
    // OpenSSL 3 (Deluge 2.2.0's Debian 13) appends the library name.
    expect(statuses[ids[4]!]).toMatch(/^Error: wrong version number(?: \(SSL routines\))?$/);
    expect(statuses).toEqual({
      [ids[0]!]: 'Error: Unregistered torrent',
      [ids[1]!]: 'Error: Invalid passkey',
      [ids[2]!]: 'Announce OK',
      [ids[3]!]: 'Error: Connection refused',
      [ids[4]!]: statuses[ids[4]!],
    });

    // Each tracker saw the announce of its own torrent from the daemon's BitTorrent port.
    for (const [index, server] of [unregistered, passkey, swarm].entries()) {
      expect(server.announces.length).toBeGreaterThan(0);
      expect(server.announces[0]).toMatchObject({ infoHash: ids[index], port: daemon.btPort, event: 'started' });
    }
    const hostsByTorrent = await client.call(requests.core.getTorrentsStatus({ id: ids }, ['tracker_host']));
    expect(ids.map((id) => hostsByTorrent[id]?.tracker_host)).toEqual([
      ...hosts,
      new URL(refused).hostname,
      swarm.host,
    ]);
  });
});
