import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { type LoadConfigInput, loadConfig } from '../../../src/config/load.js';
import { Secret } from '../../../src/config/secret.js';
import { rpc } from '../../support/config.js';

const fixturesDir = fileURLToPath(new URL('../../fixtures/config/', import.meta.url));
const fixture = (name: string) => `${fixturesDir}${name}`;

function loadFixture(name: string) {
  return loadConfig({
    argvConfigPath: fixture(name),
    env: {},
    readFile: (path) => readFileSync(path, 'utf8'),
    homedir: '/home/nobody',
    platform: 'linux',
  });
}

function configErrorOf(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const FAMILY_LIST =
  'info, wanted_bytes, completed_bytes, progress_ratio, downloaded_bytes_total, uploaded_bytes_total, ' +
  'download_rate_bytes_per_second, upload_rate_bytes_per_second, peers_connected, seeds_connected, swarm_peers, ' +
  'swarm_seeds, eta_seconds, ratio, added_timestamp_seconds, completed_timestamp_seconds, ' +
  'last_seen_complete_timestamp_seconds, last_transfer_timestamp_seconds, active_seconds_total, seeding_seconds_total, ' +
  'tracker_error_info, save_path_info';

/** Every bad fixture and the exact message after `<file>: `. */
const BAD_FIXTURES: Record<string, string> = {
  'bad-both-passwords.yaml': 'daemons[0].password_file: set either password or password_file, not both',
  'bad-ca-file-missing.yaml': 'daemons[0].tls.ca_file: cannot read /nonexistent/deluge-exporter/ca.pem (ENOENT)',
  'bad-daemon-not-mapping.yaml': 'daemons[0]: expected a mapping, got a string',
  'bad-duplicate-default-name.yaml': 'daemons[1].name: duplicate daemon name "127.0.0.1:58846"',
  'bad-duplicate-key.yaml': 'daemons[0].password: invalid YAML at line 4, column 5: duplicate key',
  'bad-duplicate-name.yaml': 'daemons[1].name: duplicate daemon name "seedbox"',
  'bad-empty.yaml': 'expected a mapping with a "daemons" list, got null',
  'bad-family.yaml': `per_torrent.families[1]: expected one of ${FAMILY_LIST}, got "ratoi"`,
  'bad-fingerprint.yaml':
    'daemons[0].tls.fingerprint_sha256: expected a SHA-256 fingerprint (64 hex digits, colons optional), got "not-a-fingerprint"',
  'bad-no-daemons.yaml': 'daemons: expected at least one daemon',
  'bad-no-password.yaml': 'daemons[0].password: required (or password_file)',
  'bad-password-file-missing.yaml':
    'daemons[0].password_file: cannot read /nonexistent/deluge-exporter/password (ENOENT)',
  'bad-password-type.yaml': 'daemons[0].password: expected a string (value not shown)',
  'bad-port-range.yaml': 'daemons[0].port: expected integer 1..65535, got 70000',
  'bad-port.yaml': 'daemons[0].port: expected integer 1..65535, got "abc"',
  'bad-timeout.yaml': 'timeout_seconds: expected a number of seconds > 0, got 0',
  'bad-unknown-key.yaml': 'daemons[0].pasword: unknown key',
  'bad-unknown-top-key.yaml': 'scrape_interval: unknown key',
  'bad-yaml-syntax.yaml':
    'daemons[0].password: invalid YAML at line 4, column 1: a closing quote, bracket, comma or ":" is missing',
};

/**
 * The secrets each bad fixture holds: as a password, under a misspelt key, in a daemon entry that is
 * not a mapping, or in a comment where the file has nowhere else to put one.
 */
const PLANTED_SECRETS: Record<string, readonly string[]> = {
  'bad-both-passwords.yaml': ['both-secret'],
  'bad-ca-file-missing.yaml': ['ca-secret'],
  'bad-daemon-not-mapping.yaml': ['notmap-secret'],
  'bad-duplicate-default-name.yaml': ['dup-default-secret'],
  'bad-duplicate-key.yaml': ['dupkey-secret'],
  'bad-duplicate-name.yaml': ['dup-secret'],
  'bad-empty.yaml': ['empty-secret'],
  'bad-family.yaml': ['family-secret'],
  'bad-fingerprint.yaml': ['fp-secret'],
  'bad-no-daemons.yaml': ['nodaemons-secret'],
  'bad-no-password.yaml': ['nopass-secret'],
  'bad-password-file-missing.yaml': ['missingfile-secret'],
  'bad-password-type.yaml': ['987654321'],
  'bad-port-range.yaml': ['range-secret'],
  'bad-port.yaml': ['port-secret'],
  'bad-timeout.yaml': ['timeout-secret'],
  'bad-unknown-key.yaml': ['typo-secret'],
  'bad-unknown-top-key.yaml': ['top-secret'],
  'bad-yaml-syntax.yaml': ['syntax-secret'],
};

describe('loadConfig from a YAML file', () => {
  it('has an expected message for every bad fixture on disk', () => {
    const onDisk = readdirSync(fixturesDir).filter((name) => name.startsWith('bad-'));
    expect(onDisk.sort()).toEqual(Object.keys(BAD_FIXTURES).sort());
  });

  it.each(Object.entries(BAD_FIXTURES))('%s fails with the exact message', (name, expected) => {
    const error = configErrorOf(() => loadFixture(name));
    expect(error.message).toBe(`${fixture(name)}: ${expected}`);
    expect(error.source).toBe(fixture(name));
    expect(error.code).toBe('CONFIG_ERR_INVALID');
  });

  it('plants a known secret in every bad fixture', () => {
    expect(Object.keys(PLANTED_SECRETS).sort()).toEqual(Object.keys(BAD_FIXTURES).sort());
  });

  it.each(Object.entries(PLANTED_SECRETS))('%s: the error never contains the secrets in the file', (name, secrets) => {
    const text = readFileSync(fixture(name), 'utf8');
    expect(secrets.length).toBeGreaterThan(0);
    const error = configErrorOf(() => loadFixture(name));
    for (const secret of secrets) {
      expect(text).toContain(secret);
      expect(error.message).not.toContain(secret);
      expect(inspect(error)).not.toContain(secret);
    }
  });

  it('applies every default to a minimal file', () => {
    const config = loadFixture('good-minimal.yaml');
    expect(config.daemons).toHaveLength(1);
    const [daemon] = config.daemons.map(rpc);
    expect(daemon?.password.reveal()).toBe('minimal-secret');
    expect({ ...daemon, password: undefined }).toEqual({
      transport: 'rpc',
      name: '127.0.0.1:58846',
      host: '127.0.0.1',
      port: 58846,
      username: 'exporter',
      password: undefined,
      tls: {},
      timeoutSeconds: 10,
    });
    expect({ ...config, daemons: undefined }).toEqual({
      daemons: undefined,
      scrapeTimeoutOffsetSeconds: 0.5,
      perTorrent: { enabled: true, maxTorrents: 2000, states: [], labels: [], trackers: [], families: [] },
      stallWindowSeconds: 1800,
      disk: { maxPaths: 32, extraPaths: [] },
      libtorrentStats: false,
      maxFrameBytes: 67108864,
    });
  });

  it('maps every key of a full file, resolving files relative to the config', () => {
    const config = loadFixture('good-full.yaml');
    const [seedbox, local] = config.daemons.map(rpc);
    expect(seedbox?.name).toBe('seedbox');
    expect(seedbox?.host).toBe('seedbox.example.net');
    expect(seedbox?.port).toBe(58847);
    expect(seedbox?.timeoutSeconds).toBe(4);
    // password.txt ends with a newline, which is not part of the password.
    expect(seedbox?.password.reveal()).toBe('file-secret-42');
    expect(seedbox?.tls.caPem).toBe(readFileSync(fixture('ca.pem'), 'utf8'));
    expect(seedbox?.tls.fingerprintSha256).toMatch(/^AB:CD:EF:01/);
    expect(local?.name).toBe('[::1]:58846');
    expect(local?.timeoutSeconds).toBe(7);
    expect(local?.password.reveal()).toBe('inline-secret');
    expect(config.scrapeTimeoutOffsetSeconds).toBe(0.25);
    expect(config.perTorrent).toEqual({
      enabled: false,
      maxTorrents: 500,
      states: ['Seeding', 'Downloading'],
      labels: ['movies'],
      trackers: ['tracker.example.org'],
      families: ['info', 'ratio'],
    });
    expect(config.stallWindowSeconds).toBe(900);
    expect(config.disk).toEqual({ maxPaths: 8, extraPaths: ['/srv/torrents'] });
    expect(config.libtorrentStats).toBe(true);
    expect(config.maxFrameBytes).toBe(1048576);
  });

  it('keeps passwords out of JSON and inspect output', () => {
    const config = loadFixture('good-full.yaml');
    for (const rendered of [
      JSON.stringify(config),
      inspect(config, { depth: 10 }),
      `${config.daemons.map(rpc)[0]?.password}`,
    ]) {
      expect(rendered).not.toContain('file-secret-42');
      expect(rendered).not.toContain('inline-secret');
      expect(rendered).toContain('[REDACTED]');
    }
    expect(config.daemons.map(rpc)[0]?.password).toBeInstanceOf(Secret);
  });

  it('returns a deeply frozen config', () => {
    const config = loadFixture('good-full.yaml');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.daemons)).toBe(true);
    expect(Object.isFrozen(config.daemons.map(rpc)[0]?.tls)).toBe(true);
    expect(Object.isFrozen(config.perTorrent.states)).toBe(true);
    expect(() => {
      (config.disk.extraPaths as string[]).push('/tmp');
    }).toThrow(TypeError);
    expect(() => {
      (config.daemons[0] as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('reports an unreadable config file with its error code', () => {
    const input: LoadConfigInput = {
      argvConfigPath: '/etc/deluge-exporter/missing.yaml',
      env: {},
      readFile: () => {
        throw Object.assign(new Error('denied'), { code: 'EACCES' });
      },
      homedir: '/home/nobody',
      platform: 'linux',
    };
    expect(configErrorOf(() => loadConfig(input)).message).toBe(
      '/etc/deluge-exporter/missing.yaml: cannot read /etc/deluge-exporter/missing.yaml (EACCES)',
    );
  });

  it('rejects an empty password file', () => {
    const files: Record<string, string> = {
      '/cfg/config.yaml': 'daemons:\n  - username: u\n    password_file: pw\n',
      '/cfg/pw': '\n',
    };
    const error = configErrorOf(() =>
      loadConfig({
        argvConfigPath: '/cfg/config.yaml',
        env: {},
        readFile: (path) => files[path] ?? '',
        homedir: '/h',
        platform: 'linux',
      }),
    );
    expect(error.message).toBe('/cfg/config.yaml: daemons[0].password_file: /cfg/pw is empty');
  });
});
