import assert from 'node:assert/strict';
import { panRange, rangeFromDrag, zoomRange } from '../../../webview/shared/zoomRange';

const extent = { x0: 0, x1: 100 };
const close = (a: number, b: number): boolean => Math.abs(a - b) < 1e-9;

describe('zoom maths', () => {
  it('zooms in around the centre by the factor', () => {
    assert.deepEqual(zoomRange(null, extent, 0.5, 0.5, 'linear'), { x0: 25, x1: 75 });
  });

  it('keeps the anchor point where it is', () => {
    const r = zoomRange({ x0: 20, x1: 60 }, extent, 0.5, 0.25, 'linear')!;
    assert.ok(close(r.x0, 25) && close(r.x1, 45));
  });

  it('zooming out past the extent means no zoom', () => {
    assert.equal(zoomRange({ x0: 25, x1: 75 }, extent, 2, 0.5, 'linear'), null);
    assert.equal(zoomRange({ x0: 25, x1: 75 }, extent, 4, 0.5, 'linear'), null);
  });

  it('shifts a zoomed-out range back inside the extent', () => {
    const r = zoomRange({ x0: 0, x1: 40 }, extent, 1.5, 0.5, 'linear')!;
    assert.ok(close(r.x0, 0) && close(r.x1, 60));
  });

  it('zooms a log axis in decades', () => {
    const r = zoomRange(null, { x0: 1, x1: 1e4 }, 0.5, 0.5, 'log')!;
    assert.ok(close(r.x0, 10) && close(r.x1, 1000));
  });

  it('pans by a fraction of the width and stops at the edges', () => {
    assert.deepEqual(panRange({ x0: 20, x1: 40 }, extent, 0.5, 'linear'), { x0: 30, x1: 50 });
    assert.deepEqual(panRange({ x0: 80, x1: 95 }, extent, 1, 'linear'), { x0: 85, x1: 100 });
    assert.equal(panRange(null, extent, 0.5, 'linear'), null);
  });

  it('turns a drag into a range, either direction, and ignores clicks', () => {
    const invert = (px: number): number => px / 10;
    assert.deepEqual(rangeFromDrag(500, 200, invert), { x0: 20, x1: 50 });
    assert.equal(rangeFromDrag(200, 202, invert), null);
  });
});
