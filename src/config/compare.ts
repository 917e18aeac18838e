import type { DaemonConfig, ExporterConfig } from './types.js';

/** Whether two daemon entries describe the same connection and scrape (password compared by value). */
export function daemonSettingsEqual(a: DaemonConfig, b: DaemonConfig): boolean {
  return (
    a.name === b.name &&
    a.host === b.host &&
    a.port === b.port &&
    a.username === b.username &&
    a.password.reveal() === b.password.reveal() &&
    a.tls.fingerprintSha256 === b.tls.fingerprintSha256 &&
    a.tls.caPem === b.tls.caPem &&
    a.timeoutSeconds === b.timeoutSeconds
  );
}

/** Whether two configurations agree on everything but the daemon list (what every daemon is scraped with). */
export function sharedSettingsEqual(a: ExporterConfig, b: ExporterConfig): boolean {
  const shared = ({ daemons: _daemons, ...rest }: ExporterConfig) => JSON.stringify(rest);
  return shared(a) === shared(b);
}
