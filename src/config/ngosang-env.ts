/**
 * The environment of ngosang/deluge-exporter (the Web UI exporter) read as a drop-in without
 * `--config`: `DELUGE_URL` is the Web UI's URL (our `DELUGE_WEB_URL`) and, with it, `DELUGE_PASSWORD`
 * (or `DELUGE_PASSWORD_FILE`) is the Web UI password (our `DELUGE_WEB_PASSWORD[_FILE]`). Its
 * `LISTEN_*` and `LOG_LEVEL` are the reference exporter's too (src/cli/). A module of its own, free of
 * the config code, so that the health check can ask whether it is in use.
 */
import { ConfigError } from './errors.js';

/** ngosang's name for `DELUGE_WEB_URL`. */
export const NGOSANG_URL_VARIABLE = 'DELUGE_URL';

type Env = Readonly<Record<string, string | undefined>>;

/** Whether ngosang's environment is what configures the daemon: `DELUGE_URL` set and no `--config`. */
export function configuredByNgosangEnv(env: Env, configPath: string | undefined): boolean {
  return configPath === undefined && Boolean(env[NGOSANG_URL_VARIABLE]);
}

/** ngosang's variable → ours, when `DELUGE_URL` is set. */
const ALIASES = {
  [NGOSANG_URL_VARIABLE]: 'DELUGE_WEB_URL',
  DELUGE_PASSWORD: 'DELUGE_WEB_PASSWORD',
  DELUGE_PASSWORD_FILE: 'DELUGE_WEB_PASSWORD_FILE',
} as const;

const SOURCE = 'environment';

/** The environment with ngosang's variables under our names, and the names to report problems under. */
export interface AliasedEnv {
  readonly env: Env;
  /** Our variable → the one the user set (e.g. `DELUGE_WEB_URL` → `DELUGE_URL`), for error messages. */
  readonly setAs: Readonly<Record<string, string>>;
}

/**
 * Reads ngosang's `DELUGE_URL` (and its password) as our `DELUGE_WEB_*`; the environment as it is
 * when `DELUGE_URL` is not set. RPC variables set beside it are refused by the loader, as beside
 * `DELUGE_WEB_URL`, under the name the user set.
 * @throws {ConfigError} naming both variables when one of ours is set to something else
 */
export function withNgosangAliases(env: Env): AliasedEnv {
  if (!env[NGOSANG_URL_VARIABLE]) return { env, setAs: {} };
  const aliased: Record<string, string | undefined> = { ...env };
  const setAs: Record<string, string> = {};
  for (const [theirs, ours] of Object.entries(ALIASES)) {
    const value = env[theirs];
    if (!value) continue;
    const own = env[ours];
    if (own && own !== value) {
      // Never echo the values: two of the three are passwords.
      throw new ConfigError(SOURCE, `${ours}, ${theirs}`, 'both are set and differ; set one');
    }
    aliased[ours] = value;
    delete aliased[theirs];
    if (!own) setAs[ours] = theirs;
  }
  return { env: aliased, setAs };
}
