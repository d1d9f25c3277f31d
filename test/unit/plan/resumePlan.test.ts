import assert from 'node:assert/strict';
import { PlanError, type PlanErrorReason } from '../../../src/plan/planError';
import { planResume, type ResumeRequest } from '../../../src/plan/resumePlan';
import { ticScaleConfigs, ticScales } from '../../../src/tic/ticScales';
import { freeVariantName, variantNameProblem, variantSlug } from '../../../src/plan/variantName';
import { identifyExperiment } from '../../../src/workspace/experimentIdentity';

const base = {
  scale: 'tic_medium',
  filtering: 'basic',
  checkout: '/home/alice/ml-tic-clip',
  dataRoot: '/data/tic/train',
  imagenetVal: '/data/imagenet/val',
  outputDir: '/home/alice/ml-tic-clip/datacomp/results',
  nprocPerNode: 8,
} as const satisfies Partial<ResumeRequest>;

const ckpt = (year: number, strategy = 'cumulative'): string =>
  `/home/alice/ml-tic-clip/datacomp/results/datacomp_medium-basic_${strategy}_${year}/checkpoints/epoch_latest.pt`;

/** The value after `flag` in argv, or undefined; fails when the flag appears twice. */
function flagValue(argv: readonly string[], flag: string): string | undefined {
  const at = argv.indexOf(flag);
  assert.equal(argv.indexOf(flag, at + 1), -1, `${flag} appears twice`);
  return at === -1 ? undefined : argv[at + 1];
}

const dirs = (...years: number[]): string => years.map((y) => `/data/tic/train/${y}/`).join('::');
const range = (from: number, to: number): number[] => Array.from({ length: from - to + 1 }, (_, i) => from - i);

describe('planResume: the next TiC training step as argv (contracts §1.4, §1.7)', () => {
  it('builds the exact cumulative 2017 command of the TIC scripts, with a unique exp name', () => {
    const plan = planResume({ ...base, strategy: 'cumulative', fromYear: 2016, checkpoint: ckpt(2016) });
    assert.deepEqual(plan.argv, [
      'torchrun',
      '--nproc_per_node',
      '8',
      '--nnodes',
      '1',
      'train.py',
      '--scale',
      'tic_medium',
      '--data_dir',
      '/data/tic/train/2017/::/data/tic/train/2016/::/data/tic/train/2015/::/data/tic/train/2014/',
      '--output_dir',
      '/home/alice/ml-tic-clip/datacomp/results',
      '--exp_name',
      'datacomp_medium-basic_cumulative_2017',
      '--imagenet_val',
      '/data/imagenet/val',
      '--save_frequency',
      '1',
      '--new_run',
      '--warmup',
      '0',
      '--resume',
      ckpt(2016),
    ]);
    assert.equal(plan.cwd, '/home/alice/ml-tic-clip/datacomp');
    assert.deepEqual(plan.env, { PYTHONUNBUFFERED: '1' });
    assert.equal(plan.expDir, '/home/alice/ml-tic-clip/datacomp/results/datacomp_medium-basic_cumulative_2017');
    assert.equal(plan.model, 'ViT-B-32', 'tic_medium is ViT-B-32, not B/16 (§1.2)');
    assert.equal(plan.fromScratch, false);
  });

  for (const strategy of ['cumulative', 'sequential'] as const) {
    for (let year = 2016; year <= 2022; year++) {
      it(`${strategy} ${year}: data dirs, resume, new_run, warmup, names field by field`, () => {
        const first = year === 2016;
        const plan = planResume({
          ...base,
          strategy,
          fromYear: year - 1,
          ...(first ? {} : { checkpoint: ckpt(year - 1, year - 1 === 2016 ? 'cumulative' : strategy) }),
        });
        const argv = plan.argv;
        assert.deepEqual(argv.slice(0, 6), ['torchrun', '--nproc_per_node', '8', '--nnodes', '1', 'train.py']);
        assert.equal(flagValue(argv, '--scale'), 'tic_medium');
        // First step: 2016::2015::2014 (§1.7); cumulative: every year down to 2014; sequential: the year only.
        const expectedDirs = first
          ? dirs(2016, 2015, 2014)
          : strategy === 'cumulative'
            ? dirs(...range(year, 2014))
            : dirs(year);
        assert.equal(flagValue(argv, '--data_dir'), expectedDirs);
        assert.deepEqual(plan.dataDirs, expectedDirs.split('::'));
        assert.equal(flagValue(argv, '--output_dir'), base.outputDir);
        assert.equal(flagValue(argv, '--exp_name'), `datacomp_medium-basic_${strategy}_${year}`);
        assert.equal(flagValue(argv, '--imagenet_val'), base.imagenetVal);
        assert.equal(flagValue(argv, '--save_frequency'), '1');
        assert.equal(argv.includes('--new_run'), !first, '--new_run exactly when continuing (§1.4, §7.2)');
        assert.equal(flagValue(argv, '--resume'), first ? undefined : plan.checkpoint!);
        assert.equal(
          flagValue(argv, '--warmup'),
          first ? '500' : '0',
          'scale warmup from scratch, 0 like the scripts after',
        );
        assert.equal(flagValue(argv, '--train_num_samples'), undefined);
        for (const never of [
          '--blur_field',
          '--dataset_resampled',
          '--use_cached_shards',
          '--report_to_wandb',
          '--data_weights',
        ]) {
          assert.ok(!argv.includes(never), never);
        }
        assert.equal(plan.trainYear, year);
        assert.equal(plan.fromScratch, first);
        assert.equal(plan.cwd, '/home/alice/ml-tic-clip/datacomp');
        // --new_run comes before --resume, both after --save_frequency (the order of the brief's template).
        if (!first)
          assert.ok(
            argv.indexOf('--save_frequency') < argv.indexOf('--new_run') &&
              argv.indexOf('--new_run') < argv.indexOf('--resume'),
          );
      });
    }
  }

  for (const scale of ticScales) {
    it(`oracle at ${scale}: from scratch on 2022…2014 with 7 × the step's samples`, () => {
      const plan = planResume({ ...base, scale, strategy: 'oracle' });
      const config = ticScaleConfigs[scale];
      assert.equal(flagValue(plan.argv, '--data_dir'), dirs(...range(2022, 2014)));
      assert.equal(flagValue(plan.argv, '--train_num_samples'), String(config.trainNumSamples * 7));
      assert.equal(flagValue(plan.argv, '--exp_name'), `datacomp_${config.nameWord}-basic_oracle_2022`);
      assert.equal(flagValue(plan.argv, '--warmup'), String(config.warmup));
      assert.ok(!plan.argv.includes('--resume') && !plan.argv.includes('--new_run'));
      assert.equal(plan.trainYear, 2022);
      assert.equal(plan.model, config.model);
    });
  }

  it('gives the medium oracle 129,024,000 samples, as run_medium_basic_oracle.sh', () => {
    const plan = planResume({ ...base, strategy: 'oracle', fromYear: 2021 });
    assert.equal(flagValue(plan.argv, '--train_num_samples'), '129024000');
  });

  it('adds torchrun restarts, data weights, W&B, a custom torchrun and exp name when asked', () => {
    const plan = planResume({
      ...base,
      scale: 'tic_xlarge',
      strategy: 'cumulative',
      fromYear: 2017,
      checkpoint: 's3://bucket/ckpt/2017.pt',
      maxRestarts: 3,
      warmup: 2000,
      dataWeights: [4, 2, 1, 1, 0.5],
      wandb: {},
      torchrun: '/opt/conda/envs/datacomp/bin/torchrun',
      dataRoot: '/data/tic/train/',
    });
    assert.deepEqual(plan.argv.slice(0, 8), [
      '/opt/conda/envs/datacomp/bin/torchrun',
      '--nproc_per_node',
      '8',
      '--nnodes',
      '1',
      '--max_restarts',
      '3',
      'train.py',
    ]);
    assert.equal(
      flagValue(plan.argv, '--data_dir'),
      dirs(2018, 2017, 2016, 2015, 2014),
      'a trailing slash on the root is dropped',
    );
    assert.equal(flagValue(plan.argv, '--data_weights'), '4::2::1::1::0.5');
    assert.equal(flagValue(plan.argv, '--warmup'), '2000');
    assert.equal(flagValue(plan.argv, '--resume'), 's3://bucket/ckpt/2017.pt');
    assert.equal(flagValue(plan.argv, '--wandb_project_name'), 'tic-datacomp-tic_xlarge-basic-cumulative-2018');
    assert.ok(plan.argv.includes('--report_to_wandb'));
    assert.equal(plan.model, 'ViT-B-16');
    const named = planResume({
      ...base,
      strategy: 'sequential',
      fromYear: 2018,
      checkpoint: ckpt(2018),
      expName: 'my_seq_2019',
      wandb: { project: 'p' },
    });
    assert.equal(flagValue(named.argv, '--exp_name'), 'my_seq_2019');
    assert.equal(flagValue(named.argv, '--wandb_project_name'), 'p');
    const oracleWandb = planResume({ ...base, strategy: 'oracle', wandb: {} });
    assert.equal(flagValue(oracleWandb.argv, '--wandb_project_name'), 'tic-datacomp-tic_medium-basic-oracle');
  });

  const refusals: [string, Partial<ResumeRequest>, PlanErrorReason][] = [
    ['a year before the first step', { strategy: 'cumulative', fromYear: 2014 }, 'yearOutOfRange'],
    [
      'a year after the last step',
      { strategy: 'cumulative', fromYear: 2022, checkpoint: ckpt(2022) },
      'yearOutOfRange',
    ],
    ['no year', { strategy: 'sequential' }, 'yearOutOfRange'],
    ['a fractional year', { strategy: 'sequential', fromYear: 2017.5, checkpoint: ckpt(2017) }, 'yearOutOfRange'],
    ['an oracle year other than 2021→2022', { strategy: 'oracle', fromYear: 2019 }, 'yearOutOfRange'],
    ['a continual step without checkpoint', { strategy: 'cumulative', fromYear: 2017 }, 'checkpointRequired'],
    [
      'a first step with a checkpoint',
      { strategy: 'cumulative', fromYear: 2015, checkpoint: ckpt(2015) },
      'checkpointNotAllowed',
    ],
    ['an oracle with a checkpoint', { strategy: 'oracle', checkpoint: ckpt(2021) }, 'checkpointNotAllowed'],
    [
      'a relative checkpoint',
      { strategy: 'cumulative', fromYear: 2017, checkpoint: 'results/x/epoch_latest.pt' },
      'pathNotAbsolute',
    ],
    [
      'a relative data root',
      { strategy: 'cumulative', fromYear: 2017, checkpoint: ckpt(2017), dataRoot: 'data/train' },
      'pathNotAbsolute',
    ],
    ['a relative output dir', { strategy: 'oracle', outputDir: './results' }, 'pathNotAbsolute'],
    ['zero GPUs', { strategy: 'oracle', nprocPerNode: 0 }, 'invalidOption'],
    ['negative restarts', { strategy: 'oracle', maxRestarts: -1 }, 'invalidOption'],
    [
      'a data weight per dir missing',
      { strategy: 'cumulative', fromYear: 2017, checkpoint: ckpt(2017), dataWeights: [1, 1] },
      'invalidOption',
    ],
    [
      'a non-number weight',
      { strategy: 'sequential', fromYear: 2017, checkpoint: ckpt(2017), dataWeights: [NaN] },
      'invalidOption',
    ],
    ['a filtering with a separator', { strategy: 'oracle', filtering: 'basic_x' }, 'invalidOption'],
    ['an exp name with a slash', { strategy: 'oracle', expName: 'a/b' }, 'invalidOption'],
    ['--blur_field', { strategy: 'oracle', extraArgs: ['--blur_field', 'face'] }, 'rejectedFlag'],
    ['--dataset_resampled', { strategy: 'oracle', extraArgs: ['--dataset_resampled'] }, 'rejectedFlag'],
    ['--use_cached_shards', { strategy: 'oracle', extraArgs: ['--use_cached_shards'] }, 'rejectedFlag'],
    ['a flag the plan owns', { strategy: 'oracle', extraArgs: ['--resume=latest'] }, 'invalidOption'],
  ];
  for (const [what, request, reason] of refusals) {
    it(`refuses ${what} with reason ${reason}`, () => {
      assert.throws(
        () => planResume({ ...base, ...request } as ResumeRequest),
        (error: unknown) => PlanError.is(error, reason) && error.message.length > 10,
      );
    });
  }

  it('passes harmless extra train.py flags through, last', () => {
    const plan = planResume({ ...base, strategy: 'oracle', extraArgs: ['--workers', '8', '--precision', 'amp_bf16'] });
    assert.deepEqual(plan.argv.slice(-4), ['--workers', '8', '--precision', 'amp_bf16']);
  });
});

describe('planResume with a method variant (the experiment names carry it, contracts §7.1)', () => {
  it('names the step datacomp_{scale}-{filtering}_{strategy}_{variant}_{year}', () => {
    const plan = planResume({
      ...base,
      strategy: 'cumulative',
      fromYear: 2016,
      checkpoint: ckpt(2016),
      variant: 'lr1e-4',
    });
    assert.equal(plan.expName, 'datacomp_medium-basic_cumulative_lr1e-4_2017');
    assert.equal(flagValue(plan.argv, '--exp_name'), 'datacomp_medium-basic_cumulative_lr1e-4_2017');
    assert.equal(plan.variant, 'lr1e-4');
    assert.equal(plan.expDir, `${base.outputDir}/datacomp_medium-basic_cumulative_lr1e-4_2017`);
  });

  it('gives each step of a variant its own name, apart from the baseline', () => {
    const names = [2016, 2017, 2018].map(
      (y) => planResume({ ...base, strategy: 'sequential', fromYear: y, checkpoint: ckpt(y), variant: 'v2' }).expName,
    );
    const baseline = planResume({ ...base, strategy: 'sequential', fromYear: 2016, checkpoint: ckpt(2016) }).expName;
    assert.deepEqual(names, [
      'datacomp_medium-basic_sequential_v2_2017',
      'datacomp_medium-basic_sequential_v2_2018',
      'datacomp_medium-basic_sequential_v2_2019',
    ]);
    assert.ok(!names.includes(baseline));
  });

  it('names a variant that the workspace scan reads back as the same strategy, year, scale and filtering', () => {
    for (const scale of ['tic_medium', 'tic_large'] as const) {
      for (const variant of ['v2', 'lr1e-4', 'ewc+replay', 'mix0.5', 'v2017']) {
        const plan = planResume({
          ...base,
          scale,
          filtering: 'bestpool',
          strategy: 'cumulative',
          fromYear: 2017,
          checkpoint: ckpt(2017),
          variant,
        });
        const read = identifyExperiment({ name: plan.expName, params: null, info: null });
        assert.ok(read.ok, `${plan.expName}: ${read.ok ? '' : read.reason}`);
        assert.equal(read.identity.strategy, 'cumulative', plan.expName);
        assert.equal(read.identity.year, 2018, plan.expName);
        assert.equal(read.identity.scale, scale, plan.expName);
        assert.equal(read.identity.filtering, 'bestpool', plan.expName);
      }
    }
  });

  const refused: [string, string][] = [
    ['an underscore', 'lr_1e4'],
    ['a space', 'lr 1e4'],
    ['a slash', 'a/b'],
    ['a year token', 'v-2019'],
    ['a bare year', '2019'],
    ['a strategy word', 'seq'],
    ['a strategy word in a part', 'no-oracle'],
    ['a filtering word', 'bestpool'],
    ['a scale word', 'large'],
    ['an attempt suffix', 'run2'],
    ['an empty name', ''],
  ];
  for (const [what, variant] of refused) {
    it(`refuses a variant with ${what} ('${variant}') with a clear message`, () => {
      assert.throws(
        () => planResume({ ...base, strategy: 'cumulative', fromYear: 2016, checkpoint: ckpt(2016), variant }),
        (error: unknown) => PlanError.is(error, 'invalidOption') && error.message.startsWith(`variant '${variant}': `),
      );
      assert.notEqual(variantNameProblem(variant), null);
    });
  }

  it('keeps an explicit exp name over the generated one, and still checks the variant', () => {
    const plan = planResume({
      ...base,
      strategy: 'cumulative',
      fromYear: 2016,
      checkpoint: ckpt(2016),
      variant: 'v3',
      expName: 'mine_2017',
    });
    assert.equal(plan.expName, 'mine_2017');
    assert.equal(plan.variant, 'v3');
  });
});

describe('variant names', () => {
  it('proposes the first of v2, v3, … that no sibling uses', () => {
    assert.equal(freeVariantName([]), 'v2');
    assert.equal(freeVariantName(['datacomp', 'medium-basic', 'cumulative', 'v2', '2017']), 'v3');
    assert.equal(freeVariantName(['V2', 'v3', 'v5']), 'v4');
  });

  it('turns a display name into a slug for experiment names, or gives up', () => {
    assert.equal(variantSlug('lr 1e-4'), 'lr-1e-4');
    assert.equal(variantSlug('lr_1e4'), 'lr-1e4');
    assert.equal(variantSlug('  replay×2 '), 'replay-2');
    assert.equal(variantSlug('2019'), null);
    assert.equal(variantSlug('___'), null);
  });
});
