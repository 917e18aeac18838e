import { formatHostPort } from './host-port.js';
import type { ExporterConfig } from './types.js';

/** A human summary of a valid config for `--check-config`: daemon names and addresses, never secrets. */
export function summarizeConfig(config: ExporterConfig): string {
  const lines = [`configuration OK: ${config.daemons.length} daemon(s)`];
  for (const daemon of config.daemons) {
    const tls =
      daemon.tls.fingerprintSha256 !== undefined || daemon.tls.caPem !== undefined ? ', certificate checked' : '';
    lines.push(
      `  ${daemon.name}: ${daemon.username}@${formatHostPort(daemon.host, daemon.port)} (timeout ${daemon.timeoutSeconds}s${tls})`,
    );
  }
  return `${lines.join('\n')}\n`;
}
