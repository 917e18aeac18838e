/** `host:port`, with IPv6 literals bracketed (`[::1]:58846`): the default `daemon` label and how addresses are shown. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
