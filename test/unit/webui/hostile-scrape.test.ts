/**
 * A daemon reached through a hostile or broken Web UI (the fake Web UI, over HTTPS with the test PKI,
 * behind a proxy's basic authentication), scraped by the real app next to a bystander daemon reached
 * by RPC: every answer becomes `deluge_up 0` for that daemon only, with one error line saying what came
 * back, the response stays 200 and the bystander's series are exactly those of a clean scrape; and the
 * Web UI password, the proxy's credentials and the session cookie appear nowhere: not in the logs, not
 * in /metrics, /probe?debug=true or the landing page.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECOVERY_SCRAPES } from '../../../src/collector/failure-log.js';
import { loadConfig } from '../../../src/config/load.js';
import { type ExporterApp, startExporterApp } from '../../support/exporter-app.js';
import { type ParsedExposition, parseExposition, sampleValue } from '../../support/exposition.js';
import { type FakeDaemon, startFakeDaemon } from '../../support/fake-daemon.js';
import {
  type FakeWebUi,
  type FakeWebUiFault,
  type FakeWebUiHandler,
  LOGIN_PAGE_HTML,
  startFakeWebUi,
} from '../../support/fake-webui.js';
import { gzipJsonBomb, jsonBombChunks } from '../../support/json-bombs.js';
import { createTestPki, type TestPki } from '../../support/pki.js';
import type { PyJson } from '../../support/python-json.js';
import { fixtureHandlers, loadFixture } from '../collector/fixtures.js';

const WEB_PASSWORD = 'web-Secret-Pw-61';
const PROXY = { username: 'proxy-user', password: 'proxy-Secret-Pw-62' } as const;
const MiB = 1024 * 1024;
const fixture = loadFixture('daemon-healthy');

/** The fixture daemon behind the Web UI: the same answers, as JSON. */
function webUiHandlers(): Record<string, FakeWebUiHandler> {
  const handlers: Record<string, FakeWebUiHandler> = {
    'daemon.authorized_call': () => true,
    'core.get_free_space': (params) => fixture['core.get_free_space'][String(params[0])] ?? -1,
  };
  for (const [method, answer] of Object.entries(fixture)) {
    if (method === 'daemon.info' || method in handlers) continue;
    handlers[method] = () => answer as PyJson;
  }
  return handlers;
}

interface Case {
  readonly name: string;
  /** The method whose answer is hostile (`web.connected` comes first in every scrape). */
  readonly method: string;
  readonly fault: () => Promise<FakeWebUiFault> | FakeWebUiFault;
  /** What the error line says. */
  readonly says: RegExp;
}

const CASES: readonly Case[] = [
  {
    name: 'an HTML login page',
    method: 'web.connected',
    fault: () => ({ kind: 'status', status: 200, headers: { 'content-type': 'text/html' }, body: LOGIN_PAGE_HTML }),
    says: /^WebUiNotJsonError: answer is not JSON \(content type "text\/html"\); body begins "<!DOCTYPE html>/,
  },
  {
    name: 'a redirect',
    method: 'web.connected',
    fault: () => ({ kind: 'status', status: 302, headers: { location: '/login?next=%2Fjson' } }),
    says: /^WebUiRedirectError: HTTP 302 redirect to "\/login" /,
  },
  {
    name: "a proxy's 401",
    method: 'web.connected',
    fault: () => ({ kind: 'status', status: 401 }),
    says: /^WebUiHttpError: HTTP 401 \(authentication required/,
  },
  {
    name: "a proxy's 403",
    method: 'web.connected',
    fault: () => ({ kind: 'status', status: 403 }),
    says: /^WebUiHttpError: HTTP 403 \(forbidden/,
  },
  {
    name: 'truncated JSON',
    method: 'core.get_session_status',
    fault: () => ({ kind: 'body', bytes: Buffer.from('{"result": {"payload_download_rate": 1') }),
    says: /^WebUiNotJsonError: answer is not JSON \(.+\) \(content type "application\/json"\); body begins "\{\\"result/,
  },
  {
    name: 'a connection cut mid-answer',
    method: 'core.get_torrents_status',
    fault: () => ({ kind: 'truncated', bytes: 40 }),
    says: /^WebUiConnectionError: answer broke off before its end$/,
  },
  {
    name: 'a wrong-typed torrent list',
    method: 'core.get_torrents_status',
    fault: () => ({ kind: 'body', bytes: Buffer.from('{"result": [1, 2, 3], "error": null, "id": 1}') }),
    says: /^UnexpectedAnswerError: core\.get_torrents_status answered \[1,2,3\], expected a dict of torrents$/,
  },
  {
    name: 'deep nesting',
    method: 'core.get_torrents_status',
    fault: () => ({ kind: 'body', bytes: () => jsonBombChunks('deep nesting', 2_000_000, 1) }),
    says: /^WebUiLimitError: .*\(limit maxDepth\)$/,
  },
  {
    name: 'a gzip bomb',
    method: 'core.get_torrents_status',
    fault: async () => ({
      kind: 'body',
      bytes: await gzipJsonBomb('empty lists', 128 * MiB, 1),
      contentEncoding: 'gzip',
    }),
    says: /^WebUiLimitError: .*\(limit maxInflateRatio\)$/,
  },
  {
    name: 'gzip garbage',
    method: 'core.get_session_status',
    fault: () => ({ kind: 'body', bytes: gzipSync('{"result": 1').subarray(0, 12), contentEncoding: 'gzip' }),
    says: /^WebUiNotJsonError: compressed answer does not decompress/,
  },
];

let pki: TestPki;
let webUi: FakeWebUi;
let bystander: FakeDaemon;
let app: ExporterApp;
let clean: string[];

/** Every sample of `daemon`, as `name{labels} value` lines (the scrape's own duration left out). */
function daemonSamples(exposition: ParsedExposition, daemon: string): string[] {
  return exposition.samples
    .filter((sample) => sample.labels.daemon === daemon && !sample.name.startsWith('deluge_exporter_'))
    .filter((sample) => sample.name !== 'deluge_scrape_duration_seconds')
    .map((sample) => `${sample.name}${JSON.stringify(sample.labels)} ${sample.value}`);
}

async function text(path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${app.baseUrl}${path}`);
  return { status: response.status, body: await response.text() };
}

async function scrape(): Promise<ParsedExposition> {
  const { status, body } = await text('/metrics');
  expect(status).toBe(200);
  return parseExposition(body);
}

beforeAll(async () => {
  pki = createTestPki();
  bystander = await startFakeDaemon({ handlers: fixtureHandlers(fixture) });
  webUi = await startFakeWebUi({
    tls: { cert: pki.server.cert, key: pki.server.key },
    password: WEB_PASSWORD,
    basicAuth: PROXY,
    hosts: [{ id: 'h1', host: '127.0.0.1', port: 58846, username: 'admin' }],
    connectedTo: 'h1',
    handlers: webUiHandlers(),
    eventWaitMs: 200,
  });
  // Through the real loader with the real file system: the CA file is read as a user's would be.
  const configPath = join(pki.dir, 'exporter.yaml');
  writeFileSync(
    configPath,
    JSON.stringify({
      daemons: [
        { name: 'bystander', port: bystander.port, username: 'admin', password: 'admin-secret' },
        {
          name: 'webui',
          timeout_seconds: 5,
          web: {
            url: webUi.url,
            password: WEB_PASSWORD,
            tls: { ca_file: pki.ca.certFile },
            basic_auth: PROXY,
          },
        },
      ],
    }),
  );
  const config = loadConfig({
    argvConfigPath: configPath,
    env: {},
    readFile: (path) => readFileSync(path, 'utf8'),
    homedir: pki.dir,
    platform: 'linux',
  });
  // A fixed clock: the bystander's series then stay equal scrape after scrape.
  app = await startExporterApp(config, () => 1_795_466_400_000);
  const first = await scrape();
  expect(sampleValue(first, 'deluge_up', { daemon: 'webui' })).toBe(1);
  clean = daemonSamples(await scrape(), 'bystander');
  expect(clean.length).toBeGreaterThan(20);
});

afterAll(async () => {
  await app?.close();
  await webUi?.close();
  await bystander?.close();
});

describe('a hostile Web UI in the same scrape as a daemon reached by RPC', () => {
  it.each(CASES)(
    '$name: deluge_up 0 for it alone, one error line saying so, the bystander unchanged',
    async (testCase) => {
      webUi.setFault(testCase.method, await testCase.fault());
      const logsBefore = app.logLines.length;
      let exposition: ParsedExposition;
      try {
        exposition = await scrape();
      } finally {
        webUi.setFault(testCase.method, undefined);
      }
      expect(sampleValue(exposition, 'deluge_up', { daemon: 'webui' })).toBe(0);
      expect(daemonSamples(exposition, 'bystander')).toEqual(clean);
      const failures = app.logLines
        .slice(logsBefore)
        .filter((line) => line.daemon === 'webui' && line.level === 'error')
        .map((line) => {
          const error = line.error as { type: string; message: string };
          return `${error.type}: ${error.message}`;
        });
      expect(failures).toEqual([expect.stringMatching(testCase.says)]);
      // Clean scrapes find it again; after RECOVERY_SCRAPES of them the next failure is logged again.
      for (let i = 0; i < RECOVERY_SCRAPES; i++) {
        expect(sampleValue(await scrape(), 'deluge_up', { daemon: 'webui' })).toBe(1);
      }
    },
  );

  it('no password, proxy credential or cookie in the logs, /metrics, /probe?debug=true or the landing page', async () => {
    webUi.setFault('web.connected', { kind: 'status', status: 401, body: `<p>${PROXY.username}</p>` });
    const failing = await text('/probe?target=webui&debug=true');
    webUi.setFault('web.connected', undefined);
    const pages = [failing, await text('/probe?target=webui&debug=true'), await text('/metrics'), await text('/')];
    expect(pages.map((page) => page.status)).toEqual([200, 200, 200, 200]);
    const cookies = webUi.requests.flatMap((request) =>
      request.sessionCookie === undefined ? [] : [request.sessionCookie],
    );
    expect(cookies.length).toBeGreaterThan(0);
    const secrets = [
      WEB_PASSWORD,
      PROXY.password,
      Buffer.from(`${PROXY.username}:${PROXY.password}`).toString('base64'),
      ...new Set(cookies.map((cookie) => cookie.slice(0, 64))),
    ];
    const everything = [...pages.map((page) => page.body), ...app.logLines.map((line) => JSON.stringify(line))].join(
      '\n',
    );
    for (const secret of secrets) expect(everything).not.toContain(secret);
    expect(pages[0]?.body).toMatch(/HTTP 401/);
  });
});
