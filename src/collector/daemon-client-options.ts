import type { DaemonConfig, ExporterConfig } from '../config/types.js';
import type { DelugeClientOptions } from '../rpc/index.js';

/** RPC client options for one configured daemon: address, account, TLS checks and frame limit. */
export function daemonClientOptions(daemon: DaemonConfig, config: ExporterConfig): DelugeClientOptions {
  return {
    host: daemon.host,
    port: daemon.port,
    username: daemon.username,
    password: daemon.password,
    tls: {
      ...(daemon.tls.fingerprintSha256 === undefined ? {} : { fingerprintSha256: daemon.tls.fingerprintSha256 }),
      ...(daemon.tls.caPem === undefined ? {} : { ca: daemon.tls.caPem }),
    },
    maxFrameBytes: config.maxFrameBytes,
  };
}
