/** The exporter's command line: flags, the configuration, then serving (or one of the checks). */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { ExporterStateHolder } from '../collector/reload.js';
import type { Scraper } from '../collector/scraper-api.js';
import { ConfigError } from '../config/errors.js';
import { loadConfigFromProcess } from '../config/load.js';
import { summarizeConfig } from '../config/summary.js';
import type { ExporterConfig } from '../config/types.js';
import { ExporterMetrics } from '../exporter/metrics.js';
import { VERSION } from '../exporter/version.js';
import {
  DEFAULT_LISTEN_ADDRESS,
  type ListenAddress,
  ListenAddressError,
  parseListenAddress,
} from '../http/listen-address.js';
import type { WebConfig } from '../http/web-config.js';
import {
  createLogger,
  isLogFormat,
  isLogLevel,
  LOG_FORMATS,
  LOG_LEVELS,
  type LogFormat,
  type LogLevel,
} from '../log/logger.js';
import { createApp, DEFAULT_TELEMETRY_PATH, listen, parseTelemetryPath, TelemetryPathError } from '../server.js';
import { HEAP_FLAGS } from './apply-memory-defaults.js';
import { listenAddressWithoutFlag, NGOSANG_LISTEN_PORT } from './listen-address.js';

const PROGRAM = 'deluge-exporter';
const DEFAULT_LOG_LEVEL: LogLevel = 'info';
const DEFAULT_LOG_FORMAT: LogFormat = 'json';

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

/** One command-line flag: its kind, value placeholder and `--help` text (lines wrapped by hand). */
interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Placeholder shown in `--help` after a string flag. */
  readonly placeholder?: string;
  readonly help: string;
}

/** Every flag, in `--help` order. Adding a flag is one entry here plus reading `values[name]`. */
const FLAGS = {
  config: {
    type: 'string',
    placeholder: 'FILE',
    help: 'YAML configuration file. Without it, one daemon is\nconfigured from the environment variables below.',
  },
  'web.listen-address': {
    type: 'string',
    placeholder: 'ADDR',
    help: `Where to serve HTTP: HOST:PORT, :PORT (all interfaces)\nor [IPv6]:PORT. Default "${DEFAULT_LISTEN_ADDRESS}" (":${NGOSANG_LISTEN_PORT}" when\nDELUGE_URL configures the daemon).`,
  },
  'web.telemetry-path': {
    type: 'string',
    placeholder: 'PATH',
    help: `Path of the metrics of every daemon. Default "${DEFAULT_TELEMETRY_PATH}".`,
  },
  'web.config.file': {
    type: 'string',
    placeholder: 'FILE',
    help: 'Web configuration (exporter-toolkit format): TLS,\nbasic authentication, response headers.',
  },
  'web.enable-lifecycle': {
    type: 'boolean',
    help: 'Serve POST /-/reload (reloads the configuration, like\nSIGHUP). Off by default.',
  },
  'log.level': {
    type: 'string',
    placeholder: 'LEVEL',
    help: `debug, info, warn or error. Default "${DEFAULT_LOG_LEVEL}".`,
  },
  'log.format': {
    type: 'string',
    placeholder: 'FORMAT',
    help: `Log line format: json or logfmt. Default "${DEFAULT_LOG_FORMAT}".`,
  },
  'check-config': { type: 'boolean', help: 'Validate the configuration, print a summary, exit.' },
  'check-daemons': {
    type: 'boolean',
    help: 'Connect to every configured daemon, log in, print a\ntable (reachable, login, auth level, versions, torrent\ncount, round trip, TLS certificate SHA-256), exit;\nexit code 1 when any daemon fails.',
  },
  help: { type: 'boolean', short: 'h', help: 'Print this help and exit.' },
  version: { type: 'boolean', help: 'Print the version and exit.' },
} as const satisfies Record<string, FlagSpec>;

type FlagName = keyof typeof FLAGS;

const HELP_COLUMN = 30;

function flagHelpLines(): string {
  return Object.entries(FLAGS as Record<string, FlagSpec>)
    .map(([name, spec]) => {
      const usage = `${spec.short === undefined ? '' : `-${spec.short}, `}--${name}${spec.placeholder === undefined ? '' : ` ${spec.placeholder}`}`;
      const [first, ...rest] = spec.help.split('\n');
      return [
        `  ${usage.padEnd(HELP_COLUMN - 3)} ${first}`,
        ...rest.map((line) => `${' '.repeat(HELP_COLUMN)}${line}`),
      ].join('\n');
    })
    .join('\n');
}

const HELP_TEXT = `Usage: deluge-exporter [flags]

Prometheus exporter for the Deluge BitTorrent daemon (deluged 2.x).

Flags:
${flagHelpLines()}

Environment (read only without --config):
  DELUGE_HOST                 Daemon host. Default 127.0.0.1.
  DELUGE_PORT                 Daemon RPC port. Default 58846.
  DELUGE_NAME                 The "daemon" label. Default HOST:PORT.
  DELUGE_USERNAME             Account name.
  DELUGE_PASSWORD             Account password.
  DELUGE_PASSWORD_FILE        File holding the password (trailing newline trimmed);
                              instead of DELUGE_PASSWORD.
  DELUGE_CONFIG_DIR           Deluge's config directory. When none of DELUGE_USERNAME,
                              DELUGE_PASSWORD, DELUGE_PASSWORD_FILE is set, the
                              exporter logs in as "localclient" with the password from
                              the "auth" file there. Default: $XDG_CONFIG_HOME/deluge
                              or ~/.config/deluge, then /var/lib/deluged/config
                              (Windows: %APPDATA%\\deluge).
  DELUGE_WEB_URL              Reach the daemon through its Web UI at this base URL
                              instead (not with DELUGE_HOST/PORT/USERNAME/PASSWORD).
  DELUGE_WEB_PASSWORD         The Web UI password.
  DELUGE_WEB_PASSWORD_FILE    File holding the Web UI password; instead of
                              DELUGE_WEB_PASSWORD.

Reference exporter (tobbez/deluge_exporter) variables, read when the flag is absent:
  LISTEN_ADDRESS, LISTEN_PORT For --web.listen-address (port default 9354).
  LOG_LEVEL                   For --log.level (CRITICAL, ERROR, WARNING, INFO, DEBUG).
  DELUGE_USER                 Same as DELUGE_USERNAME (both set and different: error).
  PER_TORRENT_METRICS         1: per-torrent series on, 0: off (without --config).
  The embedded default also takes the daemon port from core.conf in the Deluge
  config directory when DELUGE_PORT is not set.

ngosang/deluge-exporter variables (without --config):
  DELUGE_URL                  Same as DELUGE_WEB_URL (both set and different: error).
                              With it, DELUGE_PASSWORD (or DELUGE_PASSWORD_FILE) is
                              the Web UI password, and the port default is 8011.
  LISTEN_ADDRESS, LISTEN_PORT, LOG_LEVEL as above.

Signals: SIGHUP (or POST /-/reload with --web.enable-lifecycle) re-reads the
configuration from the same source; SIGTERM or SIGINT shuts down.

Endpoints: / /metrics (--web.telemetry-path) /probe?target=NAME[&debug=true] /healthz
/readyz /-/reload (POST)
`;

/** A bad command line; exit code 2. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

interface CliOptions {
  readonly configPath?: string;
  readonly listenAddress: ListenAddress;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  readonly telemetryPath: string;
  readonly enableLifecycle: boolean;
  readonly webConfigPath?: string;
  readonly checkConfig: boolean;
  readonly checkDaemons: boolean;
  readonly help: boolean;
  readonly version: boolean;
}

/** Python's level names, as both drop-ins take `LOG_LEVEL`, where ours differ. */
const PYTHON_LOG_LEVELS: Readonly<Record<string, LogLevel>> = { warning: 'warn', critical: 'error' };

/**
 * The drop-ins' `LOG_LEVEL` (Python's CRITICAL, ERROR, WARNING, INFO, DEBUG; any case) as ours
 * (CRITICAL as error, our most severe); unknown values as given.
 */
function logLevelFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const value = env.LOG_LEVEL?.toLowerCase();
  if (!value) return undefined;
  return PYTHON_LOG_LEVELS[value] ?? value;
}

function parseCliArgs(argv: readonly string[], env: NodeJS.ProcessEnv): CliOptions {
  // Non-strict parsing plus our own checks: parseArgs' strict messages do not name the flag plainly.
  const { values, tokens } = parseArgs({ args: [...argv], options: FLAGS, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind === 'positional') throw new UsageError(`unexpected argument ${JSON.stringify(token.value)}`);
    if (token.kind !== 'option') continue;
    const flag: FlagSpec | undefined = FLAGS[token.name as FlagName];
    if (flag === undefined) throw new UsageError(`unknown flag ${token.rawName}`);
    if (flag.type === 'string' && token.value === undefined) throw new UsageError(`${token.rawName} needs a value`);
    if (flag.type === 'boolean' && token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`);
  }
  const stringFlag = (name: FlagName) => values[name] as string | undefined;
  const booleanFlag = (name: FlagName) => values[name] === true;
  const logLevel = stringFlag('log.level') ?? logLevelFromEnv(env) ?? DEFAULT_LOG_LEVEL;
  if (!isLogLevel(logLevel)) {
    const source = stringFlag('log.level') === undefined ? 'LOG_LEVEL' : '--log.level';
    throw new UsageError(`${source} must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`);
  }
  const logFormat = stringFlag('log.format') ?? DEFAULT_LOG_FORMAT;
  if (!isLogFormat(logFormat)) {
    throw new UsageError(`--log.format must be one of ${LOG_FORMATS.join(', ')}, got ${JSON.stringify(logFormat)}`);
  }
  let telemetryPath: string;
  try {
    telemetryPath = parseTelemetryPath(stringFlag('web.telemetry-path') ?? DEFAULT_TELEMETRY_PATH);
  } catch (error) {
    if (error instanceof TelemetryPathError) throw new UsageError(`--web.telemetry-path: ${error.message}`);
    throw error;
  }
  const configPath = stringFlag('config');
  let listenAddress: ListenAddress;
  try {
    listenAddress = parseListenAddress(stringFlag('web.listen-address') ?? listenAddressWithoutFlag(env, configPath));
  } catch (error) {
    const source =
      stringFlag('web.listen-address') === undefined ? 'LISTEN_ADDRESS/LISTEN_PORT' : '--web.listen-address';
    if (error instanceof ListenAddressError) throw new UsageError(`${source}: ${error.message}`);
    throw error;
  }
  const webConfigPath = stringFlag('web.config.file');
  return {
    ...(configPath === undefined ? {} : { configPath }),
    ...(webConfigPath === undefined ? {} : { webConfigPath }),
    listenAddress,
    logLevel,
    logFormat,
    telemetryPath,
    enableLifecycle: booleanFlag('web.enable-lifecycle'),
    checkConfig: booleanFlag('check-config'),
    checkDaemons: booleanFlag('check-daemons'),
    help: booleanFlag('help'),
    version: booleanFlag('version'),
  };
}

async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCliArgs(argv, process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${PROGRAM}: ${error.message}\nRun "${PROGRAM} --help" for usage.\n`);
    return EXIT_USAGE;
  }
  if (options.help) {
    process.stdout.write(HELP_TEXT);
    return EXIT_OK;
  }
  if (options.version) {
    process.stdout.write(`${PROGRAM} ${VERSION}\n`);
    return EXIT_OK;
  }
  let config: ExporterConfig;
  let webConfig: WebConfig | undefined;
  try {
    config = loadConfigFromProcess(options.configPath);
    if (options.webConfigPath !== undefined) {
      // Loaded only with a web configuration, as its basic authentication (bcrypt) below.
      const { loadWebConfig } = await import('../http/web-config.js');
      webConfig = loadWebConfig(options.webConfigPath, (path) => readFileSync(path, 'utf8'));
    }
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${PROGRAM}: ${error.message}\n`);
    return EXIT_FAILURE;
  }
  if (options.checkConfig) {
    process.stdout.write(summarizeConfig(config));
    return EXIT_OK;
  }
  if (options.checkDaemons) {
    const { checkDaemons, formatDaemonChecks } = await import('./check-daemons.js');
    const checks = await checkDaemons(config);
    process.stdout.write(formatDaemonChecks(checks));
    return checks.every((check) => check.failures.length === 0) ? EXIT_OK : EXIT_FAILURE;
  }
  return serve(config, webConfig, options);
}

/** Serves until SIGTERM/SIGINT; SIGHUP (and `POST /-/reload` with --web.enable-lifecycle) re-read the configuration from the same source. */
async function serve(config: ExporterConfig, webConfig: WebConfig | undefined, options: CliOptions): Promise<number> {
  const logger = createLogger({ level: options.logLevel, format: options.logFormat });
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  const exporterMetrics = new ExporterMetrics();
  exporterMetrics.configLoaded(true);
  // Loaded here, not at the top: --help, --version and --check-config need none of the scrape machinery.
  const { createScraper } = await import('../collector/scraper.js');
  const newScraper = (loaded: ExporterConfig, previous?: Scraper) =>
    createScraper({ config: loaded, logger, exporterMetrics, ...(previous === undefined ? {} : { previous }) });
  const state = new ExporterStateHolder(
    { config, scraper: newScraper(config) },
    {
      loadConfig: () => loadConfigFromProcess(options.configPath),
      createScraper: newScraper,
      configLoaded: (successful) => exporterMetrics.configLoaded(successful),
      logger,
    },
  );
  let ready = false;
  const BasicAuthenticator =
    webConfig === undefined ? undefined : (await import('../http/basic-auth.js')).BasicAuthenticator;
  const app = createApp({
    current: () => state.current(),
    ...(options.enableLifecycle ? { reload: () => state.reload() } : {}),
    exporterMetrics,
    logger,
    ready: () => ready,
    telemetryPath: options.telemetryPath,
    ...(webConfig === undefined || BasicAuthenticator === undefined
      ? {}
      : { web: { authenticator: new BasicAuthenticator(webConfig.basicAuthUsers), headers: webConfig.headers } }),
  });
  let server: Awaited<ReturnType<typeof listen>>;
  try {
    server = await listen(app, options.listenAddress, webConfig?.tls);
  } catch (error) {
    logger.error({ err: error }, 'cannot listen');
    await state.close();
    return EXIT_FAILURE;
  }
  ready = true;
  const { address, port } = server.address() as AddressInfo;
  logger.info(
    {
      address,
      port,
      tls: webConfig?.tls !== undefined,
      daemons: state.current().scraper.daemonNames,
      version: VERSION,
      heapFlags: HEAP_FLAGS,
    },
    'listening',
  );
  const onSighup = () => {
    logger.info({ signal: 'SIGHUP' }, 'reloading config');
    state.reload().catch((error: unknown) => logger.error({ err: error }, 'config reload failed'));
  };
  process.on('SIGHUP', onSighup);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  ready = false;
  process.off('SIGHUP', onSighup);
  logger.info({ signal }, 'shutting down');
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await state.close();
  server.closeAllConnections();
  await closed;
  return EXIT_OK;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${PROGRAM}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(EXIT_FAILURE);
  },
);
