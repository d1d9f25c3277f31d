import { downsampleColumnsIndices, type DownsampleView } from './downsample';
import { emaSmooth, emaSmoothSegments } from './emaSmoothing';
import type { StepAxis, StepColumn, StepField } from '../formats/stepSeries';

/**
 * The training curve of a whole chain (contracts §1.7: one experiment per year, each with its own out.log) on one x
 * axis, and the few thousand points of it that a chart draws. Only type imports from stepSeries (which reads files):
 * this module is plain code that the webview could import too.
 */

/** What stitchChain reads from a step: a StepSeries, or anything with the same columns. */
export interface StepColumns {
  readonly length: number;
  column(name: StepColumn): Float64Array;
}

export interface ChainStepSeries {
  readonly year: number;
  readonly series: StepColumns;
}

export interface StepStart {
  readonly year: number;
  /** The index of the step's first point in the stitched arrays. */
  readonly index: number;
  /**
   * Where the step begins on the x axis: for `samples` and `optSteps` the step's offset (what the earlier steps
   * trained, so the boundary between two steps), for `time` the time of its first point.
   */
  readonly x: number;
}

export interface StitchedSeries {
  readonly axis: StepAxis;
  readonly field: StepField;
  /** Non-decreasing (strictly increasing on the samples and optSteps axes). */
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** One per step that has points, in year order. */
  readonly stepStarts: readonly StepStart[];
  /** On the time axis: points left out because their time was before a point already placed (see stitchChain). */
  readonly dropped: number;
}

/**
 * Puts the steps of a chain, in year order, on one x axis:
 *
 * - `samples` / `optSteps`: each step's own x plus the sum of the last x of the steps before it, i.e. cumulative
 *   samples seen (optimizer steps done) over the chain. Each step counts its optimizer steps with its own
 *   samplesPerOptStep, so a step trained on more GPUs adds the steps it really took;
 * - `time`: the absolute time of each point. Steps train one after the other, so this is already in order; a point
 *   earlier than one already placed (a step re-run after a later year, a clock set back) is left out and counted in
 *   `dropped`, since the chart needs x in order.
 *
 * Empty steps add nothing and get no StepStart.
 */
export function stitchChain(steps: readonly ChainStepSeries[], axis: StepAxis, field: StepField): StitchedSeries {
  const ordered = [...steps].sort((a, b) => a.year - b.year);
  let total = 0;
  for (const step of ordered) total += step.series.length;
  const x = new Float64Array(total);
  const y = new Float64Array(total);
  const stepStarts: StepStart[] = [];
  let n = 0;
  let dropped = 0;
  let offset = 0;
  for (const { year, series } of ordered) {
    const length = series.length;
    if (length === 0) continue;
    const xs = series.column(axis);
    const ys = series.column(field);
    if (axis === 'time') {
      let last = n > 0 ? x[n - 1]! : -Infinity;
      const first = n;
      for (let i = 0; i < length; i++) {
        const t = xs[i]!;
        // Also false for NaN (a timestamp that could not be read).
        if (!(t >= last)) {
          dropped++;
          continue;
        }
        x[n] = t;
        y[n] = ys[i]!;
        last = t;
        n++;
      }
      if (n > first) stepStarts.push({ year, index: first, x: x[first]! });
    } else {
      stepStarts.push({ year, index: n, x: offset });
      y.set(ys, n);
      for (let i = 0; i < length; i++) x[n + i] = xs[i]! + offset;
      n += length;
      offset += xs[length - 1]!;
    }
  }
  return {
    axis,
    field,
    x: n === total ? x : x.subarray(0, n),
    y: n === total ? y : y.subarray(0, n),
    stepStarts,
    dropped,
  };
}

export interface SeriesViewOptions {
  /** The visible x range; null or absent = the whole series. */
  readonly x0?: number | null;
  readonly x1?: number | null;
  /** Downsampling buckets (≈ the chart's width in pixels). */
  readonly buckets: number;
  /** EMA weight in [0, 1); 0 = no smoothing (`smoothed` is then null). */
  readonly smoothing: number;
  /** The average starts afresh at each step (the jump at a step's start stays sharp); else over the whole chain. */
  readonly emaPerStep?: boolean;
}

/** The points a chart draws, as plain arrays (number[]: JSON-ready; NaN, a gap, becomes null in JSON). */
export interface SeriesView {
  readonly x: number[];
  /** The raw values. */
  readonly y: number[];
  /** The EMA-smoothed values at the same points, or null without smoothing. */
  readonly smoothed: number[] | null;
  readonly stepStarts: { year: number; x: number }[];
  /** The x extent of the whole series before downsampling ([0, 0] when empty). */
  readonly extent: [number, number];
  /** Points before downsampling. */
  readonly total: number;
}

/**
 * Smooths the stitched series, over the whole chain or step by step (so zooming never changes a smoothed value: the average at a point depends
 * only on the points before it, visible or not), then keeps the points of [x0, x1] that a chart of `buckets`
 * columns needs: per bucket the first, last, min and max of both the raw and the smoothed values, plus the nearest
 * point outside each edge (see downsample.ts).
 */
export function seriesForView(stitched: StitchedSeries, options: SeriesViewOptions): SeriesView {
  if (!(options.smoothing >= 0 && options.smoothing < 1)) {
    throw new RangeError(`smoothing ${options.smoothing} is not in [0, 1)`);
  }
  const smoothed =
    options.smoothing === 0 || stitched.field === 'lr'
      ? null
      : options.emaPerStep
        ? emaSmoothSegments(
            stitched.y,
            options.smoothing,
            stitched.stepStarts.map((s) => s.index),
          )
        : emaSmooth(stitched.y, options.smoothing);
  return viewOf(stitched.x, stitched.y, smoothed, stitched.stepStarts, options);
}

/** The points of [x0, x1] a chart of `buckets` columns needs, from columns already stitched (and smoothed). */
export function viewOf(
  x: Float64Array,
  y: Float64Array,
  smoothed: Float64Array | null,
  stepStarts: readonly StepStart[],
  options: Pick<SeriesViewOptions, 'x0' | 'x1' | 'buckets'>,
): SeriesView {
  const n = x.length;
  const extent: [number, number] = n === 0 ? [0, 0] : [x[0]!, x[n - 1]!];
  const view: DownsampleView = {
    x0: options.x0 ?? extent[0],
    x1: options.x1 ?? extent[1],
    buckets: options.buckets,
  };
  const indices = downsampleColumnsIndices(x, smoothed === null ? [y] : [y, smoothed], view);
  return {
    x: numbersAt(x, indices),
    y: numbersAt(y, indices),
    smoothed: smoothed === null ? null : numbersAt(smoothed, indices),
    stepStarts: stepStarts.map((s) => ({ year: s.year, x: s.x })),
    extent,
    total: n,
  };
}

function numbersAt(values: Float64Array, indices: Uint32Array): number[] {
  const out = new Array<number>(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = values[indices[i]!]!;
  return out;
}
