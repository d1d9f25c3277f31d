import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../../src/cli/common/cliIo';
import { runCliInProcess } from '../../support/runCliInProcess';
import { planCommand, planUsage } from '../../../src/cli/planCommand';
import { ScratchWorkspace } from '../runs/workspaceFixture';

const root = join(__dirname, '../../..');
const demoResults = join(root, 'demo/datacomp/results');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliInProcess(planCommand, args);
}

describe('tic-studio plan (in-process)', function () {
  this.timeout(30_000);
  let ws: ScratchWorkspace;
  before(() => {
    ws = new ScratchWorkspace();
  });
  after(() => ws.cleanup());

  it('prints the sbatch script of the same plan with --scheduler slurm (multi-node torchrun, §1.4 resume logic)', async () => {
    const chain = join(demoResults, 'datacomp_medium-basic_cumulative_2019');
    const local = JSON.parse((await run(['resume', '--chain', chain, '--json', '--no-validate'])).stdout);
    assert.equal(local.scheduler, 'local');
    assert.equal(local.slurm, undefined);
    const r = await run([
      'resume',
      '--chain',
      chain,
      '--json',
      '--no-validate',
      '--scheduler',
      'slurm',
      '--nodes',
      '4',
      '--partition',
      'gpu',
      '--time',
      '2-00:00:00',
      '--workspace',
      ws.root,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.scheduler, 'slurm');
    assert.deepEqual(out.argv, local.argv, 'the local plan is unchanged');
    const script: string = out.slurm.script;
    for (const line of [
      '#SBATCH --nodes=4',
      '#SBATCH --gpus-per-node=8',
      '#SBATCH --partition=gpu',
      '#SBATCH --time=2-00:00:00',
    ])
      assert.ok(script.split('\n').includes(line), `${line} in\n${script}`);
    assert.ok(script.includes(`#SBATCH --output=${join(ws.root, '.tic-studio', 'runs', `${out.slurm.runId}.log`)}`));
    assert.match(
      script,
      /^srun --kill-on-bad-exit=1 torchrun --nnodes "\$SLURM_NNODES" --nproc_per_node 8 --rdzv_backend c10d /m,
    );
    assert.match(script, /--resume latest/);
    const bad = await run([
      'resume',
      '--chain',
      chain,
      '--no-validate',
      '--scheduler',
      'slurm',
      '--partition',
      'gpu long',
    ]).catch((e: unknown) => e);
    assert.ok(bad instanceof UsageError && /partition/.test(bad.message), String(bad));
  });

  it('plans the demo cumulative chain’s 2020 step from --chain, prints {argv, cwd, env} and the problems, exit 1', async () => {
    const r = await run(['resume', '--chain', join(demoResults, 'datacomp_medium-basic_cumulative_2019'), '--json']);
    assert.equal(r.code, 1, 'the demo has no training data and tiny checkpoints');
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.argv.slice(0, 6), ['torchrun', '--nproc_per_node', '8', '--nnodes', '1', 'train.py']);
    assert.equal(out.cwd, join(root, 'demo/datacomp'));
    assert.deepEqual(out.env, { PYTHONUNBUFFERED: '1' });
    assert.equal(out.step.trainYear, 2020);
    assert.equal(out.step.expName, 'datacomp_medium-basic_cumulative_2020');
    assert.equal(
      out.step.checkpoint,
      join(demoResults, 'datacomp_medium-basic_cumulative_2019/checkpoints/epoch_latest.pt'),
    );
    assert.equal(
      out.argv[out.argv.indexOf('--data_dir') + 1].split('::')[0],
      '/home/demo/data/tic-datacomp-yearly/train/2020/',
    );
    assert.equal(out.argv[out.argv.indexOf('--imagenet_val') + 1], '/home/demo/data/imagenet/val');
    assert.equal(out.argv[out.argv.indexOf('--output_dir') + 1], demoResults);
    assert.equal(out.valid, false);
    assert.deepEqual(
      [...new Set(out.problems.map((p: { reason: string }) => p.reason))],
      ['architectureUnknown', 'dataDirNotFound', 'imagenetValNotFound'],
    );
  });

  it('prints the plan without checking anything, exit 0, with --no-validate; branches a sequential step off the 2016 step', async () => {
    const r = await run([
      'resume',
      '--chain',
      join(demoResults, 'datacomp_medium-basic_cumulative_2017'),
      '--from',
      '2016',
      '--strategy',
      'sequential',
      '--no-validate',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.validated, false);
    assert.deepEqual(out.problems, []);
    assert.equal(out.step.expName, 'datacomp_medium-basic_sequential_2017');
    assert.equal(out.argv[out.argv.indexOf('--data_dir') + 1], '/home/demo/data/tic-datacomp-yearly/train/2017/');
    assert.equal(
      out.argv[out.argv.indexOf('--resume') + 1],
      join(demoResults, 'datacomp_medium-basic_cumulative_2016/checkpoints/epoch_latest.pt'),
    );
  });

  it('plans from --strategy with explicit paths, valid, exit 0, in text mode with a pasteable command line', async () => {
    const ckpt = await ws.clipCheckpoint('ckpts/my 2018.pt', 'ViT-B-32');
    const r = await run([
      'resume',
      '--strategy',
      'cumulative',
      '--from',
      '2018',
      '--checkpoint',
      ckpt,
      '--scale',
      'tic_medium',
      '--checkout',
      ws.checkout,
      '--data-root',
      ws.dataRoot,
      '--imagenet-val',
      ws.imagenetVal,
      '--nproc-per-node',
      '4',
      '--wandb',
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^tic_medium basic cumulative 2019: continues from .*my 2018\.pt \(ViT-B-32\)/);
    assert.match(r.stdout, /command: torchrun --nproc_per_node 4 --nnodes 1 train\.py --scale tic_medium /);
    assert.match(r.stdout, /--resume '[^']*my 2018\.pt'/, 'a path with a space is quoted for display');
    assert.match(r.stdout, /--wandb_project_name tic-datacomp-tic_medium-basic-cumulative-2019/);
    assert.match(r.stdout, /checks: all passed/);
  });

  it('continues a published checkpoint: method and year from the file, --new_run --resume it, only a ViT-B-16 scale passes', async () => {
    const hf = await ws.clipCheckpoint(
      'hf/models--apple--TiC-CLIP-bestpool-cumulative/snapshots/0123abc/checkpoints/2016.pt',
      'ViT-B-16',
    );
    const paths = ['--checkout', ws.checkout, '--data-root', ws.dataRoot, '--imagenet-val', ws.imagenetVal];
    const r = await run(['resume', '--checkpoint', hf, '--scale', 'tic_large', ...paths, '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.step.strategy, 'cumulative');
    assert.equal(out.step.filtering, 'bestpool');
    assert.equal(out.step.trainYear, 2017);
    assert.equal(out.step.expName, 'datacomp_large-bestpool_cumulative_2017');
    assert.ok(out.argv.includes('--new_run'));
    assert.equal(out.argv[out.argv.indexOf('--resume') + 1], hf);
    assert.match(out.notes.join('\n'), /published 2016 checkpoint of apple\/TiC-CLIP-bestpool-cumulative/);

    // The card's example names tic_medium, which trains ViT-B-32: the checkpoint would not load.
    const medium = await run(['resume', '--checkpoint', hf, '--scale', 'tic_medium', ...paths, '--json']);
    assert.equal(medium.code, 1);
    assert.match(JSON.stringify(JSON.parse(medium.stdout).problems), /ViT-B-32/);

    const variant = await run([
      'resume',
      '--checkpoint',
      hf,
      '--scale',
      'tic_xlarge',
      '--variant',
      'v2',
      ...paths,
      '--json',
    ]);
    assert.equal(variant.code, 0, variant.stderr);
    assert.equal(JSON.parse(variant.stdout).step.expName, 'datacomp_xlarge-bestpool_cumulative_v2_2017');
    assert.equal(JSON.parse(variant.stdout).step.variant, 'v2');

    const oracle = await ws.clipCheckpoint(
      'hf/models--apple--TiC-CLIP-basic-oracle/snapshots/0123abc/checkpoints/2022.pt',
      'ViT-B-16',
    );
    await assert.rejects(
      run(['resume', '--checkpoint', oracle, '--scale', 'tic_large', ...paths]),
      /oracle.*no next year/,
    );
  });

  it('names a variant with --variant, and refuses a name the scan would misread', async () => {
    const chain = join(demoResults, 'datacomp_medium-basic_cumulative_2017');
    const r = await run([
      'resume',
      '--chain',
      chain,
      '--from',
      '2017',
      '--variant',
      'lr1e-4',
      '--json',
      '--no-validate',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.step.expName, 'datacomp_medium-basic_cumulative_lr1e-4_2018');
    assert.equal(out.argv[out.argv.indexOf('--exp_name') + 1], 'datacomp_medium-basic_cumulative_lr1e-4_2018');
    // The baseline's 2017 already continues as its 2018: named with --variant, the fork is said without the hint.
    assert.match(
      out.notes.join('\n'),
      /already continues as datacomp_medium-basic_cumulative_2018: this run starts another variant$/m,
    );
    const last = JSON.parse(
      (await run(['resume', '--chain', chain, '--from', '2019', '--json', '--no-validate'])).stdout,
    );
    assert.deepEqual(
      last.notes.filter((n: string) => /already continues/.test(n)),
      [],
      'nothing continues the last step',
    );
    // The demo's 2016 already continues as the cumulative 2017 (and its lr1e4 variant): planning from it forks.
    const fork = JSON.parse(
      (await run(['resume', '--chain', chain, '--from', '2016', '--json', '--no-validate'])).stdout,
    );
    assert.match(
      fork.notes.join('\n'),
      /the 2016 step already continues as datacomp_medium-basic_cumulative_2017.*: this run starts another variant; name it with --variant/,
    );
    const bad = await run(['resume', '--chain', chain, '--from', '2017', '--variant', 'lr_1e4', '--no-validate']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^tic-studio plan: invalidOption: variant 'lr_1e4': .*underscores/);
  });

  it('exits 1 with the reason on stderr when the request cannot become a command', async () => {
    const r = await run([
      'resume',
      '--strategy',
      'cumulative',
      '--from',
      '2021',
      '--scale',
      'tic_medium',
      '--checkout',
      ws.checkout,
      '--data-root',
      ws.dataRoot,
      '--imagenet-val',
      ws.imagenetVal,
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^tic-studio plan: checkpointRequired: /);
    const late = await run([
      'resume',
      '--strategy',
      'sequential',
      '--from',
      '2022',
      '--checkpoint',
      '/x.pt',
      '--scale',
      'tic_medium',
      '--checkout',
      ws.checkout,
      '--data-root',
      ws.dataRoot,
      '--imagenet-val',
      ws.imagenetVal,
    ]);
    assert.match(late.stderr, /yearOutOfRange/);
  });

  it('reports usage errors as UsageError (exit 2 in runCli)', async () => {
    await assert.rejects(run([]), UsageError);
    await assert.rejects(run(['train']), UsageError);
    await assert.rejects(run(['resume']), /--chain EXP_DIR or --strategy/);
    await assert.rejects(run(['resume', '--strategy', 'replay']), /--strategy must be/);
    await assert.rejects(run(['resume', '--strategy', 'oracle', '--scale', 'medium']), /--scale must be/);
    await assert.rejects(run(['resume', '--strategy', 'oracle', '--from', 'last']), /whole number/);
    await assert.rejects(
      run(['resume', '--strategy', 'oracle', '--scale', 'tic_medium', '--checkout', ws.checkout]),
      /missing --data-root/,
    );
    await assert.rejects(run(['resume', '--chain', ws.root]), /not an experiment folder/);
    await assert.rejects(run(['eval']), /--checkpoint/);
    assert.match(planUsage, /plan resume/);
    assert.match(planUsage, /plan eval/);
  });

  it('plans an evaluation: architecture read from the checkpoint, one output dir per checkpoint', async () => {
    const exp = join(ws.outputDir, 'datacomp_medium-basic_cumulative_2017');
    const ckpt = await ws.clipCheckpoint(
      'ml-tic-clip/datacomp/results/datacomp_medium-basic_cumulative_2017/checkpoints/epoch_latest.pt',
      'ViT-B-32',
    );
    mkdirSync(exp, { recursive: true });
    const r = await run(['eval', '--checkpoint', ckpt, '--data-dir', ws.evalData, '--json']);
    assert.equal(r.code, 0, r.stdout);
    const out = JSON.parse(r.stdout);
    assert.equal(out.arch, 'ViT-B-32');
    assert.equal(out.outputDir, join(ws.checkout, 'datacomp/eval_results/datacomp_medium-basic_cumulative_2017'));
    assert.deepEqual(out.steps[1].argv.slice(0, 2), ['python', 'evaluate.py']);
    assert.equal(out.steps[1].argv[out.steps[1].argv.indexOf('--use_model') + 1], `ViT-B-32 ${ckpt}`);
    assert.equal(out.steps[0].cwd, join(ws.checkout, 'datacomp'));
    const epoch = await ws.clipCheckpoint(
      'ml-tic-clip/datacomp/results/datacomp_medium-basic_cumulative_2017/checkpoints/epoch_3.pt',
      'ViT-B-32',
    );
    const r3 = JSON.parse((await run(['eval', '--checkpoint', epoch, '--no-validate', '--json'])).stdout);
    assert.equal(
      r3.outputDir,
      join(ws.checkout, 'datacomp/eval_results/datacomp_medium-basic_cumulative_2017_epoch_3'),
    );
    const text = await run(['eval', '--checkpoint', epoch, '--arch', 'ViT-B-16', '--data-dir', ws.evalData]);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /error architectureMismatch/);
    await assert.rejects(
      run(['eval', '--checkpoint', ws.file('x.pt', 'no'), '--checkout', ws.checkout]),
      /give --arch/,
    );
  });
});
