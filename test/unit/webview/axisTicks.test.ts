import assert from 'node:assert/strict';
import {
  formatReadout,
  formatTick,
  formatTimeTick,
  formatTimestamp,
  linearTicks,
  logTicks,
  niceStep,
  timeTicks,
} from '../../../webview/shared/axisTicks';

describe('axis ticks', () => {
  it('picks 1, 2 or 5 times a power of ten as the step', () => {
    assert.equal(niceStep(10, 5), 2);
    assert.equal(niceStep(1, 4), 0.2);
    assert.equal(niceStep(1, 2), 0.5);
    assert.equal(niceStep(7e8, 6), 1e8);
    assert.equal(niceStep(0, 5), 1);
  });

  it('places linear ticks on round multiples inside the domain, without binary noise', () => {
    assert.deepEqual(linearTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(linearTicks(0.05, 0.95, 4), [0.2, 0.4, 0.6, 0.8]);
    assert.deepEqual(linearTicks(-3, 3, 3), [-2, 0, 2]);
    assert.ok(linearTicks(0.05, 0.95, 4).length >= 2);
    assert.deepEqual(linearTicks(0.1, 0.4, 3), [0.1, 0.2, 0.3, 0.4]);
  });

  it('handles a reversed or degenerate linear domain', () => {
    assert.deepEqual(linearTicks(1, 0, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(linearTicks(3, 3, 5), [3]);
    assert.deepEqual(linearTicks(NaN, 3, 5), []);
  });

  it('puts log ticks on powers of ten over many decades', () => {
    assert.deepEqual(
      logTicks(1e-6, 1e-2, 10),
      [1e-6, 1e-5, 1e-4, 1e-3, 1e-2].map((v) => Number(v.toPrecision(12))),
    );
  });

  it('thins powers of ten when there are more decades than ticks', () => {
    const ticks = logTicks(1, 1e12, 4);
    assert.ok(ticks.length <= 5);
    assert.ok(ticks.every((t) => Number.isInteger(Math.log10(t))));
    assert.ok(ticks.includes(1e12) || ticks.includes(1e9));
  });

  it('adds 2× and 5× ticks when the log domain spans few decades', () => {
    assert.deepEqual(logTicks(1, 100, 8), [1, 2, 5, 10, 20, 50, 100]);
  });

  it('falls back to linear ticks inside a single decade', () => {
    const ticks = logTicks(2.1, 2.9, 5);
    assert.ok(ticks.length >= 2);
    assert.ok(ticks.every((t) => t >= 2.1 && t <= 2.9));
  });

  it('gives no log ticks for a domain that is not positive', () => {
    assert.deepEqual(logTicks(-1, 10, 5), []);
    assert.deepEqual(logTicks(0, 10, 5), []);
  });

  it('labels ticks with the digits the step needs and SI suffixes, billions as B', () => {
    assert.equal(formatTick(2.5e9, 5e8), '2.5B');
    assert.equal(formatTick(2e9, 1e9), '2B');
    assert.equal(formatTick(400_000, 100_000), '400k');
    assert.equal(formatTick(1.25e6, 2.5e5), '1.25M');
    assert.equal(formatTick(0.25, 0.05), '0.25');
    assert.equal(formatTick(3, 1), '3');
    assert.equal(formatTick(0, 1), '0');
    assert.equal(formatTick(3e-5, 1e-5), '3e-5');
    assert.equal(formatTick(-0.5, 0.5), '-0.5');
  });

  it('formats readout values to about four significant digits', () => {
    assert.equal(formatReadout(5.43219), '5.432');
    assert.equal(formatReadout(2.34567e9), '2.346B');
    assert.equal(formatReadout(0.000123456), '1.235e-4');
    assert.equal(formatReadout(-12.5), '-12.5');
    assert.equal(formatReadout(NaN), '—');
  });

  it('puts time ticks on round UTC instants and labels them by step', () => {
    const t0 = Date.UTC(2024, 0, 1, 10, 7);
    const { values, step } = timeTicks(t0, t0 + 6 * 3600_000, 6);
    assert.equal(step, 3600_000);
    assert.equal(values[0], Date.UTC(2024, 0, 1, 11));
    assert.equal(formatTimeTick(values[0]!, step), '01-01 11:00');
    const days = timeTicks(Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 11), 5);
    assert.equal(days.step, 2 * 86_400_000);
    assert.ok(
      days.values.every((t) => t % 86_400_000 === 0),
      'at UTC midnight',
    );
    assert.match(formatTimeTick(days.values[0]!, days.step), /^2024-01-0[12]$/);
    assert.equal(formatTimeTick(Date.UTC(2024, 0, 1, 1, 2, 3), 5000), '01:02:03');
    assert.equal(formatTimestamp(Date.UTC(2024, 2, 5, 14, 30, 15)), '2024-03-05 14:30:15');
  });
});
