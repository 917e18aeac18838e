import { z } from 'zod';
import { DEFAULT_MAX_FRAME_BYTES } from '../rpc/framing.js';
import { DAEMON_PORT_RANGE, isDaemonPort } from '../rpc/port.js';
import { normalizeFingerprint } from '../rpc/tls.js';
import { webUiBaseUrl } from '../webui/client.js';
import { PER_TORRENT_FAMILIES } from './per-torrent-families.js';

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
function expected(what: string, showValue = true) {
  return (issue: { input?: unknown }): string => {
    if (issue.input === undefined) return 'required';
    return `expected ${what}, got ${showValue ? describeValue(issue.input) : describeKind(issue.input)}`;
  };
}

const expectedCollection = (what: string) => expected(what, false);

const nonEmptyString = z.string({ error: expected('a non-empty string') }).min(1);
const stringList = z.array(nonEmptyString, { error: expected('a list of strings') });
const positiveSeconds = z.number({ error: expected('a number of seconds > 0') }).positive();
const nonNegativeSeconds = z.number({ error: expected('a number of seconds >= 0') }).nonnegative();
const countAtLeastZero = z
  .number({ error: expected('an integer >= 0') })
  .int()
  .nonnegative();
const port = z
  .number({ error: expected(`integer ${DAEMON_PORT_RANGE}`) })
  .refine(isDaemonPort, { error: expected(`integer ${DAEMON_PORT_RANGE}`) });

// The value of a password is never echoed, not even when it has the wrong type.
const password = z
  .string({ error: (issue) => (issue.input === undefined ? 'required' : 'expected a string (value not shown)') })
  .min(1, 'must not be empty');

const fingerprintExpected = expected('a SHA-256 fingerprint (64 hex digits, colons optional)');
/** Accepted exactly when the RPC client accepts the pin (`normalizeFingerprint`): one rule, one place. */
const fingerprint = z.string({ error: fingerprintExpected }).refine(
  (value) => {
    try {
      normalizeFingerprint(value);
      return true;
    } catch {
      return false;
    }
  },
  { error: fingerprintExpected },
);

const tlsSchema = z.strictObject(
  { fingerprint_sha256: fingerprint.optional(), ca_file: nonEmptyString.optional() },
  { error: expectedCollection('a mapping') },
);

/** The keys of a daemon reached by RPC; none of them may stand beside `web`. */
export const RPC_DAEMON_KEYS = ['host', 'port', 'username', 'password', 'password_file', 'tls'] as const;

const urlExpected = 'expected an http:// or https:// URL without user name or password (value not shown)';
/** The Web UI's base URL; never echoed (a user may have put credentials in it). */
const webUrl = z.string({ error: urlExpected }).refine(
  (value) => {
    try {
      webUiBaseUrl(value);
      return true;
    } catch {
      return false;
    }
  },
  { error: urlExpected },
);

/** `host:port` of a daemon in the Web UI's host list; an IPv6 host in brackets. */
export const HOST_PORT = /^(?:\[([^\]\s]+)\]|([^:\s[\]]+)):(\d{1,5})$/;
const daemonAddressExpected = expected(`host:port with port ${DAEMON_PORT_RANGE}`);
const hostPort = z
  .string({ error: daemonAddressExpected })
  .refine((value) => isDaemonPort(Number(HOST_PORT.exec(value)?.[3])), { error: daemonAddressExpected });

const basicAuthSchema = z.strictObject(
  { username: nonEmptyString, password: password.optional(), password_file: nonEmptyString.optional() },
  { error: expectedCollection('a mapping') },
);

const webSchema = z
  .strictObject(
    {
      url: webUrl,
      password: password.optional(),
      password_file: nonEmptyString.optional(),
      daemon: hostPort.optional(),
      tls: tlsSchema.optional(),
      basic_auth: basicAuthSchema.optional(),
    },
    { error: expectedCollection('a mapping') },
  )
  .superRefine((web, ctx) => {
    if (web.tls !== undefined && !web.url.toLowerCase().startsWith('https:')) {
      ctx.addIssue({ code: 'custom', path: ['tls'], message: 'applies only to an https:// url' });
    }
  });

const daemonSchema = z
  .strictObject(
    {
      name: nonEmptyString.optional(),
      host: nonEmptyString.optional(),
      port: port.optional(),
      username: nonEmptyString.optional(),
      password: password.optional(),
      password_file: nonEmptyString.optional(),
      timeout_seconds: positiveSeconds.optional(),
      tls: tlsSchema.optional(),
      web: webSchema.optional(),
    },
    { error: expectedCollection('a mapping') },
  )
  .superRefine((daemon, ctx) => {
    if (daemon.web === undefined) {
      if (daemon.username === undefined) ctx.addIssue({ code: 'custom', path: ['username'], message: 'required' });
      return;
    }
    const rpcKeys = RPC_DAEMON_KEYS.filter((key) => daemon[key] !== undefined);
    if (rpcKeys.length > 0) {
      const name = daemon.name === undefined ? '' : ` (${JSON.stringify(daemon.name)})`;
      ctx.addIssue({
        code: 'custom',
        path: [],
        message:
          `this daemon${name} sets both web and ${rpcKeys.join(', ')}: a daemon is reached either by RPC ` +
          '(host, port, username, password) or through its Web UI (web), not both',
      });
    }
  });

const perTorrentSchema = z.strictObject(
  {
    enabled: z.boolean({ error: expected('true or false') }).default(true),
    max_torrents: countAtLeastZero.default(DEFAULTS.maxTorrents),
    states: stringList.default([]),
    labels: stringList.default([]),
    trackers: stringList.default([]),
    families: z
      .array(z.enum(PER_TORRENT_FAMILIES, { error: expected(`one of ${PER_TORRENT_FAMILIES.join(', ')}`) }), {
        error: expected('a list of family names'),
      })
      .default([]),
  },
  { error: expectedCollection('a mapping') },
);

const diskSchema = z.strictObject(
  {
    max_paths: countAtLeastZero.default(DEFAULTS.diskMaxPaths),
    extra_paths: stringList.default([]),
  },
  { error: expectedCollection('a mapping') },
);

/** The config file as written (snake_case), with defaults applied. Unknown keys are errors. */
export const configFileSchema = z.strictObject(
  {
    daemons: z
      .array(daemonSchema, { error: expectedCollection('a list of daemons') })
      .min(1, 'expected at least one daemon'),
    timeout_seconds: positiveSeconds.default(DEFAULTS.timeoutSeconds),
    scrape_timeout_offset_seconds: nonNegativeSeconds.default(DEFAULTS.scrapeTimeoutOffsetSeconds),
    per_torrent: perTorrentSchema.prefault({}),
    stall_window_seconds: positiveSeconds.default(DEFAULTS.stallWindowSeconds),
    disk: diskSchema.prefault({}),
    libtorrent_stats: z.boolean({ error: expected('true or false') }).default(false),
    max_frame_bytes: z
      .number({ error: expected(`integer 1024..${MAX_FRAME_BYTES_LIMIT}`) })
      .int()
      .min(1024)
      .max(MAX_FRAME_BYTES_LIMIT)
      .default(DEFAULTS.maxFrameBytes),
  },
  { error: expectedCollection('a mapping with a "daemons" list') },
);

/** The validated config file, before secrets and files are resolved. */
export type ConfigFile = z.output<typeof configFileSchema>;
/** One validated daemon entry. */
export type DaemonEntry = ConfigFile['daemons'][number];
/** The `web` block of a daemon entry. */
export type WebEntry = NonNullable<DaemonEntry['web']>;
/** A `tls` block (of a daemon, or of its `web`). */
export type TlsEntry = NonNullable<DaemonEntry['tls']>;

/** A validation failure: the key path (`daemons[0].port`) and what is wrong. */
export interface SchemaViolation {
  readonly keyPath: string;
  readonly detail: string;
}

/** Keys of at most 64 word characters, dots and dashes are shown in error messages; others are not. */
export const SHOWABLE_KEY = /^[A-Za-z0-9_.-]{1,64}$/;

/** Renders a zod path as `daemons[0].tls.ca_file`. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`))
    .join('');
}

/**
 * Validates a parsed YAML document (or an equivalent object built from the environment).
 * Returns the config with defaults, or the first violation.
 */
export function validateConfigFile(
  input: unknown,
): { ok: true; value: ConfigFile } | { ok: false; violation: SchemaViolation } {
  const result = configFileSchema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  if (issue === undefined) return { ok: false, violation: { keyPath: '', detail: 'invalid configuration' } };
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    // A key that is not a short name may be a mistyped `password:secret` line.
    return SHOWABLE_KEY.test(key)
      ? { ok: false, violation: { keyPath: formatKeyPath([...issue.path, key]), detail: 'unknown key' } }
      : { ok: false, violation: { keyPath: formatKeyPath(issue.path), detail: 'unknown key (name not shown)' } };
  }
  return { ok: false, violation: { keyPath: formatKeyPath(issue.path), detail: issue.message } };
}

/** Every key name the config file knows, at any depth; only these are shown in YAML error key paths. */
export const CONFIG_KEYS: ReadonlySet<string> = collectKeys(configFileSchema, new Set());

function collectKeys(schema: z.core.$ZodType, keys: Set<string>): Set<string> {
  const def = schema._zod.def;
  if (def.type === 'object') {
    for (const [key, value] of Object.entries((def as z.core.$ZodObjectDef).shape)) {
      keys.add(key);
      collectKeys(value, keys);
    }
  } else if (def.type === 'array') {
    collectKeys((def as z.core.$ZodArrayDef).element, keys);
  } else if ('innerType' in def) {
    collectKeys(def.innerType as z.core.$ZodType, keys);
  }
  return keys;
}
