import assert from 'node:assert/strict';
import { seriesForView, stitchChain } from '../../../src/results/chainLossSeries';
import { parseLogText } from '../../../src/formats/logParser';
import { LiveStitch } from '../../../src/results/liveStitch';
import type { TrainStepEvent } from '../../../src/formats/logEvents';
import { StepSeries, type StepAxis } from '../../../src/formats/stepSeries';
import { trainLine } from '../../support/openclipTrainLine';

/** Train step events of an epoch-by-epoch log: `points` lines per epoch, noisy falling loss, one NaN. */
function events(points: number, epochs: number, perEpoch: number, day: number, seed: number): TrainStepEvent[] {
  const lines: string[] = [];
  let t = 0;
  for (let e = 0; e < epochs; e++) {
    for (let i = 1; i <= points; i++) {
      t += 1;
      const stamp = `2025-03-${String(day).padStart(2, '0')},${String(Math.floor(t / 3600) % 24).padStart(2, '0')}:${String(Math.floor(t / 60) % 60).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
      const loss = i === 7 && e === 1 ? NaN : 5 / (1 + e + i / points) + Math.sin(i * seed) / 10;
      lines.push(trainLine(stamp, e, Math.round((i / points) * perEpoch), perEpoch, loss));
    }
  }
  return parseLogText(lines.join('\n') + '\n').filter((x): x is TrainStepEvent => x.type === 'trainStep');
}

const view = { x0: null, x1: null, buckets: 100_000, smoothing: 0.7 };

/** The one-shot path (stitch everything, smooth everything), the reference for the live one. */
function reference(steps: { year: number; series: StepSeries }[], axis: StepAxis) {
  return seriesForView(stitchChain(steps, axis, 'loss'), view);
}

describe('LiveStitch: a chain curve kept up to date as the last step grows', () => {
  for (const axis of ['samples', 'optSteps', 'time'] as const) {
    it(`equals stitching and smoothing from scratch after every append (${axis} axis)`, () => {
      const a = new StepSeries();
      for (const e of events(40, 3, 4096, 1, 1.3)) a.append(e);
      const b = new StepSeries();
      const live = new LiveStitch(axis, 'loss');
      const steps = [
        { year: 2017, series: b },
        { year: 2016, series: a },
      ];
      assert.equal(live.update(steps), true);
      const more = events(30, 4, 8192, 2, 0.7);
      for (let i = 0; i < more.length; i += 13) {
        for (const e of more.slice(i, i + 13)) b.append(e);
        assert.equal(live.update(steps), true);
        assert.deepEqual(live.view(view), reference(steps, axis), `after ${i + 13} appended points`);
      }
      assert.equal(live.update(steps), false, 'nothing new');
    });
  }

  it('smooths step by step (the average restarts where each step starts) after every append, steps added live', () => {
    const a = new StepSeries();
    for (const e of events(40, 3, 4096, 1, 1.3)) a.append(e);
    const b = new StepSeries();
    const c = new StepSeries();
    const live = new LiveStitch('samples', 'loss');
    const perStep = { ...view, emaPerStep: true };
    const steps = [
      { year: 2016, series: a },
      { year: 2017, series: b },
    ];
    live.update(steps);
    const more = events(30, 4, 8192, 2, 0.7);
    for (let i = 0; i < more.length; i += 17) {
      for (const e of more.slice(i, i + 17)) b.append(e);
      live.update(steps);
      const got = live.view(perStep);
      const stitched = stitchChain(steps, 'samples', 'loss');
      // Reference, independent of the code under test: each step's points smoothed alone with TensorBoard's formula.
      const expected: number[] = [];
      const bounds = [...stitched.stepStarts.map((st) => st.index).slice(1), stitched.y.length];
      let from = 0;
      for (const to of bounds) {
        let last = 0;
        let count = 0;
        for (let k = from; k < to; k++) {
          const v = stitched.y[k]!;
          if (!Number.isFinite(v)) {
            expected.push(v);
            continue;
          }
          last = last * 0.7 + 0.3 * v;
          count++;
          expected.push(last / (1 - 0.7 ** count));
        }
        from = to;
      }
      assert.equal(got.smoothed!.length, expected.length);
      for (let k = 0; k < expected.length; k++)
        assert.ok(
          Object.is(got.smoothed![k], expected[k]) || Math.abs(got.smoothed![k]! - expected[k]!) < 1e-12,
          `point ${k}: ${got.smoothed![k]} vs ${expected[k]}`,
        );
      assert.deepEqual(got, seriesForView(stitched, perStep), 'the one-shot path agrees');
    }
    // The first point of 2017 is its own raw value (the average restarted), not pulled toward 2016's end.
    const start = stitchChain(steps, 'samples', 'loss').stepStarts[1]!.index;
    const whole = live.view(perStep);
    assert.equal(whole.smoothed![start], whole.y[start]);
    assert.notEqual(live.view(view).smoothed![start], whole.y[start], 'over the whole chain it is pulled');
    // A step added live (2018) starts its own average too.
    steps.push({ year: 2018, series: c });
    for (const e of events(10, 1, 4096, 5, 0.3)) c.append(e);
    live.update(steps);
    assert.deepEqual(live.view(perStep), seriesForView(stitchChain(steps, 'samples', 'loss'), perStep));
  });

  it('never smooths the learning rate', () => {
    const a = new StepSeries();
    for (const e of events(40, 2, 4096, 1, 1.3)) a.append(e);
    const live = new LiveStitch('samples', 'lr');
    live.update([{ year: 2016, series: a }]);
    assert.equal(live.view(view).smoothed, null);
    assert.equal(live.view({ ...view, emaPerStep: true }).smoothed, null);
    assert.equal(seriesForView(stitchChain([{ year: 2016, series: a }], 'samples', 'lr'), view).smoothed, null);
  });

  it('stitches again when a restart replaced points or a step was added', () => {
    const a = new StepSeries();
    for (const e of events(20, 2, 4096, 1, 1.1)) a.append(e);
    const live = new LiveStitch('samples', 'loss');
    live.update([{ year: 2016, series: a }]);
    // `--resume latest` re-logs epoch 1 with other values: the overlap is replaced (contracts §1.4).
    for (const e of events(20, 2, 4096, 3, 2.9).slice(20)) a.append(e);
    assert.ok(a.replaced > 0);
    live.update([{ year: 2016, series: a }]);
    assert.deepEqual(live.view(view), reference([{ year: 2016, series: a }], 'samples'));
    const b = new StepSeries();
    for (const e of events(5, 1, 100, 4, 0.3)) b.append(e);
    const both = [
      { year: 2016, series: a },
      { year: 2017, series: b },
    ];
    live.update(both);
    assert.deepEqual(live.view(view), reference(both, 'samples'));
  });

  it('passes a constant series through until it changes, then smooths it all (TensorBoard)', () => {
    const a = new StepSeries();
    const flat = events(10, 1, 1000, 1, 0).map((e) => ({ ...e, losses: { loss: { value: 2, avg: 2 } } }));
    for (const e of flat.slice(0, 5)) a.append(e);
    const live = new LiveStitch('samples', 'loss');
    const steps = [{ year: 2016, series: a }];
    live.update(steps);
    assert.deepEqual(live.view(view).smoothed, [2, 2, 2, 2, 2]);
    a.append({ ...flat[5]!, losses: { loss: { value: 3, avg: 3 } } });
    live.update(steps);
    assert.deepEqual(live.view(view), reference(steps, 'samples'));
  });
});
