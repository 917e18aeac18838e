import type { Secret } from './secret.js';

/** The validated, frozen configuration. Produced once by `loadConfig`; nothing downstream reads env or files. */
export interface DaemonConfig {
  /** The `daemon` label; unique. Default `host:port`. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: Secret;
  readonly tls: {
    readonly fingerprintSha256?: string;
    /** PEM text of the CA file (read at load time). */
    readonly caPem?: string;
  };
  /** Per-daemon deadline for one scrape, seconds. */
  readonly timeoutSeconds: number;
}

export interface PerTorrentConfig {
  readonly enabled: boolean;
  /** Above this many (filtered) torrents, no per-torrent series; `deluge_torrent_series_capped` 1. */
  readonly maxTorrents: number;
  /** Filters; empty = all. */
  readonly states: readonly string[];
  readonly labels: readonly string[];
  readonly trackers: readonly string[];
  /** Per-torrent family names to export (without `deluge_torrent_` prefix); empty = all. */
  readonly families: readonly string[];
}

export interface ExporterConfig {
  readonly daemons: readonly DaemonConfig[];
  /** Seconds subtracted from Prometheus' X-Prometheus-Scrape-Timeout-Seconds. */
  readonly scrapeTimeoutOffsetSeconds: number;
  readonly perTorrent: PerTorrentConfig;
  readonly stallWindowSeconds: number;
  readonly disk: {
    readonly maxPaths: number;
    readonly extraPaths: readonly string[];
  };
  /** Export every libtorrent session counter as deluge_libtorrent_*. */
  readonly libtorrentStats: boolean;
  readonly maxFrameBytes: number;
}
