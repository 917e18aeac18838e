import { requests } from '../../src/rpc/api.js';
import type { DelugeClient } from '../../src/rpc/client.js';
import { type ExporterHandle, exporterConfigYaml, startExporter } from '../support/exporter-process.js';
import { connectClient } from './clients.js';
import { type DaemonHandle, startDaemon } from './daemon.js';
import { addTorrent } from './deluge-calls.js';
import { selectedInstall } from './deluge-versions.js';
import { mountSmallDisk, type SmallDisk } from './small-disk.js';
import { makeTorrent, writeTorrentData } from './torrent.js';
import { failureReply, type LoopbackTracker, startTracker } from './tracker.js';
import { startTransferPair, type TransferPair, type TransferPairOptions } from './transfer.js';

/** The exporter's names of the world's daemons (the `daemon` label). */
export const WORLD_DAEMONS = {
  /** Holds the stalled and the unregistered torrent; saves the stalled one to the small disk. */
  conditions: 'conditions',
  /** Idle: a test may kill and restart it. */
  spare: 'spare',
  /** The transfer pair, only with `transfer`. */
  seeder: 'seeder',
  leecher: 'leecher',
} as const;

/** The tracker failure text of the unregistered torrent (Gazelle's). */
export const UNREGISTERED_REASON = 'Unregistered torrent';

/** Options of {@link startMonitoringWorld}. */
export interface MonitoringWorldOptions {
  /** The exporter's `stall_window_seconds`. Default 2. */
  readonly stallWindowSeconds?: number;
  /** Size of the small disk. Default 16 MiB. */
  readonly smallDiskBytes?: number;
  /** Size of the stalled torrent (what it still needs on the small disk). Default 8 MiB. */
  readonly stalledBytes?: number;
  /** A throttled transfer between two more daemons, `seeder` and `leecher`. Default none. */
  readonly transfer?: TransferPairOptions;
}

/** A torrent of the world: which daemon has it, its hash (Deluge's id) and name. */
export interface WorldTorrent {
  readonly daemon: string;
  readonly hash: string;
  readonly name: string;
}

/** Real daemons in the conditions monitoring is about, and one exporter watching them. */
export interface MonitoringWorld {
  /** One exporter for every daemon below (per-torrent series on, the default cap). */
  readonly exporter: ExporterHandle;
  /** Exporter daemon name ({@link WORLD_DAEMONS}) to daemon. */
  readonly daemons: ReadonlyMap<string, DaemonHandle>;
  /** The daemon the exporter calls `name`; throws naming it when the world has none of that name. */
  daemon(name: string): DaemonHandle;
  /** Admin client of the `conditions` daemon. */
  readonly conditionsClient: DelugeClient;
  /** Downloading with no peer anywhere (no tracker, no DHT): stalled once the stall window passes. Saves to `smallDisk`. */
  readonly stalled: WorldTorrent & { readonly sizeBytes: number };
  /** Complete and seeding; its tracker answers every announce with {@link UNREGISTERED_REASON}. */
  readonly unregistered: WorldTorrent & { readonly tracker: LoopbackTracker };
  /** The tmpfs the stalled torrent saves to, empty at first. */
  readonly smallDisk: SmallDisk;
  readonly transfer: TransferPair | undefined;
  /** Stops the exporter, kills the daemons, closes the tracker and unmounts the small disk. */
  close(): Promise<void>;
}

const MiB = 1024 * 1024;

/**
 * Starts the world on the Deluge `$TEST_DELUGE_VERSION` selects: daemons `conditions` and `spare`
 * (plus `seeder` and `leecher` with `transfer`), a loopback tracker answering "unregistered", a
 * small tmpfs, and an exporter with a short stall window. Needs root (the tmpfs). On failure what
 * was started is closed again; `stopAllDaemons` removes the daemons' directories.
 */
export async function startMonitoringWorld(options: MonitoringWorldOptions = {}): Promise<MonitoringWorld> {
  const install = selectedInstall();
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer();
  };
  try {
    const smallDisk = mountSmallDisk(options.smallDiskBytes ?? 16 * MiB, install);
    closers.push(() => smallDisk.unmount());
    const tracker = await startTracker(failureReply(UNREGISTERED_REASON));
    closers.push(() => tracker.close());
    const [conditions, spare] = await Promise.all([startDaemon({ install }), startDaemon({ install })]);
    closers.push(async () => {
      await Promise.all([conditions.kill(), spare.kill()]);
    });
    const daemons = new Map<string, DaemonHandle>([
      [WORLD_DAEMONS.conditions, conditions],
      [WORLD_DAEMONS.spare, spare],
    ]);
    const transfer = options.transfer === undefined ? undefined : await startTransferPair(options.transfer);
    if (transfer !== undefined) {
      closers.push(() => transfer.close());
      daemons.set(WORLD_DAEMONS.seeder, transfer.seeder);
      daemons.set(WORLD_DAEMONS.leecher, transfer.leecher);
    }
    const conditionsClient = await connectClient(conditions);
    closers.push(() => conditionsClient.close());

    const stalledBytes = options.stalledBytes ?? 8 * MiB;
    const stalledTorrent = makeTorrent({ name: 'stalled.bin', length: stalledBytes, pieceLength: 256 * 1024 });
    const stalledHash = await addTorrent(conditionsClient, stalledTorrent, { download_location: smallDisk.path });
    const unregisteredTorrent = makeTorrent({
      name: 'unregistered.bin',
      length: 64 * 1024,
      announce: tracker.announceUrl,
    });
    await writeTorrentData(unregisteredTorrent, conditions.dataDir);
    const unregisteredHash = await addTorrent(conditionsClient, unregisteredTorrent);
    await conditionsClient.call(requests.core.forceReannounce([unregisteredHash]));

    const exporter = await startExporter({
      configYaml: exporterConfigYaml(
        [...daemons].map(([name, daemon]) => ({ name, daemon })),
        { stall_window_seconds: options.stallWindowSeconds ?? 2 },
      ),
    });
    closers.push(async () => {
      await exporter.stop();
    });
    return {
      exporter,
      daemons,
      daemon(name) {
        const daemon = daemons.get(name);
        if (daemon === undefined) throw new Error(`the monitoring world has no daemon ${JSON.stringify(name)}`);
        return daemon;
      },
      conditionsClient,
      stalled: {
        daemon: WORLD_DAEMONS.conditions,
        hash: stalledHash,
        name: stalledTorrent.name,
        sizeBytes: stalledBytes,
      },
      unregistered: {
        daemon: WORLD_DAEMONS.conditions,
        hash: unregisteredHash,
        name: unregisteredTorrent.name,
        tracker,
      },
      smallDisk,
      transfer,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
