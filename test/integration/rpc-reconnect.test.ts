import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requests } from '../../src/rpc/api.js';
import type { DelugeClient, DelugeConnectedInfo } from '../../src/rpc/client.js';
import { DelugeConnectionError, type DelugeRpcError, DelugeTimeoutError } from '../../src/rpc/errors.js';
import type { DelugeEvent } from '../../src/rpc/types.js';
import { connectClient } from '../harness/clients.js';
import { type DaemonHandle, startDaemon, stopAllDaemons } from '../harness/daemon.js';
import { addTorrent } from '../harness/deluge-calls.js';
import { makeTorrent } from '../harness/torrent.js';

const CALL_DEADLINE_MS = 5_000;

describe('a daemon killed and restarted under a live client', () => {
  let daemon: DaemonHandle;
  let client: DelugeClient;
  const events: DelugeEvent[] = [];
  const connects: DelugeConnectedInfo[] = [];
  const disconnects: (DelugeRpcError | undefined)[] = [];
  let reconnectsCounted = 0;

  beforeAll(async () => {
    daemon = await startDaemon();
    client = await connectClient(daemon, {
      eventInterest: ['TorrentAddedEvent'],
      instrumentation: { reconnect: () => reconnectsCounted++ },
    });
    client.on('event', (event) => events.push(event));
    client.on('connected', (info) => connects.push(info));
    client.on('disconnected', (reason) => disconnects.push(reason));
  });

  afterAll(async () => {
    await client?.close();
    await stopAllDaemons();
  });

  it('fails calls during the outage with a connection error before their deadline', async () => {
    const before = await addTorrent(client, makeTorrent({ name: 'before the outage', length: 1000 }));
    await expect.poll(() => events.map((event) => event.args[0])).toContain(before);

    await daemon.kill();
    await expect.poll(() => disconnects.length).toBe(1);
    expect(disconnects[0]).toBeInstanceOf(DelugeConnectionError);

    const started = Date.now();
    const error = await client
      .call(requests.daemon.info(), { signal: AbortSignal.timeout(CALL_DEADLINE_MS) })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DelugeConnectionError);
    expect((error as DelugeConnectionError).message).toContain(`${daemon.host}:${daemon.port}`);
    expect(Date.now() - started).toBeLessThan(CALL_DEADLINE_MS);

    const short = await client
      .call(requests.daemon.info(), { signal: AbortSignal.timeout(50) })
      .catch((caught: unknown) => caught);
    expect(short).toBeInstanceOf(DelugeTimeoutError);
  });

  it('recovers on the same client object after restart: logs in again and gets events again', async () => {
    await daemon.restart();
    expect(await client.call(requests.daemon.info())).toBe(client.daemonVersion);
    expect(connects).toEqual([{ daemonVersion: client.daemonVersion, authLevel: 10, reconnect: true }]);
    expect(reconnectsCounted).toBe(1);
    expect(client.authLevel).toBe(10);

    events.length = 0;
    const after = await addTorrent(client, makeTorrent({ name: 'after the restart', length: 1000 }));
    await expect.poll(() => events.find((event) => event.args[0] === after)?.args).toEqual([after, false]);
    const ids = await client.call(requests.core.getSessionState());
    expect(ids).toContain(after);
  });
});
