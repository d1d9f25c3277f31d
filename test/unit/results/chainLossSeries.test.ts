import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seriesForView, stitchChain } from '../../../src/results/chainLossSeries';
import { emaSmooth } from '../../../src/results/emaSmoothing';
import { readStepSeries, StepSeries } from '../../../src/formats/stepSeries';
import { trainLine } from '../../support/openclipTrainLine';

const root = join(__dirname, '../../..');
const demo = join(root, 'demo/datacomp/results');

/** A `Train Epoch` line in the exact format of contracts §2.1 / §2.2 (loss printed `#.5g`, or Python's `nan`). */
const start = (t: string, resumeEpoch: number | null): string[] => [
  resumeEpoch === null
    ? `${t} | INFO | No latest resume checkpoint found in /r/exp/checkpoints.`
    : `${t} | INFO | Found latest resume checkpoint at /r/exp/checkpoints/epoch_latest.pt.`,
  `${t} | INFO | Running in distributed mode with multiple processes. Device: cuda:0.Process (global: 0, local 0), total 2.`,
  ...(resumeEpoch === null
    ? []
    : [`${t} | INFO | => resuming checkpoint '/r/exp/checkpoints/epoch_latest.pt' (epoch ${resumeEpoch})`]),
];

/**
 * 2016: 3 epochs of 16 samples, 4 per optimizer step, a line at batches 1, 3 and 4; it crashed in epoch 2 and the
 * restart logged epoch 2 again. Kept samples 4 12 16 | 20 28 32 | 36 44 48.
 */
const log2016 = [
  ...start('2025-03-03,10:00:00', null),
  trainLine('2025-03-03,10:00:02', 0, 4, 16, 5.5),
  trainLine('2025-03-03,10:00:04', 0, 12, 16, 5.4),
  trainLine('2025-03-03,10:00:05', 0, 16, 16, 5.3),
  trainLine('2025-03-03,10:00:07', 1, 4, 16, 5.2),
  trainLine('2025-03-03,10:00:09', 1, 12, 16, 5.1),
  trainLine('2025-03-03,10:00:10', 1, 16, 16, 5.0),
  trainLine('2025-03-03,10:00:12', 2, 4, 16, 9.9),
  trainLine('2025-03-03,10:00:14', 2, 12, 16, 9.8),
  ...start('2025-03-03,10:05:00', 2),
  trainLine('2025-03-03,10:05:02', 2, 4, 16, 4.9),
  trainLine('2025-03-03,10:05:04', 2, 12, 16, 4.8),
  trainLine('2025-03-03,10:05:05', 2, 16, 16, 4.7),
  '',
].join('\n');

/**
 * 2017: 2 epochs of 24 samples, 8 per optimizer step (batch 4 × 2 GPUs), a line at batches 1 and 3; it crashed in
 * epoch 1 and the restart logged epoch 1 again, with a NaN loss. Kept samples 8 24 | 32 48.
 */
const log2017 = [
  ...start('2025-03-03,11:00:00', null),
  trainLine('2025-03-03,11:00:02', 0, 8, 24, 6.2),
  trainLine('2025-03-03,11:00:04', 0, 24, 24, 6.0),
  trainLine('2025-03-03,11:00:06', 1, 8, 24, 7.7),
  ...start('2025-03-03,11:30:00', 1),
  trainLine('2025-03-03,11:30:02', 1, 8, 24, NaN),
  trainLine('2025-03-03,11:30:04', 1, 24, 24, 5.8),
  '',
].join('\n');

const at = (hhmmss: string): number =>
  Date.UTC(2025, 2, 3, ...(hhmmss.split(':').map(Number) as [number, number, number]));

describe('chain loss series (stitching the steps of a chain)', () => {
  let dir: string;
  let steps: { year: number; series: StepSeries }[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tic-chain-loss-'));
    steps = [];
    // Listed out of order: stitching sorts by year.
    for (const [year, text] of [
      [2017, log2017],
      [2016, log2016],
    ] as const) {
      const experiment = join(dir, `datacomp_medium-basic_cumulative_${year}`);
      mkdirSync(experiment);
      writeFileSync(join(experiment, 'out.log'), text);
      steps.push({ year, series: await readStepSeries(join(experiment, 'out.log')) });
    }
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('puts cumulative samples on x: each step offset by the last samples of the steps before it', () => {
    const stitched = stitchChain(steps, 'samples', 'loss');
    // 2016 as is; 2017 (8 24 32 48) + 48.
    assert.deepEqual(Array.from(stitched.x), [4, 12, 16, 20, 28, 32, 36, 44, 48, 56, 72, 80, 96]);
    assert.deepEqual(Array.from(stitched.y), [5.5, 5.4, 5.3, 5.2, 5.1, 5.0, 4.9, 4.8, 4.7, 6.2, 6.0, NaN, 5.8]);
    assert.deepEqual(stitched.stepStarts, [
      { year: 2016, index: 0, x: 0 },
      { year: 2017, index: 9, x: 48 },
    ]);
    assert.equal(stitched.dropped, 0);
  });

  it('counts optimizer steps with each step’s own samples per step', () => {
    const stitched = stitchChain(steps, 'optSteps', 'contrastive_loss');
    // 2016: samples / 4; 2017: samples / 8 (1 3 4 6) + 12.
    assert.deepEqual(Array.from(stitched.x), [1, 3, 4, 5, 7, 8, 9, 11, 12, 13, 15, 16, 18]);
    assert.deepEqual(
      stitched.stepStarts.map((s) => s.x),
      [0, 12],
    );
  });

  it('puts absolute time on x', () => {
    const stitched = stitchChain(steps, 'time', 'loss');
    assert.deepEqual(
      Array.from(stitched.x),
      [
        '10:00:02',
        '10:00:04',
        '10:00:05',
        '10:00:07',
        '10:00:09',
        '10:00:10',
        '10:05:02',
        '10:05:04',
        '10:05:05',
        '11:00:02',
        '11:00:04',
        '11:30:02',
        '11:30:04',
      ].map(at),
    );
    assert.deepEqual(stitched.stepStarts, [
      { year: 2016, index: 0, x: at('10:00:02') },
      { year: 2017, index: 9, x: at('11:00:02') },
    ]);
  });

  it('leaves out points on the time axis that come before ones already placed', async () => {
    // A 2018 step whose log says it trained before 2017 finished: its first points overlap 2017.
    const path = join(dir, 'out.2018.log');
    writeFileSync(
      path,
      [
        trainLine('2025-03-03,11:30:03', 0, 8, 16, 3),
        trainLine('2025-03-03,11:30:04', 0, 16, 16, 2),
        trainLine('2025-03-03,11:40:00', 1, 8, 16, 1),
        '',
      ].join('\n'),
    );
    const stitched = stitchChain([...steps, { year: 2018, series: await readStepSeries(path) }], 'time', 'loss');
    // 11:30:03 is before 2017's last point (11:30:04) and is left out; 11:30:04 ties with it and stays.
    assert.equal(stitched.dropped, 1);
    assert.deepEqual(Array.from(stitched.x.subarray(13)), [at('11:30:04'), at('11:40:00')]);
    assert.deepEqual(stitched.stepStarts.at(-1), { year: 2018, index: 13, x: at('11:30:04') });
  });

  it('skips empty steps', () => {
    const stitched = stitchChain([...steps, { year: 2018, series: new StepSeries() }], 'samples', 'loss');
    assert.equal(stitched.x.length, 13);
    assert.deepEqual(
      stitched.stepStarts.map((s) => s.year),
      [2016, 2017],
    );
    const none = stitchChain([], 'samples', 'loss');
    assert.equal(none.x.length, 0);
    assert.deepEqual(seriesForView(none, { buckets: 10, smoothing: 0.6 }), {
      x: [],
      y: [],
      smoothed: [],
      stepStarts: [],
      extent: [0, 0],
      total: 0,
    });
  });

  it('smooths the whole chain once, so zooming never changes a smoothed value', () => {
    const stitched = stitchChain(steps, 'samples', 'loss');
    const whole = emaSmooth(stitched.y, 0.6);
    const full = seriesForView(stitched, { buckets: 1000, smoothing: 0.6 });
    assert.deepEqual(full.x, Array.from(stitched.x));
    assert.deepEqual(full.y, Array.from(stitched.y));
    assert.deepEqual(full.smoothed, Array.from(whole));
    assert.ok(Number.isNaN(full.smoothed![11]!), 'the NaN loss stays a gap');
    assert.deepEqual(full.extent, [4, 96]);
    assert.equal(full.total, 13);
    assert.deepEqual(full.stepStarts, [
      { year: 2016, x: 0 },
      { year: 2017, x: 48 },
    ]);

    const zoomed = seriesForView(stitched, { x0: 50, x1: 85, buckets: 1000, smoothing: 0.6 });
    // 56 72 80 inside, 48 and 96 as the edge points.
    assert.deepEqual(zoomed.x, [48, 56, 72, 80, 96]);
    assert.deepEqual(
      zoomed.smoothed,
      [8, 9, 10, 11, 12].map((i) => whole[i]),
    );
    assert.deepEqual(zoomed.y, [4.7, 6.2, 6.0, NaN, 5.8]);
  });

  it('gives raw values only without smoothing, and refuses a weight outside [0, 1)', () => {
    const stitched = stitchChain(steps, 'samples', 'loss');
    assert.equal(seriesForView(stitched, { buckets: 4, smoothing: 0 }).smoothed, null);
    assert.throws(() => seriesForView(stitched, { buckets: 4, smoothing: 1 }), RangeError);
    assert.throws(() => seriesForView(stitched, { buckets: 4, smoothing: -0.5 }), RangeError);
  });

  it('stitches the real demo chain 2016–2019 and downsamples it to the chart', async () => {
    const chain = await Promise.all(
      [2016, 2017, 2018, 2019].map(async (year) => ({
        year,
        series: await readStepSeries(join(demo, `datacomp_medium-basic_cumulative_${year}/out.log`)),
      })),
    );
    // 5 epochs of 3,686,400 samples each step.
    const perStep = 5 * 3686400;
    const samples = stitchChain(chain, 'samples', 'loss');
    assert.equal(samples.x.length, 4 * 95);
    assert.deepEqual(
      samples.stepStarts.map((s) => s.x),
      [0, perStep, 2 * perStep, 3 * perStep],
    );
    assert.equal(samples.x.at(-1), 4 * perStep);
    for (let i = 1; i < samples.x.length; i++) assert.ok(samples.x[i]! > samples.x[i - 1]!);
    const opt = stitchChain(chain, 'optSteps', 'loss');
    assert.equal(opt.x.at(-1), 4 * 5 * 900);
    const time = stitchChain(chain, 'time', 'lr');
    assert.equal(time.dropped, 0);
    assert.equal(time.x.length, 4 * 95);

    const view = seriesForView(samples, { buckets: 20, smoothing: 0.9 });
    assert.ok(view.x.length <= (2 + 2 * 2) * 20 + 2);
    assert.equal(view.x[0], samples.x[0]);
    assert.equal(view.x.at(-1), 4 * perStep);
    assert.equal(view.total, 380);
    assert.deepEqual(view.extent, [samples.x[0], 4 * perStep]);
  });
});
