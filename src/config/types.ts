import type { Secret } from './secret.js';

/** Certificate checks of a TLS connection (the daemon's RPC port, or an https Web UI). */
export interface TlsConfig {
  readonly fingerprintSha256?: string;
  /** PEM text of the CA file (read at load time). */
  readonly caPem?: string;
}

/** What every daemon entry has, however it is reached. Produced once by `loadConfig`; nothing downstream reads env or files. */
interface DaemonConfigBase {
  /** The `daemon` label; unique. Default `host:port` (of the daemon, or of the Web UI's url). */
  readonly name: string;
  /** Per-daemon deadline for one scrape, seconds. */
  readonly timeoutSeconds: number;
}

/** A daemon reached on its RPC port (DelugeRPC). */
export interface RpcDaemonConfig extends DaemonConfigBase {
  readonly transport: 'rpc';
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: Secret;
  readonly tls: TlsConfig;
}

/** A daemon reached through its Web UI (`deluge-web`'s JSON-RPC). */
export interface WebUiDaemonConfig extends DaemonConfigBase {
  readonly transport: 'webui';
  readonly web: {
    /** The Web UI's base URL, credential-free, with a trailing slash. */
    readonly url: string;
    readonly password: Secret;
    /** The daemon the Web UI must be connected to (a `host:port` of its host list); any when absent. */
    readonly daemon?: { readonly host: string; readonly port: number };
    /** Certificate checks for an https url. */
    readonly tls: TlsConfig;
    /** Basic authentication for a proxy in front of the Web UI. */
    readonly basicAuth?: { readonly username: string; readonly password: Secret };
  };
}

/** One configured daemon: reached by RPC or by its Web UI, never both. */
export type DaemonConfig = RpcDaemonConfig | WebUiDaemonConfig;

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
