/**
 * A small hand-written SVG line chart for docs/benchmarks.md: two panels (scrape time and peak RSS)
 * against torrent count on a logarithmic axis, one line per series. No plotting dependency.
 */

/** One measured point of a series. */
export interface PlotPoint {
  readonly series: string;
  readonly torrents: number;
  /** Omitted for series that have no time figure (e.g. none) or no memory figure (the daemon). */
  readonly timeMs?: number;
  readonly rssMb?: number;
}

const WIDTH = 1010;
const HEIGHT = 400;
const PANEL_WIDTH = 400;
const PANEL_HEIGHT = 260;
const TOP = 50;
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten, at least `max`. */
function niceCeiling(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

interface Panel {
  readonly title: string;
  readonly unit: string;
  readonly left: number;
  readonly value: (point: PlotPoint) => number | undefined;
}

function panelSvg(panel: Panel, points: readonly PlotPoint[], series: readonly string[]): string[] {
  const values = points.map(panel.value).filter((value): value is number => value !== undefined);
  const yMax = niceCeiling(Math.max(...values, 0));
  const counts = points.map((point) => point.torrents);
  const xMin = Math.log10(Math.min(...counts));
  const xMax = Math.max(Math.log10(Math.max(...counts)), xMin + 1);
  const x = (torrents: number): number => panel.left + ((Math.log10(torrents) - xMin) / (xMax - xMin)) * PANEL_WIDTH;
  const y = (value: number): number => TOP + PANEL_HEIGHT - (value / yMax) * PANEL_HEIGHT;
  const out: string[] = [
    `<text x="${panel.left + PANEL_WIDTH / 2}" y="${TOP - 18}" text-anchor="middle" font-weight="bold">${escapeXml(panel.title)}</text>`,
    `<rect x="${panel.left}" y="${TOP}" width="${PANEL_WIDTH}" height="${PANEL_HEIGHT}" fill="none" stroke="#999"/>`,
  ];
  for (let tick = 0; tick <= 4; tick++) {
    const value = (yMax * tick) / 4;
    out.push(
      `<line x1="${panel.left}" x2="${panel.left + PANEL_WIDTH}" y1="${y(value)}" y2="${y(value)}" stroke="#eee"/>`,
      `<text x="${panel.left - 6}" y="${y(value) + 4}" text-anchor="end">${value}</text>`,
    );
  }
  for (const torrents of [...new Set(counts)].sort((a, b) => a - b)) {
    out.push(
      `<line x1="${x(torrents)}" x2="${x(torrents)}" y1="${TOP}" y2="${TOP + PANEL_HEIGHT}" stroke="#eee"/>`,
      `<text x="${x(torrents)}" y="${TOP + PANEL_HEIGHT + 16}" text-anchor="middle">${torrents.toLocaleString('en-US')}</text>`,
    );
  }
  out.push(
    `<text x="${panel.left + PANEL_WIDTH / 2}" y="${TOP + PANEL_HEIGHT + 34}" text-anchor="middle">torrents (log scale)</text>`,
    `<text x="${panel.left - 44}" y="${TOP + PANEL_HEIGHT / 2}" text-anchor="middle" transform="rotate(-90 ${panel.left - 44} ${TOP + PANEL_HEIGHT / 2})">${escapeXml(panel.unit)}</text>`,
  );
  series.forEach((name, index) => {
    const color = COLORS[index % COLORS.length];
    const line = points
      .filter((point) => point.series === name && panel.value(point) !== undefined)
      .sort((a, b) => a.torrents - b.torrents)
      .map((point) => [x(point.torrents), y(panel.value(point) as number)] as const);
    if (line.length === 0) return;
    out.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${line.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ')}"/>`,
      ...line.map(([px, py]) => `<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="3.5" fill="${color}"/>`),
    );
  });
  return out;
}

/** The chart as a standalone SVG document. */
export function benchmarkPlotSvg(title: string, points: readonly PlotPoint[]): string {
  const series = [...new Set(points.map((point) => point.series))];
  const legendTop = TOP + PANEL_HEIGHT + 50;
  const legend = series.map((name, index) => {
    const column = index % 2;
    const row = Math.floor(index / 2);
    const left = 80 + column * 440;
    const top = legendTop + row * 18;
    const color = COLORS[index % COLORS.length];
    return `<line x1="${left}" x2="${left + 24}" y1="${top}" y2="${top}" stroke="${color}" stroke-width="2"/><text x="${left + 30}" y="${top + 4}">${escapeXml(name)}</text>`;
  });
  const height = Math.max(HEIGHT, legendTop + Math.ceil(series.length / 2) * 18 + 10);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="16" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
    ...panelSvg({ title: 'scrape time (median)', unit: 'ms', left: 80, value: (p) => p.timeMs }, points, series),
    ...panelSvg({ title: 'exporter peak RSS', unit: 'MB', left: 580, value: (p) => p.rssMb }, points, series),
    ...legend,
    '</svg>',
    '',
  ].join('\n');
}
