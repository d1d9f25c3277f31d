import assert from 'node:assert/strict';
import {
  chainResumeDefaults,
  forkedBy,
  monthlyBranchDefaults,
  publishedMonthlyBranchDefaults,
  remainingSteps,
  type ChainResumeDefaults,
} from '../../../src/plan/chainResume';
import { defaultTaskGroupsFor, planEval, timescaleOfExpName } from '../../../src/plan/evalPlan';
import { PlanError } from '../../../src/plan/planError';
import { planResume, type ResumePlan, type ResumeRequest } from '../../../src/plan/resumePlan';
import { ticMonths } from '../../../src/tic/ticMonths';
import { parseResumeReference } from '../../../src/formats/resumeReference';
import { emptyChainStep, type ChainStep } from '../../../src/workspace/chains';
import type { Experiment } from '../../../src/workspace/experimentDir';
import { handChain } from '../../support/handChain';

// Monthly chains as the workspace model gives them (timescale 'monthly', steps' `year` = YYYYMM), built by hand with
// only the experiment fields the defaults read.
const results = '/w/datacomp/results';
const monthlyRoot = '/data/monthly/train';
const cache = '/home/a/.cache/huggingface/hub/models--apple--TiC-CLIP-basic-cumulative/snapshots/c0ffee';

function exp(name: string, resume: string | null, trainData: string | null = null): Experiment {
  const strategy = /_(cumulative|sequential|oracle)_/.exec(name)?.[1] ?? null;
  return {
    name,
    identity: strategy === null ? null : { strategy },
    dir: `${results}/${name}`,
    outputDir: results,
    params: null,
    info: null,
    trainData,
    worldSize: 2,
    origin: parseResumeReference(resume),
    status: { status: 'finished' },
  } as unknown as Experiment;
}

const ckpt = (e: Experiment): string => `${e.dir}/checkpoints/epoch_latest.pt`;
const monthData = (...months: number[]): string =>
  months.map((m) => `${monthlyRoot}/${m}/{00000000..00000009}.tar`).join('::');

function step(year: number, e: Experiment | null, more: Partial<ChainStep> = {}): ChainStep {
  return {
    ...emptyChainStep(year),
    experiment: e === null ? null : e.dir,
    expName: e === null ? null : e.name,
    finalCheckpoint:
      e === null ? null : { name: 'epoch_latest.pt', path: ckpt(e), epoch: null, latest: true, size: 1, modifiedMs: 0 },
    ...more,
  } as ChainStep;
}

const chain = handChain;

const rest = { checkout: '/w', imagenetVal: '/data/val', outputDir: results, nprocPerNode: 1 } as const;

function planFrom(d: ChainResumeDefaults, more: Partial<ResumeRequest> = {}): ResumePlan {
  return planResume({ ...rest, dataRoot: monthlyRoot, ...d.request, fromYear: d.fromYear, ...more } as ResumeRequest);
}

// A yearly cumulative chain 2018, 2019 and a cumulative monthly chain branched off its 2019 step.
const y2018 = exp('datacomp_medium-basic_cumulative_2018', null, '/data/yearly/train/2018/{0..9}.tar');
const y2019 = exp('datacomp_medium-basic_cumulative_2019', ckpt(y2018), '/data/yearly/train/2019/{0..9}.tar');
const m202001 = exp('datacomp_medium-basic_cumulative_m202001', ckpt(y2019), monthData(202001));
const m202002 = exp('datacomp_medium-basic_cumulative_m202002', ckpt(m202001), monthData(202002, 202001));
const experiments = [y2018, y2019, m202001, m202002];
const yearly = chain([step(2018, y2018), step(2019, y2019, { children: [m202001.dir] })]);
const monthly = chain([step(202001, m202001, { children: [m202002.dir] }), step(202002, m202002)], {
  key: 'tic_medium/basic/cumulative/monthly',
  group: 'tic_medium/basic/cumulative/monthly',
  timescale: 'monthly',
  branch: { year: 2019, chain: 'tic_medium/basic/cumulative', expName: y2019.name, published: null },
});

describe('chainResumeDefaults on a monthly chain: the next month, from a month step', () => {
  it('trains the month after the step, from its checkpoint, on the monthly root its data names', () => {
    const d = chainResumeDefaults(monthly, experiments, 202002);
    assert.equal(d.timescale, 'monthly');
    assert.equal(d.fromYear, 202002);
    assert.equal(d.next, 202003);
    assert.equal(d.request.dataRoot, monthlyRoot);
    const plan = planFrom(d, { dataRoot: d.request.dataRoot });
    assert.equal(plan.trainMonth, 202003);
    assert.equal(plan.expName, 'datacomp_medium-basic_cumulative_m202003');
    assert.equal(plan.argv[plan.argv.indexOf('--resume') + 1], ckpt(m202002));
  });

  it('keeps the months since the branch point when the chain trained on those only', () => {
    const plan = planFrom(chainResumeDefaults(monthly, experiments, 202002));
    assert.equal(plan.monthlyData, 'sinceBranch');
    assert.deepEqual(plan.dataSteps, [202003, 202002, 202001]);
  });

  it('keeps every month up to the new one when the chain trained on all of them', () => {
    const all = exp('datacomp_medium-basic_cumulative_m202002', ckpt(m202001), monthData(202002, 202001, 201403));
    const d = chainResumeDefaults(monthly, [y2018, y2019, m202001, all], 202002);
    assert.equal(d.request.monthlyData, 'all');
    const steps = planFrom(d).dataSteps;
    assert.deepEqual([steps[0], steps.at(-1), steps.length], [202003, 201403, ticMonths.indexOf(202003) + 1]);
  });

  it('skips the gaps of the month list: 2022-01 continues with 2022-05', () => {
    const seq = exp('datacomp_medium-basic_sequential_m202201', ckpt(y2019), monthData(202201));
    const c = chain([step(202201, seq)], { strategy: 'sequential', timescale: 'monthly', branch: null });
    const d = chainResumeDefaults(c, [seq], 202201);
    assert.equal(d.next, 202205);
    assert.equal(d.request.monthlyData, undefined);
    assert.equal(planFrom(d).expName, 'datacomp_medium-basic_sequential_m202205');
  });

  it('says there is nothing after 2023-06', () => {
    const last = exp('datacomp_medium-basic_sequential_m202306', ckpt(y2019), monthData(202306));
    const c = chain([step(202306, last)], { strategy: 'sequential', timescale: 'monthly' });
    assert.throws(
      () => chainResumeDefaults(c, [last], 202306),
      (e: unknown) => PlanError.is(e, 'monthOutOfRange') && /2023-06/.test(e.message),
    );
  });
});

describe('monthlyBranchDefaults: a monthly chain branched off a yearly step', () => {
  it('trains the first month after the year from that step, without the yearly data root', () => {
    const d = monthlyBranchDefaults(yearly, experiments, 2019);
    assert.equal(d.timescale, 'monthly');
    assert.equal(d.next, 202001);
    assert.equal(d.request.dataRoot, undefined);
    const plan = planFrom(d, { monthlyData: 'sinceBranch' });
    assert.equal(plan.expName, 'datacomp_medium-basic_cumulative_m202001');
    assert.deepEqual(plan.dataDirs, [`${monthlyRoot}/202001/`]);
    assert.equal(plan.argv[plan.argv.indexOf('--resume') + 1], ckpt(y2019));
    assert.deepEqual(planFrom(d, { strategy: 'sequential' }).dataSteps, [202001]);
  });

  it('counts only monthly chains already branched there as forks, and a yearly resume ignores them', () => {
    const d = monthlyBranchDefaults(yearly, experiments, 2019);
    assert.deepEqual(
      forkedBy(d.continuesAs, 'cumulative').map((c) => c.expName),
      [m202001.name],
    );
    assert.deepEqual(chainResumeDefaults(yearly, experiments, 2019).continuesAs, []);
  });

  it('refuses a monthly chain (it is resumed from a month) and an oracle', () => {
    assert.throws(() => monthlyBranchDefaults(monthly, experiments, 202001), PlanError);
    assert.throws(() => monthlyBranchDefaults(chain([step(2022, y2019)], { strategy: 'oracle' }), [], 2022), PlanError);
  });

  it('branches the published checkpoints/2022.pt into 2023-01', () => {
    const path = `${cache}/checkpoints/2022.pt`;
    const d = publishedMonthlyBranchDefaults({ repo: 'apple/TiC-CLIP-basic-cumulative', year: 2022, path }, []);
    assert.equal(d.next, 202301);
    const plan = planFrom(d, { scale: 'tic_xlarge', strategy: 'sequential' });
    assert.equal(plan.expName, 'datacomp_xlarge-basic_sequential_m202301');
    assert.deepEqual(plan.dataDirs, [`${monthlyRoot}/202301/`]);
    assert.equal(plan.argv[plan.argv.indexOf('--resume') + 1], path);
  });
});

describe('remainingSteps: what Continue the Chain queues', () => {
  it('years up to 2022; months up to 2023-06 with the gaps skipped', () => {
    assert.deepEqual(remainingSteps('yearly', 2019), [2020, 2021, 2022]);
    assert.deepEqual(remainingSteps('monthly', 202302), [202303, 202304, 202305, 202306]);
    assert.deepEqual(remainingSteps('monthly', 2022).slice(0, 2), [202301, 202302]);
    assert.deepEqual(remainingSteps('monthly', 202112).slice(0, 2), [202201, 202205]);
    assert.deepEqual(remainingSteps('monthly', 202306), []);
  });
});

describe('the eval plan of a monthly step', () => {
  it('scores a monthly step on the monthly task groups by default, and says which names are monthly', () => {
    assert.deepEqual(defaultTaskGroupsFor('monthly'), ['retrieval/monthly', 'datacompnet/monthly']);
    assert.deepEqual(defaultTaskGroupsFor('yearly'), ['retrieval/yearly', 'datacompnet/yearly']);
    assert.equal(timescaleOfExpName('datacomp_medium-basic_cumulative_m202001'), 'monthly');
    assert.equal(timescaleOfExpName('datacomp_medium-basic_cumulative_m202001_run2'), 'monthly');
    assert.equal(timescaleOfExpName('datacomp_medium-basic_cumulative_m202213'), 'yearly');
    assert.equal(timescaleOfExpName('datacomp_medium-basic_cumulative_2019'), 'yearly');
    const plan = planEval({
      checkout: '/w',
      checkpoint: ckpt(m202001),
      arch: 'ViT-B-32',
      outputDir: '/w/datacomp/eval_results/x',
      dataDir: '/w/datacomp/data',
      taskGroups: defaultTaskGroupsFor('monthly'),
      sampleEval: true,
    });
    assert.deepEqual(plan.steps[0].argv.slice(-3), [
      '--eval-tasks',
      'retrieval/monthly,datacompnet/monthly',
      '--sample-eval',
    ]);
  });
});
