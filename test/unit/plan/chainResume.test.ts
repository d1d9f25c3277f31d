import assert from 'node:assert/strict';
import { chainResumeDefaults, forkedBy, publishedResumeDefaults } from '../../../src/plan/chainResume';
import { PlanError } from '../../../src/plan/planError';
import { planResume, type ResumeRequest } from '../../../src/plan/resumePlan';
import { parseResumeReference } from '../../../src/formats/resumeReference';
import { emptyChainStep, type ChainStep } from '../../../src/workspace/chains';
import type { Experiment } from '../../../src/workspace/experimentDir';
import { handChain } from '../../support/handChain';

// Hand-built chains (the Chain interface of chains.ts) and only the experiment fields the defaults read.
const results = '/w/datacomp/results';
const cache = '/home/a/.cache/huggingface/hub/models--apple--TiC-CLIP-bestpool-cumulative/snapshots/c0ffee';

function exp(name: string, resume: string | null = null, status = 'finished'): Experiment {
  const strategy = /_(cumulative|sequential|oracle)_/.exec(name)?.[1] ?? null;
  return {
    name,
    identity: strategy === null ? null : { strategy },
    dir: `${results}/${name}`,
    outputDir: results,
    params: null,
    info: null,
    trainData: null,
    worldSize: 4,
    origin: parseResumeReference(resume),
    status: { status },
  } as unknown as Experiment;
}

function step(year: number, name: string | null, more: Partial<ChainStep> = {}): ChainStep {
  return {
    ...emptyChainStep(year),
    experiment: name === null ? null : `${results}/${name}`,
    expName: name,
    finalCheckpoint:
      name === null
        ? null
        : {
            name: 'epoch_latest.pt',
            path: `${results}/${name}/checkpoints/epoch_latest.pt`,
            epoch: null,
            latest: true,
            size: 1,
            modifiedMs: 0,
          },
    ...more,
  } as ChainStep;
}

const chain = handChain;

const rest = {
  checkout: '/w',
  dataRoot: '/data/train',
  imagenetVal: '/data/val',
  outputDir: results,
  nprocPerNode: 1,
} as const;

function planFrom(d: ReturnType<typeof chainResumeDefaults>, more: Partial<ResumeRequest> = {}): string {
  return planResume({ ...rest, ...d.request, fromYear: d.fromYear, ...more } as ResumeRequest).expName;
}

describe('chainResumeDefaults: what a launch from a chain step knows', () => {
  const e2016 = exp('datacomp_medium-basic_cumulative_2016');
  const e2017 = exp('datacomp_medium-basic_cumulative_2017', `${e2016.dir}/checkpoints/epoch_latest.pt`);
  const lr2017 = exp('datacomp_medium-basic_cumulative_lr1e4_2017', `${e2016.dir}/checkpoints/epoch_latest.pt`);
  const experiments = [e2016, e2017, lr2017];

  it('says which experiments already continue a step, so a launch from it is a fork', () => {
    const c = chain([step(2016, e2016.name, { children: [e2017.dir, lr2017.dir] }), step(2017, e2017.name)]);
    const d = chainResumeDefaults(c, experiments, 2016);
    assert.deepEqual(
      d.continuesAs.map((x) => x.expName),
      [e2017.name, lr2017.name],
    );
    assert.deepEqual(
      forkedBy(d.continuesAs, 'cumulative').map((x) => x.expName),
      [e2017.name, lr2017.name],
    );
    assert.ok(d.takenVariants.includes('lr1e4'));
    assert.equal(d.request.checkpoint, `${e2016.dir}/checkpoints/epoch_latest.pt`);
  });

  it('does not call a continuation of the shared first step by the other strategy a fork', () => {
    const seq2017 = exp('datacomp_medium-basic_sequential_2017', `${e2016.dir}/checkpoints/epoch_latest.pt`);
    const c = chain([step(2016, e2016.name, { children: [seq2017.dir] })]);
    const d = chainResumeDefaults(c, [e2016, seq2017], 2016);
    assert.deepEqual(forkedBy(d.continuesAs, 'cumulative'), []);
    assert.deepEqual(
      forkedBy(d.continuesAs, 'sequential').map((x) => x.expName),
      [seq2017.name],
    );
  });

  it('says whether each continuation trained to the end (an unfinished one is retried, not varied)', () => {
    const crashed = exp('datacomp_medium-basic_cumulative_2017', `${e2016.dir}/checkpoints/epoch_latest.pt`, 'failed');
    const c = chain([step(2016, e2016.name, { children: [crashed.dir, lr2017.dir] })]);
    const d = chainResumeDefaults(c, [e2016, crashed, lr2017], 2016);
    assert.deepEqual(
      d.continuesAs.map((x) => [x.expName, x.dir, x.status]),
      [
        [crashed.name, crashed.dir, 'failed'],
        [lr2017.name, lr2017.dir, 'finished'],
      ],
    );
  });

  it('reads a step without children as a plain continuation', () => {
    const c = chain([step(2016, e2016.name), step(2017, e2017.name)]);
    assert.deepEqual(chainResumeDefaults(c, experiments, 2017).continuesAs, []);
  });

  it("carries a variant's own name (an exp-name suffix, a rename) into the next step's name", () => {
    for (const variantSource of ['suffix', 'user'] as const) {
      const c = chain([step(2016, e2016.name), step(2017, lr2017.name)], {
        key: `tic_medium/basic/cumulative@${lr2017.name}`,
        variant: variantSource === 'user' ? 'lr 1e-4' : 'lr1e4',
        variantSource,
      });
      const d = chainResumeDefaults(c, experiments, 2017);
      assert.equal(
        planFrom(d),
        variantSource === 'user'
          ? 'datacomp_medium-basic_cumulative_lr-1e-4_2018'
          : 'datacomp_medium-basic_cumulative_lr1e4_2018',
      );
    }
  });

  it('does not turn a derived description ("lr 1e-4" from params.txt) into a name', () => {
    const c = chain([step(2016, e2016.name), step(2017, lr2017.name)], { variant: 'lr 1e-4', variantSource: 'params' });
    assert.equal(planFrom(chainResumeDefaults(c, experiments, 2017)), 'datacomp_medium-basic_cumulative_2018');
  });

  it('continues a lineage from the published checkpoint it stands on', () => {
    const path = `${cache}/checkpoints/2016.pt`;
    const c = chain(
      [step(2016, null, { published: { repo: 'apple/TiC-CLIP-bestpool-cumulative', year: 2016, path } })],
      {
        scale: 'tic_large',
        filtering: 'bestpool',
        root: { kind: 'published', repo: 'apple/TiC-CLIP-bestpool-cumulative', year: 2016, path },
      },
    );
    const d = chainResumeDefaults(c, experiments, 2016);
    assert.equal(d.request.checkpoint, path);
    const earlier = chain([
      step(2016, null, { published: { repo: 'apple/TiC-CLIP-bestpool-cumulative', year: 2016, path: null } }),
    ]);
    assert.throws(
      () => chainResumeDefaults(earlier, experiments, 2016),
      (e: unknown) => PlanError.is(e, 'checkpointRequired'),
    );
  });
});

describe('publishedResumeDefaults: a published TiC-CLIP checkpoint as the root of a new variant', () => {
  const path = `${cache}/checkpoints/2016.pt`;

  it('takes the strategy and filtering from the repo and resumes from the cached file', () => {
    const d = publishedResumeDefaults({ repo: 'apple/TiC-CLIP-bestpool-cumulative', year: 2016, path }, []);
    assert.equal(d.request.strategy, 'cumulative');
    assert.equal(d.request.filtering, 'bestpool');
    const plan = planResume({ ...rest, ...d.request, fromYear: d.fromYear, scale: 'tic_large' } as ResumeRequest);
    assert.equal(plan.trainYear, 2017);
    assert.equal(plan.expName, 'datacomp_large-bestpool_cumulative_2017');
    const at = plan.argv.indexOf('--resume');
    assert.equal(plan.argv[at + 1], path);
    assert.ok(plan.argv.includes('--new_run'));
    assert.equal(plan.model, 'ViT-B-16');
  });

  it('reads sequential repos likewise, and refuses an oracle, saying why', () => {
    const seq = publishedResumeDefaults({ repo: 'apple/TiC-CLIP-basic-sequential', year: 2018, path }, []);
    assert.equal(seq.request.strategy, 'sequential');
    assert.equal(seq.request.filtering, 'basic');
    assert.throws(
      () => publishedResumeDefaults({ repo: 'apple/TiC-CLIP-basic-oracle', year: 2022, path }, []),
      (e: unknown) => PlanError.is(e, 'invalidOption') && /oracle.*no next year/.test(e.message),
    );
  });

  it('lists the experiments that already started from the same checkpoint, by file or by repo and year', () => {
    const first = exp('datacomp_large-bestpool_cumulative_2017', path);
    const elsewhere = exp(
      'datacomp_large-bestpool_cumulative_v2_2017',
      '/cluster/hf/models--apple--TiC-CLIP-bestpool-cumulative/snapshots/abc/checkpoints/2016.pt',
    );
    const other = exp('datacomp_large-bestpool_cumulative_2018', `${first.dir}/checkpoints/epoch_latest.pt`);
    const d = publishedResumeDefaults({ repo: 'apple/TiC-CLIP-bestpool-cumulative', year: 2016, path }, [
      first,
      elsewhere,
      other,
    ]);
    assert.deepEqual(
      d.continuesAs.map((x) => x.expName),
      [first.name, elsewhere.name],
    );
    assert.ok(d.takenVariants.includes('v2'));
  });
});
