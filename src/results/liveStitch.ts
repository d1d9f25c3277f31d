import { stitchChain, viewOf, type SeriesView, type StepColumns, type StepStart } from './chainLossSeries';
import { emaContinue, emaSmoothInto, type EmaState } from './emaSmoothing';
import type { StepAxis, StepField } from '../formats/stepSeries';

/** A step's series as the stitch sees it: its columns plus what tells an append from a rewrite. */
export interface LiveStepColumns extends StepColumns {
  /** Points dropped because a restart re-logged them (StepSeries.replaced): a change here is not an append. */
  readonly replaced: number;
  /** The divisor of the optSteps column; when it changes, every optSteps value changes. */
  readonly samplesPerOptStep: number | null;
}

export interface LiveStep {
  readonly year: number;
  readonly series: LiveStepColumns;
}

interface SeenStep {
  readonly year: number;
  readonly series: LiveStepColumns;
  readonly length: number;
  readonly replaced: number;
  readonly samplesPerOptStep: number | null;
}

interface Smoothing {
  readonly weight: number;
  values: Float64Array;
  /** values[0, upTo) are final. */
  upTo: number;
  readonly state: EmaState;
  /** All of y[0, upTo) equal y[0] (TensorBoard passes a constant series through unsmoothed). */
  constant: boolean;
}

/**
 * One chain's stitched curve (chainLossSeries.ts's stitchChain) kept up to date as its last step grows: a live run
 * appends a few points to the last step, and only those are stitched and smoothed (the EMA continues from its
 * state), so an update costs the new points plus one downsampling, not a copy and a smoothing of a million points.
 * Anything else (a step added, a restart that replaced points, the optSteps divisor changing) stitches again.
 */
export class LiveStitch {
  private x = new Float64Array(0);
  private y = new Float64Array(0);
  private n = 0;
  private starts: StepStart[] = [];
  private seen: SeenStep[] = [];
  private smoothing: Smoothing | null = null;
  private stepSmoothing: { readonly weight: number; values: Float64Array; upTo: number } | null = null;

  constructor(
    readonly axis: StepAxis,
    readonly field: StepField,
  ) {}

  get length(): number {
    return this.n;
  }

  /** Brings the stitch up to date with the steps (any order); returns whether anything changed. */
  update(steps: readonly LiveStep[]): boolean {
    const ordered = [...steps].sort((a, b) => a.year - b.year);
    const appendFrom = this.appendable(ordered);
    if (appendFrom === null) {
      this.rebuild(ordered);
      return true;
    }
    const last = ordered[ordered.length - 1];
    if (last === undefined || appendFrom === last.series.length) return false;
    this.append(last, appendFrom);
    return true;
  }

  /**
   * The downsampled view, smoothed with `smoothing` over the whole chain or step by step (`emaPerStep`); the
   * learning rate is never smoothed (a schedule, not a noisy measurement).
   */
  view(options: {
    x0: number | null;
    x1: number | null;
    buckets: number;
    smoothing: number;
    emaPerStep?: boolean;
  }): SeriesView {
    const x = this.x.subarray(0, this.n);
    const y = this.y.subarray(0, this.n);
    const smoothed =
      options.smoothing === 0 || this.field === 'lr'
        ? null
        : options.emaPerStep
          ? this.smoothedPerStep(options.smoothing)
          : this.smoothed(options.smoothing);
    return viewOf(x, y, smoothed, this.starts, options);
  }

  /** The index in the last step from which its new points start, or null when the stitch must be rebuilt. */
  private appendable(ordered: readonly LiveStep[]): number | null {
    if (ordered.length !== this.seen.length || ordered.length === 0) return null;
    for (let i = 0; i < ordered.length; i++) {
      const now = ordered[i]!;
      const before = this.seen[i]!;
      const isLast = i === ordered.length - 1;
      if (
        now.year !== before.year ||
        now.series !== before.series ||
        now.series.replaced !== before.replaced ||
        (this.axis === 'optSteps' && now.series.samplesPerOptStep !== before.samplesPerOptStep) ||
        (isLast ? now.series.length < before.length : now.series.length !== before.length)
      )
        return null;
    }
    return this.seen[this.seen.length - 1]!.length;
  }

  private rebuild(ordered: readonly LiveStep[]): void {
    const stitched = stitchChain(ordered, this.axis, this.field);
    this.ensureCapacity(stitched.x.length);
    this.x.set(stitched.x);
    this.y.set(stitched.y);
    this.n = stitched.x.length;
    this.starts = [...stitched.stepStarts];
    this.seen = ordered.map((s) => seenOf(s));
    this.smoothing = null;
    this.stepSmoothing = null;
  }

  private append(step: LiveStep, from: number): void {
    const { series, year } = step;
    const xs = series.column(this.axis);
    const ys = series.column(this.field);
    const count = series.length - from;
    this.ensureCapacity(this.n + count);
    const startsHere = this.starts.length > 0 && this.starts[this.starts.length - 1]!.year === year;
    if (this.axis === 'time') {
      let lastX = this.n > 0 ? this.x[this.n - 1]! : -Infinity;
      const first = this.n;
      for (let i = from; i < series.length; i++) {
        const t = xs[i]!;
        if (!(t >= lastX)) continue; // out of order: left out, as stitchChain does
        this.x[this.n] = t;
        this.y[this.n] = ys[i]!;
        lastX = t;
        this.n++;
      }
      if (!startsHere && this.n > first) this.starts.push({ year, index: first, x: this.x[first]! });
    } else {
      // The step's offset: what the earlier steps trained (its StepStart has it once it has points).
      const offset = startsHere ? this.starts[this.starts.length - 1]!.x : this.n > 0 ? this.x[this.n - 1]! : 0;
      if (!startsHere && count > 0) this.starts.push({ year, index: this.n, x: offset });
      this.y.set(ys.subarray(from, series.length), this.n);
      for (let i = from; i < series.length; i++) this.x[this.n++] = xs[i]! + offset;
    }
    this.seen[this.seen.length - 1] = seenOf(step);
  }

  /**
   * Smoothed step by step: the average starts afresh at each step. Live points are appended to the last step
   * only, so what an update redoes is the step the new points belong to (one step's points, not the chain's).
   */
  private smoothedPerStep(weight: number): Float64Array {
    let s = this.stepSmoothing;
    if (s === null || s.weight !== weight) {
      s = { weight, values: new Float64Array(this.x.length), upTo: 0 };
      this.stepSmoothing = s;
    }
    if (s.values.length < this.n) {
      const grown = new Float64Array(this.x.length);
      grown.set(s.values.subarray(0, s.upTo));
      s.values = grown;
    }
    const bounds = [...this.starts.map((st) => st.index).filter((i) => i > 0 && i < this.n), this.n];
    let start = 0;
    for (const end of bounds) {
      // A step that ended before the points already smoothed is final; the step holding new points is redone.
      if (end > s.upTo) emaSmoothInto(this.y, weight, s.values, start, end);
      start = end;
    }
    s.upTo = this.n;
    return s.values.subarray(0, this.n);
  }

  private smoothed(weight: number): Float64Array {
    let s = this.smoothing;
    if (s === null || s.weight !== weight) {
      s = { weight, values: new Float64Array(this.x.length), upTo: 0, state: { last: 0, numAccum: 0 }, constant: true };
      this.smoothing = s;
    }
    if (s.values.length < this.n) {
      const grown = new Float64Array(this.x.length);
      grown.set(s.values.subarray(0, s.upTo));
      s.values = grown;
    }
    const y = this.y;
    if (s.constant) {
      let i = s.upTo;
      while (i < this.n && (i === 0 || y[i] === y[0])) i++;
      if (i === this.n) {
        // Still constant: passed through (TensorBoard's rule); the EMA state is built only once it is not.
        s.values.set(y.subarray(s.upTo, this.n), s.upTo);
        s.upTo = this.n;
        return s.values.subarray(0, this.n);
      }
      s.constant = false;
      s.state.last = 0;
      s.state.numAccum = 0;
      emaContinue(y, weight, s.values, 0, this.n, s.state);
    } else {
      emaContinue(y, weight, s.values, s.upTo, this.n, s.state);
    }
    s.upTo = this.n;
    return s.values.subarray(0, this.n);
  }

  private ensureCapacity(needed: number): void {
    if (needed <= this.x.length) return;
    const capacity = Math.max(needed, Math.ceil(this.x.length * 1.5), 1024);
    const x = new Float64Array(capacity);
    const y = new Float64Array(capacity);
    x.set(this.x.subarray(0, this.n));
    y.set(this.y.subarray(0, this.n));
    this.x = x;
    this.y = y;
  }
}

function seenOf(step: LiveStep): SeenStep {
  return {
    year: step.year,
    series: step.series,
    length: step.series.length,
    replaced: step.series.replaced,
    samplesPerOptStep: step.series.samplesPerOptStep,
  };
}
