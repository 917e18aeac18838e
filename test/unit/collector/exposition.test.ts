import { describe, expect, it } from 'vitest';
import { familiesToRegistry, renderFamilies } from '../../../src/collector/exposition.js';
import { FamilyConflictError } from '../../../src/collector/families.js';
import type { MetricFamily } from '../../../src/collector/types.js';

const gauge = (daemon: string, value: number): MetricFamily => ({
  name: 'deluge_up',
  type: 'gauge',
  help: 'Up.',
  labelNames: ['daemon'],
  samples: [{ labels: { daemon }, value }],
});

describe('renderFamilies', () => {
  it('merges the families of several daemons under one HELP and TYPE', async () => {
    const text = await renderFamilies([gauge('a', 1), gauge('b', 0)]);
    expect(text).toBe(
      '# HELP deluge_up Up.\n# TYPE deluge_up gauge\ndeluge_up{daemon="a"} 1\ndeluge_up{daemon="b"} 0\n',
    );
  });

  it('sets absolute counter values and skips negative or non-finite ones', async () => {
    const counter: MetricFamily = {
      name: 'deluge_session_sent_bytes_total',
      type: 'counter',
      help: 'Sent.',
      labelNames: ['daemon'],
      samples: [
        { labels: { daemon: 'a' }, value: 1203345001 },
        { labels: { daemon: 'b' }, value: -1 },
        { labels: { daemon: 'c' }, value: Number.NaN },
        { labels: { daemon: 'd' }, value: 0 },
      ],
    };
    const text = await renderFamilies([counter]);
    expect(text.split('\n').filter((line) => !line.startsWith('#') && line !== '')).toEqual([
      'deluge_session_sent_bytes_total{daemon="a"} 1203345001',
      'deluge_session_sent_bytes_total{daemon="d"} 0',
    ]);
  });

  it('leaves out families without samples instead of exporting a false 0', async () => {
    const empty: MetricFamily = { name: 'deluge_info', type: 'gauge', help: 'Info.', labelNames: [], samples: [] };
    expect((await renderFamilies([empty])).trim()).toBe('');
  });

  it('escapes label values', async () => {
    const family: MetricFamily = {
      name: 'deluge_free_space_bytes',
      type: 'gauge',
      help: 'Free.',
      labelNames: ['path'],
      samples: [{ labels: { path: '/a "b"\\c\nd' }, value: 5 }],
    };
    expect(await renderFamilies([family])).toContain('deluge_free_space_bytes{path="/a \\"b\\"\\\\c\\nd"} 5');
  });

  it('refuses two families of one name with different types', () => {
    expect(() => familiesToRegistry([gauge('a', 1), { ...gauge('b', 1), type: 'counter' }])).toThrow(
      FamilyConflictError,
    );
  });

  it('uses the registry it is given', async () => {
    const registry = familiesToRegistry([gauge('a', 1)]);
    expect(await registry.getSingleMetricAsString('deluge_up')).toContain('deluge_up{daemon="a"} 1');
  });
});
