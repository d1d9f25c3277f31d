/**
 * Index of the point whose x is nearest to `x` among those with a finite y (NaN y is a gap, not a point), or -1.
 * `xs` is expected ascending (binary search); a series that is not is scanned linearly.
 */
export function nearestIndex(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  x: number,
  sorted = isAscending(xs),
): number {
  const n = xs.length;
  if (n === 0 || !Number.isFinite(x)) return -1;
  if (!sorted) {
    let best = -1;
    let bestD = Infinity;
    for (let i = 0; i < n; i++) {
      const d = Math.abs(xs[i]! - x);
      if (Number.isFinite(ys[i]!) && d < bestD) {
        best = i;
        bestD = d;
      }
    }
    return best;
  }
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  // lo: first index with xs >= x; walk outwards to the nearest finite y on either side.
  let left = lo - 1;
  while (left >= 0 && !Number.isFinite(ys[left]!)) left--;
  let right = lo;
  while (right < n && !Number.isFinite(ys[right]!)) right++;
  if (left < 0) return right < n ? right : -1;
  if (right >= n) return left;
  return x - xs[left]! <= xs[right]! - x ? left : right;
}

export function isAscending(xs: ArrayLike<number>): boolean {
  for (let i = 1; i < xs.length; i++) if (xs[i]! < xs[i - 1]!) return false;
  return true;
}
