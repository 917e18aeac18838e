import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DaemonSession, type TraceEntry } from '../../../src/collector/daemon-session.js';
import type { MetricFamily } from '../../../src/collector/types.js';
import { ExporterMetrics } from '../../../src/exporter/metrics.js';
import { createLogger } from '../../../src/log/logger.js';
import { EncodedRencode, type RencodeInput } from '../../../src/rpc/rencode.js';
import { configFromYaml } from '../../support/config.js';
import { type FakeDaemon, startFakeDaemon } from '../../support/fake-daemon.js';
import { type DaemonFixture, findFamily, fixtureHandlers, loadFixture, valuesBy } from './fixtures.js';

const fixture = loadFixture('daemon-healthy');
const PATHS = ['/downloads', '/mnt/done', '/downloads/other', '/mnt/seed'];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

interface Options {
  readonly yaml?: string;
  readonly failing?: readonly string[];
  readonly answers?: DaemonFixture;
}

async function sessionWith({ yaml = '', failing = [], answers = fixture }: Options = {}) {
  const daemon: FakeDaemon = await startFakeDaemon({ handlers: fixtureHandlers(answers, new Set(failing)) });
  cleanups.push(() => daemon.close());
  const config = configFromYaml(
    [
      'daemons:',
      '  - name: d1',
      `    port: ${daemon.port}`,
      '    username: admin',
      '    password: admin-secret',
      yaml,
    ].join('\n'),
  );
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  const exporterMetrics = new ExporterMetrics({ defaultMetrics: false });
  const session = new DaemonSession({
    daemon: config.daemons[0] as (typeof config.daemons)[number],
    config,
    logger: createLogger({ level: 'debug', destination }),
    exporterMetrics,
  });
  cleanups.push(() => session.close());
  /** The calls of each status or follow-up bundle (logins and `daemon.info` before login left out). */
  const bundles = () =>
    daemon.messages
      .map((message) => message.requests.filter((r) => r.method.startsWith('core.') || message.requests.length > 1))
      .filter((requests) => requests.length > 0);
  return { daemon, session, lines, exporterMetrics, bundles };
}

const success = (families: readonly MetricFamily[]) =>
  valuesBy(findFamily(families, 'deluge_scrape_collector_success'), 'collector');
const up = (families: readonly MetricFamily[]) => findFamily(families, 'deluge_up').samples[0]?.value;
const freeSpacePaths = (requests: readonly { method: string; args: readonly unknown[] }[] | undefined) =>
  (requests ?? []).filter((r) => r.method === 'core.get_free_space').map((r) => r.args[0]);

/** Spies on every answer kept encoded: when it is decoded, when it is released. */
function spyOnEncodedAnswers() {
  const release = vi.spyOn(EncodedRencode.prototype, 'release');
  const decode = vi.spyOn(EncodedRencode.prototype, 'decode');
  cleanups.push(async () => {
    release.mockRestore();
    decode.mockRestore();
  });
  return { release, decode };
}

describe('DaemonSession answers', () => {
  it('releases every answer kept encoded once the scrape has read it, and reads it before', async () => {
    const { release, decode } = spyOnEncodedAnswers();
    const { session } = await sessionWith({ yaml: 'per_torrent: { enabled: true }' });
    const families = await session.scrape(5);
    expect(up(families)).toBe(1);
    // The torrents' status answer: decoded for the per-torrent series, then released, once.
    expect(release).toHaveBeenCalledTimes(1);
    expect(decode.mock.invocationCallOrder[0]).toBeLessThan(release.mock.invocationCallOrder[0] as number);
    expect(findFamily(families, 'deluge_torrent_ratio').samples.length).toBeGreaterThan(0);
    // Under the cap now, the next answer is asked for decoded: nothing kept, nothing to release.
    await session.scrape(5);
    expect(release).toHaveBeenCalledTimes(1);
  });

  it('releases the answer of every aggregates-only scrape, which is only visited, never decoded', async () => {
    const { release, decode } = spyOnEncodedAnswers();
    const { session } = await sessionWith({ yaml: 'per_torrent: { enabled: false }' });
    for (let scrape = 1; scrape <= 3; scrape++) {
      expect(up(await session.scrape(5))).toBe(1);
      expect(release).toHaveBeenCalledTimes(scrape);
    }
    expect(decode).not.toHaveBeenCalled();
  });
});

describe('DaemonSession bundles', () => {
  it('sends every collector in ONE bundle, shared calls once, then one follow-up for new paths only', async () => {
    const { session, bundles } = await sessionWith({ yaml: 'libtorrent_stats: true' });
    const first = await session.scrape(5);
    const [status, followUp] = bundles();
    expect(status?.map((r) => r.method).sort()).toEqual([
      'core.get_config_values',
      'core.get_enabled_plugins',
      'core.get_libtorrent_version',
      'core.get_session_status',
      'core.get_torrents_status',
      'core.is_session_paused',
      'daemon.info',
    ]);
    // session keys ∪ every key (libtorrent) = every key; settings and disk config keys united
    expect(status?.find((r) => r.method === 'core.get_session_status')?.args).toEqual([[]]);
    expect(status?.find((r) => r.method === 'core.get_config_values')?.args[0]).toEqual(
      expect.arrayContaining(['download_location', 'move_completed_path', 'max_upload_speed']),
    );
    expect(freeSpacePaths(followUp)).toEqual(PATHS);
    expect(up(first)).toBe(1);
    expect(success(first)).toEqual({
      disk: 1,
      info: 1,
      libtorrent: 1,
      session: 1,
      settings: 1,
      torrents: 1,
      trackers: 1,
    });
    // the torrents, disk and trackers collectors share one core.get_torrents_status
    expect(status?.find((r) => r.method === 'core.get_torrents_status')?.args[1]).toEqual(
      expect.arrayContaining(['state', 'download_location', 'tracker_status', 'upload_payload_rate']),
    );

    const second = await session.scrape(5);
    expect(bundles()).toHaveLength(3);
    expect(freeSpacePaths(bundles()[2])).toEqual(PATHS);
    expect(second.map((f) => f.name)).toEqual(first.map((f) => f.name));
  });

  it('asks only for aggregate keys while over the per-torrent cap, and for the rest once the torrents fit', async () => {
    const { session, bundles, daemon } = await sessionWith({ yaml: 'per_torrent: { max_torrents: 3 }' });
    const capped = await session.scrape(5);
    expect(valuesBy(findFamily(capped, 'deluge_torrent_series_capped'))).toEqual({ '': 1 });
    const torrentKeys = (bundle: number) =>
      bundles()[bundle]?.find((r) => r.method === 'core.get_torrents_status')?.args[1] as string[];
    const full = torrentKeys(0);
    await session.scrape(5);
    const aggregateOnly = torrentKeys(2);
    expect(aggregateOnly.length).toBeLessThan(full.length);
    expect(aggregateOnly).not.toContain('eta');
    // the torrents now fit: the follow-up fetches the per-torrent keys
    const few = structuredClone(fixture);
    const statuses = few['core.get_torrents_status'] as Record<string, unknown>;
    for (const id of Object.keys(statuses).slice(3)) delete statuses[id];
    daemon.setHandler('core.get_torrents_status', () => statuses as RencodeInput);
    const fits = await session.scrape(5);
    const last = bundles().at(-1);
    expect(last?.map((r) => r.method)).toEqual(['core.get_torrents_status']);
    expect(last?.[0]?.args[1]).toEqual(full);
    expect(findFamily(fits, 'deluge_torrent_info').samples).toHaveLength(3);
  });
});

describe('DaemonSession failures', () => {
  it('fails only the optional collector whose call failed, keeping what it could still derive', async () => {
    const { session } = await sessionWith({ failing: ['core.get_enabled_plugins', 'core.get_libtorrent_version'] });
    const families = await session.scrape(5);
    expect(up(families)).toBe(1);
    expect(success(families)).toMatchObject({ settings: 0, info: 0, session: 1, torrents: 1, disk: 1 });
    expect(families.some((f) => f.name === 'deluge_info')).toBe(false);
    expect(findFamily(families, 'deluge_session_paused').samples).toHaveLength(1);
    expect(session.status).toMatchObject({ up: true, torrentCount: 8, authLevel: 10 });
  });

  it('is down when a required call fails, with every collector reported', async () => {
    const { session, lines } = await sessionWith({ failing: ['core.get_torrents_status'] });
    for (let i = 0; i < 3; i++) expect(up(await session.scrape(5))).toBe(0);
    const families = await session.scrape(5);
    expect(success(families)).toMatchObject({ torrents: 0, session: 1 });
    const loud = lines.filter((line) => line.level === 'error' || line.level === 'warn');
    expect(loud).toHaveLength(1);
    expect(JSON.stringify(loud[0])).toContain('core.get_torrents_status failed');
    expect(session.status.lastError?.detail).toContain('core.get_torrents_status failed');
  });

  it('turns a malformed answer into a failure of its collector, naming it', async () => {
    const { session } = await sessionWith({ answers: { ...fixture, 'core.get_torrents_status': 'not a dict' } });
    const families = await session.scrape(5);
    expect(success(families).torrents).toBe(0);
    expect(up(families)).toBe(0);
    expect(session.status.lastError).toMatchObject({
      type: 'UnexpectedAnswerError',
      category: 'unexpected answer',
      detail: 'core.get_torrents_status answered "not a dict", expected a dict of torrents',
    });
  });

  it('fails the libtorrent collector, not the daemon, when its names collide; one log line', async () => {
    const hostile = { ...fixture, 'core.get_session_status': { 'net.recv_bytes': 5, 'x.a-b': 1, 'x.a_b': 2 } };
    const { session, lines } = await sessionWith({ yaml: 'libtorrent_stats: true', answers: hostile });
    for (let i = 0; i < 3; i++) {
      const families = await session.scrape(5);
      expect(up(families)).toBe(1);
      expect(success(families)).toMatchObject({ libtorrent: 0, session: 1, torrents: 1 });
      expect(families.some((f) => f.name.startsWith('deluge_libtorrent_'))).toBe(false);
      expect(valuesBy(findFamily(families, 'deluge_session_received_bytes_total'))).toEqual({ '': 5 });
    }
    expect(lines.filter((line) => line.level === 'warn')).toHaveLength(1);
  });

  it('skips and counts torrent ids that are not 40 lowercase hex', async () => {
    const torrents = { ...(fixture['core.get_torrents_status'] as Record<string, unknown>) };
    torrents['not-a-hash'] = { state: 'Seeding' };
    torrents['A'.repeat(40)] = { state: 'Seeding' };
    const { session, exporterMetrics } = await sessionWith({
      answers: { ...fixture, 'core.get_torrents_status': torrents },
    });
    const families = await session.scrape(5);
    expect(findFamily(families, 'deluge_torrent_info').samples).toHaveLength(8);
    const text = await exporterMetrics.registry.getSingleMetricAsString('deluge_exporter_skipped_items_total');
    expect(text).toContain(
      'deluge_exporter_skipped_items_total{daemon="d1",collector="torrents",reason="invalid_id"} 2',
    );
  });
});

describe('DaemonSession trace', () => {
  it('records the calls, answer sizes, collectors and their families of one scrape', async () => {
    const { session } = await sessionWith({ failing: ['core.get_enabled_plugins'] });
    const entries: TraceEntry[] = [];
    await session.scrape(5, { record: (daemon, entry) => daemon === 'd1' && entries.push(entry) });
    const bundles = entries.filter((e) => e.kind === 'bundle');
    expect(bundles.map((e) => e.step)).toEqual(['status', 'follow-up']);
    const answers = entries.find((e) => e.kind === 'answers' && e.step === 'status');
    expect(answers?.kind === 'answers' && answers.results.find((r) => r.method === 'core.get_torrents_status')).toEqual(
      {
        method: 'core.get_torrents_status',
        ok: true,
        size: 8,
      },
    );
    const settings = entries.find((e) => e.kind === 'collector' && e.collector === 'settings');
    expect(settings).toMatchObject({ ok: false, problems: [expect.stringContaining('core.get_enabled_plugins')] });
  });
});

describe('DaemonSession logs', () => {
  const loud = (lines: Record<string, unknown>[]) => lines.filter((line) => line.level !== 'debug');

  it('logs a flapping daemon (logs in, then fails) once, without an info line per scrape', async () => {
    const { session, daemon, lines } = await sessionWith();
    daemon.setFault('core.get_torrents_status', { kind: 'drop' });
    for (let i = 0; i < 6; i++) expect(up(await session.scrape(5))).toBe(0);
    expect(daemon.logins).toBe(6);
    expect(loud(lines).map((line) => [line.level, line.msg])).toEqual([
      ['info', 'connected to daemon'],
      ['error', 'scrape of daemon failed; further failures are not logged until it recovers'],
    ]);
  });

  it('cuts daemon-supplied text short and never doubles a message', async () => {
    const huge = `/${'p'.repeat(20_000)}`;
    const { session, daemon, lines } = await sessionWith({ yaml: `disk: { extra_paths: ["${huge}"] }` });
    daemon.setHandler('core.get_enabled_plugins', () => {
      throw new Error(`plugin registry broken: ${randomBytes(500_000).toString('base64')}`);
    });
    await session.scrape(5);
    daemon.setHandler('core.get_torrents_status', () => {
      throw new Error(`torrent status unavailable ${randomBytes(500_000).toString('base64')}`);
    });
    await session.scrape(5);
    expect(loud(lines).length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      expect(JSON.stringify(line).length).toBeLessThan(3000);
      const message = String((line.error as { message?: string } | undefined)?.message ?? '');
      expect(message).not.toMatch(/(.{8,}): \1/);
    }
    expect(JSON.stringify(session.status).length).toBeLessThan(1000);
  });
});
