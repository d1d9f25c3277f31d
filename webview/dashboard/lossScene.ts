import type { LossAxis, LossField, StepStartWire } from '../../src/protocol/dashboardMessages';
import { yearOfMonth } from '../../src/tic/ticMonths';
import { formatTimeStep, timescaleOfStep } from '../../src/tic/ticTimeStep';
import { formatTick, formatTimeTick, ticksFor, timeTicks } from '../shared/axisTicks';
import type { Rect, Scene, SceneItem } from '../shared/chartScene';
import { ChartScale, toScaleSpace, type ScaleKind } from '../shared/chartScale';
import type { XRange } from '../shared/zoomRange';
import { axisLabels, fieldLabels, timeScaleToMs } from './lossLabels';
import { seriesStyle } from './seriesStyle';

export interface LossSceneSeries {
  /** The chain's label (legend, empty-series notes, the scene's title). */
  chain: string;
  /** The chain's colour slot (its place in the snapshot, so colours stay put when the selection changes). */
  colorIndex: number;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  smoothed: ArrayLike<number> | null;
  stepStarts: readonly StepStartWire[];
  /** Points before downsampling. */
  total: number;
}

export interface LossSceneColors {
  foreground: string;
  background: string;
  muted: string;
  border: string;
  series: readonly string[];
  fontFamily: string;
  fontSize: number;
  /** Thicker lines for the high-contrast themes. */
  highContrast: boolean;
}

export interface LossSceneInput {
  width: number;
  height: number;
  series: readonly LossSceneSeries[];
  field: LossField;
  axis: LossAxis;
  xKind: ScaleKind;
  yKind: ScaleKind;
  /** Visible x range; null = the whole extent. */
  view: XRange | null;
  /** Union of the chains' full x extents (before downsampling); null = take it from the points. */
  extent: XRange | null;
  colors: LossSceneColors;
}

export interface LossSceneResult {
  scene: Scene;
  xScale: ChartScale;
  yScale: ChartScale;
  plot: Rect;
  /** Raw points drawn (finite, inside the view, showable on the scales). */
  pointsDrawn: number;
  /** The x domain shown. */
  xDomain: [number, number];
}

const margin = { left: 64, right: 18, top: 26, bottom: 44 };
const legendRow = 18;

/**
 * The loss chart as a scene: grid, axes and tick labels, a dashed marker at each training step start labelled
 * with its year, then per chain the raw line (faint when a smoothed line is drawn over it) and the smoothed
 * line. NaN y values break a line; on a log axis non-positive values are left out.
 */
export function buildLossScene(input: LossSceneInput): LossSceneResult {
  const { width, height, colors } = input;
  const fs = colors.fontSize;
  const small = Math.max(9, Math.round(fs * 0.85));
  const legendRows = legendLayout(input.series, width, small).rows;
  const plot: Rect = {
    x: margin.left,
    y: margin.top,
    w: Math.max(10, width - margin.left - margin.right),
    h: Math.max(10, height - margin.top - margin.bottom - legendRows * legendRow),
  };
  const xKind: ScaleKind = input.axis === 'time' ? 'linear' : input.xKind;
  const xDomain = xDomainFor(input, xKind);
  const xScale = new ChartScale(xKind, xDomain, [plot.x, plot.x + plot.w]);
  const [vx0, vx1] = xScale.effectiveDomain;
  const yDomain = yDomainFor(input.series, vx0, vx1, xKind, input.yKind);
  const yScale = new ChartScale(input.yKind, yDomain, [plot.y + plot.h, plot.y]);

  const items: SceneItem[] = [];
  const text = (
    x: number,
    y: number,
    t: string,
    anchor: 'start' | 'middle' | 'end',
    baseline: 'top' | 'middle' | 'bottom',
    extra: Partial<SceneItem> = {},
  ): void => {
    items.push({
      kind: 'text',
      x,
      y,
      text: t,
      fill: colors.muted,
      anchor,
      baseline,
      size: small,
      ...extra,
    } as SceneItem);
  };

  // Grid and tick labels.
  const [yd0, yd1] = yScale.effectiveDomain;
  const yTicks = ticksFor(input.yKind, yd0, yd1, Math.max(2, Math.floor(plot.h / 45)));
  const yStep = yTicks.length > 1 ? Math.abs(yTicks[1]! - yTicks[0]!) : Math.abs(yd1 - yd0);
  for (const v of yTicks) {
    const py = yScale.map(v);
    if (!(py >= plot.y - 0.5 && py <= plot.y + plot.h + 0.5)) continue;
    items.push({
      kind: 'line',
      x1: plot.x,
      y1: py,
      x2: plot.x + plot.w,
      y2: py,
      stroke: colors.border,
      width: 1,
      alpha: 0.6,
    });
    text(plot.x - 6, py, formatTick(v, input.yKind === 'log' ? v : yStep), 'end', 'middle');
  }
  const xTickValues: { v: number; label: string }[] = [];
  if (input.axis === 'time') {
    const unit = timeScaleToMs(Math.max(Math.abs(vx0), Math.abs(vx1)));
    const { values, step } = timeTicks(vx0 * unit, vx1 * unit, Math.max(2, Math.floor(plot.w / 120)));
    for (const t of values) xTickValues.push({ v: t / unit, label: formatTimeTick(t, step) });
  } else {
    const ticks = ticksFor(xKind, vx0, vx1, Math.max(2, Math.floor(plot.w / 90)));
    const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : Math.abs(vx1 - vx0);
    for (const v of ticks) xTickValues.push({ v, label: formatTick(v, xKind === 'log' ? v : step) });
  }
  for (const { v, label } of xTickValues) {
    const px = xScale.map(v);
    if (!(px >= plot.x - 0.5 && px <= plot.x + plot.w + 0.5)) continue;
    items.push({
      kind: 'line',
      x1: px,
      y1: plot.y,
      x2: px,
      y2: plot.y + plot.h,
      stroke: colors.border,
      width: 1,
      alpha: 0.6,
    });
    text(px, plot.y + plot.h + 6, label, 'middle', 'top');
  }

  // Axes and their titles.
  items.push({ kind: 'rect', x: plot.x, y: plot.y, w: plot.w, h: plot.h, stroke: colors.border, strokeWidth: 1 });
  text(
    plot.x + plot.w / 2,
    plot.y + plot.h + 24,
    axisLabels[input.axis] + (xKind === 'log' ? ' (log)' : ''),
    'middle',
    'top',
    {
      fill: colors.foreground,
    },
  );
  text(
    14,
    plot.y + plot.h / 2,
    fieldLabels[input.field] + (input.yKind === 'log' ? ' (log)' : ''),
    'middle',
    'middle',
    {
      fill: colors.foreground,
      rotate: -90,
    },
  );

  // Step-start markers: one per distinct (step, pixel); a label only where it does not run into the last one, and
  // where months are dense only the first month of each year (stepMarkerLabels).
  const several = input.series.filter((s) => s.x.length > 0).length > 1;
  const markers = new Map<string, { px: number; year: number; color: string; edge: boolean }>();
  for (const s of input.series) {
    const { color } = seriesStyle(s.colorIndex, colors.series);
    // The step under the plot's left edge when it started further left (before the first logged point, or out of
    // a zoomed view): its label at the edge, without a line, so the first step is named too.
    let before: StepStartWire | null = null;
    for (const start of s.stepStarts) {
      const px = xScale.map(start.x);
      if (px < plot.x && (before === null || start.x >= before.x)) before = start;
      if (!(px >= plot.x && px <= plot.x + plot.w)) continue;
      const key = `${start.year}@${Math.round(px)}`;
      if (!markers.has(key))
        markers.set(key, { px, year: start.year, color: several ? color : colors.muted, edge: false });
    }
    if (before !== null && s.x.length > 0 && !(xScale.map(s.x[s.x.length - 1]!) < plot.x)) {
      const half = (formatTimeStep(before.year).length * small * 0.6) / 2;
      const px = plot.x + half + 2;
      if (![...markers.values()].some((m) => m.year === before.year && Math.abs(m.px - px) < half))
        markers.set(`${before.year}@edge`, { px, year: before.year, color: colors.muted, edge: true });
    }
  }
  const sortedMarkers = [...markers.values()].sort((a, b) => a.px - b.px);
  const marks = stepMarkerLabels(sortedMarkers, small);
  sortedMarkers.forEach((m, i) => {
    const mark = marks[i]!;
    if (m.edge) {
      // No line: the step started left of the plot.
    } else {
      // A year (or a step of a sparse chain): a dashed line; a month inside a year: a faint one and a tick on the top
      // edge, its label left to the year's first month.
      items.push({
        kind: 'line',
        x1: m.px,
        y1: plot.y,
        x2: m.px,
        y2: plot.y + plot.h,
        stroke: m.color,
        width: 1,
        dash: mark.major ? [4, 4] : [1, 4],
        alpha: mark.major ? 0.9 : 0.45,
      });
      if (!mark.major)
        items.push({ kind: 'line', x1: m.px, y1: plot.y - 4, x2: m.px, y2: plot.y + 4, stroke: m.color, width: 1 });
    }
    if (mark.label !== null) text(m.px, plot.y - 4, mark.label, 'middle', 'bottom', { fill: colors.foreground });
  });

  // The lines.
  const strong = colors.highContrast ? 2.5 : 2;
  let pointsDrawn = 0;
  const empty: string[] = [];
  for (const s of input.series) {
    if (s.x.length === 0) {
      empty.push(s.chain);
      continue;
    }
    const { color, dash } = seriesStyle(s.colorIndex, colors.series);
    const raw = project(s.x, s.y, xScale, yScale, vx0, vx1, xKind, input.yKind);
    pointsDrawn += raw.count;
    if (s.smoothed) {
      items.push({
        kind: 'polyline',
        points: raw.points,
        stroke: color,
        width: 1,
        alpha: colors.highContrast ? 0.45 : 0.28,
        dash,
        clip: true,
      });
      const sm = project(s.x, s.smoothed, xScale, yScale, vx0, vx1, xKind, input.yKind);
      items.push({ kind: 'polyline', points: sm.points, stroke: color, width: strong, dash, clip: true });
    } else {
      items.push({
        kind: 'polyline',
        points: raw.points,
        stroke: color,
        width: colors.highContrast ? 2 : 1.5,
        dash,
        clip: true,
      });
    }
  }
  if (input.series.length === 0) {
    text(plot.x + plot.w / 2, plot.y + plot.h / 2, 'Select a chain to plot its losses.', 'middle', 'middle', {
      size: fs,
    });
  } else if (empty.length === input.series.length) {
    text(
      plot.x + plot.w / 2,
      plot.y + plot.h / 2,
      'No loss values logged yet for the selected chains.',
      'middle',
      'middle',
      { size: fs },
    );
  } else {
    empty.forEach((chain, i) => {
      const line = `No losses logged yet: ${chain}`;
      const y = plot.y + 6 + i * (small + 6);
      // A backing so the note stays readable over grid and lines.
      items.push({
        kind: 'rect',
        x: plot.x + 4,
        y,
        w: Math.min(plot.w - 8, line.length * small * 0.6 + 8),
        h: small + 5,
        fill: colors.background,
        alpha: 0.85,
      });
      text(plot.x + 8, y + 2, line, 'start', 'top');
    });
  }

  // Legend (in the scene, so exports carry it).
  const legend = legendLayout(input.series, width, small);
  for (const entry of legend.entries) {
    const s = input.series[entry.index]!;
    const { color, dash } = seriesStyle(s.colorIndex, colors.series);
    const ly = plot.y + plot.h + 44 + entry.row * legendRow + legendRow / 2 - 4;
    items.push({ kind: 'line', x1: entry.x, y1: ly, x2: entry.x + 18, y2: ly, stroke: color, width: strong, dash });
    text(entry.x + 24, ly, s.chain, 'start', 'middle', { fill: colors.foreground });
  }

  const names = input.series.map((s) => s.chain).join(', ');
  const title =
    `${fieldLabels[input.field]} against ${axisLabels[input.axis]}` +
    (input.series.length ? ` for ${input.series.length} chain${input.series.length === 1 ? '' : 's'} (${names})` : '') +
    `, ${pointsDrawn} points drawn` +
    (markers.size
      ? `, training steps start at ${[...new Set(sortedMarkers.map((m) => m.year))].map(formatTimeStep).join(', ')}`
      : '');
  return {
    scene: { width, height, background: colors.background, fontFamily: colors.fontFamily, plot, title, items },
    xScale,
    yScale,
    plot,
    pointsDrawn,
    xDomain: [vx0, vx1],
  };
}

/** How a step-start marker is drawn: a full dashed line (`major`) or a month tick, and its label if any. */
export interface StepMark {
  readonly label: string | null;
  readonly major: boolean;
}

/**
 * The labels of the step-start markers, sorted by pixel: a year is labelled (`2019`) where it does not run into
 * the last label. Months (`YYYYMM`) are labelled `2020-01` each while there is room for every one; when they are
 * denser only the first month of each year is labelled (and drawn as a full marker), the others are ticks.
 */
export function stepMarkerLabels(markers: readonly { px: number; year: number }[], fontSize: number): StepMark[] {
  const monthW = 7 * fontSize * 0.6 + 8;
  const months = markers.filter((m) => timescaleOfStep(m.year) === 'monthly');
  const roomy = months.every((m, i) => i === 0 || m.px - months[i - 1]!.px >= monthW);
  let lastLabel = -Infinity;
  let lastMonthYear: number | null = null;
  return markers.map((m) => {
    const monthly = timescaleOfStep(m.year) === 'monthly';
    const major = !monthly || roomy || yearOfMonth(m.year) !== lastMonthYear;
    if (monthly) lastMonthYear = yearOfMonth(m.year);
    const room = monthly ? monthW : 34;
    if (!major || m.px - lastLabel < room) return { label: null, major };
    lastLabel = m.px;
    return { label: formatTimeStep(m.year), major };
  });
}

/** Where legend entries go: left to right, wrapping when a row is full (text width estimated). */
function legendLayout(
  series: readonly LossSceneSeries[],
  width: number,
  size: number,
): { rows: number; entries: { index: number; x: number; row: number }[] } {
  if (series.length === 0) return { rows: 0, entries: [] };
  const entries: { index: number; x: number; row: number }[] = [];
  let x = margin.left;
  let row = 0;
  series.forEach((s, index) => {
    const w = 24 + s.chain.length * size * 0.6 + 18;
    if (x + w > width - margin.right && x > margin.left) {
      row++;
      x = margin.left;
    }
    entries.push({ index, x, row });
    x += w;
  });
  return { rows: row + 1, entries };
}

function xDomainFor(input: LossSceneInput, kind: ScaleKind): [number, number] {
  if (input.view) return [input.view.x0, input.view.x1];
  let lo = Infinity;
  let hi = -Infinity;
  const take = (v: number): void => {
    if (!Number.isFinite(toScaleSpace(kind, v))) return;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  };
  if (input.extent) {
    take(input.extent.x0);
    take(input.extent.x1);
  }
  // The extent's low end may be 0 (no log position): the smallest positive point stands in for it.
  if (!(lo < Infinity) || (kind === 'log' && input.extent && !(input.extent.x0 > 0)))
    for (const s of input.series) for (let i = 0; i < s.x.length; i++) take(s.x[i]!);
  return lo <= hi ? [lo, hi] : [0, 1];
}

function yDomainFor(
  series: readonly LossSceneSeries[],
  x0: number,
  x1: number,
  xKind: ScaleKind,
  yKind: ScaleKind,
): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  const take = (v: number): void => {
    if (!Number.isFinite(v) || (yKind === 'log' && !(v > 0))) return;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  };
  for (const s of series) {
    for (let i = 0; i < s.x.length; i++) {
      const x = s.x[i]!;
      if (!(x >= x0 && x <= x1) || (xKind === 'log' && !(x > 0))) continue;
      take(s.y[i]!);
      if (s.smoothed) take(s.smoothed[i]!);
    }
  }
  if (!(lo <= hi)) return yKind === 'log' ? [0.1, 1] : [0, 1];
  // 4% air above and below, in the space the axis is linear in.
  if (yKind === 'log') {
    const a = Math.log10(lo);
    const b = Math.log10(hi);
    const pad = (b - a) * 0.04 || 0.1;
    return [10 ** (a - pad), 10 ** (b + pad)];
  }
  const pad = (hi - lo) * 0.04 || Math.abs(hi) * 0.05 || 1;
  return [lo - pad, hi + pad];
}

/**
 * Pixel coordinates of the points inside [x0, x1] plus one neighbour on each side (so a line runs to the plot's
 * edge; the clip trims it). NaN y stays NaN (a gap); points a log axis cannot show are left out.
 */
function project(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  xScale: ChartScale,
  yScale: ChartScale,
  x0: number,
  x1: number,
  xKind: ScaleKind,
  yKind: ScaleKind,
): { points: Float64Array; count: number } {
  const n = xs.length;
  let first = 0;
  while (first < n && xs[first]! < x0) first++;
  let last = n - 1;
  while (last >= 0 && xs[last]! > x1) last--;
  const from = Math.max(0, first - 1);
  const to = Math.min(n - 1, last + 1);
  const out = new Float64Array(Math.max(0, (to - from + 1) * 2));
  let k = 0;
  let count = 0;
  for (let i = from; i <= to; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (Number.isNaN(y) || !Number.isFinite(x)) {
      out[k++] = NaN;
      out[k++] = NaN;
      continue;
    }
    if ((xKind === 'log' && !(x > 0)) || (yKind === 'log' && !(y > 0)) || !Number.isFinite(y)) continue;
    out[k++] = xScale.map(x);
    out[k++] = yScale.map(y);
    if (i >= first && i <= last) count++;
  }
  return { points: out.subarray(0, k), count };
}
