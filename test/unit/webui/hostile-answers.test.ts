/**
 * The Web UI client against hostile or broken answers from the fake Web UI (test/support/fake-webui.ts),
 * over HTTP and over HTTPS with the test PKI: each answer becomes the typed error that says what came
 * back, quoting at most a short snippet and never the password, the proxy's credentials or the session
 * cookie; the client still works for the next call; and a client of another Web UI keeps working
 * throughout.
 */

import { inspect } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  WebUiAnswerShapeError,
  WebUiAuthError,
  WebUiClient,
  WebUiConnectionError,
  type WebUiError,
  WebUiHttpError,
  WebUiNotJsonError,
  WebUiRedirectError,
  WebUiRemoteError,
  WebUiTimeoutError,
} from '../../../src/webui/index.js';
import { type FakeWebUi, type FakeWebUiFault, LOGIN_PAGE_HTML, startFakeWebUi } from '../../support/fake-webui.js';
import { createTestPki, type TestPki } from '../../support/pki.js';
import { rejectionOf, trackUnhandledRejections } from '../../support/unhandled-rejections.js';

const unhandled = trackUnhandledRejections();

const PASSWORD = 'web-Secret-Pw-41';
const PROXY = { username: 'proxy-user', password: 'proxy-Secret-Pw-42' } as const;
const HANDLERS = { 'core.get_libtorrent_version': () => '2.0.8.0' };

interface Case {
  readonly name: string;
  readonly fault: FakeWebUiFault;
  /** The error class and what its message must say. */
  readonly error: abstract new (
    ...args: never[]
  ) => WebUiError;
  readonly says: RegExp;
}

const CASES: readonly Case[] = [
  {
    name: 'an HTML login page',
    fault: { kind: 'status', status: 200, headers: { 'content-type': 'text/html' }, body: LOGIN_PAGE_HTML },
    error: WebUiNotJsonError,
    says: /not JSON \(content type "text\/html"\); body begins "<!DOCTYPE html> <html><head><title>Deluge/,
  },
  {
    name: 'a redirect to a login page',
    fault: { kind: 'status', status: 302, headers: { location: '/sso/login?token=abc' } },
    error: WebUiRedirectError,
    says: /302 redirect to "\/sso\/login" /,
  },
  {
    name: "a proxy's 401",
    fault: { kind: 'status', status: 401, headers: { 'www-authenticate': 'Basic' }, body: '<h1>401</h1>' },
    error: WebUiHttpError,
    says: /HTTP 401 .*basic_auth/,
  },
  {
    name: "a proxy's 403",
    fault: { kind: 'status', status: 403, body: 'Forbidden' },
    error: WebUiHttpError,
    says: /HTTP 403 .*forbidden/,
  },
  {
    name: "a proxy's 502",
    fault: { kind: 'status', status: 502, headers: { 'content-type': 'text/html' }, body: '<h1>Bad Gateway</h1>' },
    error: WebUiHttpError,
    says: /HTTP 502; body begins "<h1>Bad Gateway<\/h1>"/,
  },
  {
    name: 'not JSON',
    fault: { kind: 'body', bytes: Buffer.from('Internal error, see log') },
    error: WebUiNotJsonError,
    says: /not JSON .*; body begins "Internal error, see log"/,
  },
  {
    name: 'truncated JSON',
    fault: { kind: 'body', bytes: Buffer.from('{"result": "2.0.8') },
    error: WebUiNotJsonError,
    says: /Unterminated string .*; body begins "\{\\"result\\": \\"2\.0\.8"/,
  },
  {
    name: 'a JSON list instead of an answer object',
    fault: { kind: 'body', bytes: Buffer.from('[1, 2, 3]') },
    error: WebUiAnswerShapeError,
    says: /answer is a list, not a JSON-RPC answer object/,
  },
  {
    name: 'an error of the wrong type',
    fault: { kind: 'body', bytes: Buffer.from('{"result": null, "error": "boom", "id": 1}') },
    error: WebUiAnswerShapeError,
    says: /"error" is a string, not null or \{message, code\}/,
  },
  {
    name: 'garbage declared as gzip',
    fault: { kind: 'body', bytes: Buffer.from('this is not gzip at all'), contentEncoding: 'gzip' },
    error: WebUiNotJsonError,
    says: /does not decompress \(incorrect header check\)/,
  },
  {
    name: 'gzip cut off mid-stream',
    fault: {
      kind: 'body',
      bytes: gzipSync('{"result": "2.0.8.0", "error": null, "id": 1}').subarray(0, 20),
      contentEncoding: 'gzip',
    },
    error: WebUiNotJsonError,
    says: /does not decompress \(unexpected end of file\)/,
  },
  {
    name: 'the connection dropped mid-answer',
    fault: { kind: 'truncated', bytes: 12 },
    error: WebUiConnectionError,
    says: /broke off before its end/,
  },
  {
    name: 'a daemon-side failure (error 4) with a traceback',
    fault: {
      kind: 'body',
      bytes: Buffer.from(
        `{"result": null, "error": {"message": "Failure: [Failure instance: ${'x'.repeat(5000)}]", "code": 4}, "id": 1}`,
      ),
    },
    error: WebUiRemoteError,
    says: /\(error 4\): Failure: \[Failure instance: x+… \[\d+ more chars\]$/,
  },
];

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});

async function startPair(tls: boolean): Promise<{ hostile: FakeWebUi; healthy: FakeWebUi }> {
  const server = tls ? { tls: { cert: pki.server.cert, key: pki.server.key } } : {};
  const hostile = await startFakeWebUi({
    ...server,
    password: PASSWORD,
    basicAuth: PROXY,
    hosts: [{ id: 'h1', host: '127.0.0.1', port: 58846, username: 'admin' }],
    connectedTo: 'h1',
    handlers: HANDLERS,
  });
  const healthy = await startFakeWebUi({
    ...server,
    password: PASSWORD,
    hosts: [{ id: 'h2', host: '127.0.0.1', port: 58847, username: 'admin' }],
    connectedTo: 'h2',
    handlers: HANDLERS,
  });
  return { hostile, healthy };
}

const clients: WebUiClient[] = [];
const servers: FakeWebUi[] = [];
function clientOf(webUi: FakeWebUi, tls: boolean, basicAuth = false): WebUiClient {
  const client = new WebUiClient({
    url: webUi.url,
    password: PASSWORD,
    ...(tls ? { tls: { ca: pki.ca.cert } } : {}),
    ...(basicAuth ? { basicAuth: PROXY } : {}),
  });
  clients.push(client);
  return client;
}

afterAll(async () => {
  for (const client of clients) await client.close();
  for (const server of servers) await server.close();
  expect(unhandled).toEqual([]);
});

describe.each([
  ['HTTP', false],
  ['HTTPS', true],
])('hostile answers over %s', (_, tls) => {
  it('each becomes its typed error for that call only, no secret in it, the other Web UI unaffected', async () => {
    const { hostile, healthy } = await startPair(tls);
    servers.push(hostile, healthy);
    const client = clientOf(hostile, tls, true);
    const bystander = clientOf(healthy, tls);
    expect(await client.call('core.get_libtorrent_version', [])).toBe('2.0.8.0');
    const cookie = hostile.requests.at(-1)?.sessionCookie ?? '';
    expect(cookie).not.toBe('');
    const outcomes: string[] = [];
    for (const testCase of CASES) {
      hostile.setFault('core.get_libtorrent_version', testCase.fault);
      const error = await rejectionOf<WebUiError>(client.call('core.get_libtorrent_version', []));
      expect(error, testCase.name).toBeInstanceOf(testCase.error);
      expect(error.message, testCase.name).toMatch(testCase.says);
      expect(error.message.length, testCase.name).toBeLessThan(600);
      const shown = `${error.message}\n${inspect(error, { depth: 5 })}`;
      for (const secret of [
        PASSWORD,
        PROXY.password,
        cookie,
        Buffer.from(`${PROXY.username}:${PROXY.password}`).toString('base64'),
      ]) {
        expect(shown, testCase.name).not.toContain(secret);
      }
      outcomes.push(`${testCase.name}: ${error.name}`);
      hostile.setFault('core.get_libtorrent_version', undefined);
      // The client recovers: the next call on the same client answers.
      expect(await client.call('core.get_libtorrent_version', []), testCase.name).toBe('2.0.8.0');
      expect(await bystander.call('core.get_libtorrent_version', []), testCase.name).toBe('2.0.8.0');
    }
    expect(outcomes).toHaveLength(CASES.length);
  });

  it('a hang ends at the deadline as a timeout; a refused password and a proxy without credentials are auth and HTTP errors', async () => {
    const { hostile, healthy } = await startPair(tls);
    servers.push(hostile, healthy);
    const client = clientOf(hostile, tls, true);
    hostile.setFault('core.get_libtorrent_version', { kind: 'hang' });
    const timeout = await rejectionOf(
      client.call('core.get_libtorrent_version', [], { signal: AbortSignal.timeout(200) }),
    );
    expect(timeout).toBeInstanceOf(WebUiTimeoutError);
    hostile.setFault('core.get_libtorrent_version', undefined);
    expect(await client.call('core.get_libtorrent_version', [])).toBe('2.0.8.0');
    const wrongPassword = new WebUiClient({
      url: healthy.url,
      password: 'not-the-password',
      ...(tls ? { tls: { ca: pki.ca.cert } } : {}),
    });
    clients.push(wrongPassword);
    const refused = await rejectionOf(wrongPassword.call('web.connected', []));
    expect(refused).toBeInstanceOf(WebUiAuthError);
    expect(`${refused.message}${inspect(refused)}`).not.toContain('not-the-password');
    const noProxyCredentials = clientOf(hostile, tls, false);
    const denied = await rejectionOf<WebUiHttpError>(noProxyCredentials.call('web.connected', []));
    expect([denied.constructor, denied.status]).toEqual([WebUiHttpError, 401]);
  });
});
