/**
 * Whatever one daemon answers, `/metrics` is HTTP 200 with every other daemon intact, and the
 * exposition never holds two samples with the same name and labels (checked with a parser over the
 * real output: promtool does not catch duplicates).
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_LABEL_VALUE_LENGTH } from '../../../src/collector/families.js';
import type { RencodeInput } from '../../../src/rpc/rencode.js';
import { configFromYaml } from '../../support/config.js';
import { startExporterApp } from '../../support/exporter-app.js';
import { findSamples, type ParsedExposition, parseExposition, sampleValue } from '../../support/exposition.js';
import { type FakeDaemon, startFakeDaemon } from '../../support/fake-daemon.js';
import { type DaemonFixture, fixtureHandlers, loadFixture } from './fixtures.js';

const fixture = loadFixture('daemon-healthy');
const torrents = fixture['core.get_torrents_status'] as Record<string, Record<string, unknown>>;
const [firstId = ''] = Object.keys(torrents);
/** Text that does not compress, so the RPC client's inflate-ratio limit lets it through to the collectors. */
const noise = (chars: number) =>
  randomBytes(Math.ceil((chars * 3) / 4))
    .toString('base64')
    .slice(0, chars);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function daemonAnswering(answers: DaemonFixture): Promise<FakeDaemon> {
  const daemon = await startFakeDaemon({ handlers: fixtureHandlers(answers) });
  cleanups.push(() => daemon.close());
  return daemon;
}

async function scrapeBoth(hostile: DaemonFixture) {
  const good = await daemonAnswering(fixture);
  const bad = await daemonAnswering(hostile);
  const entry = (name: string, port: number) =>
    [`  - name: ${name}`, `    port: ${port}`, '    username: admin', '    password: admin-secret'].join('\n');
  const config = configFromYaml(
    ['libtorrent_stats: true', 'daemons:', entry('good', good.port), entry('bad', bad.port)].join('\n'),
  );
  const app = await startExporterApp(config, () => 1_795_466_400_000);
  cleanups.push(() => app.close());
  const responses = [];
  for (let i = 0; i < 2; i++) responses.push(await fetch(`${app.baseUrl}/metrics`));
  const last = responses.at(-1) as Response;
  return { statuses: responses.map((r) => r.status), exposition: parseExposition(await last.text()), app };
}

/** Samples of daemon `daemon` as `name{labels} value` lines, for comparing one daemon across runs. */
function daemonSamples(exposition: ParsedExposition, daemon: string): string[] {
  return exposition.samples
    .filter((sample) => sample.labels.daemon === daemon && !sample.name.startsWith('deluge_exporter_'))
    .filter((sample) => sample.name !== 'deluge_scrape_duration_seconds')
    .map((sample) => `${sample.name}${JSON.stringify(sample.labels)} ${sample.value}`);
}

function expectNoDuplicateSeries(exposition: ParsedExposition): void {
  const keys = exposition.samples.map((s) => JSON.stringify([s.name, Object.entries(s.labels).sort()]));
  const duplicates = keys.filter((key, index) => keys.indexOf(key) !== index);
  expect(duplicates).toEqual([]);
}

const withSession = (status: Record<string, RencodeInput>): DaemonFixture => ({
  ...fixture,
  'core.get_session_status': { ...(fixture['core.get_session_status'] as Record<string, RencodeInput>), ...status },
});
const withTorrents = (answer: unknown): DaemonFixture => ({ ...fixture, 'core.get_torrents_status': answer });

const hostileAnswers: Record<string, { answers: DaemonFixture; failed: string[] }> = {
  'libtorrent keys that conflict with a table counter': {
    answers: withSession({ 'dht.dht_bytes_in': 1, 'dht.dht_bytes_in_total': 2 }),
    failed: ['libtorrent'],
  },
  'libtorrent keys that collide after sanitising': {
    answers: withSession({ 'x.a-b': 1, 'x.a_b': 2 }),
    failed: ['libtorrent'],
  },
  'absurd session values (infinite, NaN, 10^62)': {
    answers: withSession({
      'net.recv_bytes': Number.POSITIVE_INFINITY,
      'net.sent_bytes': Number.NaN,
      'peer.num_peers_connected': 10n ** 62n,
      'dht.dht_nodes': -Number.MAX_VALUE,
    }),
    failed: [],
  },
  'torrent ids that are not 40 lowercase hex, one of 3 MB': {
    answers: withTorrents({ ...torrents, [noise(3_000_000)]: { state: 'Seeding' }, ABC: { state: 'Paused' } }),
    failed: [],
  },
  'label values of 1 MB (torrent name, tracker, label, save path)': {
    answers: withTorrents({
      ...torrents,
      [firstId]: {
        ...torrents[firstId],
        name: noise(1_000_000),
        tracker_host: noise(1_000_000),
        label: noise(1_000_000),
        download_location: `/${noise(1_000_000)}`,
      },
    }),
    failed: ['disk'], // the fixture calls that path invalid (−1)
  },
  'a torrent list where a dict belongs': { answers: withTorrents([1, 2, 3]), failed: ['torrents', 'trackers'] },
  'a session status that is a string': {
    answers: { ...fixture, 'core.get_session_status': 'x'.repeat(100_000) },
    failed: ['session', 'libtorrent'],
  },
};

describe('one daemon cannot take the response down', async () => {
  const baseline = await (async () => {
    const { exposition } = await scrapeBoth(fixture);
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
    return daemonSamples(exposition, 'good');
  })();

  for (const [name, { answers, failed }] of Object.entries(hostileAnswers)) {
    it(`${name}: 200, the other daemon intact, no duplicate series, the failing collector 0`, async () => {
      const { statuses, exposition } = await scrapeBoth(answers);
      expect(statuses).toEqual([200, 200]);
      expect(daemonSamples(exposition, 'good')).toEqual(baseline);
      expectNoDuplicateSeries(exposition);
      for (const collector of failed) {
        expect(sampleValue(exposition, 'deluge_scrape_collector_success', { daemon: 'bad', collector })).toBe(0);
      }
      const succeeded = findSamples(exposition, 'deluge_scrape_collector_success', { daemon: 'bad' }).filter(
        (sample) => !failed.includes(sample.labels.collector ?? ''),
      );
      expect(succeeded.map((sample) => [sample.labels.collector, sample.value]).filter(([, v]) => v !== 1)).toEqual([]);
      for (const sample of exposition.samples) {
        for (const value of Object.values(sample.labels))
          expect(value.length).toBeLessThanOrEqual(MAX_LABEL_VALUE_LENGTH);
      }
    });
  }
});
