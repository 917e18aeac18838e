/**
 * A real `deluged` holding N generated torrents for the benchmark, filled once and kept in a cache
 * directory (`.cache/bench/deluged-<N>/`) so later bench runs only start it again.
 *
 * The torrents are tiny (one 1 KiB file each) and come in a fixed mix so the daemon answers with
 * several states, labels, trackers and names that need escaping: half are added paused (with one
 * of three trackers, never announced), a fifth have their data on disk (checked, then Seeding or
 * Queued), a quarter have no data and no peers (Downloading or Queued), one in twenty has a
 * download location below a regular file (Error). Labels go straight into `label.conf` before the
 * daemon starts: `label.set_torrent` saves the whole label config on every call, which makes N calls
 * quadratic.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { requests, type TorrentAddOptions } from '../../src/rpc/api.js';
import type { DelugeClient } from '../../src/rpc/client.js';
import { connectClient } from '../../test/harness/clients.js';
import { type DaemonHandle, startDaemon } from '../../test/harness/daemon.js';
import { type GeneratedTorrent, makeTorrent, writeTorrentData } from '../../test/harness/torrent.js';

/** What a bench daemon directory holds once filled; written last, so a half-filled cache is never reused. */
interface FilledMarker {
  readonly torrents: number;
  readonly layout: number;
}

/** Bump when the generated mix changes, so old caches are filled again. */
const LAYOUT = 1;
const BATCH = 500;
const LABELS = ['movies', 'linux', 'music'] as const;
const TRACKERS = ['tracker.example.org', 'linuxtracker.example.net', 'udp.example.com'] as const;
const ACCOUNT = { username: 'bench', password: 'bench-secret', level: 10 } as const;

/** Queue limits make part of the active torrents Queued, as on a real seedbox. */
const CORE_CONFIG = {
  enabled_plugins: ['Label'],
  max_active_downloading: 40,
  max_active_seeding: 80,
  max_active_limit: 120,
} as const;

type Kind = 'paused' | 'seeding' | 'downloading' | 'error';

function kindOf(index: number): Kind {
  const slot = index % 20;
  if (slot < 10) return 'paused';
  if (slot < 14) return 'seeding';
  if (slot < 19) return 'downloading';
  return 'error';
}

function torrentName(index: number): string {
  return index % 7 === 0 ? `Fïlm "${index}" \\ édition` : `Some.Linux.Distribution.${index}.x86_64`;
}

interface PlannedTorrent {
  readonly torrent: GeneratedTorrent;
  readonly kind: Kind;
  readonly label: string | undefined;
}

function plan(count: number): PlannedTorrent[] {
  const planned: PlannedTorrent[] = [];
  for (let index = 0; index < count; index++) {
    const kind = kindOf(index);
    const tracker = kind === 'paused' && index % 4 !== 3 ? TRACKERS[index % 3] : undefined;
    const torrent = makeTorrent({
      name: torrentName(index),
      length: 1024,
      ...(tracker === undefined ? {} : { announce: `http://${tracker}/announce` }),
    });
    planned.push({ torrent, kind, label: index % 4 === 3 ? undefined : LABELS[index % 3] });
  }
  return planned;
}

/** Deluge's config file format: a version object followed by the settings object. */
function delugeConfigFile(settings: object): string {
  return `${JSON.stringify({ file: 1, format: 1 })}${JSON.stringify(settings)}`;
}

function addOptions(kind: Kind, errorLocation: string): TorrentAddOptions {
  if (kind === 'paused') return { add_paused: true, auto_managed: false };
  if (kind === 'error') return { add_paused: false, download_location: errorLocation };
  return { add_paused: false };
}

function startOn(configDir: string): Promise<DaemonHandle> {
  return startDaemon({ configDir, accounts: [ACCOUNT], coreConfig: CORE_CONFIG, readyTimeoutMs: 180_000 });
}

/** Waits until the daemon lists `count` torrents (it loads its state in the background after a restart). */
async function waitForTorrents(client: DelugeClient, count: number, progress: (line: string) => void): Promise<void> {
  const started = Date.now();
  for (;;) {
    const ids = await client.call(requests.core.getSessionState());
    if (ids.length >= count) return;
    if (Date.now() - started > 300_000) throw new Error(`daemon lists ${ids.length} of ${count} torrents after 300 s`);
    progress(`daemon loaded ${ids.length} of ${count} torrents`);
    await sleep(1000);
  }
}

async function fill(configDir: string, count: number, progress: (line: string) => void): Promise<DaemonHandle> {
  rmSync(configDir, { recursive: true, force: true });
  mkdirSync(join(configDir, 'data'), { recursive: true });
  const started = Date.now();
  const planned = plan(count);
  const dataDir = join(configDir, 'data');
  // A regular file: a download location below it cannot exist, so those torrents end in Error.
  const blocker = join(configDir, 'not-a-directory');
  writeFileSync(blocker, '');
  for (const { torrent, kind } of planned) if (kind === 'seeding') await writeTorrentData(torrent, dataDir);
  const torrentLabels = Object.fromEntries(
    planned.flatMap(({ torrent, label }) => (label === undefined ? [] : [[torrent.infoHash, label]])),
  );
  const labels = Object.fromEntries(LABELS.map((label) => [label, {}]));
  writeFileSync(join(configDir, 'label.conf'), delugeConfigFile({ torrent_labels: torrentLabels, labels }));
  progress(`generated ${count} torrents in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const daemon = await startOn(configDir);
  const client = await connectClient(daemon, { username: ACCOUNT.username, password: ACCOUNT.password });
  try {
    for (let first = 0; first < count; first += BATCH) {
      const batch = planned.slice(first, first + BATCH);
      // Parallel async adds: each waits for libtorrent's add alert, which deluged polls every 0.3 s,
      // so one-by-one adds (also `core.add_torrent_files`) manage ~3 torrents a second.
      const adds = batch.map(({ torrent, kind }, offset) =>
        requests.core.addTorrentFileAsync(
          `${torrent.infoHash}.torrent`,
          torrent.torrentBytes.toString('base64'),
          addOptions(kind, join(blocker, 'data')),
          first + offset === count - 1,
        ),
      );
      const results = await client.callMany(adds, { signal: AbortSignal.timeout(300_000) });
      results.forEach((result, offset) => {
        const expected = batch[offset]?.torrent.infoHash;
        if (!result.ok) throw new Error(`deluged refused a torrent: ${result.error.message}`);
        if (result.value !== expected) throw new Error(`deluged added ${String(result.value)}, expected ${expected}`);
      });
      const done = Math.min(first + BATCH, count);
      const seconds = (Date.now() - started) / 1000;
      progress(`added ${done}/${count} torrents, ${seconds.toFixed(0)} s, ${(done / seconds).toFixed(0)}/s`);
    }
    await waitForTorrents(client, count, progress);
  } finally {
    await client.close();
  }
  const marker: FilledMarker = { torrents: count, layout: LAYOUT };
  writeFileSync(join(configDir, 'bench-filled.json'), JSON.stringify(marker));
  progress(`filled ${count} torrents in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return daemon;
}

function isFilled(configDir: string, count: number): boolean {
  const markerPath = join(configDir, 'bench-filled.json');
  if (!existsSync(markerPath)) return false;
  const marker = JSON.parse(readFileSync(markerPath, 'utf8')) as FilledMarker;
  return marker.torrents === count && marker.layout === LAYOUT;
}

/** The bench account of every filled daemon (level 10, so it sees all torrents). */
export const BENCH_ACCOUNT = { username: ACCOUNT.username, password: ACCOUNT.password } as const;

/**
 * A running `deluged` with `count` generated torrents: started on its cached directory below
 * `cacheRoot` when a complete one is there, otherwise filled from scratch (progress goes to `progress`).
 */
export async function filledDaemon(
  cacheRoot: string,
  count: number,
  progress: (line: string) => void,
): Promise<DaemonHandle> {
  const configDir = join(cacheRoot, `deluged-${count}`);
  if (!isFilled(configDir, count)) return fill(configDir, count, progress);
  const started = Date.now();
  const daemon = await startOn(configDir);
  const client = await connectClient(daemon, BENCH_ACCOUNT);
  try {
    await waitForTorrents(client, count, progress);
  } finally {
    await client.close();
  }
  progress(`started cached daemon with ${count} torrents in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return daemon;
}
