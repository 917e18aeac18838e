/**
 * The fake Web UI against what a real deluge-web 2.0.3 answered (test/fixtures/webui/deluge-web-2.0.3.json):
 * the same requests in the same order give the same status, headers and answer bytes. Then its faults
 * and HTTPS, so hostile tests built on it send what they say.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  type FakeWebUi,
  type FakeWebUiHandler,
  FakeWebUiRemoteError,
  LOGIN_PAGE_HTML,
  startFakeWebUi,
} from '../../support/fake-webui.js';
import { createTestPki } from '../../support/pki.js';
import { PyFloat, type PyJson, pythonJson } from '../../support/python-json.js';

interface Exchange {
  readonly name: string;
  readonly request: { readonly body: string; readonly headers?: Record<string, string>; readonly cookie?: string };
  readonly status: number;
  readonly contentType: string;
  readonly contentEncoding: string | null;
  readonly transferEncoding: string | null;
  readonly setCookie: string | null;
  readonly answer: string;
}

const recording = JSON.parse(
  readFileSync(new URL('../../fixtures/webui/deluge-web-2.0.3.json', import.meta.url), 'utf8'),
) as { hostId: string; exchanges: Exchange[] };

function recorded(name: string): Exchange {
  const exchange = recording.exchanges.find((candidate) => candidate.name === name);
  if (exchange === undefined) throw new Error(`no recorded exchange ${name}`);
  return exchange;
}

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The body after gunzip when the answer says gzip. */
  readonly body: string;
}

function post(
  url: string,
  body: string,
  headers: Record<string, string> = {},
  options: { ca?: string; path?: string } = {},
): Promise<Reply> {
  const target = new URL(options.path ?? 'json', url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      target,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'accept-encoding': 'gzip', ...headers },
        ...(options.ca === undefined ? {} : { ca: options.ca }),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const raw = Buffer.concat(chunks);
          const body = response.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: body.toString('utf8') });
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** The daemon behind the recorded Web UI, as handlers: the same method list and the recorded values. */
function recordedDaemon(): Record<string, FakeWebUiHandler> {
  const methods = (JSON.parse(recorded('web.connect').answer) as { result: string[] }).result;
  const raising = JSON.parse(recorded('a core method that raises').answer) as { error: { message: string } };
  const traceback = /\n(Traceback[\s\S]*\n)\n\]$/.exec(raising.error.message)?.[1];
  const session: Record<string, PyJson> = {
    payload_download_rate: 0,
    'net.recv_bytes': 0,
    has_incoming_connections: 0,
    'dht.dht_nodes': 0,
    num_peers: 0,
    payload_upload_rate: 0,
    download_rate: 0,
    upload_rate: 0,
    dht_nodes: 0,
  };
  const config: Record<string, PyJson> = {
    max_download_speed: new PyFloat(-1),
    max_upload_speed: new PyFloat(-1),
    max_connections_global: 200,
    download_location: '/srv/deluge/data',
  };
  const pick = (table: Record<string, PyJson>, keys: unknown): PyJson =>
    Object.fromEntries((keys as string[]).map((key) => [key, table[key] ?? null]));
  const states = [
    'All',
    'Active',
    'Allocating',
    'Checking',
    'Downloading',
    'Seeding',
    'Paused',
    'Error',
    'Queued',
    'Moving',
  ];
  // daemon.get_version is the fake's own (its daemonVersion); every other method of the list answers null unless set below.
  const handlers: Record<string, FakeWebUiHandler> = Object.fromEntries(
    methods.filter((method) => method !== 'daemon.get_version').map((method) => [method, () => null]),
  );
  return {
    ...handlers,
    'core.get_session_status': (params) => {
      if (params.length !== 1) {
        throw new FakeWebUiRemoteError(
          'TypeError',
          `Core.get_session_status() takes 2 positional arguments but ${params.length + 1} were given`,
          traceback,
        );
      }
      return pick(session, params[0]);
    },
    'core.get_torrents_status': () => ({}),
    'core.get_free_space': (params) => (params[0] === '/srv/deluge/data' ? 82097000448 : -1),
    'core.get_config_values': (params) => pick(config, params[0]),
    'core.get_libtorrent_version': () => '2.0.8.0',
    'core.get_external_ip': () => null,
    'core.get_filter_tree': () => ({
      state: states.map((state) => [state, 0]),
      tracker_host: [
        ['All', 0],
        ['Error', 0],
      ],
      owner: [['', 0]],
      label: [['All', 0]],
    }),
  };
}

const webUis: FakeWebUi[] = [];
async function started(...args: Parameters<typeof startFakeWebUi>): Promise<FakeWebUi> {
  const webUi = await startFakeWebUi(...args);
  webUis.push(webUi);
  return webUi;
}
afterEach(async () => {
  for (const webUi of webUis.splice(0)) await webUi.close();
});

describe('the fake Web UI answers like a real deluge-web 2.0.3', () => {
  it('every recorded exchange, in order on one session: status, headers and answer bytes', async () => {
    const webUi = await started({
      hosts: [{ id: recording.hostId, host: '127.0.0.1', port: 58846, username: 'admin' }],
      handlers: recordedDaemon(),
    });
    let cookie = '';
    const seen: string[] = [];
    for (const exchange of recording.exchanges) {
      const sentCookie = exchange.request.cookie ?? cookie;
      const reply = await post(webUi.url, exchange.request.body, {
        ...exchange.request.headers,
        ...(sentCookie === '' ? {} : { cookie: sentCookie }),
      });
      const setCookie = reply.headers['set-cookie']?.[0];
      if (setCookie !== undefined && exchange.request.cookie === undefined) cookie = setCookie.split(';')[0] ?? '';
      expect(
        {
          name: exchange.name,
          status: reply.status,
          contentType: reply.headers['content-type'],
          contentEncoding: reply.headers['content-encoding'] ?? null,
          transferEncoding: reply.headers['transfer-encoding'] ?? null,
          setCookie:
            setCookie
              ?.replace(/_session_id=[0-9a-f]{64}\d+;/, '_session_id=<session>;')
              .replace(/Expires=[^;]+/, 'Expires=<date>') ?? null,
          answer: reply.body,
        },
        exchange.name,
      ).toEqual({ ...exchange, request: undefined });
      seen.push(exchange.name);
    }
    expect(seen).toHaveLength(recording.exchanges.length);
    expect(webUi.logins).toBe(1);
  });

  it('web.update_ui while connected is built from the daemon handlers; a lost daemon leaves its methods unanswered', async () => {
    const webUi = await started({
      hosts: [{ id: 'h1', host: '127.0.0.1', port: 58846, username: 'admin' }],
      connectedTo: 'h1',
      handlers: recordedDaemon(),
    });
    const login = await post(webUi.url, '{"method": "auth.login", "params": ["deluge"], "id": 1}');
    const cookie = login.headers['set-cookie']?.[0]?.split(';')[0] ?? '';
    const reply = await post(webUi.url, recorded("web.update_ui (ngosang's call)").request.body, { cookie });
    expect(reply.body).toBe(recorded("web.update_ui (ngosang's call)").answer);
    // The daemon goes away behind it: daemon methods are left unanswered, its own still answer.
    webUi.connectTo(undefined);
    const hung = post(webUi.url, '{"method": "core.get_libtorrent_version", "params": [], "id": 2}', { cookie });
    const connected = await post(webUi.url, '{"method": "web.connected", "params": [], "id": 3}', { cookie });
    expect(connected.body).toBe('{"result": false, "error": null, "id": 3}');
    const outcome = await Promise.race([
      hung.then(() => 'answered'),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 300)),
    ]);
    expect(outcome).toBe('still waiting');
    webUi.dropConnections();
    await expect(hung).rejects.toThrow();
  });

  it('writes JSON as Python does: floats with a fraction, non-ASCII escaped', () => {
    expect(pythonJson({ a: new PyFloat(-1), b: 'Fïlm "1" \\ 🎬', c: [1, 2.5, null, true] })).toBe(
      '{"a": -1.0, "b": "F\\u00eflm \\"1\\" \\\\ \\ud83c\\udfac", "c": [1, 2.5, null, true]}',
    );
  });
});

describe('faults', () => {
  it('a login page, a redirect and a 401 from a proxy, a hang cut by the client, a truncated answer', async () => {
    const webUi = await started({ basicAuth: { username: 'proxy', password: 'proxy-secret' } });
    const auth = { authorization: `Basic ${Buffer.from('proxy:proxy-secret').toString('base64')}` };
    const denied = await post(webUi.url, '{"method": "web.connected", "params": [], "id": 1}');
    expect([denied.status, denied.headers['www-authenticate'], denied.body]).toEqual([
      401,
      'Basic realm="Deluge"',
      expect.stringContaining('401 Authorization Required'),
    ]);
    webUi.setFault('web.connected', {
      kind: 'status',
      status: 200,
      headers: { 'content-type': 'text/html' },
      body: LOGIN_PAGE_HTML,
    });
    const page = await post(webUi.url, '{"method": "web.connected", "params": [], "id": 1}', auth);
    expect([page.status, page.headers['content-type'], page.body]).toEqual([200, 'text/html', LOGIN_PAGE_HTML]);
    webUi.setFault('web.connected', { kind: 'status', status: 302, headers: { location: '/login' } });
    const redirect = await post(webUi.url, '{"method": "web.connected", "params": [], "id": 1}', auth);
    expect([redirect.status, redirect.headers.location]).toEqual([302, '/login']);
    webUi.setFault('web.connected', { kind: 'truncated', bytes: 10 });
    await expect(post(webUi.url, '{"method": "web.connected", "params": [], "id": 1}', auth)).rejects.toThrow(
      /aborted|socket hang up|ECONNRESET/,
    );
    webUi.setFault('web.connected', { kind: 'hang' });
    const hung = post(webUi.url, '{"method": "web.connected", "params": [], "id": 1}', auth);
    const outcome = await Promise.race([
      hung.then(() => 'answered'),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 300)),
    ]);
    expect(outcome).toBe('still waiting');
    webUi.dropConnections();
    await expect(hung).rejects.toThrow();
    expect(webUi.requests.map((request) => request.authorization)).toEqual([
      auth.authorization,
      auth.authorization,
      auth.authorization,
      auth.authorization,
    ]);
  });

  it('raw answer bytes as they are, gzip-declared or not; the base path; HTTPS with the test PKI', async () => {
    const pki = createTestPki();
    const webUi = await started({ base: '/deluge/', tls: { cert: pki.server.cert, key: pki.server.key } });
    expect(webUi.url).toBe(`https://127.0.0.1:${webUi.port}/deluge/`);
    webUi.setFault('*', { kind: 'body', bytes: Buffer.from('{"result": [[[[') });
    const raw = await post(
      webUi.url,
      '{"method": "auth.login", "params": ["deluge"], "id": 1}',
      {},
      { ca: pki.ca.cert },
    );
    expect([raw.status, raw.headers['content-type'], raw.body]).toEqual([200, 'application/json', '{"result": [[[[']);
    webUi.setFault('*', undefined);
    const index = await post(webUi.url, '', {}, { ca: pki.ca.cert, path: '/deluge/' });
    expect(index.body).toBe(LOGIN_PAGE_HTML);
    const wrongBase = await post(webUi.url, '{}', {}, { ca: pki.ca.cert, path: '/json' });
    expect(wrongBase.status).toBe(404);
    const login = await post(
      webUi.url,
      '{"method": "auth.login", "params": ["deluge"], "id": 1}',
      {},
      { ca: pki.ca.cert },
    );
    expect(login.headers['set-cookie']?.[0]).toMatch(/; Path=\/deluge\/json$/);
  });

  it('an expired session answers code 1 until logging in again; events reach listeners once, a poll waits for one', async () => {
    const webUi = await started({ password: 'web-Secret-1', eventWaitMs: 300 });
    const login = await post(webUi.url, '{"method": "auth.login", "params": ["web-Secret-1"], "id": 1}');
    const cookie = login.headers['set-cookie']?.[0]?.split(';')[0] ?? '';
    await post(webUi.url, '{"method": "web.register_event_listener", "params": ["TorrentAddedEvent"], "id": 2}', {
      cookie,
    });
    webUi.emitEvent('TorrentAddedEvent', ['0123', false]);
    const events = await post(webUi.url, '{"method": "web.get_events", "params": [], "id": 3}', { cookie });
    expect(events.body).toBe('{"result": [["TorrentAddedEvent", ["0123", false]]], "error": null, "id": 3}');
    const pollStarted = Date.now();
    const drained = await post(webUi.url, '{"method": "web.get_events", "params": [], "id": 4}', { cookie });
    expect(drained.body).toBe('{"result": null, "error": null, "id": 4}');
    expect(Date.now() - pollStarted).toBeGreaterThanOrEqual(280);
    // An event that arrives during the wait ends it at once.
    const waiting = post(webUi.url, '{"method": "web.get_events", "params": [], "id": 6}', { cookie });
    setTimeout(() => webUi.emitEvent('TorrentAddedEvent', ['4567', true]), 20);
    expect((await waiting).body).toBe('{"result": [["TorrentAddedEvent", ["4567", true]]], "error": null, "id": 6}');
    webUi.expireSessions();
    const expired = await post(webUi.url, '{"method": "web.connected", "params": [], "id": 5}', { cookie });
    expect(expired.body).toBe('{"result": null, "error": {"message": "Not authenticated", "code": 1}, "id": 5}');
  });
});

afterAll(async () => {
  for (const webUi of webUis.splice(0)) await webUi.close();
});
