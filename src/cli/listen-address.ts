/**
 * Where the exporter serves when `--web.listen-address` is not given, for the server and the health
 * check alike: `LISTEN_ADDRESS` / `LISTEN_PORT` (both drop-ins' variables), else all interfaces. The
 * port defaults to 9354, or to ngosang/deluge-exporter's 8011 when its `DELUGE_URL` is what
 * configures the daemon (no `--config`), so that a drop-in is scraped where it was.
 */
import { configuredByNgosangEnv } from '../config/ngosang-env.js';
import { DEFAULT_LISTEN_PORT, listenAddressFromEnv } from '../http/listen-address.js';

/** ngosang/deluge-exporter's default port. */
export const NGOSANG_LISTEN_PORT = 8011;

/** The listen port when neither the flag nor `LISTEN_PORT` names one. */
function defaultListenPort(env: NodeJS.ProcessEnv, configPath: string | undefined): number {
  return configuredByNgosangEnv(env, configPath) ? NGOSANG_LISTEN_PORT : DEFAULT_LISTEN_PORT;
}

/** The listen address without `--web.listen-address` (`HOST:PORT`, `:PORT` or `[IPv6]:PORT`). */
export function listenAddressWithoutFlag(env: NodeJS.ProcessEnv, configPath: string | undefined): string {
  const port = defaultListenPort(env, configPath);
  return listenAddressFromEnv(env, port) ?? `:${port}`;
}
