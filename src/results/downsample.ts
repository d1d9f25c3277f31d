import { lowerBound } from '../shared/lowerBound';
/**
 * Min/max bucket downsampling for line charts (the M4 idea: per pixel column, the first, last, lowest and highest
 * point draw the same line as all of its points). Plain code, no Node or DOM API: the host and the webview both
 * import it.
 *
 * Cost: binary searches for the visible range and for each bucket's end (O(buckets · log n) reads of x), then one
 * pass over each y column's visible points, with no allocation per point: 1,000,000 points take a few milliseconds.
 */

export interface DownsampleView {
  /** The visible x range, both ends included (swapped when x0 > x1). */
  readonly x0: number;
  readonly x1: number;
  /** Buckets across the range (≈ the chart's width in pixels); at least 1. */
  readonly buckets: number;
}

/**
 * The indices of the points to draw, ascending, each once, for `y` over `x` (`x` sorted ascending, equal values
 * allowed, no NaN) in `view`:
 *
 * - the range [x0, x1] is cut into `buckets` equal-width buckets, bucket b = floor((x - x0) · buckets / (x1 - x0)),
 *   the last one closed (x = x1 belongs to it); a bucket is the run of points that fall in it;
 * - in every bucket the first, the last, the lowest and the highest point are kept (the first one found on ties);
 * - the nearest point before x0 and the nearest after x1 are kept too, so the line runs to the chart's edges;
 * - a non-finite y (NaN, ±Infinity) is a gap: min/max are taken over the finite values only, and the first
 *   non-finite point of each bucket is kept as well, so the chart can break the line there.
 *
 * At most 4 · buckets + 2 indices, 5 · buckets + 2 when some y are not finite.
 */
export function downsampleIndices(x: ArrayLike<number>, y: ArrayLike<number>, view: DownsampleView): Uint32Array {
  return downsampleColumnsIndices(x, [y], view);
}

/**
 * downsampleIndices for several y columns over one x (a raw and a smoothed line sharing their x): each bucket
 * keeps its first and last point and, for every column, its lowest, highest and first non-finite point. At most
 * (2 + 2k) · buckets + 2 indices for k columns, (2 + 3k) · buckets + 2 with non-finite values.
 */
export function downsampleColumnsIndices(
  x: ArrayLike<number>,
  ys: readonly ArrayLike<number>[],
  view: DownsampleView,
): Uint32Array {
  const n = x.length;
  for (const y of ys) if (y.length < n) throw new RangeError('a y column is shorter than x');
  let { x0, x1 } = view;
  if (Number.isNaN(x0) || Number.isNaN(x1)) throw new RangeError('the view range is NaN');
  if (x0 > x1) [x0, x1] = [x1, x0];
  const buckets = Math.max(1, Math.floor(view.buckets));
  if (!Number.isFinite(buckets)) throw new RangeError(`bucket count ${view.buckets} is not finite`);
  if (n === 0) return new Uint32Array(0);

  const lo = lowerBound(x, x0);
  const hi = upperBound(x, x1, lo);
  const perBucket = 2 + 3 * ys.length;
  const out = new Uint32Array(Math.min(n, buckets * perBucket + 2));
  let count = 0;
  if (lo > 0) out[count++] = lo - 1;

  let scale = buckets / (x1 - x0);
  // An empty range (x0 = x1) or one so narrow that the scale overflows: everything is one bucket.
  if (!Number.isFinite(scale)) scale = 0;
  const last = buckets - 1;
  const candidates = new Int32Array(perBucket);
  let start = lo;
  while (start < hi) {
    // The bucket's run of points, found by binary search: (x - x0) · scale never decreases along a sorted x (IEEE
    // subtraction and multiplication are monotonic), so the points of one bucket are contiguous.
    const bucket = Math.min(last, Math.floor((x[start]! - x0) * scale));
    let end = hi;
    if (bucket < last) {
      let a = start + 1;
      while (a < end) {
        const mid = (a + end) >>> 1;
        if (Math.floor((x[mid]! - x0) * scale) <= bucket) a = mid + 1;
        else end = mid;
      }
    }

    let k = 0;
    candidates[k++] = start;
    candidates[k++] = end - 1;
    for (const y of ys) {
      let minAt = -1;
      let maxAt = -1;
      let gapAt = -1;
      let min = Infinity;
      let max = -Infinity;
      for (let i = start; i < end; i++) {
        const v = y[i]!;
        // False for NaN and ±Infinity: those are gaps, never the bucket's min or max.
        if (v > -Infinity && v < Infinity) {
          if (v < min) {
            min = v;
            minAt = i;
          }
          if (v > max) {
            max = v;
            maxAt = i;
          }
        } else if (gapAt === -1) {
          gapAt = i;
        }
      }
      if (gapAt !== -1) candidates[k++] = gapAt;
      if (minAt !== -1) candidates[k++] = minAt;
      if (maxAt !== -1) candidates[k++] = maxAt;
    }
    // A handful of indices: insertion sort, then append each once.
    for (let a = 1; a < k; a++) {
      const v = candidates[a]!;
      let b = a - 1;
      while (b >= 0 && candidates[b]! > v) {
        candidates[b + 1] = candidates[b]!;
        b--;
      }
      candidates[b + 1] = v;
    }
    let previous = -1;
    for (let a = 0; a < k; a++) {
      const v = candidates[a]!;
      if (v !== previous) out[count++] = v;
      previous = v;
    }
    start = end;
  }
  if (hi < n) out[count++] = hi;
  return out.subarray(0, count);
}

/** The first index in [lo, hi) whose x is > value (hi when none), for x sorted ascending. */
export function upperBound(x: ArrayLike<number>, value: number, lo = 0, hi = x.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
