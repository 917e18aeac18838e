import { X509Certificate } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import * as v from 'valibot';
import { ConfigError } from '../config/errors.js';
import { readOrThrow } from '../config/read-file.js';
import { describeValue } from '../config/schema.js';
import { Secret } from '../config/secret.js';
import { formatKeyPath, type IssueMessage, mapping, mappingOf, validate } from '../config/validation.js';
import { parseYamlConfig } from '../config/yaml.js';

/**
 * The web configuration file of Prometheus exporters (`--web.config.file`, exporter-toolkit format):
 * TLS, basic authentication and extra response headers. Keys of that format this exporter does not
 * implement are refused by name, never ignored.
 */
export interface WebConfig {
  readonly tls?: WebTlsConfig;
  /** User name to bcrypt hash; empty: no authentication. */
  readonly basicAuthUsers: ReadonlyMap<string, Secret>;
  /** Added to every HTTP answer. */
  readonly headers: Readonly<Record<string, string>>;
}

/** How the server treats client certificates; the names and meanings of Go's `tls.ClientAuthType`. */
export const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

/** The `min_version` / `max_version` names and Node's names for them. */
export const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;
type TlsVersionName = keyof typeof TLS_VERSIONS;

export interface WebTlsConfig {
  readonly certPem: string;
  readonly keyPem: Secret;
  /** PEM of the CAs client certificates are verified against. */
  readonly clientCaPem?: string;
  readonly clientAuthType: ClientAuthType;
  readonly minVersion: (typeof TLS_VERSIONS)[TlsVersionName];
  readonly maxVersion: (typeof TLS_VERSIONS)[TlsVersionName];
}

/** The headers exporter-toolkit lets a web config set. */
export const ALLOWED_HEADERS = [
  'Content-Security-Policy',
  'X-Frame-Options',
  'X-Content-Type-Options',
  'X-XSS-Protection',
  'Strict-Transport-Security',
] as const;

/** Keys of the exporter-toolkit format that this exporter refuses with a clear message. */
const UNSUPPORTED_KEYS: Readonly<Record<string, string>> = {
  'tls_server_config.cert': 'inline certificates are not supported; use cert_file',
  'tls_server_config.key': 'inline keys are not supported; use key_file',
  'tls_server_config.client_ca': 'inline CAs are not supported; use client_ca_file',
  'tls_server_config.client_allowed_sans': 'not supported; use client_ca_file with a dedicated CA',
  'tls_server_config.cipher_suites': "not supported; Node.js' defaults apply",
  'tls_server_config.prefer_server_cipher_suites': "not supported; Node.js' defaults apply",
  'tls_server_config.curve_preferences': "not supported; Node.js' defaults apply",
  rate_limit: 'not supported; put a reverse proxy in front for rate limiting',
};

const BCRYPT_HASH = /^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$/;

function expected(what: string): IssueMessage {
  return (issue) => (issue.input === undefined ? 'required' : `expected ${what}, got ${describeValue(issue.input)}`);
}

const fileName = v.pipe(v.string(expected('a file name')), v.minLength(1, 'must not be empty'));
const tlsVersion = v.picklist(
  Object.keys(TLS_VERSIONS) as [TlsVersionName, ...TlsVersionName[]],
  expected(`one of ${Object.keys(TLS_VERSIONS).join(', ')}`),
);

const webConfigSchema = mapping(
  {
    tls_server_config: v.optional(
      mapping(
        {
          cert_file: fileName,
          key_file: fileName,
          client_auth_type: v.optional(
            v.picklist(CLIENT_AUTH_TYPES, expected(`one of ${CLIENT_AUTH_TYPES.join(', ')}`)),
            'NoClientCert',
          ),
          client_ca_file: v.optional(fileName),
          min_version: v.optional(tlsVersion, 'TLS12'),
          max_version: v.optional(tlsVersion, 'TLS13'),
        },
        expected('a mapping'),
      ),
    ),
    http_server_config: v.optional(
      mapping(
        {
          // HTTP/2 is not served; the key is accepted so toolkit files load unchanged.
          http2: v.optional(v.boolean(expected('true or false'))),
          headers: v.optional(mappingOf(v.string(expected('a string')), expected('a mapping')), {}),
        },
        expected('a mapping'),
      ),
      {},
    ),
    basic_auth_users: v.optional(
      v.nullable(
        mappingOf(
          // A hash is never echoed: it is as good as a password to an offline attacker.
          v.pipe(
            v.string((issue) => (issue.input === undefined ? 'required' : 'expected a bcrypt hash (value not shown)')),
            v.regex(BCRYPT_HASH, 'expected a bcrypt hash ($2a$, $2b$ or $2y$; value not shown)'),
          ),
          expected('a mapping of user names to bcrypt hashes'),
        ),
      ),
      {},
    ),
  },
  expected('a mapping'),
);

/** Every key the web config format knows, for YAML error key paths. */
const WEB_CONFIG_KEYS: ReadonlySet<string> = new Set([
  'tls_server_config',
  'http_server_config',
  'basic_auth_users',
  'cert_file',
  'key_file',
  'client_auth_type',
  'client_ca_file',
  'min_version',
  'max_version',
  'http2',
  'headers',
  ...Object.keys(UNSUPPORTED_KEYS).map((key) => key.split('.').at(-1) ?? key),
]);

const VERIFYING: readonly ClientAuthType[] = ['VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'];
const TLS_ORDER = Object.keys(TLS_VERSIONS);

/**
 * Reads and validates a web configuration file; certificate, key and CA files are read now (paths
 * relative to the file's directory).
 *
 * @throws {ConfigError} naming the file and the key (`tls_server_config.min_version`)
 */
export function loadWebConfig(path: string, readFile: (path: string) => string): WebConfig {
  const text = readOrThrow(readFile, path, path, '');
  const data = parseYamlConfig(text, path, WEB_CONFIG_KEYS) ?? {};
  const fail = (keyPath: string, detail: string) => new ConfigError(path, keyPath, detail);
  for (const [keyPath, reason] of Object.entries(UNSUPPORTED_KEYS)) {
    if (hasKeyPath(data, keyPath.split('.'))) throw fail(keyPath, reason);
  }
  const result = validate(webConfigSchema, data);
  if (!result.ok) throw fail(result.violation.keyPath, result.violation.detail);
  const file = result.value;
  const headers = file.http_server_config.headers;
  for (const name of Object.keys(headers)) {
    if (!(ALLOWED_HEADERS as readonly string[]).includes(name)) {
      throw fail(
        formatKeyPath(['http_server_config', 'headers', name]),
        `header not allowed; allowed: ${ALLOWED_HEADERS.join(', ')}`,
      );
    }
  }
  const users = new Map(Object.entries(file.basic_auth_users ?? {}).map(([user, hash]) => [user, new Secret(hash)]));
  const tlsFile = file.tls_server_config;
  if (tlsFile === undefined) return { basicAuthUsers: users, headers };

  const relative = (name: string) => resolve(dirname(path), name);
  const tlsKey = (key: string) => `tls_server_config.${key}`;
  if (tlsFile.client_ca_file !== undefined && tlsFile.client_auth_type === 'NoClientCert') {
    throw fail(tlsKey('client_auth_type'), 'client_ca_file is set but client_auth_type is NoClientCert');
  }
  if (VERIFYING.includes(tlsFile.client_auth_type) && tlsFile.client_ca_file === undefined) {
    throw fail(tlsKey('client_ca_file'), `required with client_auth_type ${tlsFile.client_auth_type}`);
  }
  if (TLS_ORDER.indexOf(tlsFile.min_version) > TLS_ORDER.indexOf(tlsFile.max_version)) {
    throw fail(tlsKey('min_version'), `${tlsFile.min_version} is above max_version ${tlsFile.max_version}`);
  }
  const clientCaPem =
    tlsFile.client_ca_file === undefined
      ? undefined
      : readOrThrow(readFile, relative(tlsFile.client_ca_file), path, tlsKey('client_ca_file'));
  const certPem = readOrThrow(readFile, relative(tlsFile.cert_file), path, tlsKey('cert_file'));
  const keyPem = readOrThrow(readFile, relative(tlsFile.key_file), path, tlsKey('key_file'));
  try {
    createSecureContext({ cert: certPem, key: keyPem });
  } catch (error) {
    // OpenSSL's reason (e.g. "key values mismatch") never includes the key itself.
    throw fail(tlsKey('key_file'), `certificate and key do not load together (${errorReason(error)})`);
  }
  if (clientCaPem !== undefined) {
    try {
      new X509Certificate(clientCaPem);
    } catch (error) {
      throw fail(tlsKey('client_ca_file'), `not a PEM certificate (${errorReason(error)})`);
    }
  }
  return {
    basicAuthUsers: users,
    headers,
    tls: {
      certPem,
      keyPem: new Secret(keyPem),
      ...(clientCaPem === undefined ? {} : { clientCaPem }),
      clientAuthType: tlsFile.client_auth_type,
      minVersion: TLS_VERSIONS[tlsFile.min_version],
      maxVersion: TLS_VERSIONS[tlsFile.max_version],
    },
  };
}

function hasKeyPath(data: unknown, path: readonly string[]): boolean {
  let node = data;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return true;
}

function errorReason(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'reason' in error && typeof error.reason === 'string') {
    return error.reason;
  }
  return error instanceof Error ? (error.message.split('\n')[0] ?? '') : 'unknown error';
}
