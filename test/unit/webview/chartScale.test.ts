import assert from 'node:assert/strict';
import { ChartScale } from '../../../webview/shared/chartScale';

describe('chart scale', () => {
  it('maps a linear domain onto a pixel range and back', () => {
    const s = new ChartScale('linear', [0, 10], [100, 200]);
    assert.equal(s.map(5), 150);
    assert.equal(s.invert(150), 5);
  });

  it('runs backwards for a y axis', () => {
    const s = new ChartScale('linear', [0, 1], [300, 0]);
    assert.equal(s.map(1), 0);
    assert.equal(s.map(0), 300);
  });

  it('maps a log domain evenly per decade', () => {
    const s = new ChartScale('log', [1, 1000], [0, 300]);
    assert.ok(Math.abs(s.map(10) - 100) < 1e-9);
    assert.ok(Math.abs(s.map(100) - 200) < 1e-9);
    assert.ok(Math.abs(s.invert(100) - 10) < 1e-9);
  });

  it('cannot place non-positive values on a log axis', () => {
    const s = new ChartScale('log', [1, 10], [0, 100]);
    assert.ok(Number.isNaN(s.map(0)));
    assert.ok(Number.isNaN(s.map(-1)));
  });

  it('widens a one-value domain', () => {
    const s = new ChartScale('linear', [5, 5], [0, 100]);
    const [a, b] = s.effectiveDomain;
    assert.ok(a < 5 && b > 5);
    assert.equal(s.map(5), 50);
  });
});
