/** The first index in [lo, hi) whose x is ≥ value (hi when none), for x sorted ascending. */
export function lowerBound(x: ArrayLike<number>, value: number, lo = 0, hi = x.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
