import { computeLine, protocolMark } from '../../src/protocol/protocolMarks';
import type { DataVolumeWire, StepNodeWire } from '../../src/protocol/dashboardMessages';
import type { Scene, SceneItem } from '../shared/chartScene';
import {
  checkpointGlyph,
  evalGlyph,
  forkLinks,
  inheritedYears,
  ownSteps,
  runWords,
  stepSpan,
  timelineYears,
  type LaneChain,
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
  const labelW = Math.min(
    maxLabelW,
    Math.max(120, ...input.chains.map((ch) => (ch.label.length + 2) * small * 0.6 + 16)),
  );
  const width = Math.max(input.width, labelW + years.length * 60 + 16);
  const colW = (width - labelW - 16) / years.length;
  const colX = (year: number): number => labelW + (year - years[0]!) * colW;
  const height = top + volumeH + 24 + Math.max(1, input.chains.length) * laneH + 56;
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
    items.push({ kind: 'line', x1: x, y1: top, x2: x, y2: height - 44, stroke: c.border, width: 1, alpha: 0.5 });
    text(x + colW / 2, height - 34, String(year), { anchor: 'middle', fill: c.muted });
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

  const legend =
    '● checkpoint local   ☁ on the Hub   ○ none   ✓ evaluated   ◐ partly   – not evaluated   ↳ a variant (forks from the lane it points from)   ✓ protocol / ⚠ deviations: comparable to the paper or not   Σ a lane’s compute';
  text(8, height - 6, legend, { baseline: 'bottom', fill: c.muted, size: Math.max(8, small - 1) });
  return {
    width,
    height,
    background: c.background,
    fontFamily: c.fontFamily,
    plot: { x: 0, y: 0, w: width, h: height },
    title: `Training timeline of ${input.chains.length} chain${input.chains.length === 1 ? '' : 's'} over ${years[0]}–${years[years.length - 1]}`,
    items,
  };
}
