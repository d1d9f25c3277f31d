import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrainStepEvent } from '../../../src/formats/logEvents';
import { parseLogText } from '../../../src/formats/logParser';
import { parseLogTimestamp, readStepSeries, StepSeries, StepSeriesFollower } from '../../../src/formats/stepSeries';
import { trainLine } from '../../support/openclipTrainLine';

const root = join(__dirname, '../../..');
const fixtures = join(root, 'test/fixtures/openclip');
const demo = join(root, 'demo/datacomp/results');

/**
 * A 3-epoch step (16 samples an epoch, 4 per optimizer step, a line at batches 1, 3 and 4) that crashed in epoch 2
 * and was restarted with `--resume latest`: OpenCLIP reloads epoch_latest.pt (2 epochs done) and logs epoch 2
 * again from its first batch, appending to the same out.log (§1.4, §1.5).
 */
const restartedLog = [
  '2025-03-03,10:00:00 | INFO | No latest resume checkpoint found in /r/exp/checkpoints.',
  '2025-03-03,10:00:00 | INFO | Running with a single process. Device cuda:0.',
  '2025-03-03,10:00:01 | INFO | Start epoch 0',
  trainLine('2025-03-03,10:00:02', 0, 4, 16, 5.5),
  trainLine('2025-03-03,10:00:04', 0, 12, 16, 5.4),
  trainLine('2025-03-03,10:00:05', 0, 16, 16, 5.3),
  '2025-03-03,10:00:06 | INFO | Start epoch 1',
  trainLine('2025-03-03,10:00:07', 1, 4, 16, 5.2),
  trainLine('2025-03-03,10:00:09', 1, 12, 16, 5.1),
  trainLine('2025-03-03,10:00:10', 1, 16, 16, 5.0),
  '2025-03-03,10:00:11 | INFO | Start epoch 2',
  trainLine('2025-03-03,10:00:12', 2, 4, 16, 9.9),
  trainLine('2025-03-03,10:00:14', 2, 12, 16, 9.8),
  'Traceback (most recent call last):',
  '  File "train.py", line 1, in <module>',
  'RuntimeError: NCCL timeout',
  '2025-03-03,10:05:00 | INFO | Found latest resume checkpoint at /r/exp/checkpoints/epoch_latest.pt.',
  '2025-03-03,10:05:00 | INFO | Running with a single process. Device cuda:0.',
  "2025-03-03,10:05:01 | INFO | => resuming checkpoint '/r/exp/checkpoints/epoch_latest.pt' (epoch 2)",
  '2025-03-03,10:05:01 | INFO | Start epoch 2',
  trainLine('2025-03-03,10:05:02', 2, 4, 16, 4.9),
  trainLine('2025-03-03,10:05:04', 2, 12, 16, 4.8),
  trainLine('2025-03-03,10:05:05', 2, 16, 16, 4.7),
  '',
].join('\n');

function seriesOf(text: string): StepSeries {
  const series = new StepSeries();
  for (const event of parseLogText(text)) if (event.type === 'trainStep') series.append(event);
  return series;
}

const utc = (s: string): number => Date.UTC(2025, 2, 3, 10, Number(s.slice(0, 2)), Number(s.slice(3, 5)));

describe('StepSeries (one step’s training curve)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tic-step-series-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the real OpenCLIP fixture: samples, optimizer steps, UTC time and every field', async () => {
    const series = await readStepSeries(join(fixtures, 'out.sample.full.log'));
    // batch_size 4, world size 1, log_every_n_steps 1, 16 samples an epoch, 3 epochs; then a start that found the
    // run finished and trained nothing.
    assert.equal(series.length, 12);
    assert.deepEqual(Array.from(series.column('samples')), [4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48]);
    assert.equal(series.samplesPerOptStep, 4);
    assert.deepEqual(Array.from(series.column('optSteps')), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    assert.equal(series.column('time')[0], Date.UTC(2026, 10, 28, 15, 38, 50));
    assert.equal(series.column('time')[11], Date.UTC(2026, 10, 28, 15, 39, 38));
    assert.equal(series.column('lr')[0], 0.00025);
    assert.equal(series.column('lr')[11], 0.000012);
    assert.equal(series.column('samplesPerSecond')[0], 0.682013);
    assert.equal(series.column('logitScale')[5], 14.286);
    assert.equal(series.column('loss')[3], 1.3863);
    assert.equal(series.column('contrastive_loss')[3], 1.3863);
    assert.equal(series.lastSamples, 48);
    assert.equal(series.replaced, 0);
  });

  it('reads a real demo step of 95 lines logged every 50 optimizer steps', async () => {
    const series = await readStepSeries(join(demo, 'datacomp_medium-basic_cumulative_2017/out.log'));
    assert.equal(series.length, 95);
    // batch_size 512 × world_size 8 (its params) = 4096 samples an optimizer step, inferred from the log.
    assert.equal(series.samplesPerOptStep, 4096);
    const samples = series.column('samples');
    for (let i = 1; i < samples.length; i++) assert.ok(samples[i]! > samples[i - 1]!);
    assert.equal(series.lastSamples, 5 * 3686400);
    const opt = series.column('optSteps');
    assert.equal(opt[0], 1);
    assert.equal(opt[1], 51);
    assert.equal(opt.at(-1), 5 * 900);
    const given = await readStepSeries(join(demo, 'datacomp_medium-basic_cumulative_2017/out.log'), {
      samplesPerOptStep: 512 * 8,
    });
    assert.deepEqual(given.column('optSteps'), opt);
  });

  it('lets a restart’s rerun of an epoch replace the points it logs again', () => {
    const series = seriesOf(restartedLog);
    assert.deepEqual(Array.from(series.column('samples')), [4, 12, 16, 20, 28, 32, 36, 44, 48]);
    // The crashed run's 9.9 and 9.8 are gone; the rerun's values are kept.
    assert.deepEqual(Array.from(series.column('loss')), [5.5, 5.4, 5.3, 5.2, 5.1, 5.0, 4.9, 4.8, 4.7]);
    assert.deepEqual(
      Array.from(series.column('time')),
      ['00:02', '00:04', '00:05', '00:07', '00:09', '00:10', '05:02', '05:04', '05:05'].map(utc),
    );
    assert.deepEqual(Array.from(series.column('optSteps')), [1, 3, 4, 5, 7, 8, 9, 11, 12]);
    assert.equal(series.replaced, 2);
  });

  it('replaces from the first re-logged sample on, whatever was kept after it', () => {
    const series = new StepSeries({ samplesPerOptStep: 4 });
    const at = (epoch: number, seen: number, loss: number): TrainStepEvent => ({
      type: 'trainStep',
      line: 1,
      timestamp: '2025-03-03,10:00:00',
      epoch,
      samplesSeen: seen,
      samplesPerEpoch: 16,
      percent: 0,
      dataTime: 0,
      batchTime: 0,
      samplesPerSecond: 1,
      samplesPerSecondPerGpu: 1,
      lr: 0.001,
      logitScale: 14.286,
      losses: { loss: { value: loss, avg: loss } },
    });
    for (let seen = 4; seen <= 16; seen += 4) series.append(at(0, seen, seen));
    for (let seen = 4; seen <= 16; seen += 4) series.append(at(1, seen, seen));
    assert.equal(series.column('optSteps').length, 8);
    // A new run of the same experiment from scratch (epoch 0 again) replaces everything.
    series.append(at(0, 8, -1));
    assert.deepEqual(Array.from(series.column('samples')), [4, 8]);
    assert.deepEqual(Array.from(series.column('loss')), [4, -1]);
    assert.deepEqual(Array.from(series.column('optSteps')), [1, 2]);
    // Without a contrastive loss in the line: NaN.
    assert.ok(Number.isNaN(series.column('contrastive_loss')[1]!));
    assert.equal(series.replaced, 7);
  });

  it('grows its columns as lines are appended', () => {
    const lines: string[] = [];
    for (let i = 1; i <= 1000; i++) lines.push(trainLine('2025-03-03,10:00:00', 0, i * 8, 8000, 6 - i / 1000));
    const series = seriesOf(lines.join('\n'));
    assert.equal(series.length, 1000);
    const samples = series.column('samples');
    assert.equal(samples.length, 1000);
    assert.equal(samples[999], 8000);
    assert.equal(series.column('optSteps')[999], 1000);
    assert.equal(series.column('loss')[499], 5.5);
  });

  it('reads the same in tiny chunks as in one go (lines split between reads)', async () => {
    const path = join(dir, 'out.log');
    writeFileSync(path, restartedLog);
    const whole = await readStepSeries(path);
    const tiny = await readStepSeries(path, { chunkSize: 7 });
    for (const name of ['samples', 'optSteps', 'time', 'loss', 'lr'] as const) {
      assert.deepEqual(tiny.column(name), whole.column(name), name);
    }
    assert.equal(tiny.length, 9);
  });

  it('follows a log that training is appending to, a line cut in half included', async () => {
    const path = join(dir, 'out.log');
    const cut = restartedLog.indexOf('Train Epoch: 1 [12/16') + 10;
    writeFileSync(path, restartedLog.slice(0, cut));
    const follower = new StepSeriesFollower(path);
    let result = await follower.poll();
    assert.equal(result.bytes, cut);
    assert.equal(result.steps, 4);
    assert.deepEqual(Array.from(follower.series.column('samples')), [4, 12, 16, 20]);

    result = await follower.poll();
    assert.deepEqual(result, { bytes: 0, steps: 0, restarted: false });

    appendFileSync(path, restartedLog.slice(cut));
    result = await follower.poll();
    // The rest of the cut line and the 6 after it.
    assert.equal(result.steps, 7);
    assert.equal(follower.offset, Buffer.byteLength(restartedLog));
    const whole = await readStepSeries(path);
    assert.deepEqual(follower.series.column('samples'), whole.column('samples'));
    assert.deepEqual(follower.series.column('loss'), whole.column('loss'));
    assert.equal(follower.series.replaced, 2);
  });

  it('starts again when the followed log is replaced by a shorter one', async () => {
    const path = join(dir, 'out.log');
    writeFileSync(path, restartedLog);
    const follower = new StepSeriesFollower(path);
    await follower.poll();
    const before = follower.series;
    writeFileSync(path, restartedLog.slice(0, restartedLog.indexOf('Start epoch 1')));
    const result = await follower.poll();
    assert.equal(result.restarted, true);
    assert.notEqual(follower.series, before);
    assert.deepEqual(Array.from(follower.series.column('samples')), [4, 12, 16]);
  });

  it('starts again when another file is put at the followed path', async () => {
    const path = join(dir, 'out.log');
    writeFileSync(path, restartedLog);
    const follower = new StepSeriesFollower(path);
    await follower.poll();
    // Longer than what was read, but another file, moved over the old log.
    writeFileSync(`${path}.new`, readFileSync(join(fixtures, 'out.sample.full.log')));
    renameSync(`${path}.new`, path);
    const result = await follower.poll();
    assert.equal(result.restarted, true);
    assert.equal(follower.series.length, 12);
  });

  it('parses an unterminated last line once the follower is finished', async () => {
    const path = join(dir, 'out.log');
    writeFileSync(path, restartedLog.trimEnd());
    const follower = new StepSeriesFollower(path);
    await follower.poll();
    assert.equal(follower.series.length, 8);
    follower.finish();
    assert.equal(follower.series.length, 9);
    assert.deepEqual(await follower.poll(), { bytes: 0, steps: 0, restarted: false });
  });

  it('stops reading when aborted', async () => {
    const path = join(dir, 'out.log');
    writeFileSync(path, restartedLog);
    await assert.rejects(readStepSeries(path, { signal: AbortSignal.abort() }), { name: 'AbortError' });
  });

  it('reads the logger timestamp as UTC and refuses other shapes', () => {
    assert.equal(parseLogTimestamp('2026-11-28,15:38:50'), Date.UTC(2026, 10, 28, 15, 38, 50));
    assert.equal(parseLogTimestamp('2024-02-29,00:00:00'), Date.UTC(2024, 1, 29));
    for (const bad of [
      '2026-11-28 15:38:50',
      '2026-13-28,15:38:50',
      '2026-11-28,25:38:50',
      '2026-11-2x,15:38:50',
      '',
    ]) {
      assert.ok(Number.isNaN(parseLogTimestamp(bad)), bad);
    }
  });

  it('refuses a samplesPerOptStep that is not a positive number', () => {
    for (const bad of [0, -4, NaN, Infinity])
      assert.throws(() => new StepSeries({ samplesPerOptStep: bad }), RangeError);
  });

  it('is empty with no optimizer-step divisor before any line', () => {
    const series = new StepSeries();
    assert.equal(series.length, 0);
    assert.equal(series.lastSamples, 0);
    assert.equal(series.samplesPerOptStep, null);
    assert.equal(series.column('optSteps').length, 0);
    assert.equal(series.column('loss').length, 0);
  });
});
