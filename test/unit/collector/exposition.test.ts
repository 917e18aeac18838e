import { Counter, Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { EXPOSITION_CONTENT_TYPE, joinExpositions, renderFamilies } from '../../../src/collector/exposition.js';
import type { MetricFamily } from '../../../src/collector/types.js';

const up: MetricFamily = {
  name: 'deluge_up',
  type: 'gauge',
  help: 'Up.',
  labelNames: ['daemon'],
  samples: [
    { labels: { daemon: 'a' }, value: 1 },
    { labels: { daemon: 'b' }, value: 0 },
  ],
};
const free: MetricFamily = {
  name: 'deluge_free_space_bytes',
  type: 'gauge',
  help: 'Free \\ bytes\nper path.',
  labelNames: ['daemon', 'path'],
  // labels given out of declared order: the declared order wins
  samples: [{ labels: { path: '/a "b"\\c\nd', daemon: 'a' }, value: 1.5e21 }],
};
const sent: MetricFamily = {
  name: 'deluge_session_sent_bytes_total',
  type: 'counter',
  help: 'Sent.',
  labelNames: [],
  samples: [{ labels: {}, value: 1203345001 }],
};

describe('renderFamilies', () => {
  it('writes byte for byte what prom-client writes for the same metrics', async () => {
    const registry = new Registry();
    const gauge = new Gauge({ name: up.name, help: up.help, labelNames: ['daemon'], registers: [registry] });
    gauge.set({ daemon: 'a' }, 1);
    gauge.set({ daemon: 'b' }, 0);
    new Gauge({ name: free.name, help: free.help, labelNames: ['daemon', 'path'], registers: [registry] }).set(
      { daemon: 'a', path: '/a "b"\\c\nd' },
      1.5e21,
    );
    new Counter({ name: sent.name, help: sent.help, registers: [registry] }).inc(1203345001);
    expect(renderFamilies([up, free, sent])).toBe(await registry.metrics());
    expect(EXPOSITION_CONTENT_TYPE).toBe(registry.contentType);
  });

  it('leaves out families without samples instead of exporting a false 0', () => {
    expect(renderFamilies([{ ...sent, samples: [] }])).toBe('');
    expect(renderFamilies([{ ...sent, samples: [] }, up])).toBe(renderFamilies([up]));
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
    expect(joinExpositions(own, renderFamilies([up]))).toBe(await merged.metrics());
    expect(joinExpositions('', own)).toBe(own);
  });
});
