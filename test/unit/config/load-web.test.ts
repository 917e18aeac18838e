import { describe, expect, it } from 'vitest';
import { daemonSecrets } from '../../../src/config/daemon-access.js';
import { ConfigError } from '../../../src/config/errors.js';
import { loadConfig } from '../../../src/config/load.js';
import { summarizeConfig } from '../../../src/config/summary.js';
import type { DaemonConfig, WebUiDaemonConfig } from '../../../src/config/types.js';

const FILES: Record<string, string> = {
  '/etc/exporter/config.yaml': '',
  '/etc/exporter/web-password': 'web-secret-from-file\n',
  '/etc/exporter/proxy-password': 'proxy-secret-from-file\n',
  '/etc/exporter/ca.pem': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
};

function load(yaml: string | undefined, env: Record<string, string> = {}) {
  const files: Record<string, string> = {
    ...FILES,
    ...(yaml === undefined ? {} : { '/etc/exporter/config.yaml': yaml }),
  };
  return loadConfig({
    ...(yaml === undefined ? {} : { argvConfigPath: '/etc/exporter/config.yaml' }),
    env,
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    },
    homedir: '/nonexistent',
    platform: 'linux',
  });
}

function web(daemon: DaemonConfig | undefined): WebUiDaemonConfig {
  if (daemon?.transport !== 'webui') throw new Error('expected a Web UI daemon');
  return daemon;
}

function failure(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('a daemon reached through its Web UI', () => {
  it('builds from a web block: base URL with a trailing slash, the daemon address, TLS and a proxy login', () => {
    const config = load(`
daemons:
  - web:
      url: https://nas.example:8112/deluge
      password_file: web-password
      daemon: "[::1]:58846"
      tls: { ca_file: ca.pem, fingerprint_sha256: "${'ab'.repeat(32)}" }
      basic_auth: { username: proxy, password_file: proxy-password }
  - name: plain
    timeout_seconds: 3
    web: { url: "http://10.0.0.5:8112", password: deluge, daemon: "deluge.lan:60000" }
`);
    const [first, second] = config.daemons.map(web);
    expect(first?.name).toBe('nas.example:8112');
    expect(first?.web.url).toBe('https://nas.example:8112/deluge/');
    expect(first?.web.password.reveal()).toBe('web-secret-from-file');
    expect(first?.web.daemon).toEqual({ host: '::1', port: 58846 });
    expect(first?.web.tls.caPem).toBe(FILES['/etc/exporter/ca.pem']);
    expect(first?.web.basicAuth?.username).toBe('proxy');
    expect(first?.web.basicAuth?.password.reveal()).toBe('proxy-secret-from-file');
    expect(daemonSecrets(first as DaemonConfig)).toEqual(['web-secret-from-file', 'proxy-secret-from-file']);
    expect(second).toMatchObject({ name: 'plain', timeoutSeconds: 3, web: { url: 'http://10.0.0.5:8112/' } });
    expect(second?.web.daemon).toEqual({ host: 'deluge.lan', port: 60000 });
    const summary = summarizeConfig(config);
    expect(summary).toContain('nas.example:8112: Web UI https://nas.example:8112/deluge/ (Web UI password (not shown)');
    expect(summary).toContain('daemon [::1]:58846, proxy user "proxy")');
    expect(summary).not.toMatch(/secret-from-file|deluge\)/);
  });

  it('refuses web beside the RPC keys, naming the daemon and the keys', () => {
    const message = failure(() =>
      load(
        'daemons:\n  - name: nas\n    host: nas\n    username: u\n    web: { url: "http://nas:8112/", password: p }\n',
      ),
    );
    expect(message).toBe(
      '/etc/exporter/config.yaml: daemons[0]: this daemon ("nas") sets both web and host, username: a daemon is reached ' +
        'either by RPC (host, port, username, password) or through its Web UI (web), not both',
    );
  });

  it('says what is wrong with a web block without echoing a URL that may hold credentials', () => {
    const withCredentials = failure(() =>
      load('daemons:\n  - web: { url: "https://me:hunter2@nas:8112/", password: p }\n'),
    );
    expect(withCredentials).toBe(
      '/etc/exporter/config.yaml: daemons[0].web.url: expected an http:// or https:// URL without user name or password (value not shown)',
    );
    expect(failure(() => load('daemons:\n  - web: { url: "ftp://nas/", password: p }\n'))).toMatch(
      /web\.url: expected an http/,
    );
    expect(failure(() => load('daemons:\n  - web: { url: "http://nas/" }\n'))).toBe(
      '/etc/exporter/config.yaml: daemons[0].web.password: required (or password_file)',
    );
    expect(failure(() => load('daemons:\n  - web: { url: "http://nas/", password: p, daemon: "nas" }\n'))).toBe(
      '/etc/exporter/config.yaml: daemons[0].web.daemon: expected host:port with port 1..65535, got "nas"',
    );
    expect(
      failure(() => load('daemons:\n  - web: { url: "http://nas/", password: p, tls: { ca_file: ca.pem } }\n')),
    ).toBe('/etc/exporter/config.yaml: daemons[0].web.tls: applies only to an https:// url');
    expect(failure(() => load('daemons:\n  - web: { url: "http://nas/", password: p, user: x }\n'))).toBe(
      '/etc/exporter/config.yaml: daemons[0].web.user: unknown key',
    );
  });

  it('still asks an RPC daemon for its username', () => {
    expect(failure(() => load('daemons:\n  - host: nas\n    password: p\n'))).toBe(
      '/etc/exporter/config.yaml: daemons[0].username: required',
    );
  });
});

describe('DELUGE_WEB_* environment variables', () => {
  it('describe one daemon reached through its Web UI', () => {
    const [daemon] = load(undefined, {
      DELUGE_WEB_URL: 'http://127.0.0.1:8112',
      DELUGE_WEB_PASSWORD: 'deluge',
    }).daemons;
    expect(web(daemon).web.url).toBe('http://127.0.0.1:8112/');
    expect(web(daemon).web.password.reveal()).toBe('deluge');
    expect(daemon?.name).toBe('127.0.0.1:8112');
    const [fromFile] = load(undefined, {
      DELUGE_WEB_URL: 'http://box:8112/',
      DELUGE_WEB_PASSWORD_FILE: '/etc/exporter/web-password',
      DELUGE_NAME: 'box',
    }).daemons;
    expect(web(fromFile).web.password.reveal()).toBe('web-secret-from-file');
    expect(fromFile?.name).toBe('box');
  });

  it('name the variables of a mistake', () => {
    expect(
      failure(() => load(undefined, { DELUGE_WEB_URL: 'http://box/', DELUGE_WEB_PASSWORD: 'p', DELUGE_USERNAME: 'u' })),
    ).toBe(
      'environment: DELUGE_WEB_URL, DELUGE_USERNAME: a daemon is reached either through its Web UI or by RPC, not both; unset one',
    );
    expect(failure(() => load(undefined, { DELUGE_WEB_PASSWORD: 'p' }))).toBe(
      'environment: DELUGE_WEB_URL: required with DELUGE_WEB_PASSWORD',
    );
    expect(failure(() => load(undefined, { DELUGE_WEB_URL: 'http://box/' }))).toBe(
      'environment: DELUGE_WEB_PASSWORD: required (or password_file)',
    );
    expect(failure(() => load(undefined, { DELUGE_WEB_URL: 'box:8112', DELUGE_WEB_PASSWORD: 'p' }))).toMatch(
      /^environment: DELUGE_WEB_URL: expected an http/,
    );
  });
});
