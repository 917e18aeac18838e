import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import {
  WebUiAnswerShapeError,
  WebUiAuthError,
  WebUiCertificatePinError,
  WebUiClient,
  type WebUiClientOptions,
  WebUiConnectionError,
  WebUiHttpError,
  WebUiLimitError,
  WebUiNotJsonError,
  WebUiRedirectError,
  WebUiRemoteError,
  WebUiTimeoutError,
} from '../../../src/webui/index.js';
import { generateCertificate, testCertificate } from '../../support/certificate.js';
import { type FakeWebUi, type FakeWebUiOptions, LOGIN_PAGE_HTML, startFakeWebUi } from '../../support/fake-webui.js';

const PASSWORD = 'web-secret-7d1f';
const HOST = { id: 'a'.repeat(32), host: '127.0.0.1', port: 58846, username: 'admin' };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function world(
  fake: FakeWebUiOptions = {},
  client: Partial<WebUiClientOptions> = {},
): Promise<{ web: FakeWebUi; client: WebUiClient }> {
  const web = await startFakeWebUi({
    password: PASSWORD,
    hosts: [HOST],
    connectedTo: HOST.id,
    handlers: { 'core.get_session_status': () => ({ upload_rate: 1.5 }) },
    ...fake,
  });
  const webClient = new WebUiClient({ url: web.url, password: PASSWORD, ...client });
  cleanups.push(async () => {
    await webClient.close();
    await web.close();
  });
  return { web, client: webClient };
}

/** The error a promise rejects with, checked to keep the password and the session cookie out of its text. */
async function failure(promise: Promise<unknown>, web: FakeWebUi): Promise<Error> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (caught: unknown) => caught as Error,
  );
  const cookies = web.requests.map((request) => request.sessionCookie).filter((cookie) => cookie !== undefined);
  for (const secret of [PASSWORD, ...cookies])
    expect(`${error.message} ${String(error.cause ?? '')}`).not.toContain(secret);
  return error;
}

describe('WebUiClient session', () => {
  it('logs in once, keeps the cookie for every call and sends a scrape’s calls concurrently over the bounded pool', async () => {
    const { web, client } = await world({}, { maxSockets: 3 });
    web.setFault('core.get_session_status', { kind: 'delay', ms: 50 });
    const calls = Array.from({ length: 8 }, () => ({ method: 'core.get_session_status', params: [['upload_rate']] }));
    const results = await client.callMany(calls);
    expect(results).toEqual(calls.map(() => ({ ok: true, value: { upload_rate: 1.5 } })));
    expect(web.logins).toBe(1);
    const scrape = web.requests.filter((request) => request.method === 'core.get_session_status');
    expect(new Set(scrape.map((request) => request.sessionCookie)).size).toBe(1);
    expect(scrape.every((request) => request.acceptsGzip)).toBe(true);
    // Three connections at most, reused: more calls than sockets.
    expect(new Set(scrape.map((request) => request.connectionId)).size).toBe(3);
    await client.call('core.get_session_status', [[]]);
    expect(web.connections).toBe(3);
  });

  it('waits for a batch of more calls than an EventTarget warns at under one deadline, with no warning', async () => {
    const { web, client } = await world();
    web.setFault('core.get_session_status', { kind: 'delay', ms: 20 });
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on('warning', onWarning);
    try {
      const deadline = AbortSignal.timeout(30_000);
      const calls = Array.from({ length: 24 }, () => ({ method: 'core.get_session_status', params: [[]] }));
      const results = await client.callMany(calls, { signal: deadline });
      expect(results.every((result) => result.ok)).toBe(true);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((warning) => warning.name)).toEqual([]);
  });

  it('logs in again once when the session expired on the Web UI side, and for concurrent calls only once', async () => {
    const { web, client } = await world();
    await client.call('web.connected', []);
    web.expireSessions();
    const results = await client.callMany(Array.from({ length: 4 }, () => ({ method: 'web.connected', params: [] })));
    expect(results).toEqual(Array.from({ length: 4 }, () => ({ ok: true, value: true })));
    expect(web.logins).toBe(2);
  });

  it('refuses a wrong password with WebUiAuthError, showing neither password', async () => {
    const { web, client } = await world({}, { password: 'not-the-password' });
    const error = await failure(client.call('web.connected', []), web);
    expect(error).toBeInstanceOf(WebUiAuthError);
    expect(error.message).toMatch(/refused the password/);
    expect(error.message).not.toContain('not-the-password');
  });

  it('says "not authenticated" after one new login as WebUiAuthError, not a loop', async () => {
    const { web, client } = await world();
    await client.call('web.connected', []);
    web.setFault('web.connected', {
      kind: 'body',
      bytes: Buffer.from('{"result": null, "error": {"message": "Not authenticated", "code": 1}, "id": 1}'),
    });
    const error = await failure(client.call('web.connected', []), web);
    expect(error).toBeInstanceOf(WebUiAuthError);
    expect(web.logins).toBe(2);
  });

  it('turns a JSON-RPC error into WebUiRemoteError with its code and a cut message', async () => {
    const { web, client } = await world();
    const error = await failure(client.call('core.no_such_method', []), web);
    expect(error).toBeInstanceOf(WebUiRemoteError);
    expect((error as WebUiRemoteError).remoteCode).toBe(2);
    expect(error.message).toMatch(/core\.no_such_method failed in the Web UI \(error 2\): Unknown method/);
  });

  it('ends a call at its deadline without ending the session', async () => {
    const { web, client } = await world();
    web.setFault('core.get_session_status', { kind: 'hang' });
    const error = await failure(
      client.call('core.get_session_status', [[]], { signal: AbortSignal.timeout(100) }),
      web,
    );
    expect(error).toBeInstanceOf(WebUiTimeoutError);
    web.setFault('core.get_session_status', undefined);
    await expect(client.call('core.get_session_status', [[]])).resolves.toEqual({ upload_rate: 1.5 });
    expect(web.logins).toBe(1);
  });

  it('finds the Web UI behind a base path and reads its version from the page title', async () => {
    const { web, client } = await world({ base: '/deluge/' });
    expect(web.url).toMatch(/\/deluge\/$/);
    const bare = new WebUiClient({ url: web.url.replace(/\/$/, ''), password: PASSWORD });
    cleanups.push(() => bare.close());
    await expect(bare.call('web.connected', [])).resolves.toBe(true);
    // The fake's page has no version in its title: undefined, not a guess.
    await expect(client.webUiVersion()).resolves.toBeUndefined();
    expect(LOGIN_PAGE_HTML).not.toMatch(/WebUI \d/);
  });
});

describe('WebUiClient against what a proxy or a hostile server sends', () => {
  it('needs basic_auth where a proxy asks for it: 401 names it; with it, calls go through', async () => {
    const basicAuth = { username: 'proxy-user', password: 'proxy-secret-93' };
    const { web, client } = await world({ basicAuth });
    const error = await failure(client.call('web.connected', []), web);
    expect(error).toBeInstanceOf(WebUiHttpError);
    expect(error.message).toMatch(
      /^HTTP 401 \(authentication required: a proxy in front\? see basic_auth\); body begins "<html>/,
    );
    const authed = new WebUiClient({ url: web.url, password: PASSWORD, basicAuth });
    cleanups.push(() => authed.close());
    await expect(authed.call('web.connected', [])).resolves.toBe(true);
  });

  it('names a redirect and where it goes, without its query string', async () => {
    const { web, client } = await world();
    web.setFault('*', { kind: 'status', status: 302, headers: { location: 'https://sso.example/login?token=abc123' } });
    const error = await failure(client.call('web.connected', []), web);
    expect(error).toBeInstanceOf(WebUiRedirectError);
    expect(error.message).toBe(
      'HTTP 302 redirect to "https://sso.example/login" (a login page or proxy in front of the Web UI?)',
    );
  });

  it('says an HTML page came back, quoting a bounded snippet of it', async () => {
    const { web, client } = await world();
    const page = `<html><head><title>Sign in</title></head><body>${'x'.repeat(100_000)}</body></html>`;
    web.setFault('*', { kind: 'status', status: 200, headers: { 'content-type': 'text/html' }, body: page });
    const error = await failure(client.call('web.connected', []), web);
    expect(error).toBeInstanceOf(WebUiNotJsonError);
    expect(error.message).toMatch(
      /^answer is not JSON \(content type "text\/html"\); body begins "<html><head><title>Sign in/,
    );
    expect(error.message.length).toBeLessThan(300);
  });

  it('cuts off a gzip bomb by its ratio while it inflates', async () => {
    const { web, client } = await world();
    const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20));
    web.setFault('web.connected', { kind: 'body', bytes: bomb, contentEncoding: 'gzip' });
    const error = await failure(client.call('web.connected', []), web);
    expect(error).toBeInstanceOf(WebUiLimitError);
    expect((error as WebUiLimitError).limit).toBe('maxInflateRatio');
  });

  it('cuts off an answer larger than maxAnswerBytes while it streams in', async () => {
    const { web, client } = await world({}, { maxAnswerBytes: 64 * 1024 });
    web.setFault('web.connected', { kind: 'body', bytes: Buffer.from(`{"result": "${'y'.repeat(1024 * 1024)}"}`) });
    const error = await failure(client.call('web.connected', []), web);
    expect(error).toBeInstanceOf(WebUiLimitError);
    expect(error.message).toBe('answer larger than 65536 bytes (limit maxAnswerBytes)');
  });

  it('applies the rencode budgets to the JSON before parsing it', async () => {
    const { web, client } = await world({}, { decodeLimits: { maxContainerEntries: 1000 } });
    const wide = {
      result: Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, i])),
      error: null,
      id: 1,
    };
    web.setFault('web.connected', { kind: 'body', bytes: Buffer.from(JSON.stringify(wide)) });
    const error = await failure(client.call('web.connected', []), web);
    expect(error).toMatchObject({ limit: 'maxContainerEntries', maximum: 1000 });
  });

  it('reports an answer cut off mid-body as a broken connection, and a wrong shape as such', async () => {
    const { web, client } = await world();
    web.setFault('web.connected', { kind: 'truncated', bytes: 10 });
    expect(await failure(client.call('web.connected', []), web)).toBeInstanceOf(WebUiConnectionError);
    web.setFault('web.connected', { kind: 'body', bytes: Buffer.from('{"answer": 42}') });
    expect(await failure(client.call('web.connected', []), web)).toBeInstanceOf(WebUiAnswerShapeError);
  });
});

describe('WebUiClient over https', () => {
  it('works pinned to the certificate, fails pinned to another, and verifies against ca', async () => {
    const certificate = testCertificate();
    const { web } = await world({ tls: { cert: certificate.cert, key: certificate.key } });
    const pinned = new WebUiClient({
      url: web.url,
      password: PASSWORD,
      tls: { fingerprintSha256: certificate.fingerprint256 },
    });
    const withCa = new WebUiClient({ url: web.url, password: PASSWORD, tls: { ca: certificate.cert } });
    const other = generateCertificate().fingerprint256;
    const wrong = new WebUiClient({ url: web.url, password: PASSWORD, tls: { fingerprintSha256: other } });
    const unverified = new WebUiClient({ url: web.url, password: PASSWORD });
    cleanups.push(async () => {
      for (const client of [pinned, withCa, wrong, unverified]) await client.close();
    });
    await expect(pinned.call('web.connected', [])).resolves.toBe(true);
    await expect(withCa.call('web.connected', [])).resolves.toBe(true);
    const mismatch = await failure(wrong.call('web.connected', []), web);
    expect(mismatch).toBeInstanceOf(WebUiCertificatePinError);
    // No pin and no CA: a self-signed Web UI is refused like any web site with such a certificate.
    const selfSigned = await failure(unverified.call('web.connected', []), web);
    expect(selfSigned).toBeInstanceOf(WebUiConnectionError);
    expect(selfSigned.message).toMatch(/self[- ]signed/i);
  });
});
