/**
 * What reading the tracker keys costs: `core.get_torrents_status` against a real deluged holding N
 * torrents whose trackers really answered (loopback trackers: announce OK, `Unregistered torrent`,
 * `Invalid passkey`, a refused port; a fifth paused without a tracker), asked with the exporter's
 * torrent keys without and with the keys the tracker metrics add. Run with
 * `npx tsx bench/tracker-status.ts --torrents 10000 --runs 15`; results go to docs/benchmarks.md.
 *
 * Per variant, interleaved so load changes hit both alike: wire bytes of the answer (zlib, as the
 * exporter reads them) and its rencoded size, wall time until the exporter's client has decoded it,
 * this process's CPU time for that, and the daemon's own CPU time for the call (from /proc).
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { DISK_TORRENT_KEYS } from '../src/collector/disk.js';
import { torrentKeys } from '../src/collector/torrents.js';
import { TRACKER_TORRENT_KEYS } from '../src/collector/trackers.js';
import { PER_TORRENT_FAMILIES } from '../src/config/per-torrent-families.js';
import { requests, type TorrentAddOptions } from '../src/rpc/api.js';
import { DelugeClient } from '../src/rpc/client.js';
import { encode, type RencodeInput } from '../src/rpc/rencode.js';
import { type DaemonHandle, startDaemon, stopAllDaemons } from '../test/harness/daemon.js';
import { makeTorrent } from '../test/harness/torrent.js';
import {
  failureReply,
  type LoopbackTracker,
  refusedAnnounceUrl,
  startTracker,
  stopAllTrackers,
  swarmReply,
} from '../test/harness/tracker.js';
import { configWithDaemons } from '../test/support/config.js';
import { median, positiveInteger } from './stats.js';

const { values } = parseArgs({
  options: {
    torrents: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '15' },
  },
});
const count = positiveInteger('--torrents', values.torrents);
const runs = positiveInteger('--runs', values.runs);

function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/**
 * The exporter's `core.get_torrents_status` keys (torrents, disk and trackers collectors united, as
 * the bundle sends them) over the per-torrent cap and below it; "before" leaves out what only the
 * tracker metrics read (the issue 11 change).
 */
function keySets(aggregatesOnly: boolean): { before: string[]; after: string[] } {
  const config = configWithDaemons([]);
  const withoutTrackerFamily = {
    ...config,
    perTorrent: {
      ...config.perTorrent,
      families: PER_TORRENT_FAMILIES.filter((family) => family !== 'tracker_error_info'),
    },
  };
  const union = (...lists: readonly (readonly string[])[]) => [...new Set(lists.flat())].sort();
  return {
    before: union(torrentKeys(withoutTrackerFamily, aggregatesOnly), DISK_TORRENT_KEYS),
    after: union(torrentKeys(config, aggregatesOnly), DISK_TORRENT_KEYS, TRACKER_TORRENT_KEYS),
  };
}

const VARIANTS = [
  { name: 'aggregates only (over the cap)', ...keySets(true) },
  { name: 'with per-torrent keys', ...keySets(false) },
];

type Role = 'ok' | 'unregistered' | 'passkey' | 'refused' | 'none';
const ROLES: readonly Role[] = ['ok', 'ok', 'ok', 'ok', 'ok', 'unregistered', 'passkey', 'refused', 'none', 'none'];

/** The daemon's CPU time so far (user + system), in milliseconds. */
function daemonCpuMs(daemon: DaemonHandle): number {
  const stat = readFileSync(`/proc/${daemon.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function fill(client: DelugeClient, urls: Record<Exclude<Role, 'none'>, string>): Promise<void> {
  const batch = 500;
  const started = Date.now();
  for (let first = 0; first < count; first += batch) {
    const adds = [];
    for (let index = first; index < Math.min(first + batch, count); index++) {
      const role = ROLES[index % ROLES.length] ?? 'none';
      const torrent = makeTorrent({
        name: `Some.Linux.Distribution.${index}.x86_64`,
        length: 1024,
        ...(role === 'none' ? {} : { announce: urls[role] }),
      });
      const options: TorrentAddOptions = role === 'none' ? { add_paused: true, auto_managed: false } : {};
      adds.push(
        requests.core.addTorrentFileAsync(
          `${torrent.infoHash}.torrent`,
          torrent.torrentBytes.toString('base64'),
          options,
          index === count - 1,
        ),
      );
    }
    const results = await client.callMany(adds, { signal: AbortSignal.timeout(300_000) });
    const failed = results.find((result) => !result.ok);
    if (failed !== undefined && !failed.ok) throw new Error(`deluged refused a torrent: ${failed.error.message}`);
    progress(`added ${Math.min(first + batch, count)}/${count} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
}

/** Waits until the trackers answered nearly every tracked torrent; returns the status histogram. */
async function settle(client: DelugeClient): Promise<Map<string, number>> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    const answer = await client.call(requests.core.getTorrentsStatus({}, ['tracker_status']), {
      signal: AbortSignal.timeout(120_000),
    });
    const histogram = new Map<string, number>();
    for (const status of Object.values(answer)) {
      const text = String(status.tracker_status);
      histogram.set(text, (histogram.get(text) ?? 0) + 1);
    }
    const pending = (histogram.get('Announce Sent') ?? 0) + (histogram.get('') ?? 0) - Math.floor(count / 5);
    progress(`tracker statuses: ${JSON.stringify(Object.fromEntries(histogram))}`);
    if (Object.values(answer).length >= count && pending <= count / 100) return histogram;
    if (Date.now() > deadline) throw new Error('the trackers did not answer in 10 minutes');
    await sleep(5_000);
  }
}

interface Measured {
  bytes: number[];
  rencodedBytes: number[];
  wallMs: number[];
  exporterCpuMs: number[];
  daemonCpuMs: number[];
}

async function measure(client: DelugeClient, daemon: DaemonHandle, keys: string[], received: { bytes: number }) {
  const bytesBefore = received.bytes;
  const cpuBefore = daemonCpuMs(daemon);
  const ownCpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const answer = await client.call(requests.core.getTorrentsStatus({}, keys), { signal: AbortSignal.timeout(120_000) });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const ownCpu = process.cpuUsage(ownCpuBefore);
  return {
    wallMs,
    exporterCpuMs: (ownCpu.user + ownCpu.system) / 1000,
    bytes: received.bytes - bytesBefore,
    rencodedBytes: encode(answer as RencodeInput).length,
    daemonCpuMs: daemonCpuMs(daemon) - cpuBefore,
  };
}

function formatBytes(bytes: number): string {
  return bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(2)} MB`;
}

function change(before: number, after: number): string {
  return `${after >= before ? '+' : ''}${(((after - before) / before) * 100).toFixed(0)} %`;
}

async function main(): Promise<void> {
  const trackers: LoopbackTracker[] = [
    await startTracker(swarmReply()),
    await startTracker(failureReply('Unregistered torrent')),
    await startTracker(failureReply('Invalid passkey')),
  ];
  const [ok, unregistered, passkey] = trackers.map((tracker) => tracker.announceUrl) as [string, string, string];
  const urls = { ok, unregistered, passkey, refused: await refusedAnnounceUrl() };
  const daemon = await startDaemon({ readyTimeoutMs: 120_000 });
  const received = { bytes: 0 };
  const client = new DelugeClient({
    ...daemon.admin,
    host: daemon.host,
    port: daemon.port,
    instrumentation: {
      receivedBytes: (bytes) => {
        received.bytes += bytes;
      },
    },
  });
  try {
    await client.connect();
    await fill(client, urls);
    const histogram = await settle(client);
    const lines = [
      `tracker keys in core.get_torrents_status: real deluged ${await client.call(requests.daemon.getVersion())}, ` +
        `${count} torrents, ${runs} runs each, interleaved, medians; node ${process.version}`,
      `tracker_status values: ${[...histogram].map(([status, n]) => `${JSON.stringify(status)} ${n}`).join(', ')}`,
      '',
      '| keys | torrent keys | answer on the wire (zlib) | answer rencoded | call, wall time | exporter CPU (decode) | daemon CPU |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    ];
    for (const variant of VARIANTS) {
      const results: Record<'before' | 'after', Measured> = {
        before: { bytes: [], rencodedBytes: [], wallMs: [], exporterCpuMs: [], daemonCpuMs: [] },
        after: { bytes: [], rencodedBytes: [], wallMs: [], exporterCpuMs: [], daemonCpuMs: [] },
      };
      await measure(client, daemon, variant.after, received);
      for (let run = 0; run < runs; run++) {
        for (const side of ['before', 'after'] as const) {
          const sample = await measure(client, daemon, variant[side], received);
          for (const key of Object.keys(sample) as (keyof Measured)[]) results[side][key].push(sample[key]);
        }
        progress(`${variant.name}: run ${run + 1}/${runs}`);
      }
      const m = (side: 'before' | 'after', key: keyof Measured) => median(results[side][key]);
      for (const side of ['before', 'after'] as const) {
        lines.push(
          `| ${variant.name}, ${side === 'before' ? 'without' : 'with'} tracker keys | ${variant[side].length} | ` +
            `${formatBytes(m(side, 'bytes'))} | ${formatBytes(m(side, 'rencodedBytes'))} | ` +
            `${m(side, 'wallMs').toFixed(0)} ms | ${m(side, 'exporterCpuMs').toFixed(0)} ms | ${m(side, 'daemonCpuMs').toFixed(0)} ms |`,
        );
      }
      lines.push(
        `| ${variant.name}: change | | ${change(m('before', 'bytes'), m('after', 'bytes'))} | ` +
          `${change(m('before', 'rencodedBytes'), m('after', 'rencodedBytes'))} | ` +
          `${change(m('before', 'wallMs'), m('after', 'wallMs'))} | ${change(m('before', 'exporterCpuMs'), m('after', 'exporterCpuMs'))} | ` +
          `${change(m('before', 'daemonCpuMs'), m('after', 'daemonCpuMs'))} |`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await client.close();
    await stopAllTrackers();
    await stopAllDaemons();
  }
}

await main();
