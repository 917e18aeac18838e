import { afterEach, describe, expect, it } from 'vitest';
import type { ExporterConfig } from '../../../src/config/types.js';
import { VERSION } from '../../../src/exporter/version.js';
import { configFromYaml } from '../../support/config.js';
import { startExporterApp } from '../../support/exporter-app.js';
import { type FakeDaemon, FakeRemoteError, startFakeDaemon } from '../../support/fake-daemon.js';

const TORRENTS = { ['a'.repeat(40)]: { name: 'one', state: 'Seeding', total_wanted: 10, download_location: '/d' } };

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fake(): Promise<FakeDaemon> {
  const daemon = await startFakeDaemon({
    handlers: {
      'core.get_session_status': () => ({ 'net.recv_bytes': 1000, 'net.sent_bytes': 500 }),
      'core.get_torrents_status': () => TORRENTS,
      'core.get_config_values': () => ({ download_location: '/d' }),
      'core.get_enabled_plugins': () => [],
      'core.is_session_paused': () => false,
      'core.get_libtorrent_version': () => '2.0.8.0',
      'core.get_free_space': () => 123_456,
    },
  });
  cleanups.push(() => daemon.close());
  return daemon;
}

/** An exporter app for one daemon `d` on the fake; answers the body of `path`. */
async function exporterFor(daemon: FakeDaemon, password = 'admin-secret') {
  const config: ExporterConfig = configFromYaml(
    `daemons: [{ name: d, port: ${daemon.port}, username: admin, password: '${password}', timeout_seconds: 2 }]`,
  );
  const app = await startExporterApp(config);
  cleanups.push(() => app.close());
  return async (path: string) => {
    const response = await fetch(`${app.baseUrl}${path}`);
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  };
}

/** The log section of a debug answer. */
function logOf(text: string): string {
  return text.slice(text.indexOf('Log of the scrape'), text.indexOf('Metrics this probe returns'));
}

describe('/probe?debug=true against the fake daemon', () => {
  it('logs each call sent, each answer with its size, each collector with its families, then the exposition', async () => {
    const daemon = await fake();
    const get = await exporterFor(daemon);
    const { status, type, text } = await get('/probe?target=d&debug=true');
    expect(status).toBe(200);
    expect(type).toBe('text/plain; charset=utf-8');
    const lines = text.split('\n');
    expect(lines[0]).toBe(`deluge-exporter ${VERSION}: debug probe of daemon "d"`);
    expect(lines[1]).toMatch(/^started \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, took \d+ ms, deadline 2 s$/);
    expect(lines[2]).toBe(`address 127.0.0.1:${daemon.port}, user "admin" (password not shown)`);
    expect(lines[3]).toBe('TLS: any certificate accepted (Deluge certificates are self-signed)');
    expect(lines[4]).toBe('result: UP (deluge_up 1)');

    // Every call the daemon received in the status bundle is in the log, in order, in one message.
    const received = daemon.messages.find((message) =>
      message.requests.some((request) => request.method === 'core.get_torrents_status'),
    );
    const methods = received?.requests.map((request) => request.method) ?? [];
    expect(methods).toContain('core.get_session_status');
    const log = logOf(text);
    expect(log).toContain(`status bundle: ${methods.length} call(s) in one message`);
    const logLines = log.split('\n');
    const sent = logLines.findIndex((line) => line.includes('status bundle:'));
    const sentMethods = logLines.slice(sent + 1, sent + 1 + methods.length).map((line) => line.trim().split(' ')[0]);
    expect(sentMethods).toEqual(methods);
    // The answer sizes are the daemon's: one torrent, two session counters.
    expect(log).toMatch(/ {12}core\.get_torrents_status +ok +size 1\n/);
    expect(log).toMatch(/ {12}core\.get_session_status +ok +size 2\n/);
    expect(log).toMatch(/collector torrents: ok, \d+ sample\(s\) in \d+ family\(ies\)\n/);
    // deluge_torrents has one sample per state Deluge knows (8).
    expect(log).toMatch(/\n {12}deluge_torrents 8\n/);
    expect(log).toMatch(/\n {12}deluge_free_space_bytes 1\n/);
    // Per-torrent (column) families count their samples; those whose key the torrent lacks have none.
    expect(log).toMatch(/\n {12}deluge_torrent_info 1\n {12}deluge_torrent_wanted_bytes 1\n/);
    expect(log).not.toMatch(/deluge_torrent_ratio/);
    expect(log).toMatch(/\(\d+ more without samples, not exported\)/);

    const exposition = text.slice(text.indexOf('Metrics this probe returns (without debug=true):\n') + 49);
    expect(exposition).toContain('deluge_up{daemon="d"} 1\n');
    expect(exposition).toContain(`deluge_torrent_wanted_bytes{daemon="d",hash="${'a'.repeat(40)}"} 10\n`);
    expect(exposition).toContain('deluge_info{daemon="d",version="2.0.3",libtorrent_version="2.0.8.0"} 1\n');
    expect(text).not.toContain('admin-secret');
  });

  it('a refused login: result DOWN, why in words, the failure in the log, never the password', async () => {
    const daemon = await fake();
    const get = await exporterFor(daemon, 'wrong-secret-123');
    const { status, text } = await get('/probe?target=d&debug=true');
    expect(status).toBe(200);
    expect(text).toContain('result: DOWN (deluge_up 0)\nwhy: login refused: Password does not match\n');
    expect(logOf(text)).toMatch(/ms {2}the scrape failed: Password does not match/);
    expect(text).toContain('deluge_up{daemon="d"} 0');
    expect(text).not.toContain('wrong-secret-123');
  });

  it('a failing collector shows its problem; daemon text is made printable, cut short, the password removed', async () => {
    const daemon = await fake();
    daemon.setHandler('core.get_free_space', () => {
      throw new FakeRemoteError('InvalidPathError', [`admin-secret\u001b[31m\u202e${'x'.repeat(5_000)}`]);
    });
    const get = await exporterFor(daemon);
    const { text } = await get('/probe?target=d&debug=true');
    const problem = text.split('\n').find((line) => line.includes('problem: '));
    expect(problem).toBeDefined();
    expect(problem).toContain('[REDACTED]\ufffd[31m\ufffdxxx');
    expect(problem).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    expect((problem ?? '').length).toBeLessThan(260);
    expect(text).not.toContain('admin-secret');
  });

  it('only debug=true asks for the log; without it, or with another value, the probe answers the exposition', async () => {
    const daemon = await fake();
    const get = await exporterFor(daemon);
    for (const path of ['/probe?target=d', '/probe?target=d&debug=false']) {
      const { text, type } = await get(path);
      expect(type).toContain('version=0.0.4');
      expect(text.startsWith('# HELP')).toBe(true);
    }
  });

  it('an unknown target is refused before any scrape, debug or not', async () => {
    const daemon = await fake();
    const get = await exporterFor(daemon);
    const { status, text } = await get('/probe?target=nope&debug=true');
    expect(status).toBe(400);
    expect(text).toContain('unknown target "nope"');
    expect(daemon.loginAttempts).toBe(0);
  });
});
