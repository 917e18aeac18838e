import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { Secret } from '../../../src/config/secret.js';
import { createWebServer, type ServerTimeouts } from '../../../src/http/http-server.js';
import { listen } from '../../../src/server.js';
import { testCertificate } from '../../support/certificate.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Body bytes the test server's handler has read, over all requests. */
let bodyBytesRead = 0;

async function start(timeouts: ServerTimeouts): Promise<number> {
  const server = createWebServer(
    (request, response) => {
      request.on('data', (chunk: Buffer) => {
        bodyBytesRead += chunk.length;
      });
      request.on('end', () => response.end('ok'));
    },
    undefined,
    timeouts,
  );
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Resolves when the server ends the connection, with what it sent meanwhile. */
function closed(socket: Socket): Promise<string> {
  let received = '';
  socket.on('data', (chunk) => {
    received += String(chunk);
  });
  return new Promise((resolve) => socket.once('close', () => resolve(received)));
}

/** The limits docs/configuration.md promises, in milliseconds. */
function documentedLimits(): ServerTimeouts {
  const text = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
  const match =
    /head must arrive within (\d+) s, the whole request within (\d+) s, an idle keep-alive connection is closed after (\d+) s, a TLS handshake must finish within (\d+) s, and a socket with no traffic for (\d+) s is closed/.exec(
      text,
    );
  if (match === null) throw new Error('docs/configuration.md no longer states the server time limits');
  const [headersMs, requestMs, keepAliveMs, handshakeMs, idleSocketMs] = match.slice(1).map((s) => Number(s) * 1000);
  return { headersMs, requestMs, keepAliveMs, handshakeMs, idleSocketMs } as ServerTimeouts;
}

/** The TLS server's handshake limit (Node keeps it under a symbol, not a property). */
function handshakeTimeoutOf(server: Server): unknown {
  const key = Object.getOwnPropertySymbols(server).find((symbol) => symbol.description === 'handshake-timeout');
  return key === undefined ? undefined : (server as unknown as Record<symbol, unknown>)[key];
}

describe('createWebServer time limits', () => {
  it('the exporter listens (HTTP and HTTPS) with the limits docs/configuration.md states; it announces its keep-alive', async () => {
    const documented = documentedLimits();
    const { cert, key } = testCertificate();
    const tls = {
      certPem: cert,
      keyPem: new Secret(key),
      clientAuthType: 'NoClientCert',
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
    } as const;
    const address = { host: '127.0.0.1', port: 0 };
    const app = express().get('/', (_request, response) => {
      response.send('ok');
    });
    const [plain, secure] = await Promise.all([listen(app, address), listen(app, address, tls)]);
    servers.push(plain, secure);
    for (const server of [plain, secure]) {
      expect({
        headersMs: server.headersTimeout,
        requestMs: server.requestTimeout,
        keepAliveMs: server.keepAliveTimeout,
        idleSocketMs: server.timeout,
      }).toEqual({ ...documented, handshakeMs: undefined });
    }
    expect(handshakeTimeoutOf(secure)).toBe(documented.handshakeMs);
    const response = await fetch(`http://127.0.0.1:${(plain.address() as AddressInfo).port}/`);
    expect(response.headers.get('keep-alive')).toBe(`timeout=${documented.keepAliveMs / 1000}`);
  });

  it('a request head that never ends is cut off by the headers timeout (408), while a slow body runs on until the request timeout', async () => {
    const port = await start({
      headersMs: 200,
      requestMs: 1_500,
      keepAliveMs: 5_000,
      handshakeMs: 5_000,
      idleSocketMs: 60_000,
    });
    const head = connect(port, '127.0.0.1');
    const body = connect(port, '127.0.0.1');
    const headClosed = closed(head);
    const bodyClosed = closed(body);
    head.write('GET / HTTP/1.1\r\nHost: x\r\n');
    body.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n');
    const trickle = setInterval(() => {
      if (!head.destroyed) head.write('X-Slow: 1\r\n');
      if (!body.destroyed) body.write('b');
    }, 50);
    try {
      expect(await headClosed).toMatch(/^HTTP\/1\.1 408/);
      const readWhenHeadCut = bodyBytesRead;
      expect(body.destroyed).toBe(false);
      expect(await bodyClosed).toMatch(/^HTTP\/1\.1 408/);
      // The slow body was still being read after the head was cut: two limits, not one.
      expect(bodyBytesRead).toBeGreaterThan(readWhenHeadCut);
    } finally {
      clearInterval(trickle);
    }
  });

  it('an idle keep-alive connection is closed after its response while a busy one stays open', async () => {
    const port = await start({
      headersMs: 5_000,
      requestMs: 10_000,
      keepAliveMs: 300,
      handshakeMs: 5_000,
      idleSocketMs: 60_000,
    });
    const idle = connect(port, '127.0.0.1');
    const busy = connect(port, '127.0.0.1');
    const idleClosed = closed(idle);
    let busyAnswers = 0;
    busy.on('data', (chunk) => {
      busyAnswers += String(chunk).split('HTTP/1.1 200').length - 1;
    });
    const request = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
    idle.write(request);
    busy.write(request);
    const again = setInterval(() => busy.write(request), 100);
    try {
      expect(await idleClosed).toMatch(/^HTTP\/1\.1 200/);
      expect(busy.destroyed).toBe(false);
      expect(busyAnswers).toBeGreaterThan(1);
    } finally {
      clearInterval(again);
      busy.destroy();
    }
  });
});
