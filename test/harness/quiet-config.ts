/**
 * Core settings that make a test daemon quiet and deterministic: no DHT, LSD, UPnP, NAT-PMP, peer
 * exchange or release check (nothing leaves the machine), a fixed BitTorrent listen port on loopback,
 * no queue limits (every torrent is active), and downloads into the harness data directory.
 *
 * @param btPort BitTorrent listen port (TCP and uTP)
 * @param dataDir download location
 */
export function quietCoreConfig(btPort: number, dataDir: string) {
  return {
    dht: false,
    lsd: false,
    upnp: false,
    natpmp: false,
    utpex: false,
    new_release_check: false,
    random_port: false,
    listen_ports: [btPort, btPort],
    listen_interface: '127.0.0.1',
    max_active_downloading: -1,
    max_active_seeding: -1,
    max_active_limit: -1,
    download_location: dataDir,
  };
}

/** The shape `quietCoreConfig` returns. */
export type QuietCoreConfig = ReturnType<typeof quietCoreConfig>;
