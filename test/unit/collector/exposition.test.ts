import fc from 'fast-check';
import { Counter, Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  EXPOSITION_CONTENT_TYPE,
  expositionText,
  joinExpositions,
  renderFamilies,
  textExposition,
} from '../../../src/collector/exposition.js';
import {
  type ColumnFamily,
  type Labels,
  type MetricFamily,
  type MetricType,
  type SampleFamily,
  samplesOf,
} from '../../../src/collector/types.js';

const up: SampleFamily = {
  name: 'deluge_up',
  type: 'gauge',
  help: 'Up.',
  labelNames: ['daemon'],
  samples: [
    { labels: { daemon: 'a' }, value: 1 },
    { labels: { daemon: 'b' }, value: 0 },
  ],
};
const free: SampleFamily = {
  name: 'deluge_free_space_bytes',
  type: 'gauge',
  help: 'Free \\ bytes\nper path.',
  labelNames: ['daemon', 'path'],
  // labels given out of declared order: the declared order wins
  samples: [{ labels: { path: '/a "b"\\c\nd', daemon: 'a' }, value: 1.5e21 }],
};
const sent: SampleFamily = {
  name: 'deluge_session_sent_bytes_total',
  type: 'counter',
  help: 'Sent.',
  labelNames: [],
  samples: [{ labels: {}, value: 1203345001 }],
};
const series: Labels[] = [
  { daemon: 'a', hash: 'h1' },
  { daemon: 'a', hash: 'h2' },
  { daemon: 'a', hash: 'h3' },
];
/** Two per-torrent families over one series list, as one daemon's torrents collector derives them. */
const ratio: ColumnFamily = {
  name: 'deluge_torrent_ratio',
  type: 'gauge',
  help: 'Share ratio.',
  labelNames: ['daemon', 'hash'],
  columns: [{ series, values: Float64Array.from([0.5, Number.NaN, -2]) }],
};
const uploaded: ColumnFamily = {
  name: 'deluge_torrent_uploaded_bytes_total',
  type: 'counter',
  help: 'Uploaded.',
  labelNames: ['daemon', 'hash'],
  columns: [
    { series, values: Float64Array.from([2 ** 53 - 1, 0, 7]) },
    { series: [{ daemon: 'b "ü"', hash: 'h1' }], values: Float64Array.from([1e21]) },
  ],
};

/** What prom-client's registry writes for the same families (column values `NaN` left out). */
function promClientText(families: readonly MetricFamily[]): Promise<string> {
  const registry = new Registry();
  for (const family of families) {
    const options = { name: family.name, help: family.help, labelNames: family.labelNames, registers: [registry] };
    const metric = family.type === 'counter' ? new Counter(options) : new Gauge(options);
    const set = (given: Labels, value: number) => {
      const labels = Object.fromEntries(family.labelNames.map((name) => [name, given[name] as string]));
      if (metric instanceof Counter) metric.inc(labels, value);
      else metric.set(labels, value);
    };
    if ('samples' in family) for (const { labels, value } of family.samples) set(labels, value);
    else {
      for (const column of family.columns) {
        column.values.forEach((value, index) => {
          if (!Number.isNaN(value)) set(column.series[index] as Labels, value);
        });
      }
    }
  }
  return registry.metrics();
}

describe('renderFamilies', () => {
  it('writes byte for byte what prom-client writes for the same metrics', async () => {
    const families = [up, free, sent, ratio, uploaded];
    expect(expositionText(renderFamilies(families))).toBe(await promClientText(families));
    expect(EXPOSITION_CONTENT_TYPE).toBe(new Registry().contentType);
  });

  it('leaves out families without samples instead of exporting a false 0', () => {
    const none = { ...ratio, columns: [{ series, values: new Float64Array(3).fill(Number.NaN) }] };
    expect(renderFamilies([{ ...sent, samples: [] }, none])).toEqual([]);
    expect(expositionText(renderFamilies([{ ...sent, samples: [] }, none, up]))).toBe(
      expositionText(renderFamilies([up])),
    );
  });

  it('renders random sample and column families like prom-client: labels to escape, any finite value', async () => {
    const labelValue = fc.string({ unit: 'binary', maxLength: 12 });
    const value = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.integer(),
      fc.maxSafeInteger(),
      fc.constantFrom(0, -0, 2 ** 53, 2 ** 31, 1e21, 5e-324),
    );
    const family = fc.record({
      type: fc.constantFrom<MetricType>('gauge', 'counter'),
      help: fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
      columnar: fc.boolean(),
      // one entry per series: its daemon, a label value, and the value (null: no sample)
      rows: fc.array(fc.tuple(fc.constantFrom('a', 'b\\"'), labelValue, fc.option(value)), { maxLength: 40 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(family, { minLength: 1, maxLength: 5 }), async (specs) => {
        const families = specs.map(({ type, help, columnar, rows }, index): MetricFamily => {
          const head = { name: `f${index}_total`, help, type, labelNames: ['daemon', 'hash', 'name'] };
          // series stay unique (the hash is the row), counters non-negative as checkFamilies leaves them
          const entries = rows.map(([daemon, name, sample], row) => ({
            labels: { daemon, hash: String(row), name },
            value: sample === null ? Number.NaN : type === 'counter' ? Math.abs(sample) : sample,
          }));
          if (!columnar) return { ...head, samples: entries.filter((entry) => !Number.isNaN(entry.value)) };
          return {
            ...head,
            columns: [
              { series: entries.map((entry) => entry.labels), values: Float64Array.from(entries, (e) => e.value) },
            ],
          };
        });
        const ours = Buffer.concat(renderFamilies(families));
        // prom-client writes the header of a metric without values; the exposition leaves such families out
        const filled = families.filter((f) => samplesOf(f).length > 0);
        const theirs = filled.length === 0 ? '' : await promClientText(filled);
        expect(ours.equals(Buffer.from(theirs))).toBe(true);
      }),
      { numRuns: 150 },
    );
  }, 60_000);

  it('spreads a large exposition over chunks without cutting a line wrongly', () => {
    const many: Labels[] = Array.from({ length: 5000 }, (_, index) => ({ daemon: 'd', hash: `${index}`.repeat(8) }));
    const family: ColumnFamily = {
      ...ratio,
      columns: [{ series: many, values: Float64Array.from(many, (_, index) => index / 3) }],
    };
    const chunks = renderFamilies([family]);
    expect(chunks.length).toBeGreaterThan(1);
    const lines = expositionText(chunks).trimEnd().split('\n');
    expect(lines).toHaveLength(5002);
    expect(lines[4001]).toBe(`deluge_torrent_ratio{daemon="d",hash="${'3999'.repeat(8)}"} ${3999 / 3}`);
  });
});

describe('joinExpositions', () => {
  it('joins two expositions as one registry would write them', async () => {
    const registry = new Registry();
    new Counter({ name: sent.name, help: sent.help, registers: [registry] }).inc(5);
    const own = await registry.metrics();
    const merged = Registry.merge([
      registry,
      (() => {
        const other = new Registry();
        const gauge = new Gauge({ name: up.name, help: up.help, labelNames: ['daemon'], registers: [other] });
        gauge.set({ daemon: 'a' }, 1);
        gauge.set({ daemon: 'b' }, 0);
        return other;
      })(),
    ]);
    expect(expositionText(joinExpositions(textExposition(own), renderFamilies([up])))).toBe(await merged.metrics());
    expect(expositionText(joinExpositions(textExposition(''), textExposition(own)))).toBe(own);
  });
});
