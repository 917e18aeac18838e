import { formatHostPort } from './host-port.js';
import type { DaemonConfig, TlsConfig } from './types.js';

/** How a daemon is reached, as the `transport` label says it: its RPC port, or its Web UI. */
export type TransportName = DaemonConfig['transport'];

/** Every secret of a daemon entry: stripped from any text shown to people (a hostile peer may echo one). */
export function daemonSecrets(daemon: DaemonConfig): string[] {
  if (daemon.transport === 'rpc') return [daemon.password.reveal()];
  const basic = daemon.web.basicAuth?.password.reveal();
  return basic === undefined ? [daemon.web.password.reveal()] : [daemon.web.password.reveal(), basic];
}

/** Where the exporter connects, for people: `host:port` of the RPC port, or the Web UI's base URL. */
export function daemonAddress(daemon: DaemonConfig): string {
  return daemon.transport === 'rpc' ? formatHostPort(daemon.host, daemon.port) : daemon.web.url;
}

/** The certificate checks of the connection (RPC port or https Web UI). */
export function daemonTls(daemon: DaemonConfig): TlsConfig {
  return daemon.transport === 'rpc' ? daemon.tls : daemon.web.tls;
}

/** Who the exporter is to the daemon or Web UI, for people, never a secret: `user "admin"`, or the Web UI's daemon choice. */
export function daemonAccountText(daemon: DaemonConfig, quote: (text: string) => string): string {
  if (daemon.transport === 'rpc') return `user ${quote(daemon.username)} (password not shown)`;
  const target = daemon.web.daemon;
  const which =
    target === undefined ? 'the daemon it is connected to' : `daemon ${formatHostPort(target.host, target.port)}`;
  const basic = daemon.web.basicAuth === undefined ? '' : `, proxy user ${quote(daemon.web.basicAuth.username)}`;
  return `Web UI password (not shown), ${which}${basic}`;
}
