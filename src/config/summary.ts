import { daemonAccountText, daemonAddress, daemonTls } from './daemon-access.js';
import type { ExporterConfig } from './types.js';

/** A human summary of a valid config for `--check-config`: daemon names and addresses, never secrets. */
export function summarizeConfig(config: ExporterConfig): string {
  const lines = [`configuration OK: ${config.daemons.length} daemon(s)`];
  for (const daemon of config.daemons) {
    const tls = daemonTls(daemon);
    const checked = tls.fingerprintSha256 !== undefined || tls.caPem !== undefined ? ', certificate checked' : '';
    const way =
      daemon.transport === 'rpc'
        ? `${daemon.username}@${daemonAddress(daemon)}`
        : `Web UI ${daemonAddress(daemon)} (${daemonAccountText(daemon, (text) => JSON.stringify(text))})`;
    lines.push(`  ${daemon.name}: ${way} (timeout ${daemon.timeoutSeconds}s${checked})`);
  }
  return `${lines.join('\n')}\n`;
}
