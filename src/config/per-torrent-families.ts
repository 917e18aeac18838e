/**
 * Per-torrent metric families (docs/metrics.md "Per-torrent series"), named without the `deluge_torrent_`
 * prefix: the values `per_torrent.families` accepts.
 */
export const PER_TORRENT_FAMILIES = [
  'info',
  'wanted_bytes',
  'completed_bytes',
  'progress_ratio',
  'downloaded_bytes_total',
  'uploaded_bytes_total',
  'download_rate_bytes_per_second',
  'upload_rate_bytes_per_second',
  'peers_connected',
  'seeds_connected',
  'swarm_peers',
  'swarm_seeds',
  'eta_seconds',
  'ratio',
  'added_timestamp_seconds',
  'completed_timestamp_seconds',
  'last_seen_complete_timestamp_seconds',
  'last_transfer_timestamp_seconds',
  'active_seconds_total',
  'seeding_seconds_total',
  'tracker_error_info',
  'save_path_info',
] as const;

/** One per-torrent family name. */
export type PerTorrentFamily = (typeof PER_TORRENT_FAMILIES)[number];
