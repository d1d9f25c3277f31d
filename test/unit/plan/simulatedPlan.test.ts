import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planEval } from '../../../src/plan/evalPlan';
import { readEvalDir } from '../../../src/workspace/evalDir';
import { simulatedEvalPlan, simulatedTrainPlan } from '../../../src/plan/simulatedPlan';

const simulator = join(__dirname, '../../../demo/simulator');

describe('simulated runs (the demo stand-in in place of torchrun)', () => {
  const plan = {
    argv: [
      'torchrun',
      '--nproc_per_node',
      '1',
      '--nnodes',
      '1',
      'train.py',
      '--scale',
      'tic_medium',
      '--data_dir',
      join(__dirname, '../../../demo/data/train/2017/'),
      '--output_dir',
      '',
      '--exp_name',
      'sim_2017',
      '--imagenet_val',
      'x',
      '--save_frequency',
      '1',
    ],
    cwd: join(__dirname, '../../../demo/datacomp'),
    env: { PYTHONUNBUFFERED: '1' },
  };

  it('keeps every argument of the plan after the program, and runs the stand-in with this Node', () => {
    const sim = simulatedTrainPlan(plan, simulator, {});
    assert.equal(sim.argv[0], process.execPath);
    assert.equal(sim.argv[1], join(simulator, 'standInTrain.mjs'));
    assert.deepEqual(sim.argv.slice(2), plan.argv.slice(1));
    assert.equal(sim.cwd, plan.cwd);
    assert.equal(sim.env.ELECTRON_RUN_AS_NODE, '1');
    assert.equal(sim.env.PYTHONUNBUFFERED, '1');
  });

  it('lets the environment choose the pace', () => {
    assert.equal(simulatedTrainPlan(plan, simulator, { TIC_STANDIN_STEP_MS: '5' }).env.TIC_STANDIN_STEP_MS, '5');
    assert.equal(simulatedTrainPlan(plan, simulator, {}).env.TIC_STANDIN_STEP_MS, '1000');
  });

  it('is a command the stand-in really runs to the end, writing the experiment', function () {
    this.timeout(30000);
    const out = mkdtempSync(join(tmpdir(), 'tic-sim-'));
    const argv = plan.argv.map((a) => (a === '' ? out : a));
    const sim = simulatedTrainPlan({ ...plan, argv }, simulator, {
      TIC_STANDIN_STEP_MS: '1',
      TIC_STANDIN_STEPS_PER_EPOCH: '2',
    });
    const r = spawnSync(sim.argv[0]!, sim.argv.slice(1), {
      cwd: sim.cwd,
      env: { ...process.env, ...sim.env, TIC_STANDIN_EPOCHS: '1' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Done training\./);
    assert.ok(existsSync(join(out, 'sim_2017', 'checkpoints', 'epoch_latest.pt')));
  });

  it('scores exactly the task groups of the eval plan: a monthly step asked for yearly retrieval gets that alone', async function () {
    this.timeout(30000);
    const demo = join(__dirname, '../../../demo');
    const out = mkdtempSync(join(tmpdir(), 'tic-sim-eval-'));
    const checkpoint = join(
      demo,
      'datacomp/results/datacomp_medium-basic_sequential_m202003/checkpoints/epoch_latest.pt',
    );
    const run = (taskGroups: ('retrieval/yearly' | 'datacompnet/monthly')[], sampleEval: boolean, dir: string) => {
      const plan = planEval({
        checkout: demo,
        checkpoint,
        arch: 'ViT-B-32',
        outputDir: join(out, dir),
        dataDir: '/data/tic',
        taskGroups,
        sampleEval,
      });
      const sim = simulatedEvalPlan(plan, simulator);
      const r = spawnSync(sim.argv[0]!, sim.argv.slice(1), {
        cwd: sim.cwd,
        env: { ...process.env, ...sim.env, TIC_STANDIN_STEP_MS: '1' },
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      return readFileSync(join(out, dir, 'eval_results.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { key: string }).key);
    };
    // The stand-in alone would pick the monthly tasks for a …_m202003 checkpoint; the plan says otherwise.
    const yearly = run(['retrieval/yearly'], false, 'yearly');
    assert.deepEqual(
      yearly,
      [2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022].map((y) => `tic/datacomp/retrieval/yearly/${y}`),
    );
    // --sample-eval keeps only the first period of each group (contracts §3.4): 201403 for the monthly ones.
    assert.deepEqual(run(['datacompnet/monthly'], true, 'sample'), ['tic/datacomp/datacompnet/monthly/201403']);
    // Its info.pkl is evaluate.py's --use_model one: a pickle naming the checkpoint, which the scan reads.
    const ev = await readEvalDir(join(out, 'yearly'));
    assert.deepEqual(ev?.problems, []);
    assert.equal(ev?.checkpointExperiment, 'datacomp_medium-basic_sequential_m202003');
  });
});
