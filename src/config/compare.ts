import { Secret } from './secret.js';
import type { DaemonConfig, ExporterConfig } from './types.js';

/** A daemon entry as text with its secrets in clear: two entries are the same exactly when these are equal. */
function settingsText(daemon: DaemonConfig): string {
  return JSON.stringify(daemon, function (this: Record<string, unknown>, key, value: unknown) {
    const original = this[key];
    return original instanceof Secret ? { secret: original.reveal() } : value;
  });
}

/** Whether two daemon entries describe the same connection and scrape (passwords compared by value). */
export function daemonSettingsEqual(a: DaemonConfig, b: DaemonConfig): boolean {
  return settingsText(a) === settingsText(b);
}

/** Whether two configurations agree on everything but the daemon list (what every daemon is scraped with). */
export function sharedSettingsEqual(a: ExporterConfig, b: ExporterConfig): boolean {
  const shared = ({ daemons: _daemons, ...rest }: ExporterConfig) => JSON.stringify(rest);
  return shared(a) === shared(b);
}
