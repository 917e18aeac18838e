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

  it('downloads at a rate near the limit: a non-zero payload rate while in progress, and the bytes over time within 0.5-1.5x of it', async () => {
    const samples: { at: number; done: number; rate: number; state: string }[] = [];
    const deadline = Date.now() + 45_000;
    while (Date.now() < deadline) {
      const status = await pair.leecherClient.call(
        requests.core.getTorrentStatus(pair.torrentId, ['total_done', 'download_payload_rate', 'state']),
      );
      const sample = {
        at: performance.now(),
        done: Number(status.total_done),
        rate: Number(status.download_payload_rate),
        state: String(status.state),
      };
      samples.push(sample);
      if (sample.done === SIZE_BYTES) break;
      await sleep(100);
    }
    const inProgress = samples.filter((s) => s.done > 0 && s.done < SIZE_BYTES);
    expect(inProgress.length).toBeGreaterThan(0);
    expect(inProgress.every((s) => s.state === 'Downloading')).toBe(true);
    // libtorrent's own (smoothed) reading: non-zero while the pieces arrive, never over the limit by half.
    expect(inProgress.some((s) => s.rate > 0)).toBe(true);
    expect(Math.max(...samples.map((s) => s.rate))).toBeLessThan(1.5 * RATE_LIMIT_KIB * 1024);
    const first = inProgress[0] as (typeof samples)[number];
    const last = samples.at(-1) as (typeof samples)[number];
    expect(last.done).toBe(SIZE_BYTES);
    // The bytes verified between the first piece and the last, over the time between them.
    const measured = (last.done - first.done) / ((last.at - first.at) / 1000);
    expect(measured).toBeGreaterThan(0.5 * RATE_LIMIT_KIB * 1024);
    expect(measured).toBeLessThan(1.5 * RATE_LIMIT_KIB * 1024);
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
