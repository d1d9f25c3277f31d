import { computeLine, protocolMark } from '../../src/protocol/protocolMarks';
import type { DataVolumeWire, StepNodeWire } from '../../src/protocol/dashboardMessages';
import { formatMonth } from '../../src/tic/ticMonths';
import type { Scene, SceneItem } from '../shared/chartScene';
import type { XRange } from '../shared/zoomRange';
import {
  gapText,
  isDenseMonthView,
  monthColumnIndex,
  monthGapRuns,
  monthRangeText,
  monthTicks,
  monthYearSpans,
  visibleMonthColumns,
} from './monthAxis';
import {
  branchLinks,
  branchRoute,
  branchText,
  checkpointGlyph,
  evalGlyph,
  forkLinks,
  inheritedYears,
  ownMonthSteps,
  ownSteps,
  runWords,
  stepSpan,
  timelineYears,
  type LaneChain,
  type MonthlyLaneChain,
} from './timelineModel';
import { formatSamples } from './volumeFormat';

export interface TimelineSceneColors {
  foreground: string;
  background: string;
  muted: string;
  border: string;
  blue: string;
  green: string;
  red: string;
  orange: string;
  /** The fork connectors. */
  purple: string;
  fontFamily: string;
  fontSize: number;
}

export interface TimelineSceneInput {
  width: number;
  dataVolume: readonly DataVolumeWire[];
  /** The lanes in drawing order (timelineModel.laneOrder). */
  chains: readonly LaneChain[];
  /** The monthly lanes in drawing order (timelineModel.monthlyLaneOrder) and the months in view (null: all). */
  monthly?: { readonly lanes: readonly MonthlyLaneChain[]; readonly range: XRange | null };
  colors: TimelineSceneColors;
}

/** The colour a node's border takes from its run state (the on-screen timeline uses the same theme colours). */
export function runColor(run: StepNodeWire['run'], c: TimelineSceneColors): string {
  switch (run) {
    case 'running':
      return c.blue;
    case 'finished':
      return c.green;
    case 'failed':
      return c.red;
    case 'incomplete':
      return c.orange;
    case 'queued':
      return c.muted;
    default:
      return c.border;
  }
}

const volumeH = 70;
const laneH = 46;
const top = 28;
const maxLabelW = 360;

/** A label cut to fit `width` at roughly 0.6 em per character, with an ellipsis when it had to be cut. */
function fitText(text: string, width: number, size: number): string {
  const chars = Math.max(4, Math.floor(width / (size * 0.6)));
  return text.length <= chars ? text : `${text.slice(0, chars - 1)}…`;
}

/**
 * The timeline as a scene, for the PNG and SVG exports: the data volume per year as bars on top, then one lane
 * per chain with a box per training step spanning the data years it trained on.
 */
export function buildTimelineScene(input: TimelineSceneInput): Scene {
  const { colors: c } = input;
  const fs = c.fontSize;
  const small = Math.max(9, Math.round(fs * 0.85));
  const allSteps = input.chains.flatMap((ch) => ch.steps);
  const years = timelineYears(input.dataVolume, allSteps);
  const monthly = input.monthly && input.monthly.lanes.length > 0 ? input.monthly : null;
  const labelW = Math.min(
    maxLabelW,
    Math.max(
      120,
      ...[
        ...input.chains.map((ch) => ch.label),
        ...(monthly?.lanes ?? []).flatMap((ch) => [ch.label, branchText(ch.branch) ?? '']),
      ].map((label) => (label.length + 2) * small * 0.6 + 16),
    ),
  );
  const width = Math.max(input.width, labelW + years.length * 60 + 16);
  const colW = (width - labelW - 16) / years.length;
  const colX = (year: number): number => labelW + (year - years[0]!) * colW;
  // The yearly section ends here; the year labels sit under it, the month section (if any) further down.
  const yearlyBottom = top + volumeH + 24 + Math.max(1, input.chains.length) * laneH;
  const monthTop = yearlyBottom + 44;
  const monthLanesTop = monthTop + 54;
  const height = monthly ? monthLanesTop + monthly.lanes.length * laneH + 44 : yearlyBottom + 56;
  const items: SceneItem[] = [];
  const text = (x: number, y: number, t: string, extra: Partial<Extract<SceneItem, { kind: 'text' }>> = {}): void => {
    items.push({
      kind: 'text',
      x,
      y,
      text: t,
      fill: c.foreground,
      anchor: 'start',
      baseline: 'middle',
      size: small,
      ...extra,
    });
  };

  text(8, 14, 'TiC-DataComp samples per year and training steps per chain', { size: fs, bold: true });
  const maxSamples = Math.max(1, ...input.dataVolume.map((d) => d.samples));
  for (const year of years) {
    const x = colX(year);
    items.push({ kind: 'line', x1: x, y1: top, x2: x, y2: yearlyBottom + 12, stroke: c.border, width: 1, alpha: 0.5 });
    text(x + colW / 2, yearlyBottom + 22, String(year), { anchor: 'middle', fill: c.muted });
    const volume = input.dataVolume.find((d) => d.year === year);
    if (volume) {
      const h = Math.max(1, (volume.samples / maxSamples) * (volumeH - 18));
      items.push({
        kind: 'rect',
        x: x + colW * 0.2,
        y: top + volumeH - h,
        w: colW * 0.6,
        h,
        fill: c.blue,
        alpha: 0.55,
      });
      text(x + colW / 2, top + volumeH - h - 3, formatSamples(volume.samples, volume.approximate), {
        anchor: 'middle',
        baseline: 'bottom',
        fill: c.muted,
      });
    }
  }
  text(8, top + volumeH / 2, 'samples', { fill: c.muted });

  const laneY = (i: number): number => top + volumeH + 24 + i * laneH;
  const stepBox = (year: number): { x: number; w: number } => {
    const [a, b] = stepSpan(year);
    const x = colX(Math.max(a, years[0]!)) + 3;
    const w = (Math.min(b, years[years.length - 1]!) - Math.max(a, years[0]!) + 1) * colW - 6;
    return { x, w };
  };
  input.chains.forEach((chain, i) => {
    const y = laneY(i);
    items.push({ kind: 'line', x1: 0, y1: y, x2: width, y2: y, stroke: c.border, width: 1, alpha: 0.5 });
    const name = `${chain.forkedFrom ? '↳ ' : ''}${chain.label}`;
    const compute = chain.compute ? computeLine(chain.compute) : null;
    text(8, y + laneH / 2 - (compute ? 6 : 0), fitText(name, labelW - 16, small));
    if (compute)
      text(8, y + laneH / 2 + 8, fitText(`Σ ${compute}`, labelW - 16, small - 1), {
        fill: c.muted,
        size: Math.max(8, small - 1),
      });
    const inherited = inheritedYears(chain);
    if (inherited.length > 0 && chain.forkedFrom) {
      const last = stepBox(Math.max(...inherited));
      text(last.x + last.w - 22, y + laneH / 2, `forks after ${chain.forkedFrom.year}`, {
        anchor: 'end',
        fill: c.muted,
        size: Math.max(8, small - 1),
      });
    }
    for (const step of ownSteps(chain)) {
      const { x, w } = stepBox(step.year);
      const stroke = runColor(step.run, c);
      items.push({
        kind: 'rect',
        x,
        y: y + 6,
        w,
        h: laneH - 12,
        radius: 4,
        fill: step.checkpoint === 'local' ? stroke : undefined,
        alpha: step.checkpoint === 'local' ? 0.22 : 1,
      });
      items.push({
        kind: 'rect',
        x,
        y: y + 6,
        w,
        h: laneH - 12,
        radius: 4,
        stroke,
        strokeWidth: step.run === 'running' || step.published ? 2.5 : 1.5,
        dash: step.checkpoint === 'missing' || step.run === 'queued' ? [4, 3] : undefined,
      });
      if (step.run === 'running' && step.progress !== null) {
        const p = Math.min(1, Math.max(0, step.progress));
        items.push({ kind: 'rect', x: x + 2, y: y + laneH - 11, w: (w - 4) * p, h: 3, fill: c.blue });
      }
      text(
        x + w / 2,
        y + laneH / 2 - 6,
        `${step.year}${step.shared ? ' (shared)' : ''}${step.published ? ' (published)' : ''}`,
        {
          anchor: 'middle',
          bold: true,
        },
      );
      text(
        x + w / 2,
        y + laneH / 2 + 8,
        `${checkpointGlyph[step.checkpoint]} ${runWords[step.run]} ${evalGlyph[step.evaluation]}${step.protocol ? ` ${protocolMark(step.protocol)}` : ''}`,
        {
          anchor: 'middle',
          fill: c.muted,
          size: Math.max(8, small - 1),
        },
      );
    }
  });

  // The forks: down from the parent's node at the fork year, across to the variant's first own step.
  const laneOf = new Map(input.chains.map((ch, i) => [ch.key, i]));
  for (const link of forkLinks(input.chains)) {
    const from = stepBox(link.fromYear);
    const to = stepBox(link.toYear);
    const x = from.x + from.w - 12;
    const y0 = laneY(laneOf.get(link.parent)!) + laneH - 6;
    const y1 = laneY(laneOf.get(link.variant)!) + laneH / 2;
    items.push({ kind: 'line', x1: x, y1: y0, x2: x, y2: y1, stroke: c.purple, width: 2 });
    items.push({ kind: 'line', x1: x, y1: y1, x2: to.x, y2: y1, stroke: c.purple, width: 2 });
    items.push({ kind: 'line', x1: to.x - 6, y1: y1 - 4, x2: to.x, y2: y1, stroke: c.purple, width: 2 });
    items.push({ kind: 'line', x1: to.x - 6, y1: y1 + 4, x2: to.x, y2: y1, stroke: c.purple, width: 2 });
  }

  const monthTitle = monthly
    ? drawMonths(items, monthly, { labelW, width, monthTop, monthLanesTop, small, colors: c, text })
    : '';
  if (monthly) {
    // The branches: from the yearly step's node, down the gutter after its column, into the chain's first month.
    const monthLane = new Map(monthly.lanes.map((ch, i) => [ch.key, i]));
    const view = visibleMonthColumns(monthly.range);
    const monthW = (width - labelW - 16) / view.length;
    for (const link of branchLinks(monthly.lanes, input.chains)) {
      const offset = monthColumnIndex(link.toMonth) - view[0]!.index;
      if (offset < 0 || offset >= view.length) continue;
      const from = stepBox(link.year);
      const fy = laneY(laneOf.get(link.yearly)!);
      const ty = monthLanesTop + monthLane.get(link.monthly)! * laneH;
      const route = branchRoute(
        { left: from.x, right: from.x + from.w, top: fy + 6, bottom: fy + laneH - 6 },
        {
          left: labelW + offset * monthW + 2,
          right: labelW + (offset + 1) * monthW - 2,
          top: ty + 6,
          bottom: ty + laneH - 6,
        },
      );
      items.push({ kind: 'polyline', points: route.points, stroke: c.purple, width: 2, dash: [5, 3] });
      const [a, b, cx, cy, d, e] = route.head;
      items.push({ kind: 'line', x1: a!, y1: b!, x2: cx!, y2: cy!, stroke: c.purple, width: 2 });
      items.push({ kind: 'line', x1: d!, y1: e!, x2: cx!, y2: cy!, stroke: c.purple, width: 2 });
    }
  }

  const legend =
    '● checkpoint local   ☁ on the Hub   ○ none   ✓ evaluated   ◐ partly   – not evaluated   ↳ a variant (forks from the lane it points from)   ✓ protocol / ⚠ deviations: comparable to the paper or not   Σ a lane’s compute';
  const legendSize = Math.max(8, small - 1);
  text(8, height - (monthly ? 20 : 6), legend, { baseline: 'bottom', fill: c.muted, size: legendSize });
  if (monthly)
    text(
      8,
      height - 6,
      '▨ a month without TiC-DataComp data (a gap in the monthly splits)   ⤷ a monthly chain branches off a yearly step',
      {
        baseline: 'bottom',
        fill: c.muted,
        size: legendSize,
      },
    );
  return {
    width,
    height,
    background: c.background,
    fontFamily: c.fontFamily,
    plot: { x: 0, y: 0, w: width, h: height },
    title: `Training timeline of ${input.chains.length} chain${input.chains.length === 1 ? '' : 's'} over ${years[0]}–${years[years.length - 1]}${monthTitle}`,
    items,
  };
}

interface MonthLayout {
  labelW: number;
  width: number;
  monthTop: number;
  monthLanesTop: number;
  small: number;
  colors: TimelineSceneColors;
  text: (x: number, y: number, t: string, extra?: Partial<Extract<SceneItem, { kind: 'text' }>>) => void;
}

/**
 * The month section of the export, under the yearly one: a year row and month ticks over the months in view, the
 * gaps hatched, a lane per monthly chain with a box per month. Returns the words the scene's title adds.
 */
function drawMonths(items: SceneItem[], monthly: NonNullable<TimelineSceneInput['monthly']>, l: MonthLayout): string {
  const { colors: c, text, small } = l;
  const tiny = Math.max(8, small - 1);
  const columns = visibleMonthColumns(monthly.range);
  // A month box with words needs about 52 px in the export (smaller text than the on-screen node's).
  const dense = isDenseMonthView(columns, l.width - l.labelW - 16, 52);
  const colW = (l.width - l.labelW - 16) / columns.length;
  const x = (offset: number): number => l.labelW + offset * colW;
  const bottom = l.monthLanesTop + monthly.lanes.length * laneH;
  text(8, l.monthTop + 8, `Monthly chains, ${monthRangeText(columns)}`, { bold: true });
  for (const span of monthYearSpans(columns)) {
    items.push({
      kind: 'line',
      x1: x(span.from),
      y1: l.monthTop + 18,
      x2: x(span.from),
      y2: bottom,
      stroke: c.border,
      width: 1,
      alpha: 0.7,
    });
    if (!dense || span.to - span.from >= 3)
      text((x(span.from) + x(span.to)) / 2, l.monthTop + 26, String(span.year), { anchor: 'middle', fill: c.muted });
  }
  monthTicks(columns, dense).forEach((tick, i) => {
    const tx = x(i);
    if (!tick.major)
      items.push({
        kind: 'line',
        x1: tx,
        y1: l.monthTop + 36,
        x2: tx,
        y2: l.monthTop + (dense ? 42 : 48),
        stroke: c.border,
        width: 1,
        alpha: 0.6,
      });
    if (tick.label) text(tx + colW / 2, l.monthTop + 42, tick.label, { anchor: 'middle', fill: c.muted, size: tiny });
  });
  for (const run of monthGapRuns(columns))
    hatch(items, x(run.from), l.monthLanesTop, x(run.to) - x(run.from), bottom - l.monthLanesTop, c.muted);

  monthly.lanes.forEach((chain, i) => {
    const y = l.monthLanesTop + i * laneH;
    items.push({ kind: 'line', x1: 0, y1: y, x2: l.width, y2: y, stroke: c.border, width: 1, alpha: 0.5 });
    const branch = branchText(chain.branch);
    const compute = chain.compute ? computeLine(chain.compute) : null;
    const lines = [
      { t: `${chain.forkedFrom ? '↳ ' : ''}${chain.label}`, muted: false },
      ...(branch ? [{ t: branch, muted: true }] : []),
      ...(compute ? [{ t: `Σ ${compute}`, muted: true }] : []),
    ];
    lines.forEach((line, k) => {
      const ly = y + laneH / 2 + (k - (lines.length - 1) / 2) * 12;
      text(8, ly, fitText(line.t, l.labelW - 16, line.muted ? tiny : small), {
        ...(line.muted ? { fill: c.muted, size: tiny } : {}),
      });
    });
    for (const step of ownMonthSteps(chain)) {
      const offset = monthColumnIndex(step.year) - columns[0]!.index;
      if (offset < 0 || offset >= columns.length) continue;
      const bx = x(offset) + (dense ? 1 : 3);
      const bw = colW - (dense ? 2 : 6);
      const stroke = runColor(step.run, c);
      if (step.checkpoint === 'local')
        items.push({ kind: 'rect', x: bx, y: y + 6, w: bw, h: laneH - 12, radius: 3, fill: stroke, alpha: 0.22 });
      items.push({
        kind: 'rect',
        x: bx,
        y: y + 6,
        w: bw,
        h: laneH - 12,
        radius: 3,
        stroke,
        strokeWidth: step.run === 'running' || step.published ? 2.5 : 1.5,
        dash: step.checkpoint === 'missing' || step.run === 'queued' ? [4, 3] : undefined,
      });
      if (step.run === 'running' && step.progress !== null) {
        const p = Math.min(1, Math.max(0, step.progress));
        items.push({ kind: 'rect', x: bx + 2, y: y + laneH - 11, w: (bw - 4) * p, h: 3, fill: c.blue });
      }
      if (dense || bw < 40) continue;
      text(bx + bw / 2, y + laneH / 2 - 6, formatMonth(step.year), { anchor: 'middle', bold: true });
      text(
        bx + bw / 2,
        y + laneH / 2 + 8,
        fitText(
          `${checkpointGlyph[step.checkpoint]} ${runWords[step.run]} ${evalGlyph[step.evaluation]}`,
          bw - 4,
          tiny,
        ),
        { anchor: 'middle', fill: c.muted, size: tiny },
      );
    }
  });
  return ` and ${monthly.lanes.length} monthly chain${monthly.lanes.length === 1 ? '' : 's'} over ${monthRangeText(columns)}; gaps: ${
    monthGapRuns(columns)
      .map((r) => gapText(r.months).split(':')[0])
      .join(', ') || 'none in view'
  }`;
}

/** A gap's band: a faint fill with diagonal hatching inside the box. */
function hatch(items: SceneItem[], x: number, y: number, w: number, h: number, color: string): void {
  items.push({ kind: 'rect', x, y, w, h, fill: color, alpha: 0.12 });
  const step = 7;
  for (let k = -h; k < w; k += step) {
    // The line x + k + t, y + h - t for t in [0, h], cut to [x, x + w].
    const t0 = Math.max(0, -k);
    const t1 = Math.min(h, w - k);
    if (t1 <= t0) continue;
    items.push({
      kind: 'line',
      x1: x + k + t0,
      y1: y + h - t0,
      x2: x + k + t1,
      y2: y + h - t1,
      stroke: color,
      width: 1,
      alpha: 0.45,
    });
  }
}
