import { afterAll, describe, expect, it } from 'vitest';
import { startDaemon, stopAllDaemons } from '../harness/daemon.js';
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
      accounts: [
        { username: 'localclient', password: 'lc-Secret-7', level: 10 },
        { username: 'admin', password: 'admin-Secret-7', level: 10 },
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
    expect(exporter.output()).not.toContain('lc-Secret-7');
  });
});
