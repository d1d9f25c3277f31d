import { basename } from 'node:path';
import { paramString } from '../formats/paramsText';
import type { Chain } from '../workspace/chains';
import type { Experiment } from '../workspace/experimentDir';
import type { RunStatus } from '../workspace/runStatus';
import { PlanError } from './planError';
import type { ResumeRequest } from './resumePlan';
import { dataRootOf } from '../tic/trainDataYears';
import { publishedRepoMethod } from '../tic/publishedRepoMethod';
import { lastStepYear, type TicStrategy } from '../tic/ticTimeline';
import { firstMonthAfterYear, firstTicMonth, isTicMonth, nextMonth, ticMonths, yearOfMonth } from '../tic/ticMonths';
import { formatTimeStep, timescaleOfStep, type TicTimescale } from '../tic/ticTimeStep';
import { variantSlug } from './variantName';
import { timescaleOfExpName } from './evalPlan';
import { dataYearsOf } from '../tic/trainDataYears';

/** What a chain already knows about its next step; the caller adds or overrides the rest. */
export interface ChainResumeDefaults {
  /** The step of the checkpoint: a year, or in a monthly chain a month (`YYYYMM`); a branch: the yearly step. */
  readonly fromYear: number;
  /** `monthly` when the launch trains a month (a monthly chain's next month, or a branch off a yearly step). */
  readonly timescale: TicTimescale;
  /** The step the launch trains: `fromYear + 1`, or the next TiC month (gaps skipped: 2022 → 202301). */
  readonly next: number;
  /** Monthly requests carry `timescale`, `fromMonth` and, when known, `branchYear` and `monthlyData`. */
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
  /** Whether it trains a month (a monthly chain going on from here) rather than a year. */
  readonly monthly: boolean;
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
  return stepDefaults(chain, experiments, fromYear, chains, chain.timescale === 'monthly');
}

/** `monthlyChildren`: which experiments continuing the step count (a fork is one of the same timescale). */
function stepDefaults(
  chain: Chain,
  experiments: readonly Experiment[],
  fromYear: number | undefined,
  chains: readonly Chain[],
  monthlyChildren: boolean,
): ChainResumeDefaults {
  if (chain.strategy === 'oracle') {
    throw new PlanError(
      'invalidOption',
      'an oracle chain has no next step: the oracle trains once on all years (contracts §1.7)',
    );
  }
  const monthly = chain.timescale === 'monthly';
  const year = fromYear ?? chain.lastYear;
  if (year === null) throw new PlanError('invalidOption', `chain ${chain.key} has no finished step to continue from`);
  if (monthly && !isTicMonth(year)) {
    throw new PlanError('invalidOption', `chain ${chain.key} is monthly: ${String(year)} is not one of its months`);
  }
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
      throw new PlanError('invalidOption', `chain ${chain.key} has no ${formatTimeStep(year)} step to continue from`);
    }
    if (step.finalCheckpoint === null) {
      throw new PlanError(
        'checkpointRequired',
        `the ${formatTimeStep(year)} step (${step.expName}) has no checkpoint yet (checkpoints/epoch_latest.pt)`,
      );
    }
    checkpoint = step.finalCheckpoint.path;
  }
  const exp = experiments.find((e) => e.dir === step.experiment);
  const notes = [
    published !== null && step.experiment === null
      ? `continues ${chain.key} from the published ${year} checkpoint of ${published.repo}`
      : `continues ${chain.key} from its ${formatTimeStep(year)} step ${step.expName}${step.shared ? ' (shared first step)' : ''}`,
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
  let next = year + 1;
  if (monthly) {
    const after = nextMonth(year);
    if (after === null) {
      throw new PlanError(
        'monthOutOfRange',
        `${formatTimeStep(year)} is the last TiC-DataComp month: there is no next month to train`,
      );
    }
    next = after;
    request.timescale = 'monthly';
    request.fromMonth = year;
    const data = monthlyDataOf(chain, exp?.trainData ?? exp?.info?.dataDir ?? null);
    if (data.branchYear !== null) request.branchYear = data.branchYear;
    if (chain.strategy === 'cumulative') request.monthlyData = data.monthlyData;
  }
  // A yearly launch does not fork off a monthly chain that branched here, nor a monthly one off a yearly child.
  const continuesAs = step.children
    .map((dir) => continuation(dir, experiments))
    .filter((c) => c.monthly === monthlyChildren);
  return {
    fromYear: year,
    timescale: monthly ? 'monthly' : 'yearly',
    next,
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
  return publishedDefaults(start, experiments, chains, false);
}

function publishedDefaults(
  start: PublishedStart,
  experiments: readonly Experiment[],
  chains: readonly Chain[],
  monthlyChildren: boolean,
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
  const continuesAs = children
    .map((e) => continuation(e.dir, experiments))
    .filter((c) => c.monthly === monthlyChildren);
  const names = continuesAs.map((c) => c.expName);
  const group = chains.filter((c) => c.root.kind === 'published' && c.lineage.some((n) => names.includes(n)));
  return {
    fromYear: start.year,
    timescale: 'yearly',
    next: start.year + 1,
    request,
    notes,
    continuesAs,
    takenVariants: takenAround(continuesAs, group),
  };
}

/**
 * Which months a monthly cumulative chain trains on, read from a step's data (`train_data`): from 2014-03
 * (`all`), or from the first month after the year it branched off (`sinceBranch`; that year is then known from
 * the data even when the chain does not say it). Unknown data reads as `all`, the plans' default.
 */
function monthlyDataOf(
  chain: Chain,
  trainData: string | null,
): { monthlyData: 'all' | 'sinceBranch'; branchYear: number | null } {
  const branchYear = chain.branch?.year ?? null;
  const months = dataYearsOf(trainData).months;
  if (months.length === 0) return { monthlyData: 'all', branchYear };
  const first = Math.min(...months);
  if (first === firstTicMonth) return { monthlyData: 'all', branchYear };
  const since = branchYear ?? yearOfMonth(first) - 1;
  return firstMonthAfterYear(since) === first
    ? { monthlyData: 'sinceBranch', branchYear: since }
    : { monthlyData: 'all', branchYear };
}

/**
 * Defaults for a monthly chain branched off a yearly step of `chain` (its checkpoint, scale, filtering, strategy,
 * output folder, GPUs): the plan trains the first TiC month after that year (2019 → 2020-01, 2022 → 2023-01) with
 * `fromMonth` and `branchYear` the year. The yearly data root is left out (the months live under their own root,
 * contracts §4.3); only monthly chains already branched off this step make the launch a fork.
 */
export function monthlyBranchDefaults(
  chain: Chain,
  experiments: readonly Experiment[],
  year: number,
  chains: readonly Chain[] = [chain],
): ChainResumeDefaults {
  if (chain.timescale === 'monthly') {
    throw new PlanError('invalidOption', `chain ${chain.key} is already monthly: resume it from one of its months`);
  }
  return asMonthlyBranch(stepDefaults(chain, experiments, year, chains, true), `its ${year} step`);
}

/** Defaults for a monthly chain branched off a published yearly checkpoint (the card's `checkpoints/2022.pt`). */
export function publishedMonthlyBranchDefaults(
  start: PublishedStart,
  experiments: readonly Experiment[],
  chains: readonly Chain[] = [],
): ChainResumeDefaults {
  return asMonthlyBranch(publishedDefaults(start, experiments, chains, true), `the published ${start.year} checkpoint`);
}

/** Yearly defaults (whose continuations are already the monthly ones) turned into a branch's first month. */
function asMonthlyBranch(yearly: ChainResumeDefaults, what: string): ChainResumeDefaults {
  const year = yearly.fromYear;
  const first = firstMonthAfterYear(year);
  if (first === null || year > lastStepYear) {
    throw new PlanError('monthOutOfRange', `no TiC-DataComp month follows ${year}: there is nothing to branch into`);
  }
  const { dataRoot: _yearlyRoot, ...request } = yearly.request;
  return {
    fromYear: year,
    timescale: 'monthly',
    next: first,
    request: { ...request, timescale: 'monthly', fromMonth: year, branchYear: year },
    notes: [...yearly.notes, `branches a monthly chain off ${what}: trains ${formatTimeStep(first)} first`],
    continuesAs: yearly.continuesAs,
    takenVariants: yearly.takenVariants,
  };
}

/**
 * The steps a "Continue the Chain" from `from` trains, in order: the years after it up to 2022, or for a monthly
 * chain every TiC month after it up to 2023-06 (gaps skipped; from a year, the months after that year).
 */
export function remainingSteps(timescale: TicTimescale, from: number): number[] {
  if (timescale === 'yearly') return Array.from({ length: Math.max(0, lastStepYear - from) }, (_, i) => from + 1 + i);
  const first = timescaleOfStep(from) === 'yearly' ? firstMonthAfterYear(from) : nextMonth(from);
  return first === null ? [] : ticMonths.filter((m) => m >= first);
}

function continuation(dir: string, experiments: readonly Experiment[]): Continuation {
  const exp = experiments.find((e) => e.dir === dir);
  const name = exp?.name ?? basename(dir);
  const timescale = exp?.identity?.timescale;
  return {
    expName: name,
    monthly: timescale === 'monthly' || (timescale === undefined && timescaleOfExpName(name) === 'monthly'),
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
