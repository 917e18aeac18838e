import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { type LoadConfigInput, loadConfig } from '../../../src/config/load.js';
import { rpc } from '../../support/config.js';

/** A readFile over an in-memory file table; missing files fail like the real one. */
function fakeFiles(files: Record<string, string>): (path: string) => string {
  return (path) => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return text;
  };
}

function input(env: LoadConfigInput['env'], files: Record<string, string> = {}): LoadConfigInput {
  return { env, readFile: fakeFiles(files), homedir: '/home/alice', platform: 'linux' };
}

function errorMessage(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig from the environment', () => {
  it('builds one daemon from DELUGE_* variables', () => {
    const config = loadConfig(
      input({
        DELUGE_HOST: 'deluge.lan',
        DELUGE_PORT: '60000',
        DELUGE_USERNAME: 'exporter',
        DELUGE_PASSWORD: 'env-secret',
        DELUGE_NAME: 'nas',
      }),
    );
    expect(config.daemons).toHaveLength(1);
    const [daemon] = config.daemons.map(rpc);
    expect([daemon?.name, daemon?.host, daemon?.port, daemon?.username]).toEqual([
      'nas',
      'deluge.lan',
      60000,
      'exporter',
    ]);
    expect(daemon?.password.reveal()).toBe('env-secret');
    expect(daemon?.timeoutSeconds).toBe(10);
    expect(config.perTorrent.maxTorrents).toBe(2000);
    expect(Object.isFrozen(config.daemons[0])).toBe(true);
  });

  it('defaults host, port and name', () => {
    const [daemon] = loadConfig(input({ DELUGE_USERNAME: 'u', DELUGE_PASSWORD: 'p' })).daemons.map(rpc);
    expect([daemon?.name, daemon?.host, daemon?.port]).toEqual(['127.0.0.1:58846', '127.0.0.1', 58846]);
  });

  it('reads DELUGE_PASSWORD_FILE and trims the trailing newline', () => {
    const config = loadConfig(
      input(
        { DELUGE_USERNAME: 'u', DELUGE_PASSWORD_FILE: '/run/secrets/deluge' },
        { '/run/secrets/deluge': 'pw-from-file\r\n' },
      ),
    );
    expect(config.daemons.map(rpc)[0]?.password.reveal()).toBe('pw-from-file');
  });

  it.each([
    [
      { DELUGE_USERNAME: 'u', DELUGE_PASSWORD: 'p', DELUGE_PORT: 'abc' },
      'environment: DELUGE_PORT: expected integer 1..65535, got "abc"',
    ],
    [
      { DELUGE_USERNAME: 'u', DELUGE_PASSWORD: 'p', DELUGE_PORT: '0' },
      'environment: DELUGE_PORT: expected integer 1..65535, got 0',
    ],
    [{ DELUGE_PASSWORD: 'never-shown' }, 'environment: DELUGE_USERNAME: required'],
    [
      { DELUGE_USERNAME: 'u', DELUGE_PASSWORD: 'never-shown', DELUGE_PASSWORD_FILE: '/pw' },
      'environment: DELUGE_PASSWORD_FILE: set either password or password_file, not both',
    ],
    [{ DELUGE_USERNAME: 'u' }, 'environment: DELUGE_PASSWORD: required (or password_file)'],
    [
      { DELUGE_USERNAME: 'u', DELUGE_PASSWORD_FILE: '/missing' },
      'environment: DELUGE_PASSWORD_FILE: cannot read /missing (ENOENT)',
    ],
  ])('rejects %o with a message naming the variable', (env, expected) => {
    const message = errorMessage(() => loadConfig(input(env)));
    expect(message).toBe(expected);
    expect(message).not.toContain('never-shown');
  });
});

describe('loadConfig embedded default (localclient from Deluge auth file)', () => {
  const authText = '# comment\nalice:alicepw:5\nlocalclient:0123abcd:10\n';
  let tempDir: string | undefined;
  afterEach(() => {
    if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
    tempDir = undefined;
  });

  it('logs in as localclient with the password from a real auth file in DELUGE_CONFIG_DIR', () => {
    tempDir = mkdtempSync(join(tmpdir(), 'deluge-exporter-auth-'));
    writeFileSync(join(tempDir, 'auth'), authText);
    const config = loadConfig({
      env: { DELUGE_CONFIG_DIR: tempDir, DELUGE_PORT: '58900' },
      readFile: (path) => readFileSync(path, 'utf8'),
      homedir: '/home/alice',
      platform: 'linux',
    });
    const [daemon] = config.daemons.map(rpc);
    expect([daemon?.name, daemon?.host, daemon?.port, daemon?.username]).toEqual([
      '127.0.0.1:58900',
      '127.0.0.1',
      58900,
      'localclient',
    ]);
    expect(daemon?.password.reveal()).toBe('0123abcd');
  });

  it('uses ~/.config/deluge, then XDG_CONFIG_HOME, then the Debian service dir', () => {
    const home = loadConfig(input({}, { '/home/alice/.config/deluge/auth': authText }));
    expect(home.daemons.map(rpc)[0]?.password.reveal()).toBe('0123abcd');
    const xdg = loadConfig(input({ XDG_CONFIG_HOME: '/xdg' }, { '/xdg/deluge/auth': 'localclient:xdgpw:10\n' }));
    expect(xdg.daemons.map(rpc)[0]?.password.reveal()).toBe('xdgpw');
    const debian = loadConfig(input({}, { '/var/lib/deluged/config/auth': 'localclient:debianpw:10\n' }));
    expect(debian.daemons.map(rpc)[0]?.password.reveal()).toBe('debianpw');
  });

  it('says what it tried and how to configure when no auth file has a localclient line', () => {
    const message = errorMessage(() => loadConfig(input({}, { '/home/alice/.config/deluge/auth': 'alice:pw:10\n' })));
    expect(message).toBe(
      "environment: no --config, no DELUGE_USERNAME/DELUGE_PASSWORD, and no localclient password in Deluge's auth file " +
        '(tried /home/alice/.config/deluge/auth (no localclient line), /var/lib/deluged/config/auth (ENOENT)); ' +
        'pass --config FILE, set DELUGE_USERNAME and DELUGE_PASSWORD (or DELUGE_PASSWORD_FILE), ' +
        "or set DELUGE_CONFIG_DIR to the daemon's config directory",
    );
  });

  it('applies DELUGE_HOST and validates DELUGE_PORT in this mode too', () => {
    const files = { '/home/alice/.config/deluge/auth': authText };
    expect(loadConfig(input({ DELUGE_HOST: 'box' }, files)).daemons.map(rpc)[0]?.name).toBe('box:58846');
    expect(errorMessage(() => loadConfig(input({ DELUGE_PORT: '99999' }, files)))).toBe(
      'environment: DELUGE_PORT: expected integer 1..65535, got 99999',
    );
  });
});

describe('the reference exporter environment (tobbez/deluge_exporter)', () => {
  const CORE_CONF =
    '{\n  "file": 1,\n  "format": 1\n}{\n  "daemon_port": 60123,\n  "move_completed_path": "/x {y}\\" }"\n}';

  it('DELUGE_USER is DELUGE_USERNAME; PER_TORRENT_METRICS 1 on, 0 off', () => {
    const env = { DELUGE_HOST: 'h', DELUGE_PORT: '1234', DELUGE_USER: 'tobbez', DELUGE_PASSWORD: 'p' };
    const on = loadConfig(input({ ...env, PER_TORRENT_METRICS: '1' }));
    expect([on.daemons.map(rpc)[0]?.username, on.daemons.map(rpc)[0]?.port, on.perTorrent.enabled]).toEqual([
      'tobbez',
      1234,
      true,
    ]);
    expect(loadConfig(input({ ...env, PER_TORRENT_METRICS: '0' })).perTorrent.enabled).toBe(false);
    expect(loadConfig(input({ ...env, DELUGE_USERNAME: 'tobbez' })).daemons.map(rpc)[0]?.username).toBe('tobbez');
    expect(errorMessage(() => loadConfig(input({ ...env, PER_TORRENT_METRICS: 'yes' })))).toBe(
      'environment: PER_TORRENT_METRICS: expected 1 or 0, got "yes"',
    );
  });

  it('DELUGE_USER and DELUGE_USERNAME that differ stop start-up naming both', () => {
    expect(
      errorMessage(() => loadConfig(input({ DELUGE_USER: 'a', DELUGE_USERNAME: 'b', DELUGE_PASSWORD: 'p' }))),
    ).toBe('environment: DELUGE_USERNAME, DELUGE_USER: both are set and differ ("b", "a"); set one');
  });

  it('the embedded default reads daemon_port from core.conf (two JSON objects) next to auth', () => {
    const files = { '/srv/deluge/auth': 'localclient:lc-secret:10\n', '/srv/deluge/core.conf': CORE_CONF };
    const [daemon] = loadConfig(input({ DELUGE_CONFIG_DIR: '/srv/deluge' }, files)).daemons.map(rpc);
    expect([daemon?.username, daemon?.port, daemon?.password.reveal()]).toEqual(['localclient', 60123, 'lc-secret']);
    const [pinned] = loadConfig(input({ DELUGE_CONFIG_DIR: '/srv/deluge', DELUGE_PORT: '5' }, files)).daemons.map(rpc);
    expect(pinned?.port).toBe(5);
    const [noCoreConf] = loadConfig(
      input({ DELUGE_CONFIG_DIR: '/srv/deluge' }, { '/srv/deluge/auth': 'localclient:x:10\n' }),
    ).daemons.map(rpc);
    expect(noCoreConf?.port).toBe(58846);
    expect(
      errorMessage(() =>
        loadConfig(input({ DELUGE_CONFIG_DIR: '/srv/deluge' }, { ...files, '/srv/deluge/core.conf': '{"file": 1}{}' })),
      ),
    ).toBe('environment: /srv/deluge/core.conf: no valid daemon_port in this Deluge config file; set DELUGE_PORT');
  });
});
