import { describe, expect, it } from 'vitest';
import {
  boundLabelValue,
  checkFamilies,
  FamilyConflictError,
  InvalidFamilyError,
  MAX_LABEL_VALUE_LENGTH,
  mergeFamilies,
} from '../../../src/collector/families.js';
import type { MetricFamily } from '../../../src/collector/types.js';

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
      family({ ...three, samples: [...three.samples, sample({ daemon: 'b', hash: 'h', state: 'x' })] }),
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
    expect(checked?.samples[0]?.labels.path).toHaveLength(MAX_LABEL_VALUE_LENGTH);
    expect(checked?.samples[0]?.labels.path?.endsWith('…')).toBe(true);
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
    expect(checkFamilies([counter], new Set())[0]?.samples.map((s) => s.value)).toEqual([5]);
    const gauge = family({ samples: [{ labels: { daemon: 'd', path: '/a' }, value: -3 }] });
    expect(checkFamilies([gauge], new Set())[0]?.samples.map((s) => s.value)).toEqual([-3]);
  });
});

describe('mergeFamilies', () => {
  it('merges the families of several daemons under one name, in first-seen order', () => {
    const a = family({ samples: [{ labels: { daemon: 'a', path: '/x' }, value: 1 }] });
    const b = family({ samples: [{ labels: { daemon: 'b', path: '/x' }, value: 2 }] });
    const up = family({ name: 'deluge_up', labelNames: ['daemon'], samples: [{ labels: { daemon: 'a' }, value: 1 }] });
    const merged = mergeFamilies([a, up, b]);
    expect(merged.conflicts).toEqual([]);
    expect(merged.families.map((f) => [f.name, f.samples.length])).toEqual([
      ['deluge_free_space_bytes', 2],
      ['deluge_up', 1],
    ]);
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
