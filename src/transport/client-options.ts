import type { ExporterConfig, RpcDaemonConfig, TlsConfig, WebUiDaemonConfig } from '../config/types.js';
import type { DelugeClientOptions } from '../rpc/index.js';
import type { WebUiClientOptions } from '../webui/index.js';

function tlsOptions(tls: TlsConfig): { fingerprintSha256?: string; ca?: string } {
  return {
    ...(tls.fingerprintSha256 === undefined ? {} : { fingerprintSha256: tls.fingerprintSha256 }),
    ...(tls.caPem === undefined ? {} : { ca: tls.caPem }),
  };
}

/** RPC client options for one configured daemon: address, account, TLS checks and frame limit. */
export function daemonClientOptions(daemon: RpcDaemonConfig, config: ExporterConfig): DelugeClientOptions {
  return {
    host: daemon.host,
    port: daemon.port,
    username: daemon.username,
    password: daemon.password,
    tls: tlsOptions(daemon.tls),
    maxFrameBytes: config.maxFrameBytes,
  };
}

/**
 * Web UI client options for one configured daemon: URL, password, TLS checks, a proxy's basic auth,
 * and the answer sizes the RPC way allows: max_frame_bytes on the wire, 4 × that decompressed.
 */
export function webUiClientOptions(daemon: WebUiDaemonConfig, config: ExporterConfig): WebUiClientOptions {
  const { web } = daemon;
  return {
    url: web.url,
    password: web.password,
    tls: tlsOptions(web.tls),
    ...(web.basicAuth === undefined ? {} : { basicAuth: web.basicAuth }),
    maxWireBytes: config.maxFrameBytes,
    maxAnswerBytes: 4 * config.maxFrameBytes,
  };
}
