import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, posix, resolve, win32 } from 'node:path';
import { isDaemonPort } from '../rpc/port.js';
import { webUiBaseUrl } from '../webui/client.js';
import { deepFreeze } from './deep-freeze.js';
import { authFilePath, delugeConfigDirCandidates, findAuthPassword } from './deluge-auth.js';
import { parseDelugeConfigFile } from './deluge-config-file.js';
import { ConfigError } from './errors.js';
import { formatHostPort } from './host-port.js';
import { withNgosangAliases } from './ngosang-env.js';
import { errorCode, readOrThrow } from './read-file.js';
import {
  CONFIG_KEYS,
  type ConfigFile,
  type DaemonEntry,
  DEFAULTS,
  HOST_PORT,
  type TlsEntry,
  validateConfigFile,
  type WebEntry,
} from './schema.js';
import { Secret } from './secret.js';
import type { DaemonConfig, ExporterConfig, WebUiDaemonConfig } from './types.js';
import { formatKeyPath } from './validation.js';
import { parseYamlConfig } from './yaml.js';

/** Everything `loadConfig` reads, injected so that it is testable without touching the machine. */
export interface LoadConfigInput {
  /** `--config FILE`; when absent the environment (or Deluge's own `auth` file) describes one daemon. */
  readonly argvConfigPath?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a whole text file; throws a Node.js error (with `code`) when it cannot. */
  readonly readFile: (path: string) => string;
  readonly homedir: string;
  readonly platform: NodeJS.Platform;
}

/** Environment variables of single-daemon mode, by daemon key. */
export const DAEMON_ENV_VARS = {
  name: 'DELUGE_NAME',
  host: 'DELUGE_HOST',
  port: 'DELUGE_PORT',
  username: 'DELUGE_USERNAME',
  password: 'DELUGE_PASSWORD',
  password_file: 'DELUGE_PASSWORD_FILE',
} as const;

/** Environment variables of single-daemon mode through the Web UI, by `web` key. */
export const WEB_ENV_VARS = {
  url: 'DELUGE_WEB_URL',
  password: 'DELUGE_WEB_PASSWORD',
  password_file: 'DELUGE_WEB_PASSWORD_FILE',
} as const;

const ENVIRONMENT_SOURCE = 'environment';
/** The reference exporter's name for `DELUGE_USERNAME`. */
export const USERNAME_ALIAS = 'DELUGE_USER';
/** The reference exporter's switch for per-torrent series. */
export const PER_TORRENT_ENV_VAR = 'PER_TORRENT_METRICS';
const LOCALCLIENT_USERNAME = 'localclient';

/** How the daemon-level key paths are reported: as YAML paths, or as the environment variables they came from. */
type KeyPathNamer = (keyPath: string) => string;

interface SourceContext {
  readonly source: string;
  readonly readFile: (path: string) => string;
  readonly resolvePath: (path: string) => string;
  readonly nameKeyPath: KeyPathNamer;
}

/**
 * Loads, validates and freezes the exporter configuration: from the YAML file `argvConfigPath` when given,
 * else from `DELUGE_*` environment variables, else one daemon on 127.0.0.1:58846 logging in as
 * `localclient` with the password from Deluge's own `auth` file.
 *
 * @throws {ConfigError} naming the source, the key path and the bad (non-secret) value
 */
export function loadConfig(input: LoadConfigInput): ExporterConfig {
  if (input.argvConfigPath !== undefined) return loadConfigFile(input.argvConfigPath, input.readFile);
  return loadFromEnvironment(input);
}

/** `loadConfig` with the real file system, environment, home directory and platform. */
export function loadConfigFromProcess(argvConfigPath?: string): ExporterConfig {
  return loadConfig({
    argvConfigPath,
    env: process.env,
    readFile: (path) => readFileSync(path, 'utf8'),
    homedir: homedir(),
    platform: process.platform,
  });
}

function loadConfigFile(path: string, readFile: (path: string) => string): ExporterConfig {
  const text = readOrThrow(readFile, path, path, '');
  const context: SourceContext = {
    source: path,
    readFile,
    resolvePath: (file) => resolve(dirname(path), file),
    nameKeyPath: (keyPath) => keyPath,
  };
  return build(validateOrThrow(parseYamlConfig(text, path, CONFIG_KEYS), context), context);
}

function loadFromEnvironment(input: LoadConfigInput): ExporterConfig {
  const ngosang = withNgosangAliases(input.env);
  const env = withUsernameAlias(ngosang.env);
  const hasCredentials = [DAEMON_ENV_VARS.username, DAEMON_ENV_VARS.password, DAEMON_ENV_VARS.password_file].some(
    (variable) => Boolean(env[variable]),
  );
  // As the user set them: before DELUGE_USER is copied to DELUGE_USERNAME, so an error names only what was set.
  const web = webEntryFromEnv(ngosang.env, ngosang.setAs);
  const entry =
    web !== undefined ? web : hasCredentials ? daemonEntryFromEnv(env) : embeddedDefaultEntry({ ...input, env });
  const context: SourceContext = {
    source: ENVIRONMENT_SOURCE,
    readFile: input.readFile,
    resolvePath: (file) => file,
    // A problem is reported under the variable the user set (ngosang's DELUGE_URL, not DELUGE_WEB_URL).
    nameKeyPath: (keyPath) => {
      const variable = envVariableFor(keyPath);
      return ngosang.setAs[variable] ?? variable;
    },
  };
  return build(validateOrThrow({ daemons: [entry], ...perTorrentFromEnv(env) }, context), context);
}

/**
 * `DELUGE_USER` (the reference exporter's name) as `DELUGE_USERNAME`.
 * @throws {ConfigError} naming both when both are set and differ
 */
function withUsernameAlias(env: LoadConfigInput['env']): LoadConfigInput['env'] {
  const alias = env[USERNAME_ALIAS];
  if (!alias) return env;
  const username = env[DAEMON_ENV_VARS.username];
  if (username && username !== alias) {
    throw new ConfigError(
      ENVIRONMENT_SOURCE,
      `${DAEMON_ENV_VARS.username}, ${USERNAME_ALIAS}`,
      `both are set and differ (${JSON.stringify(username)}, ${JSON.stringify(alias)}); set one`,
    );
  }
  return { ...env, [DAEMON_ENV_VARS.username]: alias };
}

/** `per_torrent.enabled` from `PER_TORRENT_METRICS` (`1` on, `0` off), when set. */
function perTorrentFromEnv(env: LoadConfigInput['env']): Record<string, unknown> {
  const value = env[PER_TORRENT_ENV_VAR];
  if (!value) return {};
  const enabled = { 1: true, true: true, 0: false, false: false }[value.toLowerCase()];
  if (enabled === undefined) {
    throw new ConfigError(ENVIRONMENT_SOURCE, PER_TORRENT_ENV_VAR, `expected 1 or 0, got ${JSON.stringify(value)}`);
  }
  return { per_torrent: { enabled } };
}

/**
 * The embedded default: `localclient` with the password from Deluge's `auth` file and, unless
 * `DELUGE_PORT` is set, the `daemon_port` of the `core.conf` next to it.
 */
function embeddedDefaultEntry(input: LoadConfigInput): Record<string, unknown> {
  const { dir, password } = localclientPassword(input);
  const entry = { ...daemonEntryFromEnv(input.env), username: LOCALCLIENT_USERNAME, password };
  if (input.env[DAEMON_ENV_VARS.port]) return entry;
  const port = daemonPortFromCoreConf(dir, input);
  return port === undefined ? entry : { ...entry, port };
}

/**
 * The daemon entry of `DELUGE_WEB_*` (the daemon reached through its Web UI), or undefined when none is set.
 * @throws {ConfigError} naming the variables (as the user set them) when RPC ones are set too, or a
 *   password comes without the URL
 */
function webEntryFromEnv(
  env: LoadConfigInput['env'],
  setAs: Readonly<Record<string, string>>,
): Record<string, unknown> | undefined {
  const set = Object.values(WEB_ENV_VARS).filter((variable) => Boolean(env[variable]));
  if (set.length === 0) return undefined;
  if (!env[WEB_ENV_VARS.url]) {
    throw new ConfigError(ENVIRONMENT_SOURCE, WEB_ENV_VARS.url, `required with ${set.join(', ')}`);
  }
  const rpc = [...Object.values(DAEMON_ENV_VARS), USERNAME_ALIAS].filter(
    (variable) => variable !== DAEMON_ENV_VARS.name && Boolean(env[variable]),
  );
  if (rpc.length > 0) {
    throw new ConfigError(
      ENVIRONMENT_SOURCE,
      `${setAs[WEB_ENV_VARS.url] ?? WEB_ENV_VARS.url}, ${rpc.join(', ')}`,
      'a daemon is reached either through its Web UI or by RPC, not both; unset one',
    );
  }
  const web: Record<string, string> = {};
  for (const [key, variable] of Object.entries(WEB_ENV_VARS)) {
    const value = env[variable];
    if (value) web[key] = value;
  }
  const name = env[DAEMON_ENV_VARS.name];
  return name ? { name, web } : { web };
}

/** The daemon entry described by the `DELUGE_*` variables that are set (non-empty). */
function daemonEntryFromEnv(env: LoadConfigInput['env']): Record<string, unknown> {
  const entry: Record<string, unknown> = {};
  for (const [key, variable] of Object.entries(DAEMON_ENV_VARS)) {
    const value = env[variable];
    if (value) entry[key] = key === 'port' && /^\d+$/.test(value) ? Number(value) : value;
  }
  return entry;
}

function envVariableFor(keyPath: string): string {
  const webKey = /^daemons\[0\]\.web\.(\w+)$/.exec(keyPath)?.[1];
  if (webKey !== undefined && webKey in WEB_ENV_VARS) return WEB_ENV_VARS[webKey as keyof typeof WEB_ENV_VARS];
  const key = /^daemons\[0\]\.(\w+)$/.exec(keyPath)?.[1];
  return key !== undefined && key in DAEMON_ENV_VARS ? DAEMON_ENV_VARS[key as keyof typeof DAEMON_ENV_VARS] : keyPath;
}

function localclientPassword(input: LoadConfigInput): { dir: string; password: string } {
  const tried: string[] = [];
  for (const dir of delugeConfigDirCandidates(input)) {
    const file = authFilePath(dir, input.platform);
    let text: string;
    try {
      text = input.readFile(file);
    } catch (error) {
      tried.push(`${file} (${errorCode(error)})`);
      continue;
    }
    const password = findAuthPassword(text, LOCALCLIENT_USERNAME);
    if (password !== undefined) return { dir, password };
    tried.push(`${file} (no ${LOCALCLIENT_USERNAME} line)`);
  }
  throw new ConfigError(
    ENVIRONMENT_SOURCE,
    '',
    `no --config, no DELUGE_USERNAME/DELUGE_PASSWORD, and no ${LOCALCLIENT_USERNAME} password in Deluge's auth file ` +
      `(tried ${tried.join(', ')}); pass --config FILE, set DELUGE_USERNAME and DELUGE_PASSWORD ` +
      "(or DELUGE_PASSWORD_FILE), or set DELUGE_CONFIG_DIR to the daemon's config directory",
  );
}

function validateOrThrow(data: unknown, context: SourceContext): ConfigFile {
  const result = validateConfigFile(data);
  if (!result.ok) {
    throw new ConfigError(context.source, context.nameKeyPath(result.violation.keyPath), result.violation.detail);
  }
  return result.value;
}

function build(file: ConfigFile, context: SourceContext): ExporterConfig {
  const daemons = file.daemons.map((entry, index) => buildDaemon(entry, index, file.timeout_seconds, context));
  const seen = new Set<string>();
  daemons.forEach((daemon, index) => {
    if (seen.has(daemon.name)) {
      throw new ConfigError(
        context.source,
        context.nameKeyPath(`daemons[${index}].name`),
        `duplicate daemon name ${JSON.stringify(daemon.name)}`,
      );
    }
    seen.add(daemon.name);
  });
  return deepFreeze({
    daemons,
    scrapeTimeoutOffsetSeconds: file.scrape_timeout_offset_seconds,
    perTorrent: {
      enabled: file.per_torrent.enabled,
      maxTorrents: file.per_torrent.max_torrents,
      states: file.per_torrent.states,
      labels: file.per_torrent.labels,
      trackers: file.per_torrent.trackers,
      families: file.per_torrent.families,
    },
    stallWindowSeconds: file.stall_window_seconds,
    disk: { maxPaths: file.disk.max_paths, extraPaths: file.disk.extra_paths },
    libtorrentStats: file.libtorrent_stats,
    maxFrameBytes: file.max_frame_bytes,
  });
}

function buildDaemon(entry: DaemonEntry, index: number, defaultTimeout: number, context: SourceContext): DaemonConfig {
  const keyPath = (key: string) => context.nameKeyPath(formatKeyPath(['daemons', index, ...key.split('.')]));
  const timeoutSeconds = entry.timeout_seconds ?? defaultTimeout;
  if (entry.web !== undefined) return buildWebUiDaemon(entry, entry.web, timeoutSeconds, context, keyPath);
  const host = entry.host ?? DEFAULTS.host;
  const port = entry.port ?? DEFAULTS.port;
  return {
    transport: 'rpc',
    name: entry.name ?? formatHostPort(host, port),
    host,
    port,
    // The schema requires a username wherever `web` is absent.
    username: entry.username ?? '',
    password: new Secret(readPassword(entry, context, keyPath)),
    tls: buildTls(entry.tls, context, (key) => keyPath(`tls.${key}`)),
    timeoutSeconds,
  };
}

function buildWebUiDaemon(
  entry: DaemonEntry,
  web: WebEntry,
  timeoutSeconds: number,
  context: SourceContext,
  daemonKeyPath: (key: string) => string,
): WebUiDaemonConfig {
  const keyPath = (key: string) => daemonKeyPath(`web.${key}`);
  const url = webUiBaseUrl(web.url);
  const daemon = web.daemon === undefined ? undefined : parseHostPort(web.daemon);
  const basic = web.basic_auth;
  return {
    transport: 'webui',
    name: entry.name ?? url.host,
    web: {
      url: url.href,
      password: new Secret(readPassword(web, context, keyPath)),
      ...(daemon === undefined ? {} : { daemon }),
      tls: buildTls(web.tls, context, (key) => keyPath(`tls.${key}`)),
      ...(basic === undefined
        ? {}
        : {
            basicAuth: {
              username: basic.username,
              password: new Secret(readPassword(basic, context, (key) => keyPath(`basic_auth.${key}`))),
            },
          }),
    },
    timeoutSeconds,
  };
}

/** `host:port` as the schema accepted it (`[v6]:port` unbracketed). */
function parseHostPort(value: string): { host: string; port: number } {
  const match = HOST_PORT.exec(value);
  return { host: match?.[1] ?? match?.[2] ?? '', port: Number(match?.[3]) };
}

function buildTls(
  tls: TlsEntry | undefined,
  context: SourceContext,
  keyPath: (key: string) => string,
): { fingerprintSha256?: string; caPem?: string } {
  const built: { fingerprintSha256?: string; caPem?: string } = {};
  if (tls?.fingerprint_sha256 !== undefined) built.fingerprintSha256 = tls.fingerprint_sha256;
  if (tls?.ca_file !== undefined) {
    built.caPem = readOrThrow(context.readFile, context.resolvePath(tls.ca_file), context.source, keyPath('ca_file'));
  }
  return built;
}

/** Where a password comes from: the value, or a file holding it (exactly one of them). */
interface PasswordSource {
  readonly password?: string | undefined;
  readonly password_file?: string | undefined;
}

function readPassword(entry: PasswordSource, context: SourceContext, keyPath: (key: string) => string): string {
  if (entry.password !== undefined && entry.password_file !== undefined) {
    throw new ConfigError(context.source, keyPath('password_file'), 'set either password or password_file, not both');
  }
  if (entry.password !== undefined) return entry.password;
  if (entry.password_file === undefined) {
    throw new ConfigError(context.source, keyPath('password'), 'required (or password_file)');
  }
  const file = context.resolvePath(entry.password_file);
  const password = readOrThrow(context.readFile, file, context.source, keyPath('password_file')).replace(
    /[\r\n]+$/,
    '',
  );
  if (password === '') throw new ConfigError(context.source, keyPath('password_file'), `${file} is empty`);
  return password;
}

/**
 * `daemon_port` from `core.conf` in a Deluge config dir, or `undefined` when the file is missing.
 * @throws {ConfigError} naming the file when it is there but holds no usable port
 */
function daemonPortFromCoreConf(dir: string, input: LoadConfigInput): number | undefined {
  const file = input.platform === 'win32' ? win32.join(dir, 'core.conf') : posix.join(dir, 'core.conf');
  let text: string;
  try {
    text = input.readFile(file);
  } catch {
    return undefined;
  }
  const port = parseDelugeConfigFile(text)?.daemon_port;
  if (!isDaemonPort(port)) {
    throw new ConfigError(ENVIRONMENT_SOURCE, file, 'no valid daemon_port in this Deluge config file; set DELUGE_PORT');
  }
  return port;
}
