import { requests, type TorrentAddOptions } from '../../src/rpc/api.js';
import type { DelugeRpc } from '../../src/rpc/types.js';
import type { DaemonHandle } from './daemon.js';
import { quietCoreConfig } from './quiet-config.js';
import type { GeneratedTorrent } from './torrent.js';

/**
 * Applies {@link quietCoreConfig} over RPC (the harness already writes it into `core.conf` before
 * start; this re-applies it, e.g. after a test changed settings). Needs a normal or admin session.
 */
export async function applyQuietConfig(rpc: DelugeRpc, daemon: DaemonHandle): Promise<void> {
  await rpc.call(requests.core.setConfig(quietCoreConfig(daemon.btPort, daemon.dataDir)));
}

/**
 * Adds a generated torrent with `core.add_torrent_file` and returns Deluge's torrent id, checked to
 * equal the torrent's info-hash.
 *
 * @throws Error if the daemon answers with another id (or none)
 */
export async function addTorrent(
  rpc: DelugeRpc,
  torrent: GeneratedTorrent,
  options: TorrentAddOptions = {},
): Promise<string> {
  const filename = `${torrent.name}.torrent`;
  const id = await rpc.call(requests.core.addTorrentFile(filename, torrent.torrentBytes.toString('base64'), options));
  if (id !== torrent.infoHash) {
    throw new Error(`core.add_torrent_file returned id ${String(id)}, expected info-hash ${torrent.infoHash}`);
  }
  return id;
}

/** Each account's auth level as the daemon itself reports it (`core.get_known_accounts`, needs an admin). */
export async function knownAccountLevels(rpc: DelugeRpc): Promise<Record<string, number>> {
  const accounts = await rpc.call(requests.core.getKnownAccounts());
  return Object.fromEntries(accounts.map((account) => [account.username, account.authlevel_int]));
}
