// Plain SVG charts, readable without any script: a line chart (linear, log or
// category x axis) and a grouped bar chart, each with axes, ticks, a legend and a
// <title> on every point or bar giving its exact value.

export interface Point { x: number; y: number }
export interface Series { name: string; points: Point[] }

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  /** 'category': x values are indices into `categories`. */
  xScale: 'linear' | 'log' | 'category';
  categories?: string[];
  yScale?: 'linear' | 'log';
  series: Series[];
}

export interface BarChart {
  title: string;
  yLabel: string;
  /** One group per label, each with one bar per series name. */
  groups: Array<{ label: string; bars: Array<{ name: string; value: number }> }>;
  yScale?: 'linear' | 'log';
}

const WIDTH = 760;
const HEIGHT = 420;
const PLOT = { left: 80, right: 580, top: 50, bottom: 340 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Formats a number for a tick or a tooltip: 1.2k, 3.4M, 0.25. */
export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${+(value / 1e9).toPrecision(3)}G`;
  if (abs >= 1e6) return `${+(value / 1e6).toPrecision(3)}M`;
  if (abs >= 1e4) return `${+(value / 1e3).toPrecision(3)}k`;
  return `${+value.toPrecision(3)}`;
}

interface Axis { map(value: number): number; ticks: Array<{ value: number; label: string }> }

function linearAxis(min: number, max: number, from: number, to: number): Axis {
  if (max <= min) max = min + 1;
  const step = 10 ** Math.floor(Math.log10((max - min) / 5));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => (max - min) / s <= 6) ?? step * 10;
  const lo = Math.floor(min / nice) * nice;
  const hi = Math.ceil(max / nice) * nice;
  const ticks = [];
  for (let v = lo; v <= hi + nice / 2; v += nice) ticks.push({ value: v, label: formatNumber(v) });
  return { map: (v) => from + ((v - lo) / (hi - lo)) * (to - from), ticks };
}

function logAxis(min: number, max: number, from: number, to: number): Axis {
  const lo = Math.floor(Math.log10(Math.max(min, 1e-9)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(max, 1e-9))));
  const ticks = [];
  for (let e = lo; e <= hi; e++) ticks.push({ value: 10 ** e, label: formatNumber(10 ** e) });
  return { map: (v) => from + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * (to - from), ticks };
}

function frame(title: string, xLabel: string, yLabel: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<line x1="${PLOT.left}" y1="${PLOT.bottom}" x2="${PLOT.right}" y2="${PLOT.bottom}" stroke="black"/>`,
    `<line x1="${PLOT.left}" y1="${PLOT.top}" x2="${PLOT.left}" y2="${PLOT.bottom}" stroke="black"/>`,
    `<text x="${(PLOT.left + PLOT.right) / 2}" y="${PLOT.bottom + 40}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(18 ${(PLOT.top + PLOT.bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
    ...body,
    '</svg>',
  ].join('\n');
}

function yTicks(axis: Axis): string[] {
  return axis.ticks.map(({ value, label }) => {
    const y = axis.map(value).toFixed(1);
    return `<line x1="${PLOT.left - 4}" y1="${y}" x2="${PLOT.right}" y2="${y}" stroke="#ddd"/><text x="${PLOT.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${label}</text>`;
  });
}

function legend(names: string[]): string[] {
  return names.map((name, i) => {
    const y = PLOT.top + 10 + i * 18;
    return `<rect x="${PLOT.right + 20}" y="${y - 8}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/><text x="${PLOT.right + 38}" y="${y + 2}">${escapeXml(name)}</text>`;
  });
}

export function lineChart(chart: LineChart): string {
  const points = chart.series.flatMap((series) => series.points);
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const yScale = chart.yScale ?? 'linear';
  const yAxis = (yScale === 'log' ? logAxis : linearAxis)(yScale === 'log' ? Math.min(...ys) : Math.min(0, ...ys), Math.max(...ys), PLOT.bottom, PLOT.top);
  let xAxis: Axis;
  if (chart.xScale === 'category') {
    const categories = chart.categories ?? [];
    const step = (PLOT.right - PLOT.left) / Math.max(categories.length, 1);
    xAxis = { map: (v) => PLOT.left + step * (v + 0.5), ticks: categories.map((label, i) => ({ value: i, label })) };
  } else {
    xAxis = (chart.xScale === 'log' ? logAxis : linearAxis)(Math.min(...xs), Math.max(...xs), PLOT.left, PLOT.right);
  }
  const body = [
    ...yTicks(yAxis),
    ...xAxis.ticks.map(({ value, label }) => {
      const x = xAxis.map(value).toFixed(1);
      return `<line x1="${x}" y1="${PLOT.bottom}" x2="${x}" y2="${PLOT.bottom + 4}" stroke="black"/><text x="${x}" y="${PLOT.bottom + 18}" text-anchor="middle">${escapeXml(label)}</text>`;
    }),
    ...chart.series.map((series, i) => {
      const color = COLORS[i % COLORS.length];
      const coords = series.points.map((p) => `${xAxis.map(p.x).toFixed(1)},${yAxis.map(p.y).toFixed(1)}`);
      const marks = series.points.map((p, j) => {
        const x = chart.xScale === 'category' ? chart.categories?.[p.x] ?? p.x : formatNumber(p.x);
        return `<circle cx="${coords[j]!.split(',')[0]}" cy="${coords[j]!.split(',')[1]}" r="3" fill="${color}"><title>${escapeXml(`${series.name}: ${x}, ${formatNumber(p.y)}`)}</title></circle>`;
      });
      return [`<g class="series" data-name="${escapeXml(series.name)}">`, `<polyline fill="none" stroke="${color}" stroke-width="2" points="${coords.join(' ')}"/>`, ...marks, '</g>'].join('\n');
    }),
    ...legend(chart.series.map((series) => series.name)),
  ];
  return frame(chart.title, chart.xLabel, chart.yLabel, body);
}

export function barChart(chart: BarChart): string {
  const names = [...new Set(chart.groups.flatMap((group) => group.bars.map((bar) => bar.name)))];
  const values = chart.groups.flatMap((group) => group.bars.map((bar) => bar.value));
  const log = chart.yScale === 'log';
  // On a log axis a bar starts at 1 and zero is drawn as no bar.
  const yAxis = log ? logAxis(1, Math.max(10, ...values), PLOT.bottom, PLOT.top) : linearAxis(0, Math.max(1, ...values), PLOT.bottom, PLOT.top);
  const groupWidth = (PLOT.right - PLOT.left) / Math.max(chart.groups.length, 1);
  const barWidth = (groupWidth * 0.8) / Math.max(names.length, 1);
  const body = [...yTicks(yAxis)];
  chart.groups.forEach((group, g) => {
    const x0 = PLOT.left + g * groupWidth + groupWidth * 0.1;
    body.push(`<text transform="translate(${(x0 + groupWidth * 0.4).toFixed(1)} ${PLOT.bottom + 12}) rotate(30)" font-size="10">${escapeXml(group.label)}</text>`);
    for (const bar of group.bars) {
      const i = names.indexOf(bar.name);
      const top = bar.value > (log ? 1 : 0) ? yAxis.map(bar.value) : PLOT.bottom;
      body.push(`<rect x="${(x0 + i * barWidth).toFixed(1)}" y="${top.toFixed(1)}" width="${(barWidth * 0.9).toFixed(1)}" height="${(PLOT.bottom - top).toFixed(1)}" fill="${COLORS[i % COLORS.length]}"><title>${escapeXml(`${group.label} ${bar.name}: ${bar.value}`)}</title></rect>`);
    }
  });
  body.push(...legend(names));
  return frame(chart.title, '', chart.yLabel, body);
}
