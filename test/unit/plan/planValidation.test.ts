import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { planEval } from '../../../src/plan/evalPlan';
import { validateEvalPlan } from '../../../src/plan/evalValidation';
import { PlanError } from '../../../src/plan/planError';
import { hasBlockingProblem, type PlanProblem } from '../../../src/plan/planProblem';
import { planResume, type ResumeRequest } from '../../../src/plan/resumePlan';
import { validateResumePlan } from '../../../src/plan/resumeValidation';
import { ScratchWorkspace } from '../runs/workspaceFixture';

const root = join(__dirname, '../../..');
const reasons = (problems: readonly PlanProblem[]): string[] => problems.map((p) => `${p.severity} ${p.reason}`);

describe('validateResumePlan: what must hold before launch (contracts §1.4, §7)', function () {
  this.timeout(30_000);
  let ws: ScratchWorkspace;
  let b32: string;
  let b16: string;
  let request: ResumeRequest;
  before(async () => {
    ws = new ScratchWorkspace();
    b32 = await ws.clipCheckpoint(
      'ml-tic-clip/datacomp/results/datacomp_medium-basic_cumulative_2017/checkpoints/epoch_latest.pt',
      'ViT-B-32',
    );
    b16 = await ws.clipCheckpoint('hub/TiC-CLIP-basic-cumulative/checkpoints/2017.pt', 'ViT-B-16', 'module.');
    request = {
      strategy: 'cumulative',
      fromYear: 2017,
      checkpoint: b32,
      scale: 'tic_medium',
      filtering: 'basic',
      checkout: ws.checkout,
      dataRoot: ws.dataRoot,
      imagenetVal: ws.imagenetVal,
      outputDir: ws.outputDir,
      nprocPerNode: 8,
    };
  });
  after(() => ws.cleanup());

  it('passes a complete setup: ViT-B-32 checkpoint for tic_medium, shards for every year, a new exp dir', async () => {
    assert.deepEqual(await validateResumePlan(planResume(request)), []);
    assert.deepEqual(
      await validateResumePlan(planResume({ ...request, strategy: 'oracle', fromYear: undefined, checkpoint: null })),
      [],
    );
  });

  it('accepts a ViT-B-16 checkpoint (a published TiC-CLIP file, module. prefix) for tic_large and tic_xlarge', async () => {
    for (const scale of ['tic_large', 'tic_xlarge'] as const) {
      assert.deepEqual(await validateResumePlan(planResume({ ...request, scale, checkpoint: b16 })), []);
    }
  });

  it('reports an architecture that is not the scale’s model', async () => {
    const problems = await validateResumePlan(planResume({ ...request, checkpoint: b16 }));
    assert.deepEqual(reasons(problems), ['error architectureMismatch']);
    assert.match(problems[0]!.message, /ViT-B-16, but tic_medium trains ViT-B-32/);
    const large = await validateResumePlan(planResume({ ...request, scale: 'tic_large' }));
    assert.deepEqual(reasons(large), ['error architectureMismatch']);
  });

  it('reports a CLIP of no known shape (the demo’s tiny checkpoints)', async () => {
    const tiny = join(root, 'demo/datacomp/results/datacomp_medium-basic_cumulative_2017/checkpoints/epoch_latest.pt');
    assert.deepEqual(reasons(await validateResumePlan(planResume({ ...request, checkpoint: tiny }))), [
      'error architectureUnknown',
    ]);
  });

  it('reports a missing checkpoint, a folder, and a file that is not a checkpoint', async () => {
    assert.deepEqual(
      reasons(await validateResumePlan(planResume({ ...request, checkpoint: join(ws.root, 'nope.pt') }))),
      ['error checkpointNotFound'],
    );
    assert.deepEqual(reasons(await validateResumePlan(planResume({ ...request, checkpoint: ws.dataRoot }))), [
      'error checkpointNotFound',
    ]);
    const text = ws.file('notes.pt', 'this is not a checkpoint');
    assert.deepEqual(reasons(await validateResumePlan(planResume({ ...request, checkpoint: text }))), [
      'error notOpenClipCheckpoint',
    ]);
  });

  it('reports a state dict without a CLIP patch embedding as not an OpenCLIP checkpoint', async () => {
    const linear = await ws.plainCheckpoint('linear.pt');
    const problems = await validateResumePlan(planResume({ ...request, checkpoint: linear }));
    assert.deepEqual(reasons(problems), ['error notOpenClipCheckpoint']);
    assert.match(problems[0]!.message, /no OpenCLIP CLIP state dict/);
  });

  it('reports data dirs that are missing or hold no shards', async () => {
    const empty = join(ws.root, 'empty', 'train');
    mkdirSync(join(empty, '2017'), { recursive: true });
    mkdirSync(join(empty, '2016', 'nested', 'deeper'), { recursive: true });
    ws.file('empty/train/2015/0/00000000.tar', '');
    ws.file('empty/train/2014/00000000_stats.json', '{}');
    const problems = await validateResumePlan(planResume({ ...request, dataRoot: empty }));
    assert.deepEqual(
      problems.map((p) => [p.reason, p.path]),
      [
        ['dataDirNotFound', `${empty}/2018/`],
        ['dataDirHasNoShards', `${empty}/2017/`],
        ['dataDirHasNoShards', `${empty}/2016/`],
        ['dataDirHasNoShards', `${empty}/2014/`],
      ],
      '2015 has shards one level down (the internal {YEAR}/{k}/ layout)',
    );
  });

  it('reports an existing experiment dir: the "Experiment already exists" trap (§1.4)', async () => {
    const plan = planResume(request);
    mkdirSync(plan.expDir, { recursive: true });
    try {
      const problems = await validateResumePlan(plan);
      assert.deepEqual(reasons(problems), ['error experimentExists']);
      assert.match(problems[0]!.message, /Experiment already exists/);
    } finally {
      rmSync(plan.expDir, { recursive: true });
    }
  });

  it('reports a missing checkout and a missing ImageNet val folder', async () => {
    const problems = await validateResumePlan(
      planResume({ ...request, checkout: join(ws.root, 'nowhere'), imagenetVal: join(ws.root, 'no-imagenet') }),
    );
    assert.deepEqual(reasons(problems), ['error checkoutNotFound', 'error imagenetValNotFound']);
  });

  it('warns that torchrun restarts with an explicit --resume hit the same trap, and about remote paths', async () => {
    const restarts = await validateResumePlan(planResume({ ...request, maxRestarts: 10000 }));
    assert.deepEqual(reasons(restarts), ['warning restartsReuseExperiment']);
    assert.equal(hasBlockingProblem(restarts), false);
    assert.deepEqual(
      reasons(
        await validateResumePlan(
          planResume({ ...request, strategy: 'oracle', fromYear: undefined, checkpoint: null, maxRestarts: 3 }),
        ),
      ),
      [],
    );
    const remote = await validateResumePlan(
      planResume({ ...request, checkpoint: 's3://b/ckpt.pt', dataRoot: 's3://b/train', outputDir: 's3://b/out' }),
    );
    assert.ok(remote.every((p) => p.reason === 'remotePathNotChecked' && p.severity === 'warning'));
    assert.equal(remote.length, 1 + 5 + 1);
  });
});

describe('planEval and validateEvalPlan (contracts §3.1–3.5, §7.9)', function () {
  this.timeout(30_000);
  let ws: ScratchWorkspace;
  let b16: string;
  before(async () => {
    ws = new ScratchWorkspace();
    b16 = await ws.clipCheckpoint('hub/TiC-CLIP-basic-cumulative/snapshots/abc/checkpoints/2017 copy.pt', 'ViT-B-16');
  });
  after(() => ws.cleanup());

  it('writes datacomp/tasklist.yml, then runs evaluate.py with one --use_model element, both in datacomp/', () => {
    const plan = planEval({
      checkout: ws.checkout,
      checkpoint: b16,
      arch: 'ViT-B-16',
      outputDir: join(ws.checkout, 'datacomp/eval_results/hf_2017/'),
      dataDir: ws.evalData,
    });
    const cwd = join(ws.checkout, 'datacomp');
    assert.deepEqual(plan.steps[0], {
      argv: [
        'python',
        '../dataset_creation/tic-datacomp/generate_tasklist.py',
        '--yaml-path',
        'tasklist.yml',
        '--eval-tasks',
        'retrieval/yearly,datacompnet/yearly',
      ],
      cwd,
      env: { PYTHONUNBUFFERED: '1' },
    });
    const out = join(ws.checkout, 'datacomp/eval_results/hf_2017');
    assert.deepEqual(plan.steps[1], {
      argv: [
        'python',
        'evaluate.py',
        '--train_output_dir',
        out,
        '--output_dir',
        out,
        '--use_model',
        `ViT-B-16 ${b16}`,
        '--data_dir',
        ws.evalData,
      ],
      cwd,
      env: { PYTHONUNBUFFERED: '1' },
    });
    assert.equal(plan.tasklistPath, join(cwd, 'tasklist.yml'));
    assert.equal(plan.resultsPath, join(out, 'eval_results.jsonl'));
    const monthly = planEval({
      checkout: ws.checkout,
      checkpoint: b16,
      arch: 'ViT-B-16',
      outputDir: out,
      dataDir: ws.evalData,
      taskGroups: ['retrieval/monthly'],
      sampleEval: true,
      batchSize: 256,
      python: '/opt/conda/envs/datacomp/bin/python',
    });
    assert.deepEqual(monthly.steps[0].argv.slice(-3), ['--eval-tasks', 'retrieval/monthly', '--sample-eval']);
    assert.deepEqual(monthly.steps[1].argv.slice(-2), ['--batch_size', '256']);
    assert.equal(monthly.steps[1].argv[0], '/opt/conda/envs/datacomp/bin/python');
  });

  it('refuses relative paths, unknown task groups and odd architecture names', () => {
    const ok = { checkout: ws.checkout, checkpoint: b16, arch: 'ViT-B-16', outputDir: '/x/out', dataDir: '/x/data' };
    assert.throws(
      () => planEval({ ...ok, checkpoint: '2017.pt' }),
      (e: unknown) => PlanError.is(e, 'pathNotAbsolute'),
    );
    assert.throws(
      () => planEval({ ...ok, taskGroups: ['retrieval/weekly' as never] }),
      (e: unknown) => PlanError.is(e, 'invalidOption'),
    );
    assert.throws(
      () => planEval({ ...ok, taskGroups: [] }),
      (e: unknown) => PlanError.is(e, 'invalidOption'),
    );
    assert.throws(
      () => planEval({ ...ok, arch: 'ViT B 16' }),
      (e: unknown) => PlanError.is(e, 'invalidOption'),
    );
    assert.throws(
      () => planEval({ ...ok, batchSize: 0 }),
      (e: unknown) => PlanError.is(e, 'invalidOption'),
    );
  });

  it('passes a complete setup, and reports a wrong --arch, missing eval data and a missing checkout', async () => {
    const good = planEval({
      checkout: ws.checkout,
      checkpoint: b16,
      arch: 'ViT-B-16',
      outputDir: join(ws.root, 'out1'),
      dataDir: ws.evalData,
    });
    assert.deepEqual(await validateEvalPlan(good), []);
    const wrong = planEval({
      checkout: ws.checkout,
      checkpoint: b16,
      arch: 'ViT-B-32',
      outputDir: join(ws.root, 'out1'),
      dataDir: ws.evalData,
    });
    assert.deepEqual(reasons(await validateEvalPlan(wrong)), ['error architectureMismatch']);
    const monthly = planEval({
      checkout: ws.checkout,
      checkpoint: b16,
      arch: 'ViT-B-16',
      outputDir: join(ws.root, 'out1'),
      dataDir: ws.evalData,
      taskGroups: ['datacompnet/monthly'],
    });
    assert.deepEqual(reasons(await validateEvalPlan(monthly)), ['error dataDirNotFound']);
    const nothing = planEval({
      checkout: join(ws.root, 'void'),
      checkpoint: b16,
      arch: 'ViT-B-16',
      outputDir: join(ws.root, 'out1'),
      dataDir: join(ws.root, 'void'),
    });
    assert.deepEqual(reasons(await validateEvalPlan(nothing)), [
      'error checkoutNotFound',
      'error checkoutNotFound',
      'error dataDirNotFound',
    ]);
  });

  it('refuses an output dir that holds another checkpoint’s results; warns for the same checkpoint (§3.2)', async () => {
    // The demo eval dir's info.pkl names /home/demo/…/datacomp_medium-basic_cumulative_2017/checkpoints/epoch_latest.pt.
    const out = join(ws.root, 'reused');
    mkdirSync(out, { recursive: true });
    const demo = join(root, 'demo/datacomp/eval_results/datacomp_medium-basic_cumulative_2017');
    copyFileSync(join(demo, 'info.pkl'), join(out, 'info.pkl'));
    copyFileSync(join(demo, 'eval_results.jsonl'), join(out, 'eval_results.jsonl'));
    const other = planEval({
      checkout: ws.checkout,
      checkpoint: b16,
      arch: 'ViT-B-16',
      outputDir: out,
      dataDir: ws.evalData,
    });
    const problems = await validateEvalPlan(other);
    assert.deepEqual(reasons(problems), ['error evalOutputHasOtherResults']);
    assert.match(problems[0]!.message, /datacomp_medium-basic_cumulative_2017/);
    const same = planEval({
      checkout: ws.checkout,
      checkpoint:
        '/home/demo/ml-tic-clip/datacomp/results/datacomp_medium-basic_cumulative_2017/checkpoints/epoch_latest.pt',
      arch: 'ViT-B-32',
      outputDir: out,
      dataDir: ws.evalData,
    });
    const sameProblems = await validateEvalPlan(same, {
      inspect: async () => {
        throw new Error('not read here');
      },
    });
    assert.ok(reasons(sameProblems).includes('warning evalOutputHasOtherResults'));
    rmSync(join(out, 'info.pkl'));
    assert.ok(
      reasons(await validateEvalPlan(other)).includes('error evalOutputHasOtherResults'),
      'results of an unknown checkpoint',
    );
  });
});
