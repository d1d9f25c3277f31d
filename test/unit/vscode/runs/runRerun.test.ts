import assert from 'node:assert/strict';
import { runRecordVersion, type RunRecord } from '../../../../src/runs/model/runRecord';
import { rerunOf, type Rerun } from '../../../../src/vscode/runs/runRerun';

function run(over: Partial<RunRecord> = {}): RunRecord {
  return {
    version: runRecordVersion,
    id: 'r1',
    kind: 'train',
    label: 'train 2017 cumulative',
    argv: ['torchrun', 'train.py', '--exp_name', 'exp_2017', '--resume', '/ck/2016.pt'],
    cwd: '/w/datacomp',
    env: { CUDA_VISIBLE_DEVICES: '0,1', HF_TOKEN: '<redacted>', PYTHONUNBUFFERED: '1' },
    host: 'h',
    simulated: true,
    status: 'stopped',
    createdAt: '2026-12-07T10:00:00.000Z',
    logPath: '/w/.tic-studio/runs/r1.log',
    outputDir: '/w/results/exp_2017',
    outLogPath: '/w/results/exp_2017/out.log',
    ...over,
  };
}

function ok(result: Rerun | string): Rerun {
  assert.equal(typeof result, 'object', String(result));
  return result as Rerun;
}

/** Rerun…: the recorded plan again, through the launch path, as a new attempt where the old folder exists. */
describe('rerunOf', () => {
  it('runs a training step again as its next attempt, keeping the folder of the first', () => {
    const existing = new Set(['/w/results/exp_2017', '/w/results/exp_2017_run2']);
    const again = ok(rerunOf(run(), (p) => existing.has(p)));
    assert.deepEqual(again.attempt, { from: 'exp_2017', to: 'exp_2017_run3' });
    assert.deepEqual(again.plan.argv, [
      'torchrun',
      'train.py',
      '--exp_name',
      'exp_2017_run3',
      '--resume',
      '/ck/2016.pt',
    ]);
    assert.equal(again.plan.outputDir, '/w/results/exp_2017_run3');
    assert.equal(again.plan.outLogPath, '/w/results/exp_2017_run3/out.log');
    assert.equal(again.plan.simulated, true);
    assert.equal(again.plan.id, undefined, 'a fresh run id');
  });

  it("counts on from an attempt's own number", () => {
    const existing = new Set(['/w/results/exp_2017_run2']);
    const again = ok(
      rerunOf(
        run({
          argv: ['torchrun', 'train.py', '--exp_name', 'exp_2017_run2'],
          outputDir: '/w/results/exp_2017_run2',
        }),
        (p) => existing.has(p),
      ),
    );
    assert.equal(again.attempt?.to, 'exp_2017_run3');
  });

  it('keeps the command of a run whose folder does not exist, and of an evaluation', () => {
    assert.equal(ok(rerunOf(run(), () => false)).attempt, undefined);
    const evalRun = run({ kind: 'eval', argv: ['python', 'evaluate.py', '--output_dir', '/w/e'], outputDir: '/w/e' });
    const again = ok(rerunOf(evalRun, () => true));
    assert.deepEqual(again.plan.argv, evalRun.argv);
    assert.equal(again.attempt, undefined);
  });

  it('leaves redacted secrets to the environment and waits for the same GPUs', () => {
    const again = ok(rerunOf(run(), () => false));
    assert.deepEqual(again.plan.env, { CUDA_VISIBLE_DEVICES: '0,1', PYTHONUNBUFFERED: '1' });
    assert.deepEqual(again.withoutSecrets, ['HF_TOKEN']);
    assert.deepEqual(again.gpus, [0, 1]);
  });

  it('refuses a Slurm run, and a training run whose command does not name its folder', () => {
    assert.match(String(rerunOf(run({ scheduler: 'slurm' }), () => false)), /runs of this machine only/);
    const renamed = run({ argv: ['torchrun', 'train.py', '--exp_name', 'other'] });
    assert.match(String(rerunOf(renamed, () => true)), /does not name its experiment folder/);
  });
});
