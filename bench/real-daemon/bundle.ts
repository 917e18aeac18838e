/**
 * The bundle(s) the exporter sends in a steady-state scrape, recorded from the exporter's own scraper
 * (in this process, untimed), so the bare client times exactly what the exporter asks for.
 */
import { createScraper } from '../../src/collector/scraper.js';
import { ExporterMetrics } from '../../src/exporter/metrics.js';
import { createLogger } from '../../src/log/logger.js';
import { DelugeClient } from '../../src/rpc/client.js';
import type { CallOptions, RpcRequest, SettledTuple } from '../../src/rpc/types.js';
import { configFromYaml } from '../../test/support/config.js';

/** Scrapes before the recorded one: the first learns save paths and whether the torrents are over the cap. */
const SETTLING_SCRAPES = 2;

class RecordingClient extends DelugeClient {
  readonly bundles: RpcRequest[][] = [];

  override callMany<const R extends readonly RpcRequest[]>(
    requests: R,
    options?: CallOptions,
  ): Promise<SettledTuple<R>> {
    this.bundles.push([...requests]);
    return super.callMany(requests, options);
  }
}

/** The bundles of one steady-state scrape with the exporter configuration `configYaml` (one daemon). */
export async function steadyStateBundles(configYaml: string): Promise<RpcRequest[][]> {
  const config = configFromYaml(configYaml);
  let client: RecordingClient | undefined;
  const scraper = createScraper({
    config,
    logger: createLogger({ level: 'error' }),
    exporterMetrics: new ExporterMetrics({ defaultMetrics: false }),
    clientFactory: (options) => {
      client = new RecordingClient(options);
      return client;
    },
  });
  try {
    for (let i = 0; i < SETTLING_SCRAPES; i++) await scraper.scrape({});
    const recorder = client;
    if (recorder === undefined) throw new Error('the scraper made no client');
    recorder.bundles.length = 0;
    await scraper.scrape({});
    return [...recorder.bundles];
  } finally {
    await scraper.close();
  }
}
