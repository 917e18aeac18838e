import { describe, expect, it } from 'vitest';
import { metricNamesIn } from './promql-names.js';

describe('metricNamesIn', () => {
  it('finds selected metrics and skips functions, label names, grouping clauses and variables', () => {
    expect(
      metricNamesIn(
        'topk($topn, sum by (daemon, path) (rate(deluge_a_total{job=~"$job", x="y{z}"}[$__rate_interval])))' +
          ' * on(daemon, hash) group_left(name) deluge_torrent_info or vector(0) > bool 1e3',
      ),
    ).toEqual(['deluge_a_total', 'deluge_torrent_info']);
  });

  it('reads the selector of a Grafana label_values query', () => {
    expect(metricNamesIn('label_values(deluge_up{job=~"$job"}, daemon)')).toEqual(['deluge_up']);
  });

  it('keeps names next to operators and keywords', () => {
    expect(metricNamesIn('a == 0 and on(job) b unless c offset 5m')).toEqual(['a', 'b', 'c']);
  });
});
