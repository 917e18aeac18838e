import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** vitest globalSetup: builds the Debian 13 root once (cached) and mounts what it needs for this boot. */
export default function setup(): void {
  const script = fileURLToPath(new URL('../../scripts/build-deluge22-root.sh', import.meta.url));
  execFileSync('bash', [script], { stdio: ['ignore', 'ignore', 'inherit'] });
}
