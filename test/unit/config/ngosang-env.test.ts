import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { loadConfig } from '../../../src/config/load.js';
import { configuredByNgosangEnv, withNgosangAliases } from '../../../src/config/ngosang-env.js';

/** The config the environment `env` gives (no --config), with `files` as the only readable files. */
function fromEnv(env: Record<string, string>, files: Record<string, string> = {}) {
  return loadConfig({
    env,
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    },
    homedir: '/home/alice',
    platform: 'linux',
  });
}

const URL = 'http://nas.example:8112';

describe("ngosang/deluge-exporter's environment", () => {
  it('DELUGE_URL and its DELUGE_PASSWORD (or _FILE) become DELUGE_WEB_*, reported under the names set', () => {
    expect(withNgosangAliases({ DELUGE_URL: URL, DELUGE_PASSWORD: 'pw-1', DELUGE_NAME: 'nas', HOME: '/root' })).toEqual(
      {
        env: { DELUGE_WEB_URL: URL, DELUGE_WEB_PASSWORD: 'pw-1', DELUGE_NAME: 'nas', HOME: '/root' },
        setAs: { DELUGE_WEB_URL: 'DELUGE_URL', DELUGE_WEB_PASSWORD: 'DELUGE_PASSWORD' },
      },
    );
    expect(withNgosangAliases({ DELUGE_URL: URL, DELUGE_PASSWORD_FILE: '/run/secrets/web' }).env).toEqual({
      DELUGE_WEB_URL: URL,
      DELUGE_WEB_PASSWORD_FILE: '/run/secrets/web',
    });
  });

  it("leaves the environment alone without DELUGE_URL (DELUGE_PASSWORD is then the daemon account's)", () => {
    const env = { DELUGE_HOST: 'nas', DELUGE_USERNAME: 'admin', DELUGE_PASSWORD: 'pw-2' };
    expect(withNgosangAliases(env)).toEqual({ env, setAs: {} });
    expect(withNgosangAliases({ DELUGE_URL: '' }).setAs).toEqual({});
  });

  it('our own names set to the same value are fine; to another value, start-up fails naming both, never the values', () => {
    expect(withNgosangAliases({ DELUGE_URL: URL, DELUGE_WEB_URL: URL }).env).toEqual({ DELUGE_WEB_URL: URL });
    const clash = (): unknown =>
      withNgosangAliases({ DELUGE_URL: URL, DELUGE_PASSWORD: 'pw-3', DELUGE_WEB_PASSWORD: 'pw-4' });
    expect(clash).toThrow(ConfigError);
    expect(clash).toThrow('environment: DELUGE_WEB_PASSWORD, DELUGE_PASSWORD: both are set and differ; set one');
    expect(() => withNgosangAliases({ DELUGE_URL: URL, DELUGE_WEB_URL: 'http://other:8112' })).toThrow(
      'environment: DELUGE_WEB_URL, DELUGE_URL: both are set and differ; set one',
    );
  });

  it('DELUGE_URL beside the RPC variables fails naming them', () => {
    expect(() => fromEnv({ DELUGE_URL: URL, DELUGE_HOST: 'nas', DELUGE_USER: 'admin' })).toThrow(
      'environment: DELUGE_URL, DELUGE_HOST, DELUGE_USER: a daemon is reached either through its Web UI or by RPC, not both; unset one',
    );
  });

  it('configures the daemon only without --config', () => {
    expect(configuredByNgosangEnv({ DELUGE_URL: URL }, undefined)).toBe(true);
    expect(configuredByNgosangEnv({ DELUGE_URL: URL }, '/etc/deluge-exporter.yaml')).toBe(false);
    expect(configuredByNgosangEnv({ DELUGE_WEB_URL: URL }, undefined)).toBe(false);
  });

  it('through the loader: a daemon reached through its Web UI, named by the URL; problems named as the user set them', () => {
    const [daemon] = fromEnv({ DELUGE_URL: URL, DELUGE_PASSWORD: 'web-pw-5' }).daemons;
    expect(daemon?.transport).toBe('webui');
    expect(daemon?.name).toBe('nas.example:8112');
    expect(daemon?.transport === 'webui' && daemon.web.url).toBe(`${URL}/`);
    expect(daemon?.transport === 'webui' && daemon.web.password.reveal()).toBe('web-pw-5');
    const [fromFile] = fromEnv(
      { DELUGE_URL: URL, DELUGE_PASSWORD_FILE: '/run/secrets/web' },
      { '/run/secrets/web': 'web-pw-6\n' },
    ).daemons;
    expect(fromFile?.transport === 'webui' && fromFile.web.password.reveal()).toBe('web-pw-6');
    expect(() => fromEnv({ DELUGE_URL: 'ftp://nas/', DELUGE_PASSWORD: 'web-pw-7' })).toThrow(
      /^environment: DELUGE_URL: /,
    );
    expect(() => fromEnv({ DELUGE_URL: URL, DELUGE_PASSWORD_FILE: '/missing' })).toThrow(
      /^environment: DELUGE_PASSWORD_FILE: /,
    );
    expect(() => fromEnv({ DELUGE_URL: URL, DELUGE_PASSWORD: 'web-pw-8' })).not.toThrow();
  });
});
