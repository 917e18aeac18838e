/**
 * Times this project's rencode codec on a `core.get_torrents_status` answer in a fresh process, like
 * the Python side of the benchmark, so that no heap left over from other measurements is counted:
 * `node --import tsx bench/codec-process.ts --torrents 100000 --runs 5`. Prints one JSON line:
 * `{"sha256", "bytes", "decodeMs", "encodeMs"}` (medians; `sha256` lets the caller check that the
 * reference implementation is timed on the very same bytes).
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { decode, encode } from '../src/rpc/rencode.js';
import { torrentsStatusAnswer } from './payload.js';
import { median, positiveInteger, timeMs } from './stats.js';

/** Untimed runs first, so the numbers are those of a warmed-up, long-running exporter. */
const WARM_UP_RUNS = 3;

const { values } = parseArgs({
  options: {
    torrents: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '5' },
  },
});
const count = positiveInteger('--torrents', values.torrents);
const runs = positiveInteger('--runs', values.runs);

const bytes = encode(torrentsStatusAnswer(count));
let decoded = decode(bytes);
for (let i = 0; i < WARM_UP_RUNS; i++) encode(decode(bytes));
const decodeMs = median(Array.from({ length: runs }, () => timeMs(() => (decoded = decode(bytes)))));
const encodeMs = median(Array.from({ length: runs }, () => timeMs(() => encode(decoded))));
const sha256 = createHash('sha256').update(bytes).digest('hex');
process.stdout.write(`${JSON.stringify({ sha256, bytes: bytes.length, decodeMs, encodeMs })}\n`);
