import { paramString } from '../formats/paramsText';
import type { Chain } from '../workspace/chains';
import type { Experiment } from '../workspace/experimentDir';
import { PlanError } from './planError';
import type { ResumeRequest } from './resumePlan';
import { dataRootOf } from '../tic/trainDataYears';

/** What a chain already knows about its next step; the caller adds or overrides the rest. */
export interface ChainResumeDefaults {
  readonly fromYear: number;
  readonly request: Partial<ResumeRequest>;
  /** Where each default came from, for people. */
  readonly notes: readonly string[];
}

/**
 * Defaults for planResume from a chain's step `fromYear` (default: its last step): the strategy, scale and
 * filtering of the chain; that step's final checkpoint (§1.4); and from its params.txt the data root (the folder
 * above the year folders in `train_data`), the ImageNet val folder and the GPU count (`world_size`, one node);
 * the output dir is the step's own parent folder, so the next step lands next to it.
 */
export function chainResumeDefaults(
  chain: Chain,
  experiments: readonly Experiment[],
  fromYear?: number,
): ChainResumeDefaults {
  if (chain.strategy === 'oracle') {
    throw new PlanError(
      'invalidOption',
      'an oracle chain has no next step: the oracle trains once on all years (contracts §1.7)',
    );
  }
  const year = fromYear ?? chain.lastYear;
  if (year === null) throw new PlanError('invalidOption', `chain ${chain.key} has no finished step to continue from`);
  const step = chain.steps.find((s) => s.year === year);
  if (!step || step.experiment === null) {
    throw new PlanError('invalidOption', `chain ${chain.key} has no ${year} step to continue from`);
  }
  if (step.finalCheckpoint === null) {
    throw new PlanError(
      'checkpointRequired',
      `the ${year} step (${step.expName}) has no checkpoint yet (checkpoints/epoch_latest.pt)`,
    );
  }
  const exp = experiments.find((e) => e.dir === step.experiment);
  const notes = [
    `continues ${chain.key} from its ${year} step ${step.expName}${step.shared ? ' (shared first step)' : ''}`,
  ];
  const request: { -readonly [K in keyof ResumeRequest]?: ResumeRequest[K] } = {
    strategy: chain.strategy,
    checkpoint: step.finalCheckpoint.path,
  };
  if (chain.scale !== null) request.scale = chain.scale;
  if (chain.filtering !== null) request.filtering = chain.filtering;
  if (exp) {
    request.outputDir = exp.outputDir;
    const params = exp.params;
    const dataRoot = dataRootOf(exp.trainData ?? exp.info?.dataDir ?? null);
    if (dataRoot !== null) {
      request.dataRoot = dataRoot;
      notes.push(`data root ${dataRoot} from ${step.expName}'s train_data`);
    }
    const imagenetVal = params ? paramString(params, 'imagenet_val') : null;
    if (typeof imagenetVal === 'string' && imagenetVal !== '') request.imagenetVal = imagenetVal;
    if (exp.worldSize !== null && exp.worldSize > 0) request.nprocPerNode = exp.worldSize;
  }
  return { fromYear: year, request, notes };
}
