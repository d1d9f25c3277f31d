import { basename } from 'node:path';
import { paramString } from '../formats/paramsText';
import type { Chain } from '../workspace/chains';
import type { Experiment } from '../workspace/experimentDir';
import type { RunStatus } from '../workspace/runStatus';
import { PlanError } from './planError';
import type { ResumeRequest } from './resumePlan';
import { dataRootOf } from '../tic/trainDataYears';
import { publishedRepoMethod } from '../tic/publishedRepoMethod';
import type { TicStrategy } from '../tic/ticTimeline';
import { variantSlug } from './variantName';

/** What a chain already knows about its next step; the caller adds or overrides the rest. */
export interface ChainResumeDefaults {
  readonly fromYear: number;
  readonly request: Partial<ResumeRequest>;
  /** Where each default came from, for people. */
  readonly notes: readonly string[];
  /**
   * The experiments that already continue from this checkpoint: a launch from it with the same strategy starts
   * another variant (a fork), which should get a name of its own. (The first step is shared: a sequential 2017
   * from the cumulative 2016 does not make a cumulative 2017 a fork.)
   */
  readonly continuesAs: readonly Continuation[];
  /** Variant names (and exp-name parts) already used around this checkpoint: a proposed name avoids them. */
  readonly takenVariants: readonly string[];
}

export interface Continuation {
  readonly expName: string;
  /** Null when the experiment fits no chain. */
  readonly strategy: TicStrategy | null;
  /** Its folder (`{output_dir}/{exp_name}`). */
  readonly dir: string;
  /**
   * What its files say (src/workspace/runStatus.ts): one that failed, or stopped without finishing, is usually
   * retried rather than varied; `incomplete` is also a run still going.
   */
  readonly status: RunStatus | null;
}

/** The continuations a launch with `strategy` would fork from. */
export function forkedBy(continuesAs: readonly Continuation[], strategy: TicStrategy): Continuation[] {
  return continuesAs.filter((c) => c.strategy === null || c.strategy === strategy);
}

/**
 * Defaults for planResume from a chain's step `fromYear` (default: its last step): the strategy, scale and
 * filtering of the chain; that step's final checkpoint (§1.4), or the published checkpoint the lineage stands on;
 * and from its params.txt the data root (the folder above the year folders in `train_data`), the ImageNet val
 * folder and the GPU count (`world_size`, one node); the output dir is the step's own parent folder, so the next
 * step lands next to it. A variant named by the user or by the exp names' suffix is carried on, so the lineage's
 * next step keeps its name.
 */
export function chainResumeDefaults(
  chain: Chain,
  experiments: readonly Experiment[],
  fromYear?: number,
  chains: readonly Chain[] = [chain],
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
  const published = step?.published ?? null;
  let checkpoint: string;
  if (step !== undefined && step.experiment === null && published !== null) {
    if (published.path === null) {
      throw new PlanError(
        'checkpointRequired',
        `the published ${year} checkpoint of ${published.repo} is not on this machine: download it first`,
      );
    }
    checkpoint = published.path;
  } else {
    if (!step || step.experiment === null) {
      throw new PlanError('invalidOption', `chain ${chain.key} has no ${year} step to continue from`);
    }
    if (step.finalCheckpoint === null) {
      throw new PlanError(
        'checkpointRequired',
        `the ${year} step (${step.expName}) has no checkpoint yet (checkpoints/epoch_latest.pt)`,
      );
    }
    checkpoint = step.finalCheckpoint.path;
  }
  const exp = experiments.find((e) => e.dir === step.experiment);
  const notes = [
    published !== null && step.experiment === null
      ? `continues ${chain.key} from the published ${year} checkpoint of ${published.repo}`
      : `continues ${chain.key} from its ${year} step ${step.expName}${step.shared ? ' (shared first step)' : ''}`,
  ];
  const request: { -readonly [K in keyof ResumeRequest]?: ResumeRequest[K] } = { strategy: chain.strategy, checkpoint };
  if (chain.scale !== null) request.scale = chain.scale;
  if (chain.filtering !== null) request.filtering = chain.filtering;
  // Only a name someone gave (a rename, an exp-name suffix) is carried on; a derived one ("lr 1e-4") is not a name.
  const ownVariant =
    chain.variant !== null && (chain.variantSource === 'user' || chain.variantSource === 'suffix')
      ? variantSlug(chain.variant)
      : null;
  if (ownVariant !== null) {
    request.variant = ownVariant;
    notes.push(`variant ${ownVariant} of the chain carried into the new experiment's name`);
  }
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
  const continuesAs = step.children.map((dir) => continuation(dir, experiments));
  return {
    fromYear: year,
    request,
    notes,
    continuesAs,
    takenVariants: takenAround(
      continuesAs,
      chains.filter((c) => c.group === chain.group),
    ),
  };
}

/** A published TiC-CLIP checkpoint to start from: its repo, its year and the local file. */
export interface PublishedStart {
  readonly repo: string;
  readonly year: number;
  /** The local file (a Hugging Face cache path), absolute. */
  readonly path: string;
}

/**
 * Defaults for planResume from a published checkpoint (contracts §6.1: the card's "download checkpoints/2016.pt,
 * then resume training from it"): the strategy and filtering from the repo's name, the file as `--resume`. The
 * scale is left to the caller: it must train the checkpoint's model (scalesForModel.ts). The new steps form a
 * variant rooted at the published checkpoint; the experiments that already started from it are its siblings.
 */
export function publishedResumeDefaults(
  start: PublishedStart,
  experiments: readonly Experiment[],
  chains: readonly Chain[] = [],
): ChainResumeDefaults {
  const method = publishedRepoMethod(start.repo);
  if (method?.strategy === 'oracle') {
    throw new PlanError(
      'invalidOption',
      `${start.repo} is an oracle: it was trained once on all years up to ${start.year}, so there is no next year to continue it with`,
    );
  }
  const request: { -readonly [K in keyof ResumeRequest]?: ResumeRequest[K] } = { checkpoint: start.path };
  const notes = [`continues the published ${start.year} checkpoint of ${start.repo}`];
  if (method !== null) {
    request.strategy = method.strategy;
    request.filtering = method.filtering;
    notes.push(`strategy ${method.strategy} and filtering ${method.filtering} from the repo's name`);
  }
  const children = experiments.filter(
    (e) =>
      e.origin !== null &&
      (e.origin.path === start.path ||
        (e.origin.huggingFace?.repo === start.repo && e.origin.huggingFace.year === start.year)),
  );
  const continuesAs = children.map((e) => continuation(e.dir, experiments));
  const names = continuesAs.map((c) => c.expName);
  const group = chains.filter((c) => c.root.kind === 'published' && c.lineage.some((n) => names.includes(n)));
  return { fromYear: start.year, request, notes, continuesAs, takenVariants: takenAround(continuesAs, group) };
}

function continuation(dir: string, experiments: readonly Experiment[]): Continuation {
  const exp = experiments.find((e) => e.dir === dir);
  return {
    expName: exp?.name ?? basename(dir),
    strategy: exp?.identity?.strategy ?? null,
    dir,
    status: exp?.status.status ?? null,
  };
}

/** The `_`-separated parts of the siblings' exp names and the slugs of the variants' names. */
function takenAround(continuesAs: readonly Continuation[], chains: readonly Chain[]): string[] {
  const taken = new Set(continuesAs.flatMap((c) => c.expName.split('_')));
  for (const c of chains) {
    const slug = c.variant === null ? null : variantSlug(c.variant);
    if (slug !== null) taken.add(slug);
  }
  return [...taken];
}
