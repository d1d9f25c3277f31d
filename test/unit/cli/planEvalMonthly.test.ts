import assert from 'node:assert/strict';
import { join } from 'node:path';
import { planCommand } from '../../../src/cli/planCommand';
import { runCliInProcess } from '../../support/runCliInProcess';
import { ScratchWorkspace } from '../runs/workspaceFixture';

// `tic-studio plan eval` on a step of a monthly chain: a real checkpoint file in a scratch checkout, the CLI in-process.
describe('tic-studio plan eval on a monthly step (in-process)', function () {
  this.timeout(30_000);
  let ws: ScratchWorkspace;
  before(() => {
    ws = new ScratchWorkspace();
  });
  after(() => ws.cleanup());

  const tasksOf = (out: { steps: { argv: string[] }[] }): string[] => {
    const argv = out.steps[0]!.argv;
    return argv.slice(argv.indexOf('--eval-tasks') + 1);
  };

  it('scores a month’s checkpoint on the monthly task groups by default, --sample-eval kept, --tasks still wins', async () => {
    const ckpt = await ws.clipCheckpoint(
      'ml-tic-clip/datacomp/results/datacomp_medium-basic_cumulative_m202001/checkpoints/epoch_latest.pt',
      'ViT-B-32',
    );
    const run = async (...more: string[]) =>
      JSON.parse(
        (await runCliInProcess(planCommand, ['eval', '--checkpoint', ckpt, '--no-validate', '--json', ...more])).stdout,
      );
    const out = await run('--sample-eval');
    assert.deepEqual(out.taskGroups, ['retrieval/monthly', 'datacompnet/monthly']);
    assert.deepEqual(tasksOf(out), ['retrieval/monthly,datacompnet/monthly', '--sample-eval']);
    assert.equal(out.outputDir, join(ws.checkout, 'datacomp/eval_results/datacomp_medium-basic_cumulative_m202001'));
    assert.deepEqual((await run('--tasks', 'retrieval/yearly')).taskGroups, ['retrieval/yearly']);
  });

  it('keeps the yearly groups for a yearly step', async () => {
    const ckpt = await ws.clipCheckpoint(
      'ml-tic-clip/datacomp/results/datacomp_medium-basic_cumulative_2019/checkpoints/epoch_latest.pt',
      'ViT-B-32',
    );
    const r = await runCliInProcess(planCommand, ['eval', '--checkpoint', ckpt, '--no-validate', '--json']);
    assert.deepEqual(JSON.parse(r.stdout).taskGroups, ['retrieval/yearly', 'datacompnet/yearly']);
  });
});
