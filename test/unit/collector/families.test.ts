import { describe, expect, it } from 'vitest';
import {
  boundLabelValue,
  checkFamilies,
  FamilyConflictError,
  InvalidFamilyError,
  MAX_LABEL_VALUE_LENGTH,
  mergeFamilies,
} from '../../../src/collector/families.js';
import {
  type ColumnFamily,
  isFiniteValue,
  isSampleValue,
  type MetricFamily,
  sampleCount,
  samplesOf,
} from '../../../src/collector/types.js';

const family = (overrides: Partial<MetricFamily> = {}): MetricFamily => ({
  name: 'deluge_free_space_bytes',
  type: 'gauge',
  help: 'Free.',
  labelNames: ['daemon', 'path'],
  samples: [{ labels: { daemon: 'd', path: '/a' }, value: 1 }],
  ...overrides,
});

describe('checkFamilies', () => {
  it('passes good families through unchanged', () => {
    const good = family();
    expect(checkFamilies([good], new Set())[0]).toBe(good);
  });

  it('refuses a name this daemon already used, in this or an earlier collector', () => {
    expect(() => checkFamilies([family(), family()], new Set())).toThrow(FamilyConflictError);
    expect(() => checkFamilies([family()], new Set(['deluge_free_space_bytes']))).toThrow(FamilyConflictError);
  });

  it('refuses two samples with the same labels, bad names, missing or extra labels, non-finite values', () => {
    const twice = { labels: { daemon: 'd', path: '/a' }, value: 1 };
    for (const bad of [
      family({ samples: [twice, twice] }),
      family({ name: 'deluge free' }),
      family({ labelNames: ['daemon', 'pa-th'] }),
      family({ labelNames: ['daemon', 'daemon'] }),
      family({ samples: [{ labels: { daemon: 'd' }, value: 1 }] }),
      family({ samples: [{ labels: { daemon: 'd', path: '/a', extra: 'x' }, value: 1 }] }),
      family({ samples: [{ labels: { daemon: 'd', path: '/a' }, value: Number.POSITIVE_INFINITY }] }),
      family({ samples: [{ labels: { daemon: 'd', path: '/a' }, value: Number.NaN }] }),
    ]) {
      expect(() => checkFamilies([bad], new Set())).toThrow(InvalidFamilyError);
    }
  });

  it('tells series apart by every label, whatever the number of labels', () => {
    const sample = (labels: Record<string, string>) => ({ labels, value: 1 });
    const one = family({ labelNames: ['daemon'], samples: [sample({ daemon: 'a' }), sample({ daemon: 'b' })] });
    const none = family({ labelNames: [], samples: [sample({})] });
    const three = family({
      labelNames: ['daemon', 'hash', 'state'],
      samples: [
        sample({ daemon: 'a', hash: 'h', state: 'x' }),
        sample({ daemon: 'a', hash: 'h', state: 'y' }),
        sample({ daemon: 'b', hash: 'h', state: 'x' }),
      ],
    });
    const other = family({
      samples: [sample({ daemon: 'a', path: '/p' }), sample({ daemon: 'b', path: '/p' })],
    });
    expect(
      checkFamilies(
        [one, none, three, other].map((f, i) => ({ ...f, name: `f${i}` })),
        new Set(),
      ),
    ).toHaveLength(4);
    for (const duplicated of [
      family({ labelNames: ['daemon'], samples: [sample({ daemon: 'a' }), sample({ daemon: 'a' })] }),
      family({ labelNames: [], samples: [sample({}), sample({})] }),
      family({ ...three, samples: [...samplesOf(three), sample({ daemon: 'b', hash: 'h', state: 'x' })] }),
    ]) {
      expect(() => checkFamilies([duplicated], new Set())).toThrow(InvalidFamilyError);
    }
  });

  it('cuts long label values, and two values equal once cut are a duplicate', () => {
    const long = 'p'.repeat(MAX_LABEL_VALUE_LENGTH + 10);
    const [checked] = checkFamilies(
      [family({ samples: [{ labels: { daemon: 'd', path: long }, value: 1 }] })],
      new Set(),
    );
    expect(samplesOf(checked as MetricFamily)[0]?.labels.path).toHaveLength(MAX_LABEL_VALUE_LENGTH);
    expect(samplesOf(checked as MetricFamily)[0]?.labels.path?.endsWith('…')).toBe(true);
    const twins = family({
      samples: [
        { labels: { daemon: 'd', path: `${long}a` }, value: 1 },
        { labels: { daemon: 'd', path: `${long}b` }, value: 2 },
      ],
    });
    expect(() => checkFamilies([twins], new Set())).toThrow(InvalidFamilyError);
  });

  it('never cuts inside a surrogate pair', () => {
    const value = `${'x'.repeat(MAX_LABEL_VALUE_LENGTH - 2)}😀😀`;
    const cut = boundLabelValue(value);
    expect(cut.length).toBeLessThanOrEqual(MAX_LABEL_VALUE_LENGTH);
    expect(cut).toBe(`${'x'.repeat(MAX_LABEL_VALUE_LENGTH - 2)}…`);
  });

  it('drops negative counter samples, keeps negative gauges', () => {
    const counter = family({
      name: 'deluge_session_sent_bytes_total',
      type: 'counter',
      labelNames: ['daemon'],
      samples: [
        { labels: { daemon: 'a' }, value: 5 },
        { labels: { daemon: 'b' }, value: -1 },
      ],
    });
    expect(samplesOf(checkFamilies([counter], new Set())[0] as MetricFamily).map((s) => s.value)).toEqual([5]);
    const gauge = family({ samples: [{ labels: { daemon: 'd', path: '/a' }, value: -3 }] });
    expect(samplesOf(checkFamilies([gauge], new Set())[0] as MetricFamily).map((s) => s.value)).toEqual([-3]);
  });
});

describe('checkFamilies on column families', () => {
  const [a, b] = [
    { daemon: 'd', hash: 'a' },
    { daemon: 'd', hash: 'b' },
  ];
  const series = [a, b];
  const column = (overrides: Partial<ColumnFamily> = {}, values = [1, 2]): ColumnFamily => ({
    name: 'deluge_torrent_ratio',
    type: 'gauge',
    help: 'Ratio.',
    labelNames: ['daemon', 'hash'],
    columns: [{ series, values: Float64Array.from(values) }],
    ...overrides,
  });

  it('passes good columns through unchanged; NaN is no sample', () => {
    const good = column({}, [1, Number.NaN]);
    expect(checkFamilies([good], new Set())[0]).toBe(good);
    expect(samplesOf(good)).toEqual([{ labels: a, value: 1 }]);
  });

  it('refuses infinite values, a duplicate or incomplete series, and columns that do not match their series', () => {
    for (const bad of [
      column({}, [1, Number.POSITIVE_INFINITY]),
      column({}, [Number.NEGATIVE_INFINITY, 1]),
      column({ columns: [{ series: [a, { ...a }], values: Float64Array.from([1, 2]) }] }),
      column({ columns: [{ series: [{ daemon: 'd' }, b], values: Float64Array.from([1, 2]) }] }),
      column({ columns: [{ series: [{ ...a, extra: 'x' }], values: Float64Array.from([1]) }] }),
      column({ columns: [{ series, values: Float64Array.from([1]) }] }),
      column({ columns: [] }),
      column({
        columns: [
          { series, values: Float64Array.from([1, 2]) },
          { series: [], values: new Float64Array() },
        ],
      }),
    ]) {
      expect(() => checkFamilies([bad], new Set())).toThrow(InvalidFamilyError);
    }
  });

  it('drops negative counter values, keeps negative gauges', () => {
    const counter = column({ name: 'deluge_torrent_uploaded_bytes_total', type: 'counter' }, [-1, 5]);
    expect(samplesOf(checkFamilies([counter], new Set())[0] as MetricFamily).map((s) => s.value)).toEqual([5]);
    expect(counter.columns[0]?.values[0]).toBe(-1); // the collector's array is left alone
    const gauge = column({}, [-3, 1]);
    expect(checkFamilies([gauge], new Set())[0]).toBe(gauge);
  });

  it('checks and cuts a shared series list once: families that shared it still share the cut one', () => {
    const long = { daemon: 'd', hash: 'h'.repeat(MAX_LABEL_VALUE_LENGTH + 5) };
    const shared = [long, b];
    const [first, second] = checkFamilies(
      [
        column({ columns: [{ series: shared, values: Float64Array.from([1, 2]) }] }),
        column({
          name: 'deluge_torrent_eta_seconds',
          columns: [{ series: shared, values: Float64Array.from([3, 4]) }],
        }),
      ],
      new Set(),
    ) as ColumnFamily[];
    const cut = first?.columns[0]?.series;
    expect(cut?.[0]?.hash).toHaveLength(MAX_LABEL_VALUE_LENGTH);
    expect(second?.columns[0]?.series).toBe(cut);
  });
});

describe('mergeFamilies', () => {
  it('merges the families of several daemons under one name, in first-seen order', () => {
    const a = family({ samples: [{ labels: { daemon: 'a', path: '/x' }, value: 1 }] });
    const b = family({ samples: [{ labels: { daemon: 'b', path: '/x' }, value: 2 }] });
    const up = family({ name: 'deluge_up', labelNames: ['daemon'], samples: [{ labels: { daemon: 'a' }, value: 1 }] });
    const merged = mergeFamilies([a, up, b]);
    expect(merged.conflicts).toEqual([]);
    expect(merged.families.map((f) => [f.name, sampleCount(f)])).toEqual([
      ['deluge_free_space_bytes', 2],
      ['deluge_up', 1],
    ]);
  });

  it('merges column families of several daemons as their columns, in daemon order', () => {
    const columnOf = (daemon: string): ColumnFamily => ({
      name: 'deluge_torrent_ratio',
      type: 'gauge',
      help: 'Ratio.',
      labelNames: ['daemon', 'hash'],
      columns: [{ series: [{ daemon, hash: 'a' }], values: Float64Array.from([1]) }],
    });
    const [a, b] = [columnOf('a'), columnOf('b')];
    const merged = mergeFamilies([a, family(), b]);
    expect(merged.families.map((f) => f.name)).toEqual(['deluge_torrent_ratio', 'deluge_free_space_bytes']);
    expect((merged.families[0] as ColumnFamily).columns).toEqual([...a.columns, ...b.columns]);
    const asSamples = family({ name: 'deluge_torrent_ratio', labelNames: ['daemon', 'hash'], samples: [] });
    expect(mergeFamilies([a, asSamples]).conflicts).toEqual(['deluge_torrent_ratio']);
  });

  it('leaves out and names a later family of the same name with another type or labels', () => {
    const a = family();
    const counter = family({ type: 'counter' });
    const fewer = family({ labelNames: ['daemon'], samples: [{ labels: { daemon: 'c' }, value: 1 }] });
    const merged = mergeFamilies([a, counter, fewer]);
    expect(merged.conflicts).toEqual(['deluge_free_space_bytes', 'deluge_free_space_bytes']);
    expect(merged.families).toEqual([a]);
  });
});

describe('column value checks', () => {
  const numbers = [0, -0, 1, -1.5, 2 ** 53, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE];

  it('isSampleValue is false for NaN only, as Number.isNaN says', () => {
    for (const value of [...numbers, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN]) {
      expect(isSampleValue(value), String(value)).toBe(!Number.isNaN(value));
    }
  });

  it('isFiniteValue agrees with Number.isFinite', () => {
    for (const value of [...numbers, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN]) {
      expect(isFiniteValue(value), String(value)).toBe(Number.isFinite(value));
    }
  });

  it('sampleCount counts the values of every column that are not NaN', () => {
    const columns = [
      { series: [{ daemon: 'a' }, { daemon: 'b' }], values: Float64Array.from([Number.NaN, 0]) },
      { series: [{ daemon: 'c' }, { daemon: 'd' }, { daemon: 'e' }], values: Float64Array.from([-1, Number.NaN, 3]) },
    ];
    const columnFamily: ColumnFamily = { name: 'x', type: 'gauge', help: 'X.', labelNames: ['daemon'], columns };
    expect(sampleCount(columnFamily)).toBe(3);
  });
});
