/**
 * Micro-benchmark of the rencode codec alone, for tuning: `npx tsx bench/codec-micro.ts --torrents 100000 --runs 9`.
 * Prints the median decode and encode time of the same `core.get_torrents_status` answer the main bench uses.
 */
import { parseArgs } from 'node:util';
import { decode, encode } from '../src/rpc/rencode.js';
import { torrentsStatusAnswer } from './payload.js';
import { median, positiveInteger, timeMs } from './stats.js';

const { values } = parseArgs({
  options: {
    torrents: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '9' },
  },
});
const count = positiveInteger('--torrents', values.torrents);
const runs = positiveInteger('--runs', values.runs);

const answer = torrentsStatusAnswer(count);
const bytes = encode(answer);
decode(bytes);
const decodeMs = median(Array.from({ length: runs }, () => timeMs(() => decode(bytes))));
const encodeMs = median(Array.from({ length: runs }, () => timeMs(() => encode(answer))));
process.stdout.write(
  `${count} torrents, ${(bytes.length / 1e6).toFixed(1)} MB: decode ${decodeMs.toFixed(1)} ms, encode ${encodeMs.toFixed(1)} ms (median of ${runs})\n`,
);
