import assert from 'node:assert/strict';
import { formatElapsed, formatPercent, formatPixels } from '../../../webview/probe/probeFormat';

describe('probe formatting', () => {
  it('writes probabilities as percents with one decimal', () => {
    assert.equal(formatPercent(0.8734), '87.3%');
    assert.equal(formatPercent(1), '100.0%');
    assert.equal(formatPercent(0), '0.0%');
    assert.equal(formatPercent(0.00004), '0.0%');
    assert.equal(formatPercent(0.12345), '12.3%');
  });

  it('writes elapsed times in ms, s or min', () => {
    assert.equal(formatElapsed(850.4), '850 ms');
    assert.equal(formatElapsed(4210), '4.2 s');
    assert.equal(formatElapsed(125_000), '2 min 5 s');
    assert.equal(formatElapsed(-1), '—');
  });

  it('writes pixel sizes', () => {
    assert.equal(formatPixels(640, 480), '640 × 480 px');
  });
});
