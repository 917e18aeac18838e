import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createScraper } from '../../src/collector/scraper.js';
import type { ExporterConfig } from '../../src/config/types.js';
import { ExporterMetrics } from '../../src/exporter/metrics.js';
import { createLogger } from '../../src/log/logger.js';
import { createApp, listen } from '../../src/server.js';

/** The real HTTP app and scraper in this process, on a free loopback port. */
export interface ExporterApp {
  readonly baseUrl: string;
  readonly exporterMetrics: ExporterMetrics;
  /** Parsed JSON log lines so far. */
  readonly logLines: Record<string, unknown>[];
  close(): Promise<void>;
}

/** Starts the app for `config`, without the process and Node.js default metrics; `now` fixes the clock. */
export async function startExporterApp(config: ExporterConfig, now?: () => number): Promise<ExporterApp> {
  const logLines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line !== '') logLines.push(JSON.parse(line));
      done();
    },
  });
  const logger = createLogger({ level: 'debug', destination });
  const exporterMetrics = new ExporterMetrics({ defaultMetrics: false });
  const scraper = createScraper({ config, logger, exporterMetrics, ...(now === undefined ? {} : { now }) });
  const app = createApp({
    current: () => ({ config, scraper }),
    reload: async () => ({ ok: true }),
    exporterMetrics,
    logger,
    ready: () => true,
  });
  const server: Server = await listen(app, { host: '127.0.0.1', port: 0 });
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exporterMetrics,
    logLines,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await scraper.close();
    },
  };
}
