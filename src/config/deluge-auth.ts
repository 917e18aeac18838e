import { posix, win32 } from 'node:path';

/** Where to look for Deluge's own config dir (holding `auth`), in order. */
export interface DelugeConfigDirInput {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homedir: string;
  readonly platform: NodeJS.Platform;
}

/** Debian's packaged `deluged` service keeps its config here. */
const DEBIAN_SERVICE_CONFIG_DIR = '/var/lib/deluged/config';

/**
 * Candidate Deluge config directories: `DELUGE_CONFIG_DIR` alone when set; else Deluge's platform default
 * (Windows `%APPDATA%\deluge`; elsewhere `$XDG_CONFIG_HOME/deluge` or `~/.config/deluge`, then Debian's
 * service directory).
 */
export function delugeConfigDirCandidates({ env, homedir, platform }: DelugeConfigDirInput): string[] {
  if (env.DELUGE_CONFIG_DIR) return [env.DELUGE_CONFIG_DIR];
  if (platform === 'win32') {
    return [win32.join(env.APPDATA || win32.join(homedir, 'AppData', 'Roaming'), 'deluge')];
  }
  return [posix.join(env.XDG_CONFIG_HOME || posix.join(homedir, '.config'), 'deluge'), DEBIAN_SERVICE_CONFIG_DIR];
}

/** The path of the `auth` file inside a Deluge config dir. */
export function authFilePath(configDir: string, platform: NodeJS.Platform): string {
  return platform === 'win32' ? win32.join(configDir, 'auth') : posix.join(configDir, 'auth');
}

/**
 * The password of `username` in a Deluge `auth` file (`user:password[:level]` per line, `#` comments),
 * or `undefined` when there is no such line. Parsed like Deluge's own AuthManager.
 */
export function findAuthPassword(authFileText: string, username: string): string | undefined {
  for (const rawLine of authFileText.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(':');
    if (fields.length < 2 || fields.length > 3) continue;
    if (fields[0] === username && fields[1]) return fields[1];
  }
  return undefined;
}
