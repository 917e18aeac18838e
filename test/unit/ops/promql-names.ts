/** PromQL words that look like metric names but are operators, modifiers or literals. */
const PROMQL_KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression (or a Grafana `label_values(selector, label)` query) selects.
 * A lexical scan, enough for our own expressions: strings, label matchers, ranges, grouping clauses and
 * Grafana variables are removed first; an identifier followed by `(` is a function or aggregation.
 */
export function metricNamesIn(expression: string): string[] {
  const labelValues = /^\s*label_values\((.*),\s*\w+\s*\)\s*$/s.exec(expression);
  const query = labelValues?.[1] ?? expression;
  const stripped = query
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()/g)) {
    const name = match[1] as string;
    if (!PROMQL_KEYWORDS.has(name.toLowerCase())) names.add(name);
  }
  return [...names];
}
