import assert from 'node:assert/strict';
import {
  downsampleColumnsIndices,
  downsampleIndices,
  upperBound,
  type DownsampleView,
} from '../../../src/results/downsample';
import { lowerBound } from '../../../src/shared/lowerBound';

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sorted x with runs of equal values, y with spikes and, when asked, NaN and ±Infinity. */
function data(n: number, seed: number, gaps: boolean): { x: Float64Array; y: Float64Array } {
  const next = random(seed);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  let at = next() * 10;
  for (let i = 0; i < n; i++) {
    if (next() > 0.2) at += next() * 3;
    x[i] = at;
    const r = next();
    y[i] = gaps && r < 0.03 ? NaN : gaps && r < 0.04 ? (r < 0.035 ? Infinity : -Infinity) : Math.sin(i / 50) + next();
    if (r > 0.995) y[i] = 50 * (next() - 0.5);
  }
  return { x, y };
}

/** The same bucket rule as the implementation's documentation: floor((x - x0) · buckets / (x1 - x0)), last closed. */
function bucketOf(x: number, view: DownsampleView): number {
  const scale = view.buckets / (view.x1 - view.x0);
  return Math.min(view.buckets - 1, Math.floor((x - view.x0) * (Number.isFinite(scale) ? scale : 0)));
}

const finite = (v: number): boolean => Number.isFinite(v);

/** Checks by brute force that every bucket keeps its first, last, min, max and first gap, and nothing else inside. */
function checkBuckets(x: Float64Array, ys: Float64Array[], view: DownsampleView, keptIndices: Uint32Array): void {
  const kept = Array.from(keptIndices);
  const keptSet = new Set(kept);
  for (let i = 1; i < kept.length; i++) assert.ok(kept[i - 1]! < kept[i]!, 'indices ascending and unique');
  const inside = [...x.keys()].filter((i) => x[i]! >= view.x0 && x[i]! <= view.x1);
  const byBucket = new Map<number, number[]>();
  for (const i of inside) {
    const b = bucketOf(x[i]!, view);
    if (!byBucket.has(b)) byBucket.set(b, []);
    byBucket.get(b)!.push(i);
  }
  const expected = new Set<number>();
  for (const [b, members] of byBucket) {
    expected.add(members[0]!).add(members.at(-1)!);
    for (const y of ys) {
      const values = members.filter((i) => finite(y[i]!));
      if (values.length > 0) {
        const min = Math.min(...values.map((i) => y[i]!));
        const max = Math.max(...values.map((i) => y[i]!));
        expected.add(values.find((i) => y[i] === min)!).add(values.find((i) => y[i] === max)!);
        const keptHere = kept.filter((i) => members.includes(i));
        assert.equal(Math.min(...keptHere.filter((i) => finite(y[i]!)).map((i) => y[i]!)), min, `bucket ${b} min`);
        assert.equal(Math.max(...keptHere.filter((i) => finite(y[i]!)).map((i) => y[i]!)), max, `bucket ${b} max`);
      }
      const gap = members.find((i) => !finite(y[i]!));
      if (gap !== undefined) expected.add(gap);
    }
  }
  for (const i of expected) assert.ok(keptSet.has(i), `index ${i} kept`);
  const keptInside = kept.filter((i) => x[i]! >= view.x0 && x[i]! <= view.x1);
  assert.deepEqual(new Set(keptInside), expected, 'nothing else inside the range');
  // One neighbour on each side, when there is one.
  const before = inside.length > 0 ? inside[0]! - 1 : lowerBound(x, view.x0) - 1;
  const after = inside.length > 0 ? inside.at(-1)! + 1 : upperBound(x, view.x1);
  const outside = kept.filter((i) => x[i]! < view.x0 || x[i]! > view.x1);
  assert.deepEqual(
    outside,
    [before, after].filter((i) => i >= 0 && i < x.length),
    'the nearest point outside each edge',
  );
}

describe('downsampleIndices (min/max buckets)', () => {
  it('keeps every bucket’s first, last, min and max point (brute force over random data and views)', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const { x, y } = data(200 + seed * 37, seed, false);
      const next = random(seed * 7919);
      const span = x.at(-1)! - x[0]!;
      const a = x[0]! - span * 0.1 + next() * span * 0.6;
      const view = { x0: a, x1: a + next() * span * 0.8, buckets: 1 + Math.floor(next() * 60) };
      const kept = downsampleIndices(x, y, view);
      checkBuckets(x, [y], view, kept);
      assert.ok(kept.length <= 4 * view.buckets + 2, `${kept.length} ≤ 4·${view.buckets} + 2`);
    }
  });

  it('keeps the global extremes of the visible range', () => {
    const { x, y } = data(100_000, 3, false);
    const view = { x0: x[0]!, x1: x.at(-1)!, buckets: 500 };
    const kept = downsampleIndices(x, y, view);
    let min = Infinity;
    let max = -Infinity;
    for (const v of y) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    const values = Float64Array.from(kept, (i) => y[i]!);
    assert.equal(Math.min(...values), min);
    assert.equal(Math.max(...values), max);
    assert.ok(kept.length <= 4 * 500 + 2);
    assert.equal(kept[0], 0);
    assert.equal(kept.at(-1), x.length - 1);
  });

  it('keeps non-finite values as gaps, one per bucket at least', () => {
    for (let seed = 100; seed <= 120; seed++) {
      const { x, y } = data(500, seed, true);
      const view = { x0: x[20]!, x1: x[450]!, buckets: 1 + (seed % 40) };
      const kept = downsampleIndices(x, y, view);
      checkBuckets(x, [y], view, kept);
      assert.ok(kept.length <= 5 * view.buckets + 2);
    }
  });

  it('downsamples several columns over one x', () => {
    const { x, y } = data(3000, 9, true);
    const { y: z } = data(3000, 10, false);
    const view = { x0: x[100]!, x1: x[2900]!, buckets: 37 };
    const kept = downsampleColumnsIndices(x, [y, z], view);
    checkBuckets(x, [y, z], view, kept);
    assert.ok(kept.length <= 8 * view.buckets + 2);
  });

  it('returns every point when there are more buckets than points', () => {
    const x = new Float64Array([0, 1, 2, 3, 4]);
    const y = new Float64Array([5, 3, 4, 1, 2]);
    assert.deepEqual(Array.from(downsampleIndices(x, y, { x0: 0, x1: 4, buckets: 100 })), [0, 1, 2, 3, 4]);
  });

  it('clips to the range, keeping one point beyond each edge', () => {
    const x = Float64Array.from({ length: 10 }, (_, i) => i * 10);
    const y = Float64Array.from({ length: 10 }, (_, i) => i);
    assert.deepEqual(Array.from(downsampleIndices(x, y, { x0: 25, x1: 55, buckets: 10 })), [2, 3, 4, 5, 6]);
    // Edges on points: those points are inside, the neighbours beyond them are kept.
    assert.deepEqual(Array.from(downsampleIndices(x, y, { x0: 30, x1: 50, buckets: 10 })), [2, 3, 4, 5, 6]);
    // A range between two points: just the two, so the line crosses the chart.
    assert.deepEqual(Array.from(downsampleIndices(x, y, { x0: 41, x1: 49, buckets: 10 })), [4, 5]);
    // Entirely left or right of the data: the nearest point only.
    assert.deepEqual(Array.from(downsampleIndices(x, y, { x0: -50, x1: -10, buckets: 10 })), [0]);
    assert.deepEqual(Array.from(downsampleIndices(x, y, { x0: 500, x1: 900, buckets: 10 })), [9]);
    // x0 > x1 is the same range.
    assert.deepEqual(Array.from(downsampleIndices(x, y, { x0: 55, x1: 25, buckets: 10 })), [2, 3, 4, 5, 6]);
  });

  it('handles tiny inputs and an empty range', () => {
    const none = new Float64Array(0);
    assert.equal(downsampleIndices(none, none, { x0: 0, x1: 1, buckets: 10 }).length, 0);
    const one = new Float64Array([3]);
    assert.deepEqual(Array.from(downsampleIndices(one, one, { x0: 0, x1: 10, buckets: 10 })), [0]);
    assert.deepEqual(Array.from(downsampleIndices(one, one, { x0: 3, x1: 3, buckets: 10 })), [0]);
    // x0 = x1 on a run of equal x: one bucket, its first, last, min and max.
    const x = new Float64Array([1, 2, 2, 2, 2, 3]);
    const y = new Float64Array([0, 5, 9, 1, 4, 0]);
    assert.deepEqual(Array.from(downsampleIndices(x, y, { x0: 2, x1: 2, buckets: 50 })), [0, 1, 2, 3, 4, 5]);
    // Zero buckets count as one: first (and min, 0), max (9), last.
    assert.deepEqual(Array.from(downsampleIndices(x, y, { x0: 1, x1: 3, buckets: 0 })), [0, 2, 5]);
  });

  it('keeps first and last of each bucket when every y is NaN', () => {
    const x = Float64Array.from({ length: 100 }, (_, i) => i);
    const y = new Float64Array(100).fill(NaN);
    const kept = downsampleIndices(x, y, { x0: 0, x1: 99, buckets: 4 });
    // Buckets of width 24.75: [0, 24], [25, 49], [50, 74], [75, 99].
    assert.deepEqual(Array.from(kept), [0, 24, 25, 49, 50, 74, 75, 99]);
  });

  it('works on a million points', () => {
    const n = 1_000_000;
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = i * 4096;
      y[i] = Math.sin(i / 1000);
    }
    y[123_456] = 7;
    const kept = downsampleIndices(x, y, { x0: 0, x1: x[n - 1]!, buckets: 2000 });
    assert.ok(kept.length <= 4 * 2000 + 2);
    assert.ok(kept.includes(123_456));
  });

  it('rejects a NaN range and a y shorter than x', () => {
    const x = new Float64Array([1, 2]);
    assert.throws(() => downsampleIndices(x, x, { x0: NaN, x1: 1, buckets: 2 }), RangeError);
    assert.throws(() => downsampleIndices(x, new Float64Array(1), { x0: 0, x1: 1, buckets: 2 }), RangeError);
  });

  it('binary searches bounds on sorted x with duplicates', () => {
    const x = [1, 2, 2, 2, 5];
    assert.equal(lowerBound(x, 2), 1);
    assert.equal(upperBound(x, 2), 4);
    assert.equal(lowerBound(x, 0), 0);
    assert.equal(upperBound(x, 9), 5);
    assert.equal(lowerBound(x, 3), 4);
  });
});
