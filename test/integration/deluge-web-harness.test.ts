/**
 * The deluge-web harness (test/harness/deluge-web.ts): the Web UI it starts takes its password, lists
 * its hosts, is connected to the chosen one at start, and serves HTTPS.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { startDaemon, stopAllDaemons } from '../harness/daemon.js';
import { hostOf, startDelugeWeb, stopAllDelugeWebs } from '../harness/deluge-web.js';
import { createTestPki } from '../support/pki.js';

afterAll(async () => {
  await stopAllDelugeWebs();
  await stopAllDaemons();
});

/** One JSON-RPC call; resolves with the answer object and the cookie it set. */
function call(
  url: string,
  method: string,
  params: unknown[],
  cookie = '',
  ca?: string,
): Promise<{ answer: { result: unknown; error: unknown }; cookie: string }> {
  const target = new URL('json', url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      target,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'accept-encoding': 'gzip', ...(cookie ? { cookie } : {}) },
        ...(ca === undefined ? {} : { ca }),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const raw = Buffer.concat(chunks);
          const text = (response.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
          resolve({
            answer: JSON.parse(text) as { result: unknown; error: unknown },
            cookie: response.headers['set-cookie']?.[0]?.split(';')[0] ?? cookie,
          });
        });
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify({ method, params, id: 1 }));
  });
}

describe('deluge-web harness', () => {
  it('password, host list, connected at start to the chosen host', async () => {
    const daemon = await startDaemon();
    const host = hostOf(daemon);
    const web = await startDelugeWeb({ hosts: [host], connectTo: host.id, password: 'web-Secret-3' });
    expect((await call(web.url, 'auth.login', ['deluge'])).answer.result).toBe(false);
    const { cookie } = await call(web.url, 'auth.login', ['web-Secret-3']);
    expect((await call(web.url, 'web.get_hosts', [], cookie)).answer.result).toEqual([
      [host.id, daemon.host, daemon.port, daemon.admin.username],
    ]);
    let connected = false;
    for (let attempt = 0; attempt < 50 && !connected; attempt++) {
      connected = (await call(web.url, 'web.connected', [], cookie)).answer.result === true;
      if (!connected) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(connected).toBe(true);
    expect((await call(web.url, 'daemon.get_version', [], cookie)).answer.result).toBe(daemon.install.version);
    expect(web.pid).toBeGreaterThan(0);
  });

  it('HTTPS with the test PKI, connected to none', async () => {
    const pki = createTestPki();
    const web = await startDelugeWeb({ https: { certFile: pki.server.certFile, keyFile: pki.server.keyFile } });
    expect(web.url).toBe(`https://127.0.0.1:${web.port}/`);
    const { cookie } = await call(web.url, 'auth.login', [web.password], '', pki.ca.cert);
    expect(cookie).toMatch(/^_session_id=[0-9a-f]{64}\d+$/);
    expect((await call(web.url, 'web.connected', [], cookie, pki.ca.cert)).answer.result).toBe(false);
  });
});
