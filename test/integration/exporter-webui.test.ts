/**
 * The Web UI way against a real deluge-web and deluged (both Deluge versions): one exporter reads the
 * same daemon by RPC and through its Web UI and exports the same families, series for series; the
 * Web UI's connect rules (connected to none, to the right daemon, to another one, several hosts), a
 * wrong Web UI password, the daemon killed behind a live Web UI, and the Web UI killed (coming back
 * without the session, which the exporter then opens again, once).
 */
import { X509Certificate } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requests } from '../../src/rpc/api.js';
import { connectClient } from '../harness/clients.js';
import { type DaemonHandle, startDaemon, stopAllDaemons } from '../harness/daemon.js';
import { addTorrent } from '../harness/deluge-calls.js';
import { type DelugeWebHandle, hostOf, startDelugeWeb, stopAllDelugeWebs } from '../harness/deluge-web.js';
import { makeTorrent } from '../harness/torrent.js';
import { checkDaemonsCli, row } from '../support/check-daemons-cli.js';
import { type ExporterHandle, startExporter, stopAllExporters } from '../support/exporter-process.js';
import { type ParsedExposition, type ParsedSample, sampleValue } from '../support/exposition.js';
import { createTestPki } from '../support/pki.js';

const WEB_PASSWORD = 'web-pass-Ü-4d2';
const PROXY_USER = 'proxy-user';
const PROXY_PASSWORD = 'proxy-pass-81c';
const BASE_PATH = '/deluge/';
const NAMES = ['Ünïcødé ✓ 日本語', 'back\\slash \\ "quoted" name', 'plain ascii'];

let daemon: DaemonHandle;
let other: DaemonHandle;
let right: DelugeWebHandle;
let none: DelugeWebHandle;
let elsewhere: DelugeWebHandle;
let several: DelugeWebHandle;
let secure: DelugeWebHandle;
let exporter: ExporterHandle;
let proxy: Server;

/**
 * A reverse proxy in front of a Web UI: asks for basic authentication and serves it under
 * {@link BASE_PATH} (deluge-web 2.0.3's own --base does not serve its base path).
 */
async function startProxy(target: string): Promise<string> {
  const expected = `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')}`;
  proxy = createServer((req, res) => {
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="deluge"', 'content-type': 'text/html' });
      res.end('<html><head><title>401 Authorization Required</title></head></html>');
      return;
    }
    if (!req.url?.startsWith(BASE_PATH)) {
      res.writeHead(404).end();
      return;
    }
    const { authorization: _authorization, ...headers } = req.headers;
    const upstream = httpRequest(
      new URL(req.url.slice(BASE_PATH.length), target),
      { method: req.method, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(proxy.address() as AddressInfo).port}${BASE_PATH}`;
}

afterAll(async () => {
  proxy?.close();
  await stopAllExporters();
  await stopAllDelugeWebs();
  await stopAllDaemons();
});

function webEntry(name: string, web: DelugeWebHandle, extra: Record<string, unknown> = {}) {
  return { name, timeout_seconds: 8, web: { url: web.url, password: WEB_PASSWORD, ...extra } };
}

/** `name{labels}` of a sample without its daemon label, for comparing two daemons' series. */
function seriesKey(sample: ParsedSample): string {
  const { daemon: _daemon, ...labels } = sample.labels;
  return `${sample.name}${JSON.stringify(Object.entries(labels).sort())}`;
}

function seriesOf(exposition: ParsedExposition): Map<string, number> {
  return new Map(exposition.samples.map((sample) => [seriesKey(sample), sample.value]));
}

/** A page of the exporter as text (a debug probe is not exposition text). */
async function page(path: string): Promise<string> {
  return (await fetch(`${exporter.url}${path}`)).text();
}

/** The "why:" line of a debug probe of one daemon. */
async function why(target: string): Promise<string> {
  const text = await page(`/probe?target=${target}&debug=true`);
  return /^why: .*$/m.exec(text)?.[0] ?? `(no why line)\n${text.slice(0, 2000)}`;
}

async function upOf(target: string): Promise<number> {
  return sampleValue((await exporter.scrape(`/probe?target=${target}`)).exposition, 'deluge_up');
}

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  [daemon, other] = await Promise.all([startDaemon(), startDaemon()]);
  const client = await connectClient(daemon);
  try {
    for (const name of NAMES) {
      await addTorrent(client, makeTorrent({ name: 'torrent', length: 50_000 }), { add_paused: true, name });
    }
  } finally {
    await client.close();
  }
  const mine = hostOf(daemon);
  const theirs = hostOf(other);
  const pki = createTestPki();
  [right, none, elsewhere, several, secure] = await Promise.all([
    startDelugeWeb({ password: WEB_PASSWORD, hosts: [mine], connectTo: mine.id }),
    startDelugeWeb({ password: WEB_PASSWORD, hosts: [mine] }),
    startDelugeWeb({ password: WEB_PASSWORD, hosts: [mine, theirs], connectTo: theirs.id }),
    startDelugeWeb({ password: WEB_PASSWORD, hosts: [mine, theirs] }),
    startDelugeWeb({
      password: WEB_PASSWORD,
      hosts: [mine],
      connectTo: mine.id,
      https: { certFile: pki.server.certFile, keyFile: pki.server.keyFile },
    }),
  ]);
  const pin = new X509Certificate(pki.server.cert).fingerprint256;
  const proxied = await startProxy(right.url);
  const address = `${daemon.host}:${daemon.port}`;
  exporter = await startExporter({
    configYaml: JSON.stringify({
      daemons: [
        { name: 'rpc', host: daemon.host, port: daemon.port, ...daemon.admin },
        webEntry('web', right, { daemon: address }),
        webEntry('none', none),
        webEntry('elsewhere', elsewhere, { daemon: address }),
        webEntry('several', several),
        { ...webEntry('wrong-password', right), web: { url: right.url, password: 'not-it' } },
        webEntry('https-ca', secure, { tls: { ca_file: pki.ca.certFile } }),
        webEntry('https-pinned', secure, { tls: { fingerprint_sha256: pin } }),
        webEntry('proxied', right, { url: proxied, basic_auth: { username: PROXY_USER, password: PROXY_PASSWORD } }),
        webEntry('proxied-without-login', right, { url: proxied }),
        webEntry('https-other-pin', secure, {
          tls: { fingerprint_sha256: pin.replace(/^../, pin.startsWith('AA') ? 'BB' : 'AA') },
        }),
      ],
      libtorrent_stats: true,
    }),
  });
});

describe('one daemon read by RPC and through its Web UI', () => {
  it('gives every family with the same series, and the same values wherever they hold still', async () => {
    const first = await exporter.scrape('/probe?target=rpc');
    const web = await exporter.scrape('/probe?target=web');
    const second = await exporter.scrape('/probe?target=rpc');
    expect(sampleValue(web.exposition, 'deluge_up')).toBe(1);
    expect(sampleValue(web.exposition, 'deluge_transport_info', { transport: 'webui' })).toBe(1);
    expect(sampleValue(first.exposition, 'deluge_transport_info', { transport: 'rpc' })).toBe(1);
    const [rpcSeries, webSeries, againSeries] = [first, web, second].map((result) => seriesOf(result.exposition));
    const rpcKeys = [...(rpcSeries as Map<string, number>).keys()].filter(
      (key) => !key.startsWith('deluge_transport_info'),
    );
    const webKeys = [...(webSeries as Map<string, number>).keys()].filter(
      (key) => !key.startsWith('deluge_transport_info'),
    );
    expect(webKeys.sort()).toEqual(rpcKeys.sort());
    // Families of every collector are there, per-torrent series and libtorrent counters included.
    expect(rpcKeys.filter((key) => key.startsWith('deluge_libtorrent_')).length).toBeGreaterThan(200);
    expect(rpcKeys.filter((key) => key.startsWith('deluge_torrent_info')).length).toBe(NAMES.length);
    let compared = 0;
    for (const key of rpcKeys) {
      const before = rpcSeries?.get(key);
      if (before === undefined || againSeries?.get(key) !== before) continue;
      compared += 1;
      expect(webSeries?.get(key), key).toBe(before);
    }
    expect(compared).toBeGreaterThan(rpcKeys.length / 2);
    // Names with non-ASCII characters, backslashes and quotes come through both ways alike.
    const names = (result: typeof first) =>
      result.exposition.samples
        .filter((sample) => sample.name === 'deluge_torrent_info')
        .map((sample) => sample.labels.name)
        .sort();
    expect(names(web)).toEqual([...NAMES].sort());
    expect(names(first)).toEqual(names(web));
  });

  it('shows the Web UI way on the landing page and in the debug probe, without its password', async () => {
    const landing = await page('/');
    expect(landing).toContain(`${right.url} <span class="muted">(Web UI)</span>`);
    const text = await page('/probe?target=web&debug=true');
    expect(text).toContain(
      `address ${right.url} (Web UI), Web UI password (not shown), daemon ${daemon.host}:${daemon.port}`,
    );
    expect(text).toMatch(/result: UP/);
    for (const shown of [landing, text, exporter.output()]) expect(shown).not.toContain(WEB_PASSWORD);
  });
});

describe('more of the same daemon through its Web UI', () => {
  it('counts the daemon events the RPC way counts', async () => {
    const client = await connectClient(daemon);
    const events = async (target: string, event: string) =>
      sampleValue((await exporter.scrape(`/probe?target=${target}`)).exposition, 'deluge_torrent_events_total', {
        event,
      });
    try {
      // Both ways read now, so both are subscribed before the events.
      expect([await events('rpc', 'added'), await events('web', 'added')]).toEqual([0, 0]);
      const id = await addTorrent(client, makeTorrent({ name: 'torrent', length: 20_000 }), { add_paused: true });
      await eventually('the added torrent counted both ways', async () =>
        (await Promise.all([events('rpc', 'added'), events('web', 'added')])).every((count) => count === 1),
      );
      await client.call(requests.core.removeTorrent(id, true));
      await eventually('the removed torrent counted both ways', async () =>
        (await Promise.all([events('rpc', 'removed'), events('web', 'removed')])).every((count) => count === 1),
      );
    } finally {
      await client.close();
    }
  });

  it('reads a Web UI behind a proxy with a base path and basic authentication', async () => {
    expect(await upOf('proxied')).toBe(1);
    expect(await upOf('proxied-without-login')).toBe(0);
    expect(await why('proxied-without-login')).toMatch(
      /^why: not a Deluge Web UI: HTTP 401 \(authentication required: a proxy in front\? see basic_auth\); body begins "<html><head><title>401 Authorization Required/,
    );
    expect(exporter.output()).not.toContain(PROXY_PASSWORD);
  });

  it('reads an https Web UI verified against its CA or pinned, and refuses another certificate', async () => {
    expect(await upOf('https-ca')).toBe(1);
    expect(await upOf('https-pinned')).toBe(1);
    expect(await upOf('https-other-pin')).toBe(0);
    expect(await why('https-other-pin')).toMatch(
      /^why: certificate mismatch: Web UI certificate fingerprint .* does not match the pinned/,
    );
  });
});

describe('--check-daemons through the Web UI', () => {
  it('says the way in with the Web UI version, the daemon it is connected to, and why one fails', async () => {
    const address = `${daemon.host}:${daemon.port}`;
    const config = {
      daemons: [
        webEntry('web', right, { daemon: address }),
        webEntry('elsewhere', elsewhere, { daemon: address }),
        { ...webEntry('wrong-password', right), web: { url: right.url, password: 'not-it' } },
      ],
    };
    const { code, stdout, stderr } = await checkDaemonsCli(JSON.stringify(config));
    expect(stderr).toBe('');
    expect(code).toBe(1);
    const version = daemon.install.version;
    expect(row(stdout, 'web').slice(1, 9)).toEqual([
      right.url,
      `Web UI ${version}`,
      'yes',
      'ok',
      '10 (admin)',
      version,
      expect.stringMatching(/^\d+\.\d+\.\d+/),
      String(NAMES.length),
    ]);
    expect(stdout).toContain(`web: the Web UI is connected to daemon ${address} (user "admin")`);
    expect(stdout).toMatch(
      /elsewhere: FAILED, Web UI on another daemon: the Web UI is connected to another daemon than web\.daemon/,
    );
    expect(row(stdout, 'wrong-password').slice(3, 5)).toEqual(['yes', 'refused']);
    expect(stdout).toContain('wrong-password: FAILED, login refused: the Web UI refused the password');
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('1 of 3 daemon(s) OK');
    expect(stdout).not.toContain(WEB_PASSWORD);
  });
});

describe("the Web UI's connection to a daemon", () => {
  it('connects a Web UI connected to none to its only host', async () => {
    expect(await upOf('none')).toBe(1);
  });

  it('never switches a Web UI connected to another daemon, and says so', async () => {
    expect(await upOf('elsewhere')).toBe(0);
    expect(await why('elsewhere')).toMatch(
      /^why: Web UI on another daemon: the Web UI is connected to another daemon than web\.daemon/,
    );
    const web = await startExporter({
      configYaml: JSON.stringify({ daemons: [webEntry('check', elsewhere)] }),
    });
    // Read as it is (no web.daemon): it still serves the other daemon (no torrents), unswitched.
    const { exposition } = await web.scrape('/metrics');
    expect(sampleValue(exposition, 'deluge_up')).toBe(1);
    expect(exposition.samples.filter((sample) => sample.name === 'deluge_torrent_info')).toHaveLength(0);
    await web.stop();
  });

  it('lists the hosts of a Web UI connected to none with several and no web.daemon', async () => {
    expect(await upOf('several')).toBe(0);
    const line = await why('several');
    expect(line).toContain('the Web UI is connected to no daemon and lists several');
    expect(line).toContain(`${daemon.host}:${daemon.port} (user "admin")`);
    expect(line).toContain(`${other.host}:${other.port} (user "admin")`);
  });

  it('says a wrong Web UI password is refused', async () => {
    expect(await upOf('wrong-password')).toBe(0);
    expect(await why('wrong-password')).toBe(
      'why: login refused: the Web UI refused the password (auth.login answered false)',
    );
  });
});

describe('failures behind and of the Web UI', () => {
  it('reports the daemon killed behind a live Web UI down, and up again once it is back', async () => {
    expect(await upOf('web')).toBe(1);
    await daemon.kill();
    expect(await upOf('web')).toBe(0);
    expect(await why('web')).toMatch(/^why: unreachable: the Web UI could not connect to daemon/);
    await daemon.restart();
    await eventually('the Web UI way up again', async () => (await upOf('web')) === 1);
  });

  it('reports the Web UI killed unreachable; back, it has forgotten the session: one new login', async () => {
    const logins = async () =>
      sampleValue((await exporter.scrape('/metrics')).exposition, 'deluge_exporter_rpc_requests_total', {
        daemon: 'web',
        method: 'auth.login',
      });
    const before = await logins();
    await right.kill();
    expect(await upOf('web')).toBe(0);
    expect(await why('web')).toMatch(/^why: unreachable: cannot reach the Web UI: .*ECONNREFUSED/);
    await right.restart();
    await eventually('the Web UI way up again', async () => (await upOf('web')) === 1);
    // deluge-web never drops a session itself (its cleaner does not run, measured on 2.0.3 and 2.2.0);
    // killed, it forgets them: the exporter's cookie answers "not authenticated", and it logs in once.
    expect(await logins()).toBe(before + 1);
  });
});
