/**
 * TensorBoard's scalar-chart smoothing: a debiased exponential moving average, computed the way TensorBoard's
 * line chart computes it (tensorboard/components/vz_line_chart2/line-chart.ts, `resmoothDataset`; the same formula W&B
 * documents as TensorBoard's):
 *
 * ```
 * last = 0; numAccum = 0
 * for each value v:
 *   if the series is constant or v is not finite: smoothed = v            (the state is not touched)
 *   else: last = last * w + (1 - w) * v; numAccum++; smoothed = last / (1 - w ** numAccum)
 * ```
 *
 * The debias term `1 - w ** numAccum` makes the first points follow the raw values instead of starting from 0.
 * A constant series is passed through as it is (TensorBoard does this so rounding cannot make a flat line wobble).
 *
 * Plain code, no Node or DOM API: the host and the webview both import it.
 */

/**
 * The smoothed copy of `values` with EMA weight `weight` in [0, 1) (0 = no smoothing: the values themselves).
 * Non-finite values (NaN, ±Infinity: a gap, a diverged loss) come out unchanged and do not move the average.
 *
 * TensorBoard skips the debias at weight 1, which turns every point into 0; a weight outside [0, 1) is refused
 * here with a RangeError instead (the dashboard's slider and message validator keep it below 1).
 */
export function emaSmooth(values: ArrayLike<number>, weight: number): Float64Array {
  const out = new Float64Array(values.length);
  emaSmoothInto(values, weight, out, 0, values.length);
  return out;
}

/**
 * The smoothed copy of `values` where the average starts afresh at each of `restarts` (indices, ascending; the
 * first segment starts at 0): each training step of a chain smoothed on its own, so the jump where a new year's data
 * comes in stays sharp instead of being averaged into the end of the previous step.
 */
export function emaSmoothSegments(
  values: ArrayLike<number>,
  weight: number,
  restarts: readonly number[],
): Float64Array {
  const out = new Float64Array(values.length);
  let start = 0;
  for (const index of [...restarts, values.length]) {
    const end = Math.min(Math.max(index, start), values.length);
    emaSmoothInto(values, weight, out, start, end);
    start = end;
  }
  return out;
}

/**
 * Smooths `values[start, end)` into `out[start, end)` as a series of its own (the average starts afresh at
 * `start`): for smoothing the runs of a longer array one by one without copying them out.
 */
export function emaSmoothInto(
  values: ArrayLike<number>,
  weight: number,
  out: Float64Array,
  start: number,
  end: number,
): void {
  if (!(weight >= 0 && weight < 1)) throw new RangeError(`EMA weight ${weight} is not in [0, 1)`);
  if (end > values.length || end > out.length || start < 0) throw new RangeError('EMA range out of bounds');
  if (end <= start) return;
  const first = values[start]!;
  let constant = true;
  for (let i = start + 1; i < end; i++) {
    if (values[i] !== first) {
      constant = false;
      break;
    }
  }
  if (constant || weight === 0) {
    // weight 0: last = v and 1 - 0 ** n = 1, so every point is its own value; a constant series is kept as is.
    for (let i = start; i < end; i++) out[i] = values[i]!;
    return;
  }
  emaContinue(values, weight, out, start, end, { last: 0, numAccum: 0 });
}

/** The running state of one EMA: carried from one call of emaContinue to the next. */
export interface EmaState {
  last: number;
  numAccum: number;
}

/**
 * Smooths `values[start, end)` into `out` continuing from `state` (which it updates), so a series that grows (a
 * live run) is smoothed point by point once, not again from its start. No constant-series check: the caller decides.
 */
export function emaContinue(
  values: ArrayLike<number>,
  weight: number,
  out: Float64Array,
  start: number,
  end: number,
  state: EmaState,
): void {
  const keep = 1 - weight;
  let { last, numAccum } = state;
  let i = start;
  // While w ** n is not negligible: divide by the debias term. `1 - w ** n` reaches exactly 1 once
  // w ** n < 2 ** -54 and stays there, so the second loop below skips Math.pow and the division (the costly part)
  // without changing any result.
  if (weight > 0 && 1 - Math.pow(weight, numAccum) !== 1) {
    for (; i < end; i++) {
      const v = values[i]!;
      // v - v is NaN for NaN and ±Infinity, 0 for every finite v.
      if (v - v !== 0) {
        out[i] = v;
        continue;
      }
      last = last * weight + keep * v;
      numAccum++;
      const debias = 1 - Math.pow(weight, numAccum);
      out[i] = last / debias;
      if (debias === 1) {
        i++;
        break;
      }
    }
  }
  for (; i < end; i++) {
    const v = values[i]!;
    if (v - v !== 0) {
      out[i] = v;
      continue;
    }
    last = last * weight + keep * v;
    numAccum++;
    out[i] = last;
  }
  state.last = last;
  state.numAccum = numAccum;
}
