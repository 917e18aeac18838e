import { afterAll, describe, expect, it } from 'vitest';
import { connectClient } from '../harness/clients.js';
import { startDaemon, stopAllDaemons } from '../harness/daemon.js';
import { knownAccountLevels } from '../harness/deluge-calls.js';
import { findFreePort } from '../harness/ports.js';
import { startExporter, stopAllExporters } from '../support/exporter-process.js';
import { findSamples } from '../support/exposition.js';

afterAll(async () => {
  await stopAllExporters();
  await stopAllDaemons();
});

describe('drop-in for tobbez/deluge_exporter: its environment, no flags, no config file', () => {
  it('DELUGE_HOST/PORT/USER/PASSWORD, LISTEN_ADDRESS/PORT, LOG_LEVEL, PER_TORRENT_METRICS=0', async () => {
    const daemon = await startDaemon();
    const listenPort = await findFreePort();
    const exporter = await startExporter({
      noDefaultFlags: true,
      env: {
        DELUGE_HOST: daemon.host,
        DELUGE_PORT: String(daemon.port),
        DELUGE_USER: daemon.admin.username,
        DELUGE_PASSWORD: daemon.admin.password,
        LISTEN_ADDRESS: '127.0.0.1',
        LISTEN_PORT: String(listenPort),
        LOG_LEVEL: 'INFO',
        PER_TORRENT_METRICS: '0',
      },
    });
    expect(exporter.port).toBe(listenPort);
    const result = await exporter.scrape();
    const label = `${daemon.host}:${daemon.port}`;
    expect(findSamples(result.exposition, 'deluge_up', { daemon: label }).map((sample) => sample.value)).toEqual([1]);
    expect(result.exposition.families.has('deluge_torrent_info')).toBe(false);
    expect(exporter.logLines().find((line) => line.msg === 'listening')).toMatchObject({
      level: 'info',
      port: listenPort,
    });
    expect(exporter.output()).not.toContain(daemon.admin.password);
  });

  it('the embedded default: localclient from auth and the port from core.conf in DELUGE_CONFIG_DIR', async () => {
    const port = await findFreePort();
    const daemon = await startDaemon({
      port,
      coreConfig: { daemon_port: port },
      // First in the auth file and at another level: the exporter's login level says which one it used.
      accounts: [
        { username: 'user5', password: 'user5-Secret-7', level: 5 },
        { username: 'localclient', password: 'lc-Secret-7', level: 10 },
      ],
    });
    const exporter = await startExporter({
      noDefaultFlags: true,
      env: {
        DELUGE_CONFIG_DIR: daemon.configDir,
        LISTEN_ADDRESS: '127.0.0.1',
        LISTEN_PORT: String(await findFreePort()),
      },
    });
    const result = await exporter.scrape();
    expect(
      findSamples(result.exposition, 'deluge_up', { daemon: `127.0.0.1:${port}` }).map((sample) => sample.value),
    ).toEqual([1]);
    const client = await connectClient(daemon);
    try {
      const levels = await knownAccountLevels(client);
      expect(levels).toMatchObject({ user5: 5, localclient: 10 });
      expect(
        findSamples(result.exposition, 'deluge_login_auth_level', { daemon: `127.0.0.1:${port}` }).map((s) => s.value),
      ).toEqual([levels.localclient]);
    } finally {
      await client.close();
    }
    expect(exporter.output()).not.toContain('lc-Secret-7');
  });
});
