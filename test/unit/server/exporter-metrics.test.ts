import { describe, expect, it } from 'vitest';
import { ExporterMetrics } from '../../../src/exporter/metrics.js';
import { promtoolCheckMetrics } from '../../support/promtool.js';

describe('ExporterMetrics', () => {
  it('counts what the client instrumentation reports, per daemon', async () => {
    const metrics = new ExporterMetrics({ version: '9.9.9', nodeVersion: 'v20.0.0', defaultMetrics: false });
    const seedbox = metrics.instrumentationFor('seedbox');
    metrics.instrumentationFor('nas');
    seedbox.request?.('daemon.login');
    seedbox.request?.('daemon.login');
    seedbox.error?.('daemon.login', 'auth');
    seedbox.sentBytes?.(120);
    seedbox.sentBytes?.(30);
    seedbox.receivedBytes?.(4096);
    seedbox.reconnect?.();
    metrics.scrapeCoalesced();
    metrics.configLoaded(true);
    const text = await metrics.registry.metrics();
    for (const line of [
      'deluge_exporter_build_info{version="9.9.9",node_version="v20.0.0"} 1',
      'deluge_exporter_rpc_requests_total{daemon="seedbox",method="daemon.login"} 2',
      'deluge_exporter_rpc_errors_total{daemon="seedbox",method="daemon.login",error="auth"} 1',
      'deluge_exporter_rpc_sent_bytes_total{daemon="seedbox"} 150',
      'deluge_exporter_rpc_received_bytes_total{daemon="seedbox"} 4096',
      'deluge_exporter_reconnects_total{daemon="seedbox"} 1',
      'deluge_exporter_rpc_sent_bytes_total{daemon="nas"} 0',
      'deluge_exporter_reconnects_total{daemon="nas"} 0',
      'deluge_exporter_scrapes_coalesced_total 1',
      'deluge_exporter_config_last_reload_successful 1',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
    expect(text).toContain('# TYPE deluge_exporter_rpc_requests_total counter');
    expect(text).not.toContain('process_');
  });

  it('records a failed config load as 0', async () => {
    const metrics = new ExporterMetrics({ defaultMetrics: false });
    metrics.configLoaded(false);
    expect((await metrics.registry.metrics()).split('\n')).toContain('deluge_exporter_config_last_reload_successful 0');
  });

  it('includes the default process and Node.js metrics unless switched off', async () => {
    const text = await new ExporterMetrics().registry.metrics();
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text).toContain('# TYPE nodejs_heap_size_used_bytes gauge');
  });

  it('passes promtool check metrics with the default process and Node.js metrics', async () => {
    const metrics = new ExporterMetrics();
    metrics.instrumentationFor('seedbox').request?.('daemon.info');
    const text = await metrics.registry.metrics();
    expect(text).toContain('nodejs_active_handles{');
    expect(promtoolCheckMetrics(text)).toEqual({ status: 0, output: '' });
  });
});
