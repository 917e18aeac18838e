import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAllDaemons } from '../harness/daemon.js';
import { startTransferPair, type TransferPair } from '../harness/transfer.js';
import {
  type ExporterHandle,
  exporterConfigYaml,
  startExporter,
  stopAllExporters,
} from '../support/exporter-process.js';
import { multiTargetConfig, type PrometheusHandle, queryUntil, startPrometheus } from '../support/prometheus.js';

// About 25 s at the limit: long enough for Prometheus to see the download in progress.
const RATE_LIMIT_KIB = 320;
const TRANSFER_BYTES = 25 * RATE_LIMIT_KIB * 1024;
const DAEMONS = ['seeder', 'leecher'];

describe('a real Prometheus scraping the exporter', () => {
  let pair: TransferPair;
  let exporter: ExporterHandle;
  let prometheus: PrometheusHandle;

  beforeAll(async () => {
    pair = await startTransferPair({ sizeBytes: TRANSFER_BYTES, rateLimitKiB: RATE_LIMIT_KIB });
    exporter = await startExporter({
      configYaml: exporterConfigYaml([
        { name: 'seeder', daemon: pair.seeder },
        { name: 'leecher', daemon: pair.leecher },
      ]),
    });
    prometheus = await startPrometheus(multiTargetConfig(`127.0.0.1:${exporter.port}`, DAEMONS));
  }, 90_000);

  afterAll(async () => {
    await prometheus?.stop();
    await exporter?.stop();
    await stopAllExporters();
    await pair?.close();
    await stopAllDaemons();
  });

  it('scrapes /metrics and both /probe targets, and sees deluge_up 1 for both daemons from both jobs', async () => {
    const up = await queryUntil(prometheus, 'deluge_up == 1', (result) => result.length === 4);
    const seen = up.map((sample) => `${sample.metric.job} ${sample.metric.daemon} ${sample.metric.instance}`).sort();
    const exporterInstance = `127.0.0.1:${exporter.port}`;
    expect(seen).toEqual([
      `deluge-exporter leecher ${exporterInstance}`,
      `deluge-exporter seeder ${exporterInstance}`,
      'deluge-probe leecher leecher',
      'deluge-probe seeder seeder',
    ]);
    const targets = await prometheus.targets();
    expect(targets.map((target) => [target.labels.job, target.health, target.lastError]).sort()).toEqual([
      ['deluge-exporter', 'up', ''],
      ['deluge-probe', 'up', ''],
      ['deluge-probe', 'up', ''],
    ]);
    expect(targets.map((target) => target.scrapeUrl).sort()).toEqual([
      `http://${exporterInstance}/metrics`,
      `http://${exporterInstance}/probe?target=leecher`,
      `http://${exporterInstance}/probe?target=seeder`,
    ]);
    // /probe answers carry only their own daemon and none of the exporter's own metrics.
    const probeBuildInfo = await prometheus.query('deluge_exporter_build_info{job="deluge-probe"}');
    expect(probeBuildInfo).toEqual([]);
    const probeLeecher = await prometheus.query(
      'count by (daemon) (deluge_up{job="deluge-probe", instance="leecher"})',
    );
    expect(probeLeecher.map((sample) => sample.metric.daemon)).toEqual(['leecher']);
  });

  it('shows a positive received-payload rate on the downloading daemon during the throttled transfer', async () => {
    const promql = 'rate(deluge_session_received_payload_bytes_total{daemon="leecher"}[5s])';
    const rates = await queryUntil(
      prometheus,
      promql,
      (result) => result.length === 2 && result.every((sample) => sample.value > 0),
      25_000,
    );
    const progress = await pair.waitForProgress(0);
    expect(progress.progress, 'the transfer was still running').toBeLessThan(100);
    for (const sample of rates) {
      // libtorrent's limiter is approximate; three times the limit would mean it is not applied.
      expect(sample.value).toBeLessThan(3 * RATE_LIMIT_KIB * 1024);
    }
    const seederRate = await prometheus.query(
      'rate(deluge_session_received_payload_bytes_total{daemon="seeder", job="deluge-exporter"}[5s])',
    );
    expect(seederRate.map((sample) => sample.value)).toEqual([0]);
  });
});
