import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requests } from '../../src/rpc/api.js';
import { connectClient } from '../harness/clients.js';
import { addTorrent } from '../harness/deluge-calls.js';
import { type DaemonHandle, startDaemon, stopAllDaemons } from '../harness/daemon.js';
import { makeTorrent } from '../harness/torrent.js';
import { type ExporterHandle, startExporter, stopAllExporters } from '../support/exporter-process.js';
import { sampleValue } from '../support/exposition.js';

/** Deluge's default RPC port: the exporter's embedded default. */
const DEFAULT_PORT = 58846;
const DEFAULT_DAEMON_NAME = `127.0.0.1:${DEFAULT_PORT}`;

/** A TCP forwarder from 127.0.0.1:`listenPort` to 127.0.0.1:`targetPort` that counts connections. */
interface Forwarder {
  readonly connections: () => number;
  close(): Promise<void>;
}

/**
 * Forwards Deluge's default port to a harness daemon (the harness picks free ports; the bytes pass
 * unchanged, TLS included).
 * @throws Error naming the port when it is taken
 */
function forwardPort(listenPort: number, targetPort: number): Promise<Forwarder> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((client) => {
    connections += 1;
    const upstream = tcpConnect({ host: '127.0.0.1', port: targetPort });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
          `cannot listen on 127.0.0.1:${listenPort} (${error.code ?? error.message}): this test needs Deluge's ` +
            'default port free; stop the local deluged (or whatever holds the port) and run it again',
        ),
      );
    });
    server.listen({ host: '127.0.0.1', port: listenPort, exclusive: true }, () =>
      resolve({
        connections: () => connections,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}

describe('the README quick start: no config, a local deluged with its default auth file', () => {
  let daemon: DaemonHandle;
  let forwarder: Forwarder;
  let exporter: ExporterHandle;
  let torrentBytes: number;

  beforeAll(async () => {
    daemon = await startDaemon({
      accounts: [
        { username: 'admin', password: randomBytes(12).toString('hex'), level: 10 },
        { username: 'localclient', password: randomBytes(20).toString('hex'), level: 10 },
      ],
    });
    forwarder = await forwardPort(DEFAULT_PORT, daemon.port);
    const torrent = makeTorrent({ name: 'readme-check.bin', length: 48 * 1024 });
    torrentBytes = torrent.totalLength;
    const client = await connectClient(daemon);
    try {
      await addTorrent(client, torrent, { add_paused: true });
    } finally {
      await client.close();
    }
    exporter = await startExporter({ env: { DELUGE_CONFIG_DIR: daemon.configDir } });
  });

  afterAll(async () => {
    await exporter?.stop();
    await stopAllExporters();
    await forwarder?.close();
    await stopAllDaemons();
  });

  it('logs in as localclient on 127.0.0.1:58846 and exports deluge_up 1', async () => {
    expect(readFileSync(join(daemon.configDir, 'auth'), 'utf8')).toMatch(/^localclient:[^:\n]+:10$/m);
    const { status, exposition } = await exporter.scrape('/metrics');
    expect(status).toBe(200);
    expect(sampleValue(exposition, 'deluge_up', { daemon: DEFAULT_DAEMON_NAME })).toBe(1);
    expect(sampleValue(exposition, 'deluge_login_auth_level', { daemon: DEFAULT_DAEMON_NAME })).toBe(10);
    expect(forwarder.connections()).toBeGreaterThanOrEqual(1);

    const client = await connectClient(daemon);
    try {
      const torrents = await client.call(requests.core.getTorrentsStatus({}, ['state', 'total_wanted']));
      const paused = Object.values(torrents).filter((status) => status.state === 'Paused').length;
      expect(paused).toBe(1);
      expect(sampleValue(exposition, 'deluge_torrents', { daemon: DEFAULT_DAEMON_NAME, state: 'Paused' })).toBe(paused);
      expect(sampleValue(exposition, 'deluge_torrents_wanted_bytes', { daemon: DEFAULT_DAEMON_NAME })).toBe(torrentBytes);
    } finally {
      await client.close();
    }
    expect(exporter.logLines().some((line) => line.level === 'warn' || line.level === 'error')).toBe(false);
  });
});
