import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { requests } from '../../src/rpc/api.js';
import type { DelugeClient } from '../../src/rpc/client.js';
import { connectClient } from './clients.js';
import { type DaemonHandle, startDaemon } from './daemon.js';

/** Options of {@link startTransferPair}. */
export interface TransferPairOptions {
  /** Size of the single file transferred. */
  readonly sizeBytes: number;
  /** Download limit of the leecher in KiB/s (applied to loopback peers too); default unlimited. */
  readonly rateLimitKiB?: number;
  /** File (and torrent) name; default `transfer.bin`. */
  readonly name?: string;
  /** Piece length for `core.create_torrent`; default 16 KiB. */
  readonly pieceLength?: number;
  /** How long to wait for the seeder to create and seed the torrent. Default 20 s. */
  readonly createTimeoutMs?: number;
}

/** What {@link TransferPair.waitForProgress} returns: the leecher's view of the torrent. */
export interface TransferProgress {
  readonly progress: number;
  readonly state: string;
  readonly totalDone: number;
}

/** Two daemons sharing one torrent over loopback. Call {@link TransferPair.close} (or `stopAllDaemons`). */
export interface TransferPair {
  /** Daemon A: created the torrent from real data and seeds it. */
  readonly seeder: DaemonHandle;
  /** Daemon B: downloads from A only (it has no tracker, DHT or LSD). */
  readonly leecher: DaemonHandle;
  /** Admin clients of A and B. */
  readonly seederClient: DelugeClient;
  readonly leecherClient: DelugeClient;
  /** Deluge's torrent id (info-hash), the same on both daemons. */
  readonly torrentId: string;
  readonly name: string;
  /** The .torrent file A wrote. */
  readonly torrentBytes: Buffer;
  /** Path of the data on A and, once complete, on B. */
  readonly seederFile: string;
  readonly leecherFile: string;
  /** The content A seeds. */
  readonly content: Buffer;
  /**
   * Polls B until its progress reaches `percent` (0–100), re-connecting B to A every few seconds
   * in case the peer connection dropped.
   * @throws Error naming the last progress and state when `timeoutMs` (default 60 s) passes first
   */
  waitForProgress(percent: number, timeoutMs?: number): Promise<TransferProgress>;
  /** Asks B to connect to A (again). */
  connectPeers(): Promise<void>;
  /** Closes both clients and kills both daemons (their directories go with `stopAllDaemons`). */
  close(): Promise<void>;
}

const POLL_MS = 200;
const RECONNECT_EVERY_MS = 3_000;

async function waitForSeededTorrent(client: DelugeClient, seeder: DaemonHandle, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ids = await client.call(requests.core.getSessionState());
    const [id] = ids;
    if (id !== undefined) return id;
    await sleep(POLL_MS);
  }
  throw new Error(`core.create_torrent on ${seeder.host}:${seeder.port} added no torrent in ${timeoutMs} ms`);
}

interface SharedTorrent {
  readonly torrentId: string;
  readonly torrentBytes: Buffer;
  readonly seederFile: string;
  readonly content: Buffer;
}

/** A creates and seeds the torrent, B adds it (throttled if asked); returns once both have it. */
async function shareTorrent(
  seeder: DaemonHandle,
  seederClient: DelugeClient,
  leecherClient: DelugeClient,
  name: string,
  options: TransferPairOptions,
): Promise<SharedTorrent> {
  const content = randomBytes(options.sizeBytes);
  const seederFile = join(seeder.dataDir, name);
  await writeFile(seederFile, content);
  const torrentFile = join(seeder.configDir, `${name}.torrent`);
  await seederClient.call(
    requests.core.createTorrent({
      path: seederFile,
      tracker: null,
      pieceLength: options.pieceLength ?? 16 * 1024,
      comment: null,
      target: torrentFile,
      webseeds: [],
      private: false,
      createdBy: 'deluge-exporter test harness',
      trackers: [],
      addToSession: true,
    }),
  );
  const torrentId = await waitForSeededTorrent(seederClient, seeder, options.createTimeoutMs ?? 20_000);
  const torrentBytes = await readFile(torrentFile);

  if (options.rateLimitKiB !== undefined) {
    await leecherClient.call(
      requests.core.setConfig({ max_download_speed: options.rateLimitKiB, ignore_limits_on_local_network: false }),
    );
  }
  const leecherId = await leecherClient.call(
    requests.core.addTorrentFile(`${name}.torrent`, torrentBytes.toString('base64'), {}),
  );
  if (leecherId !== torrentId) {
    throw new Error(`leecher added the torrent as ${String(leecherId)}, seeder has ${torrentId}`);
  }
  return { torrentId, torrentBytes, seederFile, content };
}

/**
 * Starts two daemons and makes a real BitTorrent transfer between them on loopback:
 * writes `sizeBytes` random bytes into A's data directory, has A build and seed a torrent of it with
 * `core.create_torrent(..., add_to_session=True)`, adds the same .torrent on B (optionally throttled
 * with `max_download_speed` and `ignore_limits_on_local_network: False`), then
 * `core.connect_peer(id, '127.0.0.1', A.btPort)` on B. Returns as soon as B has the torrent; use
 * {@link TransferPair.waitForProgress} to wait for data. On failure both daemons are killed.
 *
 * @throws Error when A does not create the torrent in time or B's id differs from A's;
 * DaemonStartError or a Deluge RPC error from the steps above
 */
export async function startTransferPair(options: TransferPairOptions): Promise<TransferPair> {
  const name = options.name ?? 'transfer.bin';
  const [seeder, leecher] = await Promise.all([startDaemon(), startDaemon()]);
  const clients: DelugeClient[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all([seeder.kill(), leecher.kill()]);
  };
  let shared: SharedTorrent;
  let seederClient: DelugeClient;
  let leecherClient: DelugeClient;
  try {
    seederClient = await connectClient(seeder);
    clients.push(seederClient);
    leecherClient = await connectClient(leecher);
    clients.push(leecherClient);
    shared = await shareTorrent(seeder, seederClient, leecherClient, name, options);
  } catch (error) {
    await close();
    throw error;
  }
  const { torrentId } = shared;

  const connectPeers = async (): Promise<void> => {
    await leecherClient.call(requests.core.connectPeer(torrentId, seeder.host, seeder.btPort));
  };
  await connectPeers();

  const waitForProgress = async (percent: number, timeoutMs = 60_000): Promise<TransferProgress> => {
    const deadline = Date.now() + timeoutMs;
    let nextReconnect = Date.now() + RECONNECT_EVERY_MS;
    let last: TransferProgress = { progress: 0, state: 'unknown', totalDone: 0 };
    while (Date.now() < deadline) {
      const status = await leecherClient.call(
        requests.core.getTorrentStatus(torrentId, ['progress', 'state', 'total_done', 'num_peers']),
      );
      last = { progress: Number(status.progress), state: String(status.state), totalDone: Number(status.total_done) };
      if (last.progress >= percent) return last;
      if (Date.now() >= nextReconnect && Number(status.num_peers) === 0) {
        await connectPeers();
        nextReconnect = Date.now() + RECONNECT_EVERY_MS;
      }
      await sleep(POLL_MS);
    }
    throw new Error(
      `torrent ${torrentId} on ${leecher.host}:${leecher.port} reached ${last.progress}% (${last.state}), ` +
        `not ${percent}%, within ${timeoutMs} ms`,
    );
  };

  return {
    ...shared,
    seeder,
    leecher,
    seederClient,
    leecherClient,
    name,
    leecherFile: join(leecher.dataDir, name),
    waitForProgress,
    connectPeers,
    close,
  };
}
