import assert from 'node:assert/strict';
import { emaSmooth, emaSmoothInto } from '../../../src/results/emaSmoothing';

/** TensorBoard's loop (vz_line_chart2 `resmoothDataset`), written out the slow way as the reference. */
function tensorBoardSmoothing(values: readonly number[], weight: number): number[] {
  let last = values.length > 0 ? 0 : NaN;
  let numAccum = 0;
  const isConstant = values.every((v) => v === values[0]);
  return values.map((nextVal) => {
    if (isConstant || !Number.isFinite(nextVal)) return nextVal;
    last = last * weight + (1 - weight) * nextVal;
    numAccum++;
    let debiasWeight = 1;
    if (weight !== 1) debiasWeight = 1 - Math.pow(weight, numAccum);
    return last / debiasWeight;
  });
}

function assertClose(actual: ArrayLike<number>, expected: readonly number[]): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (a === e) continue;
    if (Number.isNaN(e)) assert.ok(Number.isNaN(a), `point ${i}: ${a} is not NaN`);
    else assert.ok(Math.abs(a - e) <= 1e-12 * Math.max(1, Math.abs(e)), `point ${i}: ${a} ≠ ${e}`);
  }
}

describe('emaSmooth (TensorBoard debiased EMA)', () => {
  it('matches the formula worked by hand', () => {
    // w = 0.5, values 1, 2, 3:
    //   last = 0.5                 debias = 1 - 0.5   = 0.5    → 1
    //   last = 0.25 + 1   = 1.25   debias = 1 - 0.25  = 0.75   → 5/3
    //   last = 0.625 + 1.5 = 2.125 debias = 1 - 0.125 = 0.875  → 17/7
    assertClose(emaSmooth([1, 2, 3], 0.5), [1, 5 / 3, 17 / 7]);
    // w = 0.6, values 10, 20: last = 4 → 4 / 0.4 = 10; last = 2.4 + 8 = 10.4 → 10.4 / 0.64 = 16.25
    assertClose(emaSmooth([10, 20], 0.6), [10, 16.25]);
  });

  it('passes non-finite values through without moving the average', () => {
    // The NaN and Infinity are skipped: 3 is the second accumulated point, (0.25 + 1.5) / 0.75.
    assertClose(emaSmooth([1, NaN, Infinity, 3, -Infinity], 0.5), [1, NaN, Infinity, 1.75 / 0.75, -Infinity]);
    const out = emaSmooth([NaN, NaN], 0.9);
    assert.ok(Number.isNaN(out[0]!) && Number.isNaN(out[1]!));
  });

  it('keeps a constant series exactly constant', () => {
    const values = new Array<number>(1000).fill(1.3863);
    assert.deepEqual(Array.from(emaSmooth(values, 0.99)), values);
  });

  it('is the identity at weight 0', () => {
    const values = [5.4642, 5.4034, NaN, 5.3338, 7, -1];
    assert.deepEqual(Array.from(emaSmooth(values, 0)), values);
  });

  it('gives exactly what TensorBoard gives on a long noisy series', () => {
    const values: number[] = [];
    for (let i = 0; i < 20_000; i++) values.push(i % 997 === 0 ? NaN : 5 - i / 10_000 + Math.sin(i * 12.9898) * 0.3);
    for (const weight of [0.3, 0.6, 0.9, 0.99, 0.999]) {
      assert.deepEqual(Array.from(emaSmooth(values, weight)), tensorBoardSmoothing(values, weight), `weight ${weight}`);
    }
  });

  it('refuses a weight outside [0, 1)', () => {
    for (const weight of [1, 1.5, -0.1, NaN]) assert.throws(() => emaSmooth([1, 2], weight), RangeError);
  });

  it('smooths a range of an array as a series of its own', () => {
    const values = [100, 1, 2, 3, 100];
    const out = new Float64Array(5).fill(-1);
    emaSmoothInto(values, 0.5, out, 1, 4);
    assertClose(out, [-1, 1, 5 / 3, 17 / 7, -1]);
  });

  it('returns an empty array for an empty input', () => {
    assert.equal(emaSmooth([], 0.9).length, 0);
  });
});
