import type { MetricFamily } from './types.js';

/** Content type of the Prometheus text format 0.0.4 (what prom-client's registry also declares). */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const NEEDS_TEXT_ESCAPE = /[\\\n]/;
const NEEDS_LABEL_ESCAPE = /[\\\n"]/;
const escapeText = (text: string) =>
  NEEDS_TEXT_ESCAPE.test(text) ? text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : text;
const escapeLabelValue = (value: string) =>
  NEEDS_LABEL_ESCAPE.test(value) ? escapeText(value).replace(/"/g, '\\"') : value;

/**
 * Rendered `{name="value",…}` texts by label set, per list of label names. Collectors share one
 * labels object between the families of one torrent (`{daemon, hash}` in ~20 per-torrent families),
 * so each torrent's label text is built and escaped once per exposition, not once per sample.
 */
type LabelTextCache = Map<string, Map<object, string>>;

function labelText(labelNames: readonly string[], labels: Readonly<Record<string, string>>): string {
  let text = '{';
  for (let index = 0; index < labelNames.length; index++) {
    const name = labelNames[index] as string;
    text += `${index === 0 ? '' : ','}${name}="${escapeLabelValue(labels[name] ?? '')}"`;
  }
  return `${text}}`;
}

function renderFamily(family: MetricFamily, cache: LabelTextCache, out: string[]): void {
  const { name, labelNames } = family;
  out.push(`# HELP ${name} ${escapeText(family.help)}\n# TYPE ${name} ${family.type}\n`);
  if (labelNames.length === 0) {
    for (const { value } of family.samples) out.push(`${name} ${value}\n`);
    return;
  }
  const cacheKey = labelNames.join(',');
  let texts = cache.get(cacheKey);
  if (texts === undefined) {
    texts = new Map();
    cache.set(cacheKey, texts);
  }
  for (const { labels, value } of family.samples) {
    let rendered = texts.get(labels);
    if (rendered === undefined) {
      rendered = labelText(labelNames, labels);
      texts.set(labels, rendered);
    }
    out.push(`${name}${rendered} ${value}\n`);
  }
}

/**
 * The Prometheus text format of `families`, byte for byte what prom-client's registry writes for the
 * same metrics (so the exporter's own prom-client registry can follow it in one answer): families
 * separated by an empty line, labels in the family's declared order. Families must be merged
 * (one per name) and checked (`checkFamilies`); families without samples are left out, so no
 * unlabelled metric shows a false 0. Returns `''` when no family has a sample.
 */
export function renderFamilies(families: readonly MetricFamily[]): string {
  const cache: LabelTextCache = new Map();
  // One flat list of pieces joined once: no deep string ropes to flatten.
  const out: string[] = [];
  for (const family of families) {
    if (family.samples.length === 0) continue;
    if (out.length > 0) out.push('\n');
    renderFamily(family, cache, out);
  }
  return out.join('');
}

/** One answer from several expositions (each `''` or ending in a newline), as one registry would write it. */
export function joinExpositions(...texts: readonly string[]): string {
  return texts.filter((text) => text !== '').join('\n');
}
