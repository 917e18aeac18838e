import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requests } from '../../src/rpc/api.js';
import { stopAllDaemons } from '../harness/daemon.js';
import { startTransferPair, type TransferPair } from '../harness/transfer.js';

const SIZE_BYTES = 3 * 1024 * 1024;
const RATE_LIMIT_KIB = 1024;

describe('a real torrent transfer between two daemons over loopback', () => {
  let pair: TransferPair;

  beforeAll(async () => {
    pair = await startTransferPair({ sizeBytes: SIZE_BYTES, rateLimitKiB: RATE_LIMIT_KIB });
  });

  afterAll(async () => {
    await pair?.close();
    await stopAllDaemons();
  });

  it('gives both daemons the same torrent id, and the seeder the whole file', async () => {
    const [seederView, leecherView] = await Promise.all([
      pair.seederClient.call(requests.core.getTorrentStatus(pair.torrentId, ['name', 'total_wanted', 'progress'])),
      pair.leecherClient.call(requests.core.getTorrentStatus(pair.torrentId, ['name', 'total_wanted', 'hash'])),
    ]);
    expect(seederView).toEqual({ name: pair.name, total_wanted: SIZE_BYTES, progress: 100 });
    expect(leecherView).toEqual({ name: pair.name, total_wanted: SIZE_BYTES, hash: pair.torrentId });
  });

  it('shows a throttled download in progress with a non-zero rate near the limit', async () => {
    let observed: { progress: number; rate: number; state: string } | undefined;
    const deadline = Date.now() + 20_000;
    while (observed === undefined && Date.now() < deadline) {
      const status = await pair.leecherClient.call(
        requests.core.getTorrentStatus(pair.torrentId, ['progress', 'download_payload_rate', 'state']),
      );
      const sample = {
        progress: Number(status.progress),
        rate: Number(status.download_payload_rate),
        state: String(status.state),
      };
      if (sample.progress > 0 && sample.progress < 100 && sample.rate > 0) observed = sample;
      else await sleep(200);
    }
    expect(observed).toBeDefined();
    expect(observed?.state).toBe('Downloading');
    // libtorrent's limiter is approximate; three times the limit means it is not applied at all.
    expect(observed?.rate).toBeLessThan(3 * RATE_LIMIT_KIB * 1024);
  });

  it('completes: the leecher seeds and has exactly the seeder’s bytes', async () => {
    const done = await pair.waitForProgress(100, 45_000);
    expect(done.totalDone).toBe(SIZE_BYTES);
    await expect
      .poll(
        async () =>
          (await pair.leecherClient.call(requests.core.getTorrentStatus(pair.torrentId, ['state']))).state as string,
        { timeout: 10_000 },
      )
      .toBe('Seeding');
    const [seederBytes, leecherBytes] = await Promise.all([readFile(pair.seederFile), readFile(pair.leecherFile)]);
    expect(seederBytes.equals(pair.content)).toBe(true);
    expect(leecherBytes.equals(seederBytes)).toBe(true);
    // The seeder's upload counter is refreshed from libtorrent's stats a moment after the last piece.
    await expect
      .poll(
        async () =>
          Number(
            (await pair.seederClient.call(requests.core.getTorrentStatus(pair.torrentId, ['total_uploaded'])))
              .total_uploaded,
          ),
        { timeout: 10_000 },
      )
      .toBeGreaterThanOrEqual(SIZE_BYTES);
  });
});
