import type { Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebServer, SERVER_TIMEOUTS } from '../../../src/http/http-server.js';

const SHORT = { headersMs: 400, requestMs: 800, keepAliveMs: 400, handshakeMs: 400, idleSocketMs: 5_000 };
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function start(): Promise<number> {
  const server = createWebServer((_request, response) => response.end('ok'), undefined, SHORT);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Milliseconds until the server ends the connection (and what it sent meanwhile). */
function closedAfter(socket: Socket): Promise<{ ms: number; received: string }> {
  const started = Date.now();
  let received = '';
  socket.on('data', (chunk) => {
    received += String(chunk);
  });
  return new Promise((resolve) => socket.once('close', () => resolve({ ms: Date.now() - started, received })));
}

describe('createWebServer time limits', () => {
  it('the production limits', () => {
    expect(SERVER_TIMEOUTS).toEqual({
      headersMs: 10_000,
      requestMs: 30_000,
      keepAliveMs: 30_000,
      handshakeMs: 10_000,
      idleSocketMs: 120_000,
    });
  });

  it('a client that never finishes its request head is cut off after the headers timeout', async () => {
    const socket = connect(await start(), '127.0.0.1');
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => socket.write('X-Slow: 1\r\n'), 100);
    const { ms, received } = await closedAfter(socket);
    clearInterval(trickle);
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    expect(ms).toBeLessThan(3_000);
  });

  it('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const socket = connect(await start(), '127.0.0.1');
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const { ms, received } = await closedAfter(socket);
    expect(received).toMatch(/^HTTP\/1\.1 200/);
    expect(ms).toBeLessThan(2_000);
  });
});
