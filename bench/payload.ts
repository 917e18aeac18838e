import type { RencodeInput } from '../src/rpc/rencode.js';

const STATES = ['Downloading', 'Seeding', 'Paused', 'Queued', 'Checking', 'Error'] as const;
const TRACKERS = ['example.org', 'tracker.net', 'linuxtracker.org', ''] as const;
const LABELS = ['', 'movies', 'linux', 'music'] as const;

/** A deterministic pseudo-random generator (mulberry32), so every run benchmarks the same bytes. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A realistic `core.get_torrents_status` answer for `count` torrents, with the keys the exporter asks
 * for by default (aggregates and every per-torrent family), values shaped like Deluge 2.0.3's.
 */
export function torrentsStatusAnswer(count: number): Record<string, Record<string, RencodeInput>> {
  const random = prng(count);
  const answer: Record<string, Record<string, RencodeInput>> = {};
  for (let i = 0; i < count; i++) {
    const id = i.toString(16).padStart(8, '0') + 'f'.repeat(32);
    const wanted = Math.floor(random() * 8e9);
    const done = Math.floor(wanted * random());
    const state = STATES[i % STATES.length] ?? 'Seeding';
    answer[id] = {
      name: `Some.Linux.Distribution.${i}.x86_64.iso`,
      state,
      label: LABELS[i % LABELS.length] ?? '',
      tracker_host: TRACKERS[i % TRACKERS.length] ?? '',
      download_location: `/data/downloads/${i % 5}`,
      total_wanted: wanted,
      total_done: done,
      total_remaining: wanted - done,
      progress: Math.fround((done / Math.max(wanted, 1)) * 100),
      all_time_download: done,
      total_uploaded: Math.floor(random() * 1e10),
      download_payload_rate: Math.floor(random() * 1e6),
      upload_payload_rate: Math.floor(random() * 1e6),
      num_peers: Math.floor(random() * 50),
      num_seeds: Math.floor(random() * 50),
      total_peers: -1,
      total_seeds: Math.floor(random() * 500),
      eta: Math.floor(random() * 86400),
      ratio: Math.fround(random() * 3),
      time_added: 1_700_000_000 + i,
      completed_time: state === 'Seeding' ? 1_700_100_000 + i : 0,
      last_seen_complete: 1_700_200_000,
      time_since_transfer: Math.floor(random() * 7200) - 1,
      active_time: Math.floor(random() * 1e6),
      seeding_time: Math.floor(random() * 1e6),
      is_finished: state === 'Seeding',
    };
  }
  return answer;
}
