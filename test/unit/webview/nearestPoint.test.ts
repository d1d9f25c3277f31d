import assert from 'node:assert/strict';
import { isAscending, nearestIndex } from '../../../webview/dashboard/nearestPoint';

describe('nearest point', () => {
  const xs = [0, 10, 20, 30, 40];

  it('finds the nearest x by binary search', () => {
    const ys = [1, 1, 1, 1, 1];
    assert.equal(nearestIndex(xs, ys, 14), 1);
    assert.equal(nearestIndex(xs, ys, 16), 2);
    assert.equal(nearestIndex(xs, ys, -5), 0);
    assert.equal(nearestIndex(xs, ys, 99), 4);
  });

  it('skips gaps (NaN y)', () => {
    assert.equal(nearestIndex(xs, [1, 1, NaN, 1, 1], 21), 3);
    assert.equal(nearestIndex(xs, [1, 1, NaN, 1, 1], 19), 1);
    assert.equal(nearestIndex(xs, [NaN, NaN, NaN, NaN, NaN], 19), -1);
  });

  it('scans a series that is not ascending', () => {
    assert.equal(isAscending([3, 1, 2]), false);
    assert.equal(nearestIndex([30, 10, 20], [1, 1, 1], 12), 1);
  });

  it('has nothing to find in an empty series', () => {
    assert.equal(nearestIndex([], [], 3), -1);
  });
});
