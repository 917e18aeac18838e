import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DaemonHandle, startDaemon, stopAllDaemons } from '../harness/daemon.js';
import {
  type ExporterHandle,
  exporterConfigYaml,
  type ScrapeResult,
  startExporter,
  stopAllExporters,
} from '../support/exporter-process.js';
import { findSamples, sampleValue } from '../support/exposition.js';

const RELOAD_METRIC = 'deluge_exporter_config_last_reload_successful';

/** Scrapes `/metrics` until `done` holds for the result. @throws Error naming `what` after `timeoutMs` */
async function scrapeUntil(
  exporter: ExporterHandle,
  what: string,
  done: (result: ScrapeResult) => boolean,
  timeoutMs = 20_000,
): Promise<ScrapeResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await exporter.scrape();
    if (result.status === 200 && done(result)) return result;
    if (Date.now() >= deadline) throw new Error(`timed out waiting for: ${what}\n${exporter.output().slice(-2000)}`);
    await sleep(200);
  }
}

/** `deluge_up` of `daemon`, `undefined` when the daemon is not exported. */
function up(result: ScrapeResult, daemon: string): number | undefined {
  return findSamples(result.exposition, 'deluge_up', { daemon })[0]?.value;
}

describe('configuration reload of the exporter process', () => {
  let daemonA: DaemonHandle;
  let daemonB: DaemonHandle;
  let exporter: ExporterHandle;
  let configPath: string;

  beforeAll(async () => {
    [daemonA, daemonB] = await Promise.all([startDaemon(), startDaemon()]);
    exporter = await startExporter({
      configYaml: exporterConfigYaml([{ name: 'a', daemon: daemonA }]),
      args: ['--web.enable-lifecycle'],
    });
    configPath = exporter.configPath ?? '';
  });

  afterAll(async () => {
    await stopAllExporters();
    await stopAllDaemons();
  });

  it('SIGHUP adds a daemon; a broken file keeps the old config and sets the metric to 0; POST /-/reload recovers', async () => {
    const pid = exporter.pid;
    expect(pid).toBeTypeOf('number');
    const start = await exporter.scrape();
    expect([up(start, 'a'), up(start, 'b'), sampleValue(start.exposition, RELOAD_METRIC)]).toEqual([1, undefined, 1]);

    const both = exporterConfigYaml([
      { name: 'a', daemon: daemonA },
      { name: 'b', daemon: daemonB },
    ]);
    writeFileSync(configPath, both);
    // A scrape running while the reload happens finishes on the old connection, not as deluge_up 0.
    const during = exporter.scrape();
    process.kill(pid as number, 'SIGHUP');
    expect(up(await during, 'a')).toBe(1);
    const reloaded = await scrapeUntil(exporter, 'daemon b after SIGHUP', (result) => up(result, 'b') !== undefined);
    expect([up(reloaded, 'a'), up(reloaded, 'b'), sampleValue(reloaded.exposition, RELOAD_METRIC)]).toEqual([1, 1, 1]);
    expect(exporter.logLines().find((line) => line.msg === 'config reloaded')).toMatchObject({
      level: 'info',
      daemons: ['a', 'b'],
    });
    // Daemon a's settings did not change: its logged-in connection was kept, not opened again.
    const connectedA = exporter.logLines().filter((line) => line.msg === 'connected to daemon' && line.daemon === 'a');
    expect(connectedA).toHaveLength(1);
    expect((await exporter.scrape('/probe?target=b')).status).toBe(200);

    const secret = daemonB.admin.password;
    writeFileSync(configPath, both.replace(`"port": ${daemonB.port}`, '"port": "not-a-port"'));
    process.kill(pid as number, 'SIGHUP');
    const broken = await scrapeUntil(exporter, 'the reload metric at 0', (result) => {
      return sampleValue(result.exposition, RELOAD_METRIC) === 0;
    });
    expect([up(broken, 'a'), up(broken, 'b')]).toEqual([1, 1]);
    const failure = exporter.logLines().find((line) => line.msg === 'config reload failed');
    expect(failure).toMatchObject({ level: 'error', err: { type: 'ConfigError' } });
    expect(JSON.stringify(failure)).toContain('daemons[1].port');

    const rejected = await fetch(`${exporter.url}/-/reload`, { method: 'POST' });
    const rejection = await rejected.text();
    expect(rejected.status).toBe(500);
    expect(rejection).toBe(`${configPath}: daemons[1].port: expected integer 1..65535, got "not-a-port"\n`);
    expect(rejection).not.toContain(secret);

    writeFileSync(configPath, both);
    const accepted = await fetch(`${exporter.url}/-/reload`, { method: 'POST' });
    expect([accepted.status, await accepted.text()]).toEqual([200, 'ok\n']);
    const recovered = await exporter.scrape();
    expect([up(recovered, 'a'), up(recovered, 'b'), sampleValue(recovered.exposition, RELOAD_METRIC)]).toEqual([
      1, 1, 1,
    ]);
    expect(exporter.output()).not.toContain(secret);
    expect(exporter.output()).not.toContain(daemonA.admin.password);
  });
});
