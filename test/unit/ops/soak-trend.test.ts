import { describe, expect, it } from 'vitest';
import { growthOverRun, type Sample } from '../../../scripts/soak-trend.js';

/** 100 samples every 90 scrapes from scrape 1000, like `npm run soak`; `noise` is ±fraction of the level. */
function series(level: (at: number) => number, noise: (index: number) => number): Sample[] {
  return Array.from({ length: 100 }, (_, index) => {
    const at = 1000 + index * 90;
    return { at, value: level(at) * (1 + noise(index)) };
  });
}

/** A deterministic spread of ±12 %, like RSS after a full GC on a flat heap. */
const allocatorNoise = (index: number) => (((index * 37) % 25) - 12) / 100;

describe('growthOverRun', () => {
  it('reads a straight line exactly', () => {
    const growth = growthOverRun([
      { at: 0, value: 100 },
      { at: 5, value: 105 },
      { at: 10, value: 110 },
    ]);
    expect(growth.start).toBeCloseTo(100, 9);
    expect(growth.end).toBeCloseTo(110, 9);
    expect(growth.relative).toBeCloseTo(0.1, 9);
  });

  it('calls a flat level with ±12 % noise and a late +25 % spike flat, where the largest sample is far above the first', () => {
    const samples = series(
      () => 165,
      (index) => (index === 97 ? 0.25 : allocatorNoise(index)),
    );
    const first = samples[0]?.value ?? Number.NaN;
    expect(Math.max(...samples.map((s) => s.value)) / first).toBeGreaterThan(1.3);
    expect(Math.abs(growthOverRun(samples).relative)).toBeLessThan(0.03);
  });

  it('finds a leak that adds 15 % over the run under the same noise', () => {
    const samples = series((at) => 165 * (1 + (0.15 * (at - 1000)) / 8910), allocatorNoise);
    expect(growthOverRun(samples).relative).toBeGreaterThan(0.12);
    expect(growthOverRun(samples).relative).toBeLessThan(0.18);
  });

  it('refuses fewer than two samples', () => {
    expect(() => growthOverRun([{ at: 1, value: 1 }])).toThrow(RangeError);
    expect(() => growthOverRun([])).toThrow(RangeError);
  });
});
