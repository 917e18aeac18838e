import { describe, expect, it } from 'vitest';
import { initialMemory, scrapeDaemon } from '../../../src/collector/daemon-scrape.js';
import { eventFamily } from '../../../src/collector/events.js';
import { renderFamilies } from '../../../src/collector/exposition.js';
import { healthFamilies } from '../../../src/collector/health.js';
import { LIBTORRENT_METRIC_TYPES } from '../../../src/collector/libtorrent-metric-types.js';
import { libtorrentFamilies } from '../../../src/collector/session.js';
import type { MetricFamily } from '../../../src/collector/types.js';
import type { ExporterConfig } from '../../../src/config/types.js';
import { promtoolCheckMetrics } from '../../support/promtool.js';
import { fakeCallMany, loadFixture, testConfig } from './fixtures.js';

const fixture = loadFixture('daemon-healthy');

/** A full daemon exposition: collectors plus the health and event families the scrape orchestration adds. */
async function daemonExposition(config: ExporterConfig, failing: ReadonlySet<string> = new Set()): Promise<string> {
  const { callMany } = fakeCallMany(fixture, failing);
  const ctx = { daemon: 'deluge-1:58846', scrapeTimeSeconds: 1795466400, config };
  const warm = await scrapeDaemon(callMany, ctx, initialMemory);
  const result = await scrapeDaemon(callMany, ctx, warm.memory);
  const families: MetricFamily[] = [
    ...healthFamilies({
      daemon: ctx.daemon,
      up: result.requiredOk,
      durationSeconds: 0.125,
      collectorSuccess: result.collectorSuccess,
      authLevel: 10,
    }),
    ...result.families,
    eventFamily(ctx.daemon, { added: 8, state_changed: 14, errored: 1, finished: 2 }),
  ];
  return renderFamilies(families);
}

const cases: Record<string, () => Promise<string>> = {
  'healthy-daemon': () => daemonExposition(testConfig({ libtorrentStats: true })),
  'per-torrent-capped': () =>
    daemonExposition(testConfig({ perTorrent: { ...testConfig().perTorrent, maxTorrents: 3 } })),
  'failed-optional-collector': () =>
    daemonExposition(
      testConfig({ disk: { maxPaths: 32, extraPaths: ['/srv/missing'] } }),
      new Set(['core.get_enabled_plugins', 'core.get_free_space(/mnt/seed)']),
    ),
  'daemon-down': () =>
    renderFamilies([
      ...healthFamilies({ daemon: 'deluge-1:58846', up: false, durationSeconds: 9.5, collectorSuccess: {} }),
      eventFamily('deluge-1:58846', {}),
    ]),
};

describe('golden exposition', () => {
  for (const [name, render] of Object.entries(cases)) {
    it(`${name} matches test/golden/${name}.prom and passes promtool check metrics`, async () => {
      const text = await render();
      await expect(text).toMatchFileSnapshot(`../../golden/${name}.prom`);
      expect(promtoolCheckMetrics(text)).toEqual({ status: 0, output: '' });
    });
  }

  it('names every libtorrent metric of the table in a way promtool accepts', async () => {
    const everyKey = Object.fromEntries([...LIBTORRENT_METRIC_TYPES.keys()].map((key) => [key, 0]));
    const families = libtorrentFamilies(everyKey, 'd1', LIBTORRENT_METRIC_TYPES);
    expect(families).toHaveLength(LIBTORRENT_METRIC_TYPES.size);
    expect(promtoolCheckMetrics(await renderFamilies(families))).toEqual({ status: 0, output: '' });
  });
});
