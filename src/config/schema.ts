import { z } from 'zod';
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
  maxFrameBytes: 64 * 1024 * 1024,
} as const;

const MAX_FRAME_BYTES_LIMIT = 1024 * 1024 * 1024;

/** A short, single-line rendering of a (non-secret) input value for error messages. */
export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && value !== null) return 'a mapping';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Error message builder: `required` when the key is missing, else `expected <what>, got <value>`. */
function expected(what: string) {
  return (issue: { input?: unknown }): string =>
    issue.input === undefined ? 'required' : `expected ${what}, got ${describeValue(issue.input)}`;
}

const nonEmptyString = z.string({ error: expected('a non-empty string') }).min(1);
const stringList = z.array(nonEmptyString, { error: expected('a list of strings') });
const positiveSeconds = z.number({ error: expected('a number of seconds > 0') }).positive();
const nonNegativeSeconds = z.number({ error: expected('a number of seconds >= 0') }).nonnegative();
const countAtLeastZero = z
  .number({ error: expected('an integer >= 0') })
  .int()
  .nonnegative();
const port = z
  .number({ error: expected('integer 1..65535') })
  .int()
  .min(1)
  .max(65535);

// The value of a password is never echoed, not even when it has the wrong type.
const password = z
  .string({ error: (issue) => (issue.input === undefined ? 'required' : 'expected a string (value not shown)') })
  .min(1, 'must not be empty');

const fingerprint = z
  .string({ error: expected('a SHA-256 fingerprint (64 hex digits, colons optional)') })
  .regex(/^(?:[0-9a-fA-F]{2}:?){31}[0-9a-fA-F]{2}$/);

const tlsSchema = z.strictObject(
  { fingerprint_sha256: fingerprint.optional(), ca_file: nonEmptyString.optional() },
  { error: expected('a mapping') },
);

const daemonSchema = z.strictObject(
  {
    name: nonEmptyString.optional(),
    host: nonEmptyString.default(DEFAULTS.host),
    port: port.default(DEFAULTS.port),
    username: nonEmptyString,
    password: password.optional(),
    password_file: nonEmptyString.optional(),
    timeout_seconds: positiveSeconds.optional(),
    tls: tlsSchema.optional(),
  },
  { error: expected('a mapping') },
);

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
  { error: expected('a mapping') },
);

const diskSchema = z.strictObject(
  {
    max_paths: countAtLeastZero.default(DEFAULTS.diskMaxPaths),
    extra_paths: stringList.default([]),
  },
  { error: expected('a mapping') },
);

/** The config file as written (snake_case), with defaults applied. Unknown keys are errors. */
export const configFileSchema = z.strictObject(
  {
    daemons: z.array(daemonSchema, { error: expected('a list of daemons') }).min(1, 'expected at least one daemon'),
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
  { error: expected('a mapping with a "daemons" list') },
);

/** The validated config file, before secrets and files are resolved. */
export type ConfigFile = z.output<typeof configFileSchema>;
/** One validated daemon entry. */
export type DaemonEntry = ConfigFile['daemons'][number];

/** A validation failure: the key path (`daemons[0].port`) and what is wrong. */
export interface SchemaViolation {
  readonly keyPath: string;
  readonly detail: string;
}

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
    return {
      ok: false,
      violation: { keyPath: formatKeyPath([...issue.path, issue.keys[0] ?? '']), detail: 'unknown key' },
    };
  }
  return { ok: false, violation: { keyPath: formatKeyPath(issue.path), detail: issue.message } };
}
