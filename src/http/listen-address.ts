/**
 * `--web.listen-address` and the drop-ins' `LISTEN_ADDRESS`/`LISTEN_PORT`: parsed here, on
 * their own, so the health check (src/cli/healthcheck.ts) reads them without loading the server.
 */

/** Where the server listens; no `host` means all interfaces. */
export interface ListenAddress {
  readonly host?: string;
  readonly port: number;
}

/** A `--web.listen-address` value that is not `HOST:PORT`, `:PORT` or `[IPv6]:PORT`. */
export class ListenAddressError extends Error {
  override readonly name = 'ListenAddressError';
  readonly code = 'LISTEN_ADDRESS_INVALID';
  constructor(readonly address: string) {
    super(`invalid listen address ${JSON.stringify(address)}: expected HOST:PORT, :PORT or [IPv6]:PORT`);
  }
}

/** The port served on when nothing names one. */
export const DEFAULT_LISTEN_PORT = 9354;
/** `--web.listen-address` when not given: port 9354 on all interfaces. */
export const DEFAULT_LISTEN_ADDRESS = `:${DEFAULT_LISTEN_PORT}`;

/**
 * `LISTEN_ADDRESS` and `LISTEN_PORT` (the reference exporter's and ngosang/deluge-exporter's) as a
 * listen address, when either is set; `defaultPort` when only the address is.
 */
export function listenAddressFromEnv(env: NodeJS.ProcessEnv, defaultPort = DEFAULT_LISTEN_PORT): string | undefined {
  const { LISTEN_ADDRESS: host, LISTEN_PORT: port } = env;
  if (!host && !port) return undefined;
  const hostPart = host?.includes(':') && !host.startsWith('[') ? `[${host}]` : (host ?? '');
  return `${hostPart}:${port || defaultPort}`;
}

/**
 * Parses `HOST:PORT`, `:PORT` or `[IPv6]:PORT` (port 0..65535; 0 picks a free port).
 * @throws {ListenAddressError} naming the bad value
 */
export function parseListenAddress(address: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(address);
  const port = Number(match?.[3]);
  if (match === null || port > 65535) throw new ListenAddressError(address);
  const host = match[1] ?? match[2];
  return host ? { host, port } : { port };
}
