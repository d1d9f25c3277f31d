import assert from 'node:assert/strict';
import { planResume, type ResumeRequest } from '../../../src/plan/resumePlan';
import { protocolPlanProblems } from '../../../src/plan/protocolPlanCheck';

// Expected numbers are the contracts §1.2 / §9 arithmetic, worked by hand in each comment.
describe('protocolPlanProblems: a plan that would not be comparable to the paper says so before launch', () => {
  const base: ResumeRequest = {
    strategy: 'cumulative',
    fromYear: 2017,
    checkpoint: '/r/datacomp_medium-basic_cumulative_2017/checkpoints/epoch_latest.pt',
    scale: 'tic_medium',
    filtering: 'basic',
    checkout: '/ml-tic-clip',
    dataRoot: '/data/train',
    imagenetVal: '/imagenet/val',
    outputDir: '/r',
    nprocPerNode: 8,
  };
  const messages = (request: Partial<ResumeRequest>): string[] =>
    protocolPlanProblems(planResume({ ...base, ...request })).map((p) => {
      assert.equal(p.reason, 'notComparable');
      assert.equal(p.severity, 'warning');
      return p.message;
    });

  it('stays quiet on the protocol-exact plans: a continual step, the first step, the oracle', () => {
    assert.deepEqual(messages({}), []);
    assert.deepEqual(messages({ fromYear: 2015, checkpoint: null }), []);
    assert.deepEqual(messages({ strategy: 'oracle', fromYear: undefined, checkpoint: null }), []);
    assert.deepEqual(messages({ scale: 'tic_xlarge', nprocPerNode: 8 }), []);
  });

  it('accepts a GPU count that does not divide the batch within tolerance (tic_medium on 6 GPUs: 4,092, +0.35 %)', () => {
    assert.deepEqual(messages({ nprocPerNode: 6 }), []);
  });

  it('flags a warmup on a continual step and a changed warmup on the first step', () => {
    const continual = messages({ warmup: 2000 });
    assert.equal(continual.length, 1);
    assert.match(continual[0]!, /^Not comparable to the paper: the learning rate warms up over 2,000 steps/);
    assert.match(continual[0]!, /start at the full rate/);
    const first = messages({ fromYear: 2015, checkpoint: null, warmup: 0 });
    assert.deepEqual(first, [
      'Not comparable to the paper: the learning rate warms up over 0 steps; the first step of tic_medium warms up over 500.',
    ]);
  });

  it('flags data weights', () => {
    assert.deepEqual(messages({ dataWeights: [4, 1, 1, 1, 1] }), [
      "Not comparable to the paper: the data years are weighted (4, 1, 1, 1, 1); TiC-CLIP samples every year's shards alike.",
    ]);
  });

  it('flags extra arguments that change the samples or the precision', () => {
    // tic_debug, 1 GPU, 64 workers: 204,800 per epoch / 1024 = 200 batches, rounded up to 256; 256 × 1024 × 5.
    assert.deepEqual(messages({ scale: 'tic_debug', nprocPerNode: 1, extraArgs: ['--workers', '64'] }), [
      'Not comparable to the paper: it trains on 1,310,720 samples (+28.0 %); every step of tic_debug gets the same 1,024,000.',
    ]);
    assert.deepEqual(messages({ extraArgs: ['--precision=fp32'] }), [
      'Not comparable to the paper: it trains in fp32 precision; TiC-CLIP trains in mixed precision (amp).',
    ]);
    // Fewer checkpoints leave the budget as it is: 18,432,000 / 4096 = 4,500 batches, a multiple of 4.
    assert.deepEqual(messages({ extraArgs: ['--num_checkpoints', '1'] }), []);
  });

  it('flags a GPU count whose rounded batch misses the global batch by more than 0.2 %', () => {
    // tic_debug on 48 GPUs: 1024 // 48 = 21 per GPU, 1,008 in all (−1.56 %); samples 204 × 1008 × 5 = +0.41 %.
    assert.deepEqual(messages({ scale: 'tic_debug', nprocPerNode: 48 }), [
      'Not comparable to the paper: on 48 GPUs the batch per GPU rounds down to 21, so every optimizer step sees 1,008 samples instead of 1,024 (−1.6 %). Pick a GPU count that divides 1,024.',
    ]);
    assert.equal(messages({ scale: 'tic_debug', nprocPerNode: 2048 }).length, 1);
  });
});
