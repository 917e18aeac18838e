import * as v from 'valibot';
import { DEFAULT_MAX_FRAME_BYTES } from '../rpc/framing.js';
import { DAEMON_PORT_RANGE, isDaemonPort } from '../rpc/port.js';
import { normalizeFingerprint } from '../rpc/tls.js';
import { webUiBaseUrl } from '../webui/client.js';
import { PER_TORRENT_FAMILIES } from './per-torrent-families.js';
import { type IssueMessage, mapping, type SchemaViolation, schemaKeys, validate } from './validation.js';

/** Defaults applied to keys the config leaves out. */
export const DEFAULTS = {
  host: '127.0.0.1',
  port: 58846,
  timeoutSeconds: 10,
  scrapeTimeoutOffsetSeconds: 0.5,
  maxTorrents: 2000,
  stallWindowSeconds: 1800,
  diskMaxPaths: 32,
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
} as const;

const MAX_FRAME_BYTES_LIMIT = 1024 * 1024 * 1024;

/** A short, single-line rendering of a (non-secret) input value for error messages. */
export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && value !== null) return 'a mapping';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** What kind of value `value` is, without showing it. */
function describeKind(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
}

/**
 * Error message builder: `required` when the key is missing, else `expected <what>, got <value>`.
 * Where a mapping or list is expected, a scalar in its place may be a mistyped line holding a password
 * (`- password hunter2`), so only its kind is shown.
 */
function expected(what: string, showValue = true): IssueMessage {
  return (issue) => {
    if (issue.input === undefined) return 'required';
    return `expected ${what}, got ${showValue ? describeValue(issue.input) : describeKind(issue.input)}`;
  };
}

const expectedCollection = (what: string) => expected(what, false);

const nonEmptyStringExpected = expected('a non-empty string');
const nonEmptyString = v.pipe(v.string(nonEmptyStringExpected), v.minLength(1, nonEmptyStringExpected));
const stringList = v.array(nonEmptyString, expected('a list of strings'));
/** Numbers: finite ones (YAML's `.inf` and `.nan` are numbers too), each kind with its own message. */
const positiveSecondsExpected = expected('a number of seconds > 0');
const positiveSeconds = v.pipe(
  v.number(positiveSecondsExpected),
  v.finite(positiveSecondsExpected),
  v.gtValue(0, positiveSecondsExpected),
);
const nonNegativeSecondsExpected = expected('a number of seconds >= 0');
const nonNegativeSeconds = v.pipe(
  v.number(nonNegativeSecondsExpected),
  v.finite(nonNegativeSecondsExpected),
  v.minValue(0, nonNegativeSecondsExpected),
);
const countExpected = expected('an integer >= 0');
const countAtLeastZero = v.pipe(v.number(countExpected), v.integer(countExpected), v.minValue(0, countExpected));
const frameBytesExpected = expected(`integer 1024..${MAX_FRAME_BYTES_LIMIT}`);
const frameBytes = v.pipe(
  v.number(frameBytesExpected),
  v.integer(frameBytesExpected),
  v.minValue(1024, frameBytesExpected),
  v.maxValue(MAX_FRAME_BYTES_LIMIT, frameBytesExpected),
);
const portExpected = expected(`integer ${DAEMON_PORT_RANGE}`);
const port = v.pipe(
  v.number(portExpected),
  v.check((value: number) => isDaemonPort(value), portExpected),
);
const trueOrFalse = v.boolean(expected('true or false'));

// The value of a password is never echoed, not even when it has the wrong type.
const password = v.pipe(
  v.string((issue) => (issue.input === undefined ? 'required' : 'expected a string (value not shown)')),
  v.minLength(1, 'must not be empty'),
);

const fingerprintExpected = expected('a SHA-256 fingerprint (64 hex digits, colons optional)');
/** Accepted exactly when the RPC client accepts the pin (`normalizeFingerprint`): one rule, one place. */
const fingerprint = v.pipe(
  v.string(fingerprintExpected),
  v.check((value) => {
    try {
      normalizeFingerprint(value);
      return true;
    } catch {
      return false;
    }
  }, fingerprintExpected),
);

const tlsSchema = mapping(
  { fingerprint_sha256: v.optional(fingerprint), ca_file: v.optional(nonEmptyString) },
  expectedCollection('a mapping'),
);

/** The keys of a daemon reached by RPC; none of them may stand beside `web`. */
export const RPC_DAEMON_KEYS = ['host', 'port', 'username', 'password', 'password_file', 'tls'] as const;

const urlExpected = 'expected an http:// or https:// URL without user name or password (value not shown)';
/** The Web UI's base URL; never echoed (a user may have put credentials in it). */
const webUrl = v.pipe(
  v.string(urlExpected),
  v.check((value) => {
    try {
      webUiBaseUrl(value);
      return true;
    } catch {
      return false;
    }
  }, urlExpected),
);

/** `host:port` of a daemon in the Web UI's host list; an IPv6 host in brackets. */
export const HOST_PORT = /^(?:\[([^\]\s]+)\]|([^:\s[\]]+)):(\d{1,5})$/;
const daemonAddressExpected = expected(`host:port with port ${DAEMON_PORT_RANGE}`);
const hostPort = v.pipe(
  v.string(daemonAddressExpected),
  v.check((value) => isDaemonPort(Number(HOST_PORT.exec(value)?.[3])), daemonAddressExpected),
);

const basicAuthSchema = mapping(
  { username: nonEmptyString, password: v.optional(password), password_file: v.optional(nonEmptyString) },
  expectedCollection('a mapping'),
);

/** A path item of an issue a cross-key check raises on `key` of the mapping `input`. */
function keyOf(input: Record<string, unknown>, key: string) {
  return { type: 'object', origin: 'value', input, key, value: input[key] } as const;
}

const webSchema = v.pipe(
  mapping(
    {
      url: webUrl,
      password: v.optional(password),
      password_file: v.optional(nonEmptyString),
      daemon: v.optional(hostPort),
      tls: v.optional(tlsSchema),
      basic_auth: v.optional(basicAuthSchema),
    },
    expectedCollection('a mapping'),
  ),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const web = dataset.value;
    if (web.tls !== undefined && !web.url.toLowerCase().startsWith('https:')) {
      addIssue({ message: 'applies only to an https:// url', path: [keyOf(web, 'tls')] });
    }
  }),
);

const daemonSchema = v.pipe(
  mapping(
    {
      name: v.optional(nonEmptyString),
      host: v.optional(nonEmptyString),
      port: v.optional(port),
      username: v.optional(nonEmptyString),
      password: v.optional(password),
      password_file: v.optional(nonEmptyString),
      timeout_seconds: v.optional(positiveSeconds),
      tls: v.optional(tlsSchema),
      web: v.optional(webSchema),
    },
    expectedCollection('a mapping'),
  ),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const daemon = dataset.value;
    if (daemon.web === undefined) {
      if (daemon.username === undefined) addIssue({ message: 'required', path: [keyOf(daemon, 'username')] });
      return;
    }
    const rpcKeys = RPC_DAEMON_KEYS.filter((key) => daemon[key] !== undefined);
    if (rpcKeys.length > 0) {
      const name = daemon.name === undefined ? '' : ` (${JSON.stringify(daemon.name)})`;
      addIssue({
        message:
          `this daemon${name} sets both web and ${rpcKeys.join(', ')}: a daemon is reached either by RPC ` +
          '(host, port, username, password) or through its Web UI (web), not both',
      });
    }
  }),
);

const perTorrentSchema = mapping(
  {
    enabled: v.optional(trueOrFalse, true),
    max_torrents: v.optional(countAtLeastZero, DEFAULTS.maxTorrents),
    states: v.optional(stringList, []),
    labels: v.optional(stringList, []),
    trackers: v.optional(stringList, []),
    families: v.optional(
      v.array(
        v.picklist(PER_TORRENT_FAMILIES, expected(`one of ${PER_TORRENT_FAMILIES.join(', ')}`)),
        expected('a list of family names'),
      ),
      [],
    ),
  },
  expectedCollection('a mapping'),
);

const diskSchema = mapping(
  {
    max_paths: v.optional(countAtLeastZero, DEFAULTS.diskMaxPaths),
    extra_paths: v.optional(stringList, []),
  },
  expectedCollection('a mapping'),
);

/** The config file as written (snake_case), with defaults applied. Unknown keys are errors. */
export const configFileSchema = mapping(
  {
    daemons: v.pipe(
      v.array(daemonSchema, expectedCollection('a list of daemons')),
      v.minLength(1, 'expected at least one daemon'),
    ),
    timeout_seconds: v.optional(positiveSeconds, DEFAULTS.timeoutSeconds),
    scrape_timeout_offset_seconds: v.optional(nonNegativeSeconds, DEFAULTS.scrapeTimeoutOffsetSeconds),
    per_torrent: v.optional(perTorrentSchema, {}),
    stall_window_seconds: v.optional(positiveSeconds, DEFAULTS.stallWindowSeconds),
    disk: v.optional(diskSchema, {}),
    libtorrent_stats: v.optional(trueOrFalse, false),
    max_frame_bytes: v.optional(frameBytes, DEFAULTS.maxFrameBytes),
  },
  expectedCollection('a mapping with a "daemons" list'),
);

/** The validated config file, before secrets and files are resolved. */
export type ConfigFile = v.InferOutput<typeof configFileSchema>;
/** One validated daemon entry. */
export type DaemonEntry = ConfigFile['daemons'][number];
/** The `web` block of a daemon entry. */
export type WebEntry = NonNullable<DaemonEntry['web']>;
/** A `tls` block (of a daemon, or of its `web`). */
export type TlsEntry = NonNullable<DaemonEntry['tls']>;

/**
 * Validates a parsed YAML document (or an equivalent object built from the environment).
 * Returns the config with defaults, or the first violation.
 */
export function validateConfigFile(
  input: unknown,
): { ok: true; value: ConfigFile } | { ok: false; violation: SchemaViolation } {
  return validate(configFileSchema, input);
}

/** Every key name the config file knows, at any depth; only these are shown in YAML error key paths. */
export const CONFIG_KEYS: ReadonlySet<string> = new Set(
  schemaKeys(configFileSchema).flatMap((key) => key.path.replaceAll('[]', '').split('.')),
);
