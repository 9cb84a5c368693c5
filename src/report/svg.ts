// Plain SVG charts, readable without any script: small multiples (one facet per
// combination of the grid's other dimensions) sharing one x and one y axis, each
// facet a line or grouped-bar chart with one series per strategy. Every point or bar
// has a <title> giving its exact value; the structure is marked for tests:
// <g class="facet" data-title>, <g class="series" data-name>, class="point"/"bar" with
// data-x (the category or value) and data-y.
// A chart with no data at all is a frame saying why, never an axis over nothing.

import { formatCount } from './points.js';

/** x: a category index (category axis) or a value (log axis); `title`: the exact value, for the tooltip. */
export interface Datum { x: number; y: number; title: string }
export interface Series { name: string; points: Datum[] }
export interface Facet { title: string; series: Series[] }

export interface FacetChart {
  title: string;
  /** A line under the title: what the values are and what was left out. */
  note: string;
  xLabel: string;
  yLabel: string;
  x: { scale: 'category'; categories: string[] } | { scale: 'log' | 'linear' };
  /** log0: log with 0 at the bottom and a gap up to the first decade, so a 1 stands clear of a 0. */
  y: 'linear' | 'log' | 'log0';
  mark: 'line' | 'bar';
  facets: Facet[];
  /** Facets per row of the grid. */
  columns: number;
  /** Series names in legend order, each with its colour. */
  legend: Array<{ name: string; color: string }>;
  /** What to say when no facet has a point. */
  empty: string;
  /** One facet's size in pixels; default 310 × 236, wider for a long title. */
  facetSize?: { width: number; height: number };
}

/** The single-chart forms the browser demo draws (one facet). */
export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  /** 'category': x values are indices into `categories`. */
  xScale: 'linear' | 'log' | 'category';
  categories?: string[];
  yScale?: 'linear' | 'log';
  series: Array<{ name: string; points: Array<{ x: number; y: number }> }>;
}

export interface BarChart {
  title: string;
  yLabel: string;
  /** One group per label, each with one bar per series name. */
  groups: Array<{ label: string; bars: Array<{ name: string; value: number }> }>;
  /** 'log': log with 0 at the bottom (a zero is a stub, a one a visible bar). */
  yScale?: 'linear' | 'log';
}

export const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

const FACET = { width: 310, height: 236 };
const SINGLE = { width: 600, height: 400 };
const INSET = { left: 58, right: 12, top: 30, bottom: 58 };
const MARGIN = { left: 26, top: 62, bottom: 34, legend: 190 };
const CHAR_W = 6.0; // an 11px sans-serif character, roughly

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** An axis on [0, 1]: `at` maps a value there; ticks are labelled with formatCount. */
interface Axis { at(value: number): number; ticks: number[] }

function linearAxis(values: number[]): Axis {
  let lo = Math.min(0, ...values);
  let hi = Math.max(...values);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (hi <= lo) hi = lo + 1;
  const rough = (hi - lo) / 5;
  const decade = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * decade).find((s) => s >= rough) ?? decade * 10;
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  const count = Math.round((hi - lo) / step);
  return { at: (v) => (v - lo) / (hi - lo), ticks: Array.from({ length: count + 1 }, (_, i) => +(lo + i * step).toPrecision(12)) };
}

/** Decades from below the smallest positive value to above the largest. */
function logAxis(values: number[]): Axis {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  let lo = positive.length > 0 ? Math.floor(Math.log10(Math.min(...positive))) : 0;
  let hi = positive.length > 0 ? Math.ceil(Math.log10(Math.max(...positive))) : 1;
  if (hi <= lo) [lo, hi] = [lo, lo + 1];
  const every = Math.ceil((hi - lo) / 8);
  const ticks = Array.from({ length: Math.floor((hi - lo) / every) + 1 }, (_, i) => 10 ** (lo + i * every));
  return { at: (v) => (Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo), ticks };
}

const ZERO_GAP = 0.12;

/** 0 at the bottom, then a gap, then decades from below the smallest positive value up: 1 stands clear of 0. */
function log0Axis(values: number[]): Axis {
  const log = logAxis([...values, 1]);
  const base = log.ticks[0]!;
  return { at: (v) => (v <= 0 ? 0 : ZERO_GAP + (1 - ZERO_GAP) * log.at(Math.max(v, base))), ticks: [0, ...log.ticks] };
}

const axisOf = { linear: linearAxis, log: logAxis, log0: log0Axis };

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}"${attributes ? ` ${attributes}` : ''}>${escapeXml(content)}</text>`;
}

function header(width: number, height: number, chart: Pick<FacetChart, 'title' | 'note'>): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(chart.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    text(MARGIN.left, 24, chart.title, 'font-size="15" font-weight="bold"'),
    text(MARGIN.left, 44, chart.note, 'fill="#444"'),
  ];
}

function legend(chart: FacetChart, x: number): string[] {
  return chart.legend.flatMap(({ name, color }, i) => {
    const y = MARGIN.top + 14 + i * 18;
    const swatch = chart.mark === 'bar'
      ? `<rect x="${x}" y="${y - 9}" width="14" height="10" fill="${color}"/>`
      : `<line x1="${x}" y1="${y - 4}" x2="${x + 16}" y2="${y - 4}" stroke="${color}" stroke-width="2"/><circle cx="${x + 8}" cy="${y - 4}" r="3" fill="${color}"/>`;
    return [`<g class="legend-entry">${swatch}${text(x + 22, y, name)}</g>`];
  });
}

export function facetChart(chart: FacetChart): string {
  const all = chart.facets.flatMap((facet) => facet.series.flatMap((series) => series.points));
  if (all.length === 0) {
    const width = Math.max(760, MARGIN.left * 2 + Math.ceil(chart.empty.length * 7.2), MARGIN.left * 2 + Math.ceil(chart.note.length * CHAR_W));
    return [...header(width, 110, chart), text(MARGIN.left, 80, chart.empty, 'class="empty" font-size="13"'), '</svg>'].join('\n');
  }
  // Facets wide enough for their titles (11px bold: about 7px a character).
  const titleWidth = Math.max(0, ...chart.facets.map((facet) => facet.title.length * 7 + 20));
  const FACET_W = chart.facetSize?.width ?? Math.max(FACET.width, titleWidth);
  const categories = chart.x.scale === 'category' ? chart.x.categories : undefined;
  const plotW = FACET_W - INSET.left - INSET.right;
  const band = categories ? plotW / Math.max(1, categories.length) : 0;
  // Category labels too wide for their band are turned 35°; room is made below and left of them.
  const labelW = Math.max(0, ...(categories ?? []).map((c) => c.length * CHAR_W));
  const rotate = categories !== undefined && labelW > band - 6;
  const below = rotate ? Math.max(0, Math.ceil(labelW * 0.58) + 20 - INSET.bottom) : 0;
  const offset = rotate ? Math.max(0, Math.ceil(labelW * 0.82 - INSET.left - band / 2 - MARGIN.left + 6)) : 0;
  const FACET_H = (chart.facetSize?.height ?? FACET.height) + below;
  const plotH = FACET_H - below - INSET.top - INSET.bottom;
  const columns = Math.max(1, Math.min(chart.columns, chart.facets.length));
  const rows = Math.ceil(chart.facets.length / columns);
  const width = MARGIN.left + offset + columns * FACET_W + MARGIN.legend;
  const height = MARGIN.top + rows * FACET_H + MARGIN.bottom;
  const yAxis = axisOf[chart.y](all.map((d) => d.y));
  const xAxis: Axis = categories === undefined
    ? axisOf[chart.x.scale as 'log' | 'linear'](all.map((d) => d.x))
    : { at: (i) => (i + 0.5) / Math.max(1, categories.length), ticks: categories.map((_, i) => i) };
  const xName = (x: number) => (categories ? categories[x] ?? '' : String(x));
  const names = chart.legend.map((entry) => entry.name);
  const colorOf = (name: string) => chart.legend.find((entry) => entry.name === name)?.color ?? '#333';
  const body: string[] = [];
  chart.facets.forEach((facet, f) => {
    const left = MARGIN.left + offset + (f % columns) * FACET_W + INSET.left;
    const top = MARGIN.top + Math.floor(f / columns) * FACET_H + INSET.top;
    const px = (x: number) => left + xAxis.at(x) * plotW;
    const py = (y: number) => top + plotH - yAxis.at(y) * plotH;
    const out = [`<g class="facet" data-title="${escapeXml(facet.title)}">`];
    if (facet.title) out.push(text(left + plotW / 2, top - 12, facet.title, 'text-anchor="middle" font-weight="bold"'));
    for (const tick of yAxis.ticks) {
      const y = py(tick).toFixed(1);
      // The zero line is darker, so a value of 0 reads apart from a small one.
      out.push(`<line x1="${left - 4}" y1="${y}" x2="${left + plotW}" y2="${y}" stroke="${tick === 0 ? '#888' : '#e3e3e3'}"/>`, text(left - 7, py(tick) + 4, formatCount(tick), 'text-anchor="end"'));
    }
    for (const tick of xAxis.ticks) {
      const x = px(tick);
      const label = categories ? categories[tick] ?? '' : formatCount(tick);
      out.push(`<line x1="${x.toFixed(1)}" y1="${top + plotH}" x2="${x.toFixed(1)}" y2="${top + plotH + 4}" stroke="black"/>`);
      out.push(rotate
        ? `<text transform="translate(${(x + 3).toFixed(1)} ${top + plotH + 14}) rotate(-35)" text-anchor="end">${escapeXml(label)}</text>`
        : text(x, top + plotH + 17, label, 'text-anchor="middle"'));
    }
    out.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
    for (const series of facet.series) {
      const slot = names.indexOf(series.name);
      const color = colorOf(series.name);
      const points = [...series.points].sort((a, b) => a.x - b.x);
      out.push(`<g class="series" data-name="${escapeXml(series.name)}">`);
      if (chart.mark === 'bar') {
        const barW = (band * 0.8) / Math.max(1, names.length);
        for (const d of points) {
          const x = left + band * d.x + band * 0.1 + slot * barW;
          // A measured 0 is a 2-pixel stub on the zero line, not nothing.
          const y = Math.min(py(d.y), top + plotH - 2);
          out.push(`<rect class="bar" data-x="${escapeXml(xName(d.x))}" data-y="${d.y}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, barW - 1).toFixed(1)}" height="${(top + plotH - y).toFixed(1)}" fill="${color}"><title>${escapeXml(d.title)}</title></rect>`);
        }
      } else {
        // Series side by side within a category, so equal values do not hide each other.
        const dodge = categories ? (slot - (names.length - 1) / 2) * Math.min(14, (band * 0.6) / Math.max(1, names.length)) : 0;
        const coords = points.map((d) => [px(d.x) + dodge, py(d.y)] as const);
        const radius = categories ? 3 : 2;
        if (coords.length > 1) out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.8" points="${coords.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>`);
        points.forEach((d, i) => {
          const [x, y] = coords[i]!;
          out.push(`<circle class="point" data-x="${escapeXml(xName(d.x))}" data-y="${d.y}" cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${radius}" fill="${color}"><title>${escapeXml(d.title)}</title></circle>`);
        });
      }
      out.push('</g>');
    }
    out.push('</g>');
    body.push(out.join('\n'));
  });
  const plotsRight = MARGIN.left + offset + columns * FACET_W;
  return [
    ...header(width, height, chart),
    ...body,
    text(MARGIN.left + offset + (columns * FACET_W) / 2, height - 10, chart.xLabel, 'text-anchor="middle" font-size="12"'),
    `<text transform="translate(14 ${MARGIN.top + (rows * FACET_H) / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(chart.yLabel)}</text>`,
    ...legend(chart, plotsRight + 12),
    '</svg>',
  ].join('\n');
}

const legendOf = (names: string[]) => names.map((name, i) => ({ name, color: COLORS[i % COLORS.length]! }));

export function lineChart(chart: LineChart): string {
  return facetChart({
    title: chart.title, note: '', xLabel: chart.xLabel, yLabel: chart.yLabel,
    x: chart.xScale === 'category' ? { scale: 'category', categories: chart.categories ?? [] } : { scale: chart.xScale },
    y: chart.yScale === 'log' ? 'log0' : 'linear', mark: 'line', columns: 1, facetSize: SINGLE, legend: legendOf(chart.series.map((s) => s.name)), empty: 'No data.',
    facets: [{
      title: '',
      series: chart.series.map((series) => ({
        name: series.name,
        points: series.points.map((p) => ({ ...p, title: `${series.name}: ${chart.categories?.[p.x] ?? formatCount(p.x)}, ${formatCount(p.y)}` })),
      })),
    }],
  });
}

export function barChart(chart: BarChart): string {
  const names = [...new Set(chart.groups.flatMap((group) => group.bars.map((bar) => bar.name)))];
  return facetChart({
    title: chart.title, note: '', xLabel: '', yLabel: chart.yLabel,
    x: { scale: 'category', categories: chart.groups.map((group) => group.label) },
    y: chart.yScale === 'log' ? 'log0' : 'linear', mark: 'bar', columns: 1, facetSize: SINGLE, legend: legendOf(names), empty: 'No data.',
    facets: [{
      title: '',
      series: names.map((name) => ({
        name,
        points: chart.groups.flatMap((group, i) => group.bars.filter((bar) => bar.name === name)
          .map((bar) => ({ x: i, y: bar.value, title: `${group.label} ${name}: ${formatCount(bar.value)}` }))),
      })),
    }],
  });
}
