import type { MetricFamily } from './types.js';

/** Content type of the Prometheus text format 0.0.4 (what prom-client's registry also declares). */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const escapeText = (text: string) => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabelValue = (value: string) => escapeText(value).replace(/"/g, '\\"');

function renderFamily(family: MetricFamily): string {
  const lines = [`# HELP ${family.name} ${escapeText(family.help)}`, `# TYPE ${family.name} ${family.type}`];
  const { labelNames } = family;
  for (const { labels, value } of family.samples) {
    const labelText =
      labelNames.length === 0
        ? ''
        : `{${labelNames.map((name) => `${name}="${escapeLabelValue(labels[name] ?? '')}"`).join(',')}}`;
    lines.push(`${family.name}${labelText} ${value}`);
  }
  return lines.join('\n');
}

/**
 * The Prometheus text format of `families`, byte for byte what prom-client's registry writes for the
 * same metrics (so the exporter's own prom-client registry can follow it in one answer): families
 * separated by an empty line, labels in the family's declared order. Families must be merged
 * (one per name) and checked (`checkFamilies`); families without samples are left out, so no
 * unlabelled metric shows a false 0. Returns `''` when no family has a sample.
 */
export function renderFamilies(families: readonly MetricFamily[]): string {
  const rendered = families.filter((family) => family.samples.length > 0).map(renderFamily);
  return rendered.length === 0 ? '' : `${rendered.join('\n\n')}\n`;
}

/** One answer from several expositions (each `''` or ending in a newline), as one registry would write it. */
export function joinExpositions(...texts: readonly string[]): string {
  return texts.filter((text) => text !== '').join('\n');
}
