import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { oracleRatio, stepCompute, sumStepCompute } from '../../../src/fidelity/stepCompute';
import { parseLogFile } from '../../../src/formats/logFile';
import { LogSummaryBuilder, type LogSummary } from '../../../src/formats/logSummary';
import { readExperimentDir, type Experiment } from '../../../src/workspace/experimentDir';
import { paramsText } from '../../support/openclipParams';
import { trainLine } from '../../support/openclipTrainLine';

const root = join(__dirname, '../../..');
const fixture = readFileSync(join(root, 'test/fixtures/openclip/out.sample.full.log'), 'utf8').split('\n');
const demo2017 = join(root, 'demo/datacomp/results/datacomp_medium-basic_cumulative_2017');

/** ViT-B-32's forward FLOPs per image-text pair, worked out by hand in clipFlops.test.ts. */
const vitB32Forward = 14_777_163_776;

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'tic-compute-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** An experiment folder with these files, read by the scan's reader. */
async function experiment(files: { log?: string; params?: string }, name = 'tic_test'): Promise<Experiment> {
  const dir = join(tmp, name);
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  if (files.log !== undefined) writeFileSync(join(dir, 'out.log'), files.log);
  if (files.params !== undefined) writeFileSync(join(dir, 'params.txt'), files.params);
  const exp = await readExperimentDir(dir);
  assert.ok(exp);
  return exp;
}

/** The whole log's summary, read as readChainLogs reads it. */
async function wholeLog(exp: Experiment, options: { start?: number } = {}): Promise<LogSummary> {
  const summary = new LogSummaryBuilder();
  await parseLogFile(exp.files.outLog!.path, summary.add, options);
  return summary.result();
}

/** Lines `from`…`to` (1-based, inclusive) of the real fixture. */
const fixtureLines = (from: number, to: number): string[] => fixture.slice(from - 1, to);

const distributed = (ts: string, world: number): string =>
  `${ts} | INFO | Running in distributed mode with multiple processes. Device: cuda:0.Process (global: 0, local 0), total ${world}.`;

/** A `Params:` block as OpenCLIP logs it at every start: the params.txt lines, each its own record (§2.1). */
function paramsBlock(ts: string, overrides: Record<string, string>): string[] {
  const body = paramsText(overrides).trimEnd().split('\n');
  return [`${ts} | INFO | Params:`, ...body.map((l) => `${ts} | INFO |   ${l}`)];
}

describe('stepCompute', () => {
  it('the real two-start fixture (3 epochs, then a --resume latest restart that trains nothing)', async () => {
    const exp = await experiment({
      log: fixture.join('\n'),
      params: readFileSync(join(root, 'test/fixtures/openclip/params.sample.txt'), 'utf8'),
    });
    const compute = stepCompute(exp, await wholeLog(exp));
    // params.txt: batch_size 4 × world_size 1 × accum_freq 1.
    assert.equal(compute.globalBatch, 4);
    // 3 epochs of 16 samples at 4 per step; the restart resumes a finished run and trains none.
    assert.equal(compute.optimizerSteps, 12);
    assert.equal(compute.samplesSeen, 48);
    // Start 1: 15:38:44 → 15:39:39 (55 s); start 2: 15:40:19 → 15:40:24 (5 s); one process each.
    assert.equal(compute.gpuHours, 60 / 3600);
    assert.equal(compute.trainFlops, 3 * vitB32Forward * 48);
  });

  it('a run that crashed mid-epoch and a --resume latest restart on 2 GPUs: repeated steps once, hours per world size', async () => {
    // The fixture's first start, cut after `Train Epoch: 1 [ 8/16 (50%)]` (line 464): the process died there
    // (a crash writes nothing to out.log, its traceback goes to stderr).
    const first = fixtureLines(1, 464);
    // The fixture's restart header (lines 482–938: `Found latest…`, Running, model, Params), now on 2 GPUs with a
    // per-GPU batch of 2 (datacomp divides the same global batch by the world size), resuming after epoch 0.
    const restartHeader = fixtureLines(482, 938).map((l) =>
      l
        .replace(/\| Running with a single process\. Device cpu\.$/, '| REPLACED')
        .replace(/\| {3}batch_size: 4$/, '|   batch_size: 2')
        .replace(/\| {3}world_size: 1$/, '|   world_size: 2'),
    );
    const running = restartHeader.findIndex((l) => l.endsWith('| REPLACED'));
    restartHeader[running] = distributed('2026-11-28,15:40:19', 2);
    const restart = [
      ...restartHeader,
      "2026-11-28,15:40:24 | INFO | => resuming checkpoint '/home/alice/ml-tic-clip/datacomp/results/tic_test/checkpoints/epoch_latest.pt' (epoch 1)",
      '2026-11-28,15:40:25 | INFO | Start epoch 1',
      ...[4, 8, 12, 16].map((n, i) => trainLine(`2026-11-28,15:40:${30 + 2 * i}`, 1, n, 16, 1.3863)),
      '2026-11-28,15:40:37 | INFO | Start epoch 2',
      ...[4, 8, 12, 16].map((n, i) => trainLine(`2026-11-28,15:40:${40 + 2 * i}`, 2, n, 16, 1.3863)),
    ];
    const exp = await experiment({
      log: `${[...first, ...restart].join('\n')}\n`,
      params: paramsText({ batch_size: '2', world_size: '2', resume: 'latest' }),
    });
    const log = await wholeLog(exp);
    assert.equal(log.runs.length, 2);
    const compute = stepCompute(exp, log);
    assert.equal(compute.globalBatch, 4, 'params.txt of the restart: 2 per GPU × 2 GPUs × 1');
    // Epoch 0: start 1, 4 steps. Epoch 1: start 1 ran 2 of its 4 steps, start 2 all 4 again: 4 counted.
    // Epoch 2: start 2, 4 steps. 12 steps of 4 samples.
    assert.equal(compute.optimizerSteps, 12);
    assert.equal(compute.samplesSeen, 48);
    // Start 1: 15:38:44 → 15:39:10, 26 s × 1; start 2: 15:40:19 → 15:40:46, 27 s × 2 GPUs. 80 GPU-seconds.
    assert.equal(compute.gpuHours, 80 / 3600);
    assert.equal(compute.trainFlops, 3 * vitB32Forward * 48);
  });

  it('a restart on another world size whose global batch does not divide: each start counted in its own geometry', async () => {
    const lookupDir = '/results/tic_geo/checkpoints';
    const start = (ts: string, world: number, batch: number, resumeEpoch: number | null): string[] => [
      resumeEpoch === null
        ? `${ts} | INFO | No latest resume checkpoint found in ${lookupDir}.`
        : `${ts} | INFO | Found latest resume checkpoint at ${lookupDir}/epoch_latest.pt.`,
      distributed(ts, world),
      `${ts} | INFO | Loaded ViT-B-32 model config.`,
      ...paramsBlock(ts, { batch_size: String(batch), world_size: String(world), workers: '1', epochs: '3' }),
      ...(resumeEpoch === null
        ? []
        : [`${ts} | INFO | => resuming checkpoint '${lookupDir}/epoch_latest.pt' (epoch ${resumeEpoch})`]),
    ];
    const lines = [
      // Start 1: 2 GPUs × 2 = 4 per step, 16 samples per epoch (4 steps). Epoch 0 done, epoch 1 half done, then lost.
      ...start('2025-01-01,10:00:00', 2, 2, null),
      ...[4, 8, 12, 16].map((n) => trainLine('2025-01-01,10:10:00', 0, n, 16, 5)),
      ...[4, 8].map((n) => trainLine('2025-01-01,10:30:00', 1, n, 16, 5)),
      // Start 2 on 3 GPUs: per-GPU 4 // 3 = 1, 3 per step; ceil(16 / 3) = 6 batches, 18 samples per epoch.
      ...start('2025-01-01,11:00:00', 3, 1, 1),
      ...[3, 6, 9, 12, 15, 18].map((n) => trainLine('2025-01-01,11:20:00', 1, n, 18, 5)),
      ...[3, 6, 9, 12, 15, 18].map((n) => trainLine('2025-01-01,12:00:00', 2, n, 18, 5)),
    ];
    const exp = await experiment(
      { log: `${lines.join('\n')}\n`, params: paramsText({ batch_size: '1', world_size: '3', epochs: '3' }) },
      'tic_geo',
    );
    const compute = stepCompute(exp, await wholeLog(exp));
    assert.equal(compute.globalBatch, 3, 'the last start: 1 × 3 GPUs × 1');
    // Epoch 0: start 1's 4 steps (16 samples); epoch 1: start 2 finished it, 6 steps (18); epoch 2: 6 steps (18).
    assert.equal(compute.optimizerSteps, 16);
    assert.equal(compute.samplesSeen, 52);
    // Start 1: 30 min × 2 GPUs; start 2: 60 min × 3 GPUs.
    assert.equal(compute.gpuHours, 0.5 * 2 + 1 * 3);
    assert.equal(compute.trainFlops, 3 * vitB32Forward * 52);
  });

  it('the demo’s tic_medium step: 4,500 steps of 4,096, 8 GPUs for 54 min 3 s', async () => {
    const exp = await readExperimentDir(demo2017);
    assert.ok(exp);
    const compute = stepCompute(exp, await wholeLog(exp));
    assert.equal(compute.globalBatch, 4096);
    assert.equal(compute.optimizerSteps, 4500);
    assert.equal(compute.samplesSeen, 18_432_000);
    // 2025-03-03,10:21:44 → 11:15:47 = 3,243 s, × 8 GPUs.
    assert.equal(compute.gpuHours, (3243 * 8) / 3600);
    assert.equal(compute.trainFlops, 3 * vitB32Forward * 18_432_000);
  });

  it('says only what params.txt says from a tail: the scan’s 256 KiB of a longer log, or a cut first start', async () => {
    // Seven copies of the fixture: 14 starts, 317 KB, so the scan reads only the last 256 KiB.
    const exp = await experiment({
      log: Array.from({ length: 7 }, () => fixture.join('\n')).join('\n'),
      params: paramsText({}),
    });
    assert.ok(exp.files.outLog!.size > 256 * 1024);
    const partial = { samplesSeen: null, optimizerSteps: null, globalBatch: 4, gpuHours: null, trainFlops: null };
    assert.deepEqual(stepCompute(exp, exp.logTail), partial);
    // A tail read from elsewhere, starting inside a start's train lines.
    const cut = await wholeLog(exp, { start: exp.files.outLog!.size - 20_000 });
    assert.equal(cut.runs[0]!.startSeen, false);
    assert.deepEqual(stepCompute(exp, cut), partial);
    // The whole log: every copy trains epochs 0–2 again from scratch, counted once; each start's time counts.
    const whole = stepCompute(exp, await wholeLog(exp));
    assert.equal(whole.optimizerSteps, 12);
    assert.equal(whole.gpuHours, (7 * 60) / 3600);
  });

  it('takes the scan’s tail when it is the whole log (a log under 256 KiB)', async () => {
    const exp = await experiment({ log: fixture.join('\n'), params: paramsText({}) });
    assert.equal(stepCompute(exp, exp.logTail).optimizerSteps, 12);
  });

  it('is null where the files do not say', async () => {
    const none = { samplesSeen: null, optimizerSteps: null, globalBatch: null, gpuHours: null, trainFlops: null };
    // Only checkpoints/: no params.txt, no out.log.
    assert.deepEqual(stepCompute(await experiment({}, 'bare'), null), none);
    // params.txt only: the batch, nothing run.
    assert.deepEqual(stepCompute(await experiment({ params: paramsText({}) }, 'params_only'), null), {
      ...none,
      globalBatch: 4,
    });
    // A model whose FLOPs are not known: everything but the FLOPs.
    const rn50 = await experiment({ log: fixture.join('\n'), params: paramsText({ model: 'RN50' }) }, 'rn50');
    const compute = stepCompute(rn50, await wholeLog(rn50));
    assert.equal(compute.samplesSeen, 48);
    assert.equal(compute.trainFlops, null);
    // A start without its Params block (so without its per-GPU batch): no steps rather than a guess.
    const noParams = fixture.filter((l) => !/ \| INFO \| (Params:| {2}\w+: )/.test(l));
    const bare = await experiment({ log: noParams.join('\n'), params: paramsText({}) }, 'no_params_block');
    const partial = stepCompute(bare, await wholeLog(bare));
    assert.equal(partial.optimizerSteps, null);
    assert.equal(partial.gpuHours, 60 / 3600);
  });
});

describe('sumStepCompute', () => {
  const step = { samplesSeen: 10, optimizerSteps: 2, globalBatch: 5, gpuHours: 1.5, trainFlops: 30 };
  it('sums each field, keeps a shared batch, and is null where one step does not say', () => {
    assert.deepEqual(sumStepCompute([step, step]), {
      samplesSeen: 20,
      optimizerSteps: 4,
      globalBatch: 5,
      gpuHours: 3,
      trainFlops: 60,
    });
    assert.deepEqual(sumStepCompute([step, { ...step, gpuHours: null, globalBatch: 6 }]), {
      samplesSeen: 20,
      optimizerSteps: 4,
      globalBatch: null,
      gpuHours: null,
      trainFlops: 60,
    });
    assert.equal(sumStepCompute([]).samplesSeen, null);
  });
});

describe('oracleRatio', () => {
  it('a protocol-exact chain to 2022 costs what the 2022 oracle does: 7 × a step’s samples (the scripts)', () => {
    // tic_medium: 4096 × 4500 = 18,432,000 a step; the oracle 4096 × 4500 × 7 = 129,024,000.
    assert.equal(oracleRatio(7 * 18_432_000, 'tic_medium', 2022), 1);
    // tic_xlarge: 90112 × 20500 = 1,847,296,000 a step.
    assert.equal(oracleRatio(1_847_296_000, 'tic_xlarge', 2022), 1 / 7);
  });

  it('an earlier last step: the oracle standing for the same steps, one step’s budget each', () => {
    // Cumulative 2016–2019: 4 steps; the oracle reaching 2019 gets 4 × 18,432,000.
    assert.equal(oracleRatio(4 * 18_432_000, 'tic_medium', 2019), 1);
    assert.equal(oracleRatio(18_432_000, 'tic_medium', 2016), 1);
    // Six GPUs: 4,520 steps of 4,092 = 18,495,840 a step (contracts §9), +0.35 % over four steps.
    assert.equal(oracleRatio(4 * 18_495_840, 'tic_medium', 2019), (4 * 18_495_840) / (4 * 18_432_000));
  });

  it('is null without samples, a scale or a training-step year', () => {
    assert.equal(oracleRatio(null, 'tic_medium', 2022), null);
    assert.equal(oracleRatio(1, null, 2022), null);
    assert.equal(oracleRatio(1, 'tic_medium', null), null);
    assert.equal(oracleRatio(1, 'tic_medium', 2015), null);
    assert.equal(oracleRatio(1, 'tic_medium', 2023), null);
  });
});
