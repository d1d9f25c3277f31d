import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PlanError, type PlanErrorReason } from '../../../src/plan/planError';
import type { PlanProblem } from '../../../src/plan/planProblem';
import { planResume, type ResumeRequest } from '../../../src/plan/resumePlan';
import { validateResumePlan } from '../../../src/plan/resumeValidation';
import { ScratchWorkspace } from '../runs/workspaceFixture';

const base = {
  scale: 'tic_large',
  filtering: 'basic',
  checkout: '/home/alice/ml-tic-clip',
  dataRoot: '/data/tic-m/train',
  imagenetVal: '/data/imagenet/val',
  outputDir: '/home/alice/ml-tic-clip/datacomp/results',
  nprocPerNode: 8,
  timescale: 'monthly',
} as const satisfies Partial<ResumeRequest>;

const hub =
  '/home/alice/.cache/huggingface/hub/models--apple--TiC-CLIP-basic-sequential/snapshots/0a1b/checkpoints/2022.pt';

function flagValue(argv: readonly string[], flag: string): string | undefined {
  const at = argv.indexOf(flag);
  assert.equal(argv.indexOf(flag, at + 1), -1, `${flag} appears twice`);
  return at === -1 ? undefined : argv[at + 1];
}

const dirs = (...months: number[]): string => months.map((m) => `/data/tic-m/train/${m}/`).join('::');

describe('planResume, monthly: the next TiC-DataComp month (contracts §3.4, §4.3, §1.7)', () => {
  it('continues the published 2022.pt on 2023-01, sequential: the month’s folder, --new_run, warmup 0, --resume', () => {
    for (const fromMonth of [2022, 202212]) {
      const plan = planResume({ ...base, strategy: 'sequential', fromMonth, checkpoint: hub });
      assert.deepEqual(plan.argv, [
        'torchrun',
        '--nproc_per_node',
        '8',
        '--nnodes',
        '1',
        'train.py',
        '--scale',
        'tic_large',
        '--data_dir',
        '/data/tic-m/train/202301/',
        '--output_dir',
        '/home/alice/ml-tic-clip/datacomp/results',
        '--exp_name',
        'datacomp_large-basic_sequential_m202301',
        '--imagenet_val',
        '/data/imagenet/val',
        '--save_frequency',
        '1',
        '--new_run',
        '--warmup',
        '0',
        '--resume',
        hub,
      ]);
      assert.equal(plan.timescale, 'monthly');
      assert.equal(plan.trainMonth, 202301);
      assert.equal(plan.trainYear, 2023);
      assert.equal(plan.fromScratch, false);
      assert.deepEqual(plan.dataSteps, [202301]);
      assert.equal(plan.expDir, '/home/alice/ml-tic-clip/datacomp/results/datacomp_large-basic_sequential_m202301');
    }
  });

  it('skips the gaps: 2022-01 → 2022-05, 2016-12 → 2017-01, 2014-04 → 2014-07; a yearly 2016 step → 2017-01', () => {
    const next = (fromMonth: number): number | null =>
      planResume({ ...base, strategy: 'sequential', fromMonth, checkpoint: hub }).trainMonth;
    assert.equal(next(202201), 202205);
    assert.equal(next(201612), 201701);
    assert.equal(next(201404), 201407);
    assert.equal(next(2016), 201701);
    assert.equal(next(2019), 202001);
    assert.equal(
      flagValue(planResume({ ...base, strategy: 'sequential', fromMonth: 202201, checkpoint: hub }).argv, '--data_dir'),
      '/data/tic-m/train/202205/',
    );
  });

  it('cumulative: every month up to this one, newest first, joined by :: (the yearly rule carried over)', () => {
    const early = planResume({ ...base, strategy: 'cumulative', fromMonth: 201407, checkpoint: hub });
    assert.equal(flagValue(early.argv, '--data_dir'), dirs(201408, 201407, 201404, 201403));
    assert.equal(early.monthlyData, 'all');
    assert.equal(early.expName, 'datacomp_large-basic_cumulative_m201408');

    const plan = planResume({ ...base, strategy: 'cumulative', fromMonth: 2022, checkpoint: hub });
    const parts = flagValue(plan.argv, '--data_dir')!.split('::');
    // 8 + 10 + 9 months in 2014–2016, 12 × 5 in 2017–2021, 9 in 2022, and 2023-01.
    assert.equal(parts.length, 8 + 10 + 9 + 60 + 9 + 1);
    assert.deepEqual(parts.slice(0, 4), [
      '/data/tic-m/train/202301/',
      '/data/tic-m/train/202212/',
      '/data/tic-m/train/202211/',
      '/data/tic-m/train/202210/',
    ]);
    assert.deepEqual(parts.slice(8, 10), ['/data/tic-m/train/202205/', '/data/tic-m/train/202201/']);
    assert.equal(parts[parts.length - 1], '/data/tic-m/train/201403/');
  });

  it('cumulative since the branch point: only the months after the yearly step the chain branched off', () => {
    const first = planResume({
      ...base,
      strategy: 'cumulative',
      fromMonth: 2022,
      checkpoint: hub,
      monthlyData: 'sinceBranch',
    });
    assert.equal(flagValue(first.argv, '--data_dir'), dirs(202301));
    assert.equal(first.monthlyData, 'sinceBranch');
    const third = planResume({
      ...base,
      strategy: 'cumulative',
      fromMonth: 202302,
      branchYear: 2022,
      checkpoint: '/runs/datacomp_large-basic_cumulative_m202302/checkpoints/epoch_latest.pt',
      monthlyData: 'sinceBranch',
    });
    assert.equal(flagValue(third.argv, '--data_dir'), dirs(202303, 202302, 202301));
    const from2016 = planResume({
      ...base,
      strategy: 'cumulative',
      fromMonth: 201702,
      branchYear: 2016,
      checkpoint: hub,
      monthlyData: 'sinceBranch',
    });
    assert.equal(flagValue(from2016.argv, '--data_dir'), dirs(201703, 201702, 201701));
  });

  it('puts a variant before _m{YYYYMM}, and the month in the W&B project', () => {
    const plan = planResume({
      ...base,
      strategy: 'sequential',
      fromMonth: 202301,
      checkpoint: hub,
      variant: 'lr1e-4',
      wandb: {},
    });
    assert.equal(plan.expName, 'datacomp_large-basic_sequential_lr1e-4_m202302');
    assert.equal(flagValue(plan.argv, '--wandb_project_name'), 'tic-datacomp-tic_large-basic-sequential-m202302');
  });

  it('leaves the yearly plan as it was: timescale yearly, no month', () => {
    const plan = planResume({
      ...base,
      timescale: 'yearly',
      dataRoot: '/data/tic/train',
      strategy: 'sequential',
      fromYear: 2021,
      checkpoint: hub,
    });
    assert.equal(plan.timescale, 'yearly');
    assert.equal(plan.trainMonth, null);
    assert.equal(plan.expName, 'datacomp_large-basic_sequential_2022');
    assert.deepEqual(plan.dataSteps, [2022]);
    assert.equal(flagValue(plan.argv, '--data_dir'), '/data/tic/train/2022/');
  });

  const refusals: [string, Partial<ResumeRequest>, PlanErrorReason, RegExp][] = [
    ['a gap month', { strategy: 'sequential', fromMonth: 201405 }, 'monthOutOfRange', /201405/],
    ['the last month', { strategy: 'sequential', fromMonth: 202306 }, 'monthOutOfRange', /2023-06 is the last/],
    ['a year before the yearly steps', { strategy: 'sequential', fromMonth: 2015 }, 'monthOutOfRange', /2016…2022/],
    ['no step', { strategy: 'sequential' }, 'monthOutOfRange', /undefined/],
    ['the oracle', { strategy: 'oracle', fromMonth: 2022 }, 'invalidOption', /no monthly oracle/],
    [
      'no checkpoint',
      { strategy: 'sequential', fromMonth: 202212, checkpoint: null },
      'checkpointRequired',
      /sequential 2023-01 continues from the 2022-12 checkpoint/,
    ],
    [
      'a data choice for sequential',
      { strategy: 'sequential', fromMonth: 2022, monthlyData: 'all' },
      'invalidOption',
      /cumulative steps only/,
    ],
    [
      'since the branch point without one',
      { strategy: 'cumulative', fromMonth: 202302, monthlyData: 'sinceBranch' },
      'invalidOption',
      /continuing from 2023-02/,
    ],
    [
      'a branch point after the month',
      { strategy: 'cumulative', fromMonth: 202112, branchYear: 2022, monthlyData: 'sinceBranch' },
      'monthOutOfRange',
      /before 2022-01/,
    ],
  ];
  for (const [what, patch, reason, message] of refusals) {
    it(`refuses ${what} (${reason})`, () => {
      assert.throws(
        () => planResume({ ...base, strategy: 'sequential', checkpoint: hub, ...patch } as ResumeRequest),
        (e: unknown) => PlanError.is(e, reason) && message.test(e.message),
      );
    });
  }
});

describe('validateResumePlan, monthly: a missing month is named', function () {
  this.timeout(30_000);
  let ws: ScratchWorkspace;
  let monthlyRoot: string;
  let request: ResumeRequest;
  const reasons = (problems: readonly PlanProblem[]): string[] => problems.map((p) => `${p.severity} ${p.reason}`);
  before(async () => {
    ws = new ScratchWorkspace();
    monthlyRoot = join(ws.root, 'data-m', 'train');
    for (const month of [202212, 202301, 202302]) {
      mkdirSync(join(monthlyRoot, String(month)), { recursive: true });
      writeFileSync(join(monthlyRoot, String(month), '00000000.tar'), '');
    }
    request = {
      strategy: 'sequential',
      timescale: 'monthly',
      fromMonth: 2022,
      checkpoint: await ws.clipCheckpoint(
        'hf/models--apple--TiC-CLIP-basic-sequential/snapshots/0a1b/checkpoints/2022.pt',
        'ViT-B-16',
      ),
      scale: 'tic_large',
      filtering: 'basic',
      checkout: ws.checkout,
      dataRoot: monthlyRoot,
      imagenetVal: ws.imagenetVal,
      outputDir: ws.outputDir,
      nprocPerNode: 8,
    };
  });
  after(() => ws.cleanup());

  it('passes with the month’s shards', async () => {
    assert.deepEqual(await validateResumePlan(planResume(request)), []);
  });

  it('reports a missing month folder and one without shards, naming the month', async () => {
    const missing = await validateResumePlan(planResume({ ...request, fromMonth: 202302 }));
    assert.deepEqual(reasons(missing), ['error dataDirNotFound']);
    assert.equal(
      missing[0]!.message,
      `no data for 2023-03: ${monthlyRoot}/202303/ does not exist (expected $TIC_DATACOMP_M_PATH/train/202303/, contracts §4.3)`,
    );
    rmSync(join(monthlyRoot, '202301', '00000000.tar'));
    const empty = await validateResumePlan(planResume(request));
    assert.deepEqual(reasons(empty), ['error dataDirHasNoShards']);
    assert.equal(
      empty[0]!.message,
      `no data for 2023-01: ${monthlyRoot}/202301/ holds no *.tar shards (reshard the month first, contracts §4.3)`,
    );
    writeFileSync(join(monthlyRoot, '202301', '00000000.tar'), '');
  });

  it('names every missing month of a cumulative step', async () => {
    const problems = await validateResumePlan(
      planResume({
        ...request,
        strategy: 'cumulative',
        fromMonth: 202302,
        branchYear: 2021,
        monthlyData: 'sinceBranch',
      }),
    );
    // 2022-01, 2022-05…2022-11 are not on disk; 2022-12, 2023-01, 2023-02 are; 2023-03 is not.
    const named = problems.map((p) => /^no data for (\d{4}-\d{2})/.exec(p.message)?.[1]);
    assert.deepEqual(named, [
      '2023-03',
      '2022-11',
      '2022-10',
      '2022-09',
      '2022-08',
      '2022-07',
      '2022-06',
      '2022-05',
      '2022-01',
    ]);
  });
});
