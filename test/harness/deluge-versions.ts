import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One Deluge the integration tests run against: its version and, for a chroot install, the root. */
export interface DelugeInstall {
  /** What `daemon.info` answers. */
  readonly version: string;
  /** A Debian root (scripts/build-deluge22-root.sh) to `chroot` into, or `undefined` for the host's deluged. */
  readonly root: string | undefined;
}

/** Where scripts/build-deluge22-root.sh keeps the Debian 13 root (same default, same variable). */
export const DELUGE22_ROOT = process.env.DELUGE22_ROOT ?? '/var/cache/deluge-exporter/trixie-deluged';

/** Every Deluge covered: Debian 12's deluged on the host, Debian 13's in a chroot. docs/ name these. */
export const DELUGE_INSTALLS: readonly DelugeInstall[] = [
  { version: '2.0.3', root: undefined },
  { version: '2.2.0', root: DELUGE22_ROOT },
];

/** Environment variable that selects the Deluge of a test process (a vitest project sets it). */
export const DELUGE_VERSION_VARIABLE = 'TEST_DELUGE_VERSION';

/** A selected version that is not in {@link DELUGE_INSTALLS}, or a chroot that is not prepared. */
export class DelugeInstallError extends Error {
  override readonly name = 'DelugeInstallError';
}

/** The Deluge this test process runs: `$TEST_DELUGE_VERSION`, or the host's (the first). */
export function selectedInstall(): DelugeInstall {
  const wanted = process.env[DELUGE_VERSION_VARIABLE];
  const install = wanted === undefined ? DELUGE_INSTALLS[0] : DELUGE_INSTALLS.find((i) => i.version === wanted);
  if (install === undefined) {
    const known = DELUGE_INSTALLS.map((i) => i.version).join(', ');
    throw new DelugeInstallError(`${DELUGE_VERSION_VARIABLE}=${wanted}: not a covered Deluge (${known})`);
  }
  return install;
}

/**
 * The command line that runs `deluged ARGS` for an install. A chroot daemon's directory must be under
 * /tmp, which scripts/build-deluge22-root.sh binds into the root so paths are the same inside and out.
 * @throws DelugeInstallError when the root is not built or not prepared (proc, /tmp) for this boot
 */
export function delugedCommand(install: DelugeInstall, args: readonly string[]): [string, string[]] {
  return programCommand(install, 'deluged', args);
}

/** The command line that runs `deluge-web ARGS` for an install, as {@link delugedCommand} does for deluged. */
export function delugeWebCommand(install: DelugeInstall, args: readonly string[]): [string, string[]] {
  return programCommand(install, 'deluge-web', args);
}

function programCommand(install: DelugeInstall, program: string, args: readonly string[]): [string, string[]] {
  if (install.root === undefined) return [program, [...args]];
  const root = install.root;
  const prepared = [`usr/bin/${program}`, 'proc/self'].every((path) => existsSync(join(root, path)));
  if (!prepared || !sameDirectory('/tmp', join(root, 'tmp'))) {
    throw new DelugeInstallError(
      `the Deluge ${install.version} root ${install.root} is not built or not prepared: run bash scripts/build-deluge22-root.sh`,
    );
  }
  return ['chroot', [root, program, ...args]];
}

/** True when both paths are one directory (a bind mount shows the same device and inode). */
function sameDirectory(a: string, b: string): boolean {
  try {
    const [one, two] = [statSync(a), statSync(b)];
    return one.dev === two.dev && one.ino === two.ino;
  } catch {
    return false;
  }
}

/** Directory for a daemon's files: under /tmp for a chroot install (bound into the root), else `tmpdir`. */
export function daemonParentDir(install: DelugeInstall, tmpdir: string): string {
  return install.root === undefined ? tmpdir : '/tmp';
}

/** Orders dotted versions numerically ("2.0.3" < "2.1.0" < "2.10.0"): negative, 0 or positive. */
export function compareVersions(a: string, b: string): number {
  const [left, right] = [a.split('.').map(Number), b.split('.').map(Number)];
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
