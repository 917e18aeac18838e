/**
 * Benchmarks, run with `npm run bench` (see `--help`).
 *
 * 1. rencode decode and encode of a realistic `core.get_torrents_status` answer: this project's codec
 *    against the reference implementation Deluge itself runs (Debian's python3-rencode, Cython), same
 *    bytes, same machine, same run, each side in a fresh process (bench/codec-process.ts).
 * 2. `/metrics` scrapes against a real `deluged` 2.0.3 filled with generated torrents, next to the
 *    daemon's own answer to the same bundle (bench/real-daemon/).
 * 3. Scrapes too large for a real daemon here, against fake daemons (bench/fake-daemon-rows.ts).
 * 4. A plot (SVG) of scrape time and peak RSS against torrent count from 2 and 3.
 * 5. Scrapes through a real `deluge-web` in front of a real `deluged`, beside the daemon port and, with
 *    `--ngosang DIR`, ngosang/deluge-exporter run from its source (bench/webui/).
 * 6. Resident memory against the runtime's floor, per Node.js version, and start-up (bench/footprint.ts).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encode } from '../src/rpc/rencode.js';
import { envOf, imageRuntimeStage } from '../test/support/dockerfile.js';
import { REPO_ROOT } from '../test/support/exporter-process.js';
import { benchAgainstFakeDaemons, type FakeRowSpec, fakeDaemonTable } from './fake-daemon-rows.js';
import { benchFootprint, footprintTable } from './footprint.js';
import { torrentsStatusAnswer } from './payload.js';
import { benchmarkPlotSvg, type PlotPoint } from './plot.js';
import { closeHttpAgent } from './real-daemon/exporter-probe.js';
import { benchAgainstRealDaemon, type RowSpec, realDaemonTable } from './real-daemon/scrape-vs-daemon.js';
import { resolveRuntime } from './runtimes.js';
import { formatBytes, positiveInteger } from './stats.js';
import { checkNgosangSource, NGOSANG_HOW_TO_GET } from './webui/ngosang.js';
import { benchThroughWebUi, webUiTable } from './webui/rows.js';

const PYTHON = '/usr/bin/python3';
const SECTIONS = ['codec', 'real', 'fake', 'webui', 'footprint'] as const;
type Section = (typeof SECTIONS)[number];

const HELP = `Usage: npm run bench -- [options]

  --only LIST         sections to run, comma-separated: codec, real, fake, webui, footprint (default: all)
  --torrents LIST     codec payload sizes (default 1000,10000,100000)
  --runs N            codec runs per size (default 5)
  --scrape-runs N     measured scrapes per real-daemon row (default 20; 3 warm-up scrapes first)
  --fake-runs N       measured scrapes per fake-daemon row (default 5)
  --plot FILE         write the SVG plot there (default docs/benchmarks.svg; "" for none)
  --rows LIST         real-daemon rows instead of the default ones, e.g. 1000:per-torrent,10000:uncapped
                      (series: per-torrent, aggregates-only, capped, uncapped)
  --fake-rows LIST    fake-daemon rows instead of the default ones, DAEMONSxTORRENTS:SERIES, e.g.
                      1x100000:aggregates-only,50x2000:aggregates-only (series: capped, aggregates-only)
  --webui-torrents LIST
                      torrent counts of the Web UI rows (default 1000,2000,10000)
  --ngosang DIR       also run ngosang/deluge-exporter from this checkout in the Web UI rows
                      (${NGOSANG_HOW_TO_GET.replace(' && ', '\n                      && ')})
  --cli CLI           time this built cli.js instead of building dist/ from this tree
  --compare CLI       also time this other build (e.g. of main) side by side in the real-daemon and
                      fake-daemon rows: its rows say "before", this tree's "after"
  --gzip              ask for gzip answers, as Prometheus does (exposition sizes stay uncompressed)
  --node-options OPTS NODE_OPTIONS for this tree's exporter, e.g. the image's (Dockerfile ENV NODE_OPTIONS)
  --image-env         run this tree's exporter with the environment the image sets (the Dockerfile's
                      ENV: NODE_ENV, and GLIBC_TUNABLES for glibc's malloc); --compare's build runs without
  --node VERSION      run the exporters of the real and fake sections on this Node.js (major or full version:
                      the bench's own node or one of scripts/node-versions.txt, fetched; default: the bench's)
  --nodes LIST        Node.js versions of the footprint section (default 20,22,24,26; the image runs 26)
  --footprint-runs N  fresh processes per footprint cell, medians (default 3)
  --reference DIR     also measure the reference exporter in the footprint section: DIR holds checkouts of
                      tobbez/deluge_exporter (DIR/deluge_exporter) and its deluge-client (DIR/deluge-client)
  --smoke             tiny sizes and one or two runs: checks that every part still works (CI)
  -h, --help

The real-daemon section fills deluged once per size and keeps it in .cache/bench/ for later runs.
`;

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: SECTIONS.join(',') },
    torrents: { type: 'string', default: '1000,10000,100000' },
    runs: { type: 'string', default: '5' },
    'scrape-runs': { type: 'string', default: '20' },
    'fake-runs': { type: 'string', default: '5' },
    plot: { type: 'string' },
    compare: { type: 'string' },
    cli: { type: 'string' },
    rows: { type: 'string' },
    'fake-rows': { type: 'string' },
    'node-options': { type: 'string' },
    'image-env': { type: 'boolean', default: false },
    'webui-torrents': { type: 'string', default: '1000,2000,10000' },
    ngosang: { type: 'string' },
    node: { type: 'string' },
    nodes: { type: 'string', default: '20,22,24,26' },
    'footprint-runs': { type: 'string', default: '3' },
    reference: { type: 'string' },
    gzip: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const smoke = values.smoke;
const sections = new Set(
  values.only.split(',').map((name) => {
    if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`--only: unknown section "${name}"`);
    return name as Section;
  }),
);
const counts = smoke ? [100] : values.torrents.split(',').map((text) => positiveInteger('--torrents', text));
const runs = smoke ? 1 : positiveInteger('--runs', values.runs);
const scrapeRuns = smoke ? 2 : positiveInteger('--scrape-runs', values['scrape-runs']);
const fakeRuns = smoke ? 1 : positiveInteger('--fake-runs', values['fake-runs']);
const plotPath = values.plot ?? (smoke ? '' : join(REPO_ROOT, 'docs', 'benchmarks.svg'));
const webUiSizes = smoke
  ? [100]
  : values['webui-torrents'].split(',').map((text) => positiveInteger('--webui-torrents', text));
// Checked before anything runs, so a long run does not end on a missing checkout.
if (values.ngosang !== undefined && sections.has('webui')) checkNgosangSource(values.ngosang);

const SERIES: Readonly<Record<string, RowSpec['series']>> = {
  'per-torrent': 'per-torrent',
  'aggregates-only': 'aggregates only',
  capped: 'capped',
  uncapped: 'uncapped',
};
function parseRow(text: string): RowSpec {
  const [torrents = '', series = ''] = text.split(':');
  const mode = SERIES[series];
  if (mode === undefined) throw new Error(`--rows: unknown series "${series}" in "${text}"`);
  return { torrents: positiveInteger('--rows', torrents), series: mode };
}

const REAL_ROWS: readonly RowSpec[] =
  values.rows !== undefined
    ? values.rows.split(',').map(parseRow)
    : smoke
      ? [
          { torrents: 100, series: 'per-torrent' },
          { torrents: 100, series: 'aggregates only' },
        ]
      : [
          { torrents: 1000, series: 'per-torrent' },
          { torrents: 1000, series: 'aggregates only' },
          { torrents: 2000, series: 'per-torrent' },
          { torrents: 2000, series: 'aggregates only' },
          { torrents: 10_000, series: 'aggregates only' },
          { torrents: 10_000, series: 'capped' },
          { torrents: 10_000, series: 'uncapped' },
        ];
function parseFakeRow(text: string): FakeRowSpec {
  const match = /^(\d+)x(\d+):(capped|aggregates-only)$/.exec(text);
  if (match === null) throw new Error(`--fake-rows: expected DAEMONSxTORRENTS:SERIES, got "${text}"`);
  return {
    daemons: positiveInteger('--fake-rows', match[1] ?? ''),
    torrents: positiveInteger('--fake-rows', match[2] ?? ''),
    series: match[3] === 'capped' ? 'capped' : 'aggregates only',
  };
}

const FAKE_ROWS: readonly FakeRowSpec[] =
  values['fake-rows'] !== undefined
    ? values['fake-rows'].split(',').map(parseFakeRow)
    : smoke
      ? [
          { daemons: 1, torrents: 3000, series: 'capped' },
          { daemons: 2, torrents: 100, series: 'capped' },
        ]
      : [
          { daemons: 1, torrents: 100_000, series: 'capped' },
          { daemons: 1, torrents: 100_000, series: 'aggregates only' },
          // Not per-torrent: 50 × 2,000 torrents of per-torrent series are a 150 MB exposition per scrape.
          { daemons: 50, torrents: 2000, series: 'aggregates only' },
        ];

function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

interface CodecTimes {
  decodeMs: number;
  encodeMs: number;
}

/**
 * Median milliseconds of `rencode.loads(data, decode_utf8=True)` and of `rencode.dumps` of its result
 * in the reference implementation, in a fresh Python process.
 */
function pythonCodecMs(bytes: Buffer): CodecTimes {
  const dir = mkdtempSync(join(tmpdir(), 'deluge-bench-'));
  try {
    const file = join(dir, 'payload.bin');
    writeFileSync(file, bytes);
    const script = [
      'import json, rencode, sys, time',
      'data = open(sys.argv[1], "rb").read()',
      'runs = int(sys.argv[2])',
      'value = rencode.loads(data, decode_utf8=True)',
      'for _ in range(3): rencode.loads(data, decode_utf8=True)',
      'def median(work):',
      '    samples = []',
      '    for _ in range(runs):',
      '        t = time.perf_counter(); work(); samples.append(time.perf_counter() - t)',
      '    samples.sort(); return samples[len(samples) // 2] * 1000',
      'decode_ms = median(lambda: rencode.loads(data, decode_utf8=True))',
      'encode_ms = median(lambda: rencode.dumps(value))',
      'print(json.dumps({"decodeMs": decode_ms, "encodeMs": encode_ms}))',
    ].join('\n');
    return JSON.parse(execFileSync(PYTHON, ['-c', script, file, String(runs)], { encoding: 'utf8' })) as CodecTimes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** This project's codec times in a fresh Node process (bench/codec-process.ts), checked to be on `bytes`. */
function ourCodecMs(count: number, bytes: Buffer): CodecTimes {
  const script = join(import.meta.dirname, 'codec-process.ts');
  const output = execFileSync(
    process.execPath,
    ['--import', 'tsx', script, '--torrents', String(count), '--runs', String(runs)],
    { encoding: 'utf8' },
  );
  const result = JSON.parse(output) as CodecTimes & { sha256: string };
  if (result.sha256 !== createHash('sha256').update(bytes).digest('hex')) {
    throw new Error(`codec process for ${count} torrents encoded different bytes than the reference is timed on`);
  }
  return result;
}

function benchCodec(count: number): string {
  const bytes = encode(torrentsStatusAnswer(count));
  const ours = ourCodecMs(count, bytes);
  const reference = pythonCodecMs(bytes);
  const ms = (value: number): string => `${value.toFixed(1)} ms`;
  const ratio = (theirs: number, mine: number): string => `${(theirs / mine).toFixed(2)}×`;
  const cells = [
    count,
    formatBytes(bytes.length),
    ms(ours.decodeMs),
    ms(reference.decodeMs),
    ratio(reference.decodeMs, ours.decodeMs),
    ms(ours.encodeMs),
    ms(reference.encodeMs),
    ratio(reference.encodeMs, ours.encodeMs),
  ];
  return `| ${cells.join(' | ')} |`;
}

/** Output goes out section by section, so a failure late in a long run keeps what was measured. */
function print(...lines: readonly string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}

print(`deluge-exporter benchmarks: node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'})`);
const codecLines = [
  '',
  `rencode, ${runs} runs each, medians`,
  '',
  'rencode of a core.get_torrents_status answer: this project vs python3-rencode (the Cython codec Deluge runs),',
  'same bytes, each in a fresh process; decode = loads(data, decode_utf8=True), encode = dumps of the decoded value;',
  'speed-up = python3-rencode time / our time (above 1 = we are faster)',
  '',
  '| torrents | payload | decode ours | decode python3-rencode | decode speed-up | encode ours | encode python3-rencode | encode speed-up |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
];
if (sections.has('codec')) {
  print(...codecLines);
  for (const count of counts) {
    progress(`codec, ${count} torrents`);
    print(benchCodec(count));
  }
}

const plotPoints: PlotPoint[] = [];
if (
  (sections.has('real') || sections.has('fake') || sections.has('webui') || sections.has('footprint')) &&
  values.cli === undefined
) {
  progress('building dist/ (the exporter runs as shipped: plain node, no tsx)');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: 'inherit' });
}
const builtCli = values.cli ?? join(REPO_ROOT, 'dist', 'cli.js');
const answers = values.gzip ? ', gzip answers (as Prometheus asks)' : '';
const exporterNode = values.node === undefined ? {} : { node: resolveRuntime(values.node).node };
const exporterBuilds = [
  ...(values.compare === undefined ? [] : [{ label: 'before', cli: values.compare, ...exporterNode }]),
  {
    label: values.compare === undefined ? 'this tree' : 'after',
    cli: builtCli,
    ...exporterNode,
    env: {
      ...(values['image-env'] ? envOf(imageRuntimeStage(REPO_ROOT)) : {}),
      ...(values['node-options'] === undefined ? {} : { NODE_OPTIONS: values['node-options'] }),
    },
  },
];
const runtimeNote = values.node === undefined ? '' : `, exporters on Node ${values.node}`;
if (sections.has('real')) {
  const results = await benchAgainstRealDaemon({
    rows: REAL_ROWS,
    runs: scrapeRuns,
    warmups: smoke ? 1 : 3,
    cacheRoot: join(REPO_ROOT, '.cache', 'bench'),
    exporters: exporterBuilds,
    gzip: values.gzip,
    progress,
  });
  print(
    '',
    `exporter scrape against a real deluged 2.0.3, side by side with the daemon's own answer to the same bundle, ${scrapeRuns} runs per row${answers}${runtimeNote}`,
    '(wall = until the last byte; CPU = all threads of the process, from /proc; ratio, CPU = (daemon CPU + exporter CPU) / daemon CPU)',
    '',
    ...realDaemonTable(results),
  );
  for (const row of results.filter((result) => result.exporter !== 'before')) {
    const series = row.series === 'aggregates only' || row.series === 'capped' ? 'aggregates' : 'per-torrent';
    plotPoints.push(
      {
        series: `exporter scrape, ${series}`,
        torrents: row.torrents,
        timeMs: row.scrapeMedianMs,
        rssMb: row.peakRssBytes / 1e6,
      },
      { series: `daemon's own answer, ${series}`, torrents: row.torrents, timeMs: row.daemonMedianMs },
    );
  }
}
if (sections.has('fake')) {
  const results = await benchAgainstFakeDaemons(FAKE_ROWS, fakeRuns, exporterBuilds, values.gzip, progress);
  print(
    '',
    `exporter scrape against fake daemons (their own processes), ${fakeRuns} runs per row, medians${answers}${runtimeNote}`,
    '',
    ...fakeDaemonTable(results),
  );
  for (const row of results) {
    if (row.daemons !== 1 || row.exporter === 'before') continue;
    const series = 'aggregates';
    plotPoints.push({
      series: `exporter scrape, ${series} (fake daemon)`,
      torrents: row.torrents,
      timeMs: row.scrapeMedianMs,
      rssMb: row.peakRssBytes / 1e6,
    });
  }
}
if (sections.has('webui')) {
  const results = await benchThroughWebUi({
    sizes: webUiSizes,
    runs: scrapeRuns,
    warmups: smoke ? 1 : 3,
    cacheRoot: join(REPO_ROOT, '.cache', 'bench'),
    cli: builtCli,
    ngosangDir: values.ngosang,
    gzip: values.gzip,
    progress,
  });
  print(
    '',
    `scrapes through a real deluge-web 2.0.3 in front of a real deluged 2.0.3, beside the daemon port, ${scrapeRuns} runs per row${answers}`,
    '(wall = until the last byte; CPU per scrape from /proc: exporter the mean of its process times, ended threads included,',
    'deluge-web and deluged the median over all their threads; see bench/webui/rows.ts)',
    '',
    ...webUiTable(results),
  );
}
if (sections.has('footprint')) {
  const runs = smoke ? 1 : positiveInteger('--footprint-runs', values['footprint-runs']);
  const runtimes = (smoke ? [process.versions.node] : values.nodes.split(',')).map(resolveRuntime);
  const result = await benchFootprint({
    runtimes,
    builds: exporterBuilds,
    runs,
    sizes: smoke
      ? { small: 100, perTorrent: 100, capped: 100, fake: 3000 }
      : { small: 200, perTorrent: 2000, capped: 10_000, fake: 100_000 },
    cacheRoot: join(REPO_ROOT, '.cache', 'bench'),
    gzip: values.gzip,
    ...(values.reference === undefined ? {} : { reference: values.reference }),
    progress,
  });
  print(
    '',
    `resident memory against the runtime's floor (bench/floor.mjs), medians of ${runs} fresh processes each${answers}`,
    '(RSS = VmRSS 1 s after; peak = VmHWM after 5 scrapes, start-up included; real deluged 2.0.3, the aggregates-only row against the fake daemon)',
    '',
    ...footprintTable(result),
  );
}
closeHttpAgent();
if (plotPath !== '' && plotPoints.length > 0) {
  writeFileSync(
    plotPath,
    benchmarkPlotSvg('deluge-exporter: scrape time and peak RSS against torrent count', plotPoints),
  );
  progress(`plot written to ${plotPath}`);
}
