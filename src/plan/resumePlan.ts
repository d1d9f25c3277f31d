import { join } from 'node:path';
import type { CommandPlan } from './commandPlan';
import { PlanError } from './planError';
import { oracleSampleFactor, ticScaleConfigs, type TicScale } from '../tic/ticScales';
import { firstStepYear, lastStepYear, stepDataYears, type TicStrategy } from '../tic/ticTimeline';
import {
  firstMonthAfterYear,
  formatMonth,
  isTicMonth,
  lastTicMonth,
  nextMonth,
  ticMonths,
  yearOfMonth,
} from '../tic/ticMonths';
import { formatTimeStep, timescaleOfStep, type TicTimescale } from '../tic/ticTimeStep';
import type { ClipModelName } from '../tic/clipModels';
import { checkVariantName } from './variantName';

/** What to train next. Paths must be absolute (or remote URLs such as `s3://…`, which train.py also reads). */
export interface ResumeRequest {
  readonly strategy: TicStrategy;
  /**
   * The year of `checkpoint`: the plan trains year `fromYear + 1`. 2015 asks for the first step (2016, which
   * merges 2014–2016 and trains from scratch). The oracle always trains "2022" and takes no year (or 2021).
   * The first step is shared by cumulative and sequential (§1.7): planned under either strategy it is named after
   * that strategy, and chains.ts lets the other chain start from it.
   */
  readonly fromYear?: number;
  /**
   * `monthly` trains the next month of contracts §3.4's list on `$TIC_DATACOMP_M_PATH/train/{YYYYMM}/` (§4.3) with
   * the yearly commands otherwise unchanged (the TIC README's "the same commands"); default `yearly`. Not for the
   * oracle. A monthly step always continues a checkpoint (`--new_run --resume`, warmup 0).
   */
  readonly timescale?: TicTimescale;
  /**
   * Monthly: the step of `checkpoint`. A month (`202212`) trains the next month, gaps skipped (`202201` → `202205`);
   * a year (a yearly step 2016…2022, e.g. a published `checkpoints/2022.pt`) branches a monthly chain off it and
   * trains the first month after that year (`2022` → `202301`). Both `2022` and `202212` therefore train 2023-01.
   */
  readonly fromMonth?: number;
  /**
   * Monthly cumulative data (§1.7 carried over to months): `all` (default) = every month up to the trained one, from
   * 2014-03; `sinceBranch` = only the months after the yearly step the chain branched off (`branchYear`).
   */
  readonly monthlyData?: MonthlyData;
  /** The yearly step a monthly chain branched off; default `fromMonth` when that is a year. For `sinceBranch`. */
  readonly branchYear?: number;
  /** The previous step's final checkpoint (`…/checkpoints/epoch_latest.pt` or an HF `checkpoints/YEAR.pt`). */
  readonly checkpoint?: string | null;
  readonly scale: TicScale;
  /** `basic` or `bestpool` (§4.4); goes into the experiment name and the W&B project. */
  readonly filtering: string;
  /** The ml-tic-clip checkout: train.py runs from its `datacomp/` (§0). */
  readonly checkout: string;
  /**
   * `$TIC_DATACOMP_Y_PATH/train`: it holds one folder of `*.tar` shards per year (§4.3); monthly,
   * `$TIC_DATACOMP_M_PATH/train` with one folder per month (`{YYYYMM}`).
   */
  readonly dataRoot: string;
  /** An ImageNet val ImageFolder for the zero-shot eval after epochs 2, 4, 5 (§1.1, §2.4). */
  readonly imagenetVal: string;
  /** `--output_dir`: the experiment goes to `<outputDir>/<expName>/` (§1.5). */
  readonly outputDir: string;
  readonly nprocPerNode: number;
  /** torchrun `--max_restarts`; left out when undefined (see the restart warning of §1.4). */
  readonly maxRestarts?: number;
  /** Default: 0 when continuing (the public scripts), the scale's own warmup when training from scratch (§1.2). */
  readonly warmup?: number;
  /** `--data_weights`, one per data dir in `dataDirs` order (newest year first; §4.5). */
  readonly dataWeights?: readonly number[];
  /** Adds `--report_to_wandb --wandb_project_name`; the project defaults to the scripts' name. */
  readonly wandb?: { readonly project?: string };
  /** The torchrun executable; default `torchrun` (found on PATH by the launcher). */
  readonly torchrun?: string;
  /**
   * A method variant (another lr, replay mix, regularizer… started from the same checkpoint): the generated name
   * becomes `datacomp_{scale}-{filtering}_{strategy}_{variant}_{year}` (monthly `…_{variant}_m{YYYYMM}`), so the variant's steps keep its name and
   * stay apart from the baseline's (§7.1). A slug: letters, digits, `.`, `+`, `-` (variantName.ts).
   */
  readonly variant?: string;
  /**
   * Overrides the generated `datacomp_{scale}-{filtering}_{strategy}[_{variant}]_{year}` (monthly `…_m{YYYYMM}`;
   * unique per step, §7.1).
   */
  readonly expName?: string;
  /** More train.py arguments, appended last; flags the plan owns or rejects are refused. */
  readonly extraArgs?: readonly string[];
}

/** Which months a monthly cumulative step trains on (see ResumeRequest.monthlyData). */
export type MonthlyData = 'all' | 'sinceBranch';

export interface ResumePlan extends CommandPlan {
  readonly strategy: TicStrategy;
  readonly scale: TicScale;
  readonly filtering: string;
  /** `yearly` or `monthly` (then `trainMonth` is set). */
  readonly timescale: TicTimescale;
  /** The step this command trains; monthly, the calendar year of `trainMonth`. */
  readonly trainYear: number;
  /** Monthly: the month this command trains (`YYYYMM`); null for a yearly step. */
  readonly trainMonth: number | null;
  /** Monthly cumulative: which months it trains on; null otherwise. */
  readonly monthlyData: MonthlyData | null;
  /** True for the first step and the oracle: no `--resume`, no `--new_run`. */
  readonly fromScratch: boolean;
  readonly checkpoint: string | null;
  readonly expName: string;
  /** The request's variant, null without one. */
  readonly variant: string | null;
  /** `<outputDir>/<expName>`: must not exist before launch (§1.4). */
  readonly expDir: string;
  /** The `--data_dir` parts, newest year (month) first. */
  readonly dataDirs: readonly string[];
  /** The year (`YYYY`) or month (`YYYYMM`) of each `dataDirs` part, in the same order. */
  readonly dataSteps: readonly number[];
  readonly outputDir: string;
  readonly imagenetVal: string;
  /** The model the scale trains, which the checkpoint must match (§1.2). */
  readonly model: ClipModelName;
  readonly maxRestarts: number | null;
}

/**
 * The exact torchrun command for the next TiC training step (contracts §1.4 "How the TIC scripts continue",
 * §1.7), as argv:
 *
 *   torchrun --nproc_per_node N --nnodes 1 [--max_restarts K] train.py --scale S --data_dir D1::D2…
 *     --output_dir O --exp_name E --imagenet_val P --save_frequency 1 [--new_run] --warmup W
 *     [--train_num_samples 7×samples (oracle)] [--resume CKPT] [--data_weights w1::w2…]
 *     [--report_to_wandb --wandb_project_name X]
 *
 * with cwd `<checkout>/datacomp`. What it leaves out on purpose: `--dataset_resampled` (a no-op, resampling is
 * always on) and `--blur_field` (crashes OpenCLIP @73fa7f0) (§7.3); the scripts' `--rdzv_*` flags (single node).
 * Pure: nothing is read from disk; validateResumePlan checks the files before launch.
 */
export function planResume(request: ResumeRequest): ResumePlan {
  const config = ticScaleConfigs[request.scale];
  if (config === undefined) throw new PlanError('invalidOption', `unknown scale '${String(request.scale)}'`);
  const { strategy } = request;
  const timescale = request.timescale ?? 'yearly';
  if (timescale !== 'yearly' && timescale !== 'monthly') {
    throw new PlanError('invalidOption', `timescale must be yearly or monthly, got '${String(timescale)}'`);
  }
  const month = timescale === 'monthly' ? monthlyTarget(request) : null;
  const trainYear = month === null ? targetYear(strategy, request.fromYear) : yearOfMonth(month.train);
  const fromScratch = month === null && (strategy === 'oracle' || trainYear === firstStepYear);
  const checkpoint = request.checkpoint ?? null;
  if (fromScratch && checkpoint !== null) {
    throw new PlanError(
      'checkpointNotAllowed',
      strategy === 'oracle'
        ? 'the oracle trains from scratch on all years; it takes no checkpoint (contracts §1.7)'
        : `the first step (${firstStepYear}, data 2014–2016) trains from scratch; it takes no checkpoint (contracts §1.7)`,
    );
  }
  if (!fromScratch && checkpoint === null) {
    throw new PlanError(
      'checkpointRequired',
      month === null
        ? `training ${strategy} ${trainYear} continues from the ${trainYear - 1} checkpoint: give its absolute path (contracts §1.4)`
        : `training ${strategy} ${formatMonth(month.train)} continues from the ${formatTimeStep(month.from)} checkpoint: give its absolute path (contracts §1.4)`,
    );
  }
  requireAbsolute('checkout', request.checkout, false);
  requireAbsolute('dataRoot', request.dataRoot, true);
  requireAbsolute('imagenetVal', request.imagenetVal, true);
  requireAbsolute('outputDir', request.outputDir, true);
  if (checkpoint !== null) requireAbsolute('checkpoint', checkpoint, true);
  if (!/^[A-Za-z0-9]+$/.test(request.filtering)) {
    throw new PlanError(
      'invalidOption',
      `filtering '${request.filtering}' must be a single word such as basic or bestpool`,
    );
  }
  requireInteger('nprocPerNode', request.nprocPerNode, 1);
  if (request.maxRestarts !== undefined) requireInteger('maxRestarts', request.maxRestarts, 0);
  const warmup = request.warmup ?? (fromScratch ? config.warmup : 0);
  requireInteger('warmup', warmup, 0);

  const variant = request.variant ?? null;
  if (variant !== null) checkVariantName(variant);
  const stepName = month === null ? String(trainYear) : `m${month.train}`;
  const expName =
    request.expName ??
    `datacomp_${config.nameWord}-${request.filtering}_${strategy}_${variant === null ? '' : `${variant}_`}${stepName}`;
  if (!/^[\w.+-]+$/.test(expName)) {
    throw new PlanError(
      'invalidOption',
      `experiment name '${expName}' must be one path segment of letters, digits, _ . + -`,
    );
  }
  const root = trimTrailingSlashes(request.dataRoot);
  const dataRoot = root === '/' ? '' : root;
  // The scripts' form: `${data_dir}/2017/::${data_dir}/2016/::…`, newest year first (§1.7); months alike.
  const dataSteps = month === null ? stepDataYears(strategy, trainYear) : month.data;
  const dataDirs = dataSteps.map((step) => `${dataRoot}/${step}/`);
  const outputDir = trimTrailingSlashes(request.outputDir);

  const args: string[] = [
    '--scale',
    request.scale,
    '--data_dir',
    dataDirs.join('::'),
    '--output_dir',
    outputDir,
    '--exp_name',
    expName,
    '--imagenet_val',
    request.imagenetVal,
    '--save_frequency',
    '1',
  ];
  if (!fromScratch) args.push('--new_run');
  args.push('--warmup', String(warmup));
  if (strategy === 'oracle') args.push('--train_num_samples', String(config.trainNumSamples * oracleSampleFactor));
  if (!fromScratch && checkpoint !== null) args.push('--resume', checkpoint);
  if (request.dataWeights !== undefined)
    args.push('--data_weights', dataWeightsArg(request.dataWeights, dataDirs.length));
  if (request.wandb !== undefined) {
    const project =
      request.wandb.project ??
      (strategy === 'oracle'
        ? `tic-datacomp-${request.scale}-${request.filtering}-oracle`
        : `tic-datacomp-${request.scale}-${request.filtering}-${strategy}-${stepName}`);
    args.push('--report_to_wandb', '--wandb_project_name', project);
  }
  args.push(...checkedExtraArgs(request.extraArgs ?? []));

  const launcher = [request.torchrun ?? 'torchrun', '--nproc_per_node', String(request.nprocPerNode), '--nnodes', '1'];
  if (request.maxRestarts !== undefined) launcher.push('--max_restarts', String(request.maxRestarts));
  return {
    argv: [...launcher, 'train.py', ...args],
    cwd: join(request.checkout, 'datacomp'),
    // train.py prints `Done training.` / `Error running training. Exiting.` to stdout (§1.6): unbuffered, so they
    // arrive when they happen rather than when the pipe buffer fills.
    env: { PYTHONUNBUFFERED: '1' },
    strategy,
    scale: request.scale,
    filtering: request.filtering,
    timescale,
    trainYear,
    trainMonth: month === null ? null : month.train,
    monthlyData: month === null ? null : month.monthlyData,
    fromScratch,
    checkpoint: fromScratch ? null : checkpoint,
    expName,
    variant,
    expDir: `${outputDir}/${expName}`,
    dataDirs,
    dataSteps,
    outputDir,
    imagenetVal: request.imagenetVal,
    model: config.model,
    maxRestarts: request.maxRestarts ?? null,
  };
}

/** Flags train.py must never get from us (§7.3), and flags the plan sets itself. */
const rejectedFlags: Readonly<Record<string, string>> = {
  '--blur_field': 'OpenCLIP @73fa7f0 has no --blur-field argument: argparse exits (contracts §1.1, §7.3)',
  '--dataset_resampled': 'a no-op: datacomp always passes --dataset-resampled (contracts §1.1, §7.3)',
  '--use_cached_shards': 'defined but unused by train.py (contracts §1.1, §7.3)',
};
const ownedFlags = new Set([
  '--scale',
  '--data_dir',
  '--output_dir',
  '--exp_name',
  '--imagenet_val',
  '--save_frequency',
  '--new_run',
  '--warmup',
  '--train_num_samples',
  '--resume',
  '--data_weights',
  '--report_to_wandb',
  '--wandb_project_name',
]);

function checkedExtraArgs(extra: readonly string[]): string[] {
  for (const arg of extra) {
    const flag = arg.split('=')[0]!;
    const why = rejectedFlags[flag];
    if (why !== undefined) throw new PlanError('rejectedFlag', `${flag} is refused: ${why}`);
    if (ownedFlags.has(flag)) throw new PlanError('invalidOption', `${flag} is set by the plan itself; use its option`);
  }
  return [...extra];
}

function targetYear(strategy: TicStrategy, fromYear: number | undefined): number {
  if (strategy === 'oracle') {
    if (fromYear !== undefined && fromYear !== lastStepYear - 1) {
      throw new PlanError(
        'yearOutOfRange',
        `the oracle trains once on 2014–${lastStepYear} (contracts §1.7); --from must be ${lastStepYear - 1} or left out`,
      );
    }
    return lastStepYear;
  }
  if (
    fromYear === undefined ||
    !Number.isInteger(fromYear) ||
    fromYear < firstStepYear - 1 ||
    fromYear >= lastStepYear
  ) {
    throw new PlanError(
      'yearOutOfRange',
      `the year to continue from must be ${firstStepYear - 1}…${lastStepYear - 1} (training steps are ${firstStepYear}…${lastStepYear}, contracts §4.2); got ${String(fromYear)}`,
    );
  }
  return fromYear + 1;
}

interface MonthlyTarget {
  /** The step of the checkpoint: a month, or the yearly step the chain branches off. */
  readonly from: number;
  readonly train: number;
  readonly monthlyData: MonthlyData | null;
  /** The months of `--data_dir`, newest first. */
  readonly data: number[];
}

/**
 * The month a monthly step trains and its data months (contracts §3.4, §4.3): sequential the month alone;
 * cumulative every month up to it (`all`), or the months after the branch year (`sinceBranch`), newest first.
 * Our reading of the TIC README's "the same commands" for months (contracts §1.7).
 */
function monthlyTarget(request: ResumeRequest): MonthlyTarget {
  const { strategy, fromMonth } = request;
  if (strategy === 'oracle') {
    throw new PlanError(
      'invalidOption',
      'the oracle trains once on all years (contracts §1.7): there is no monthly oracle step',
    );
  }
  const kind = fromMonth === undefined ? null : timescaleOfStep(fromMonth);
  let train: number | null;
  if (fromMonth !== undefined && kind === 'yearly') {
    if (fromMonth < firstStepYear || fromMonth > lastStepYear) {
      throw new PlanError(
        'monthOutOfRange',
        `a monthly chain branches off a yearly step ${firstStepYear}…${lastStepYear} (contracts §4.2); got ${fromMonth}`,
      );
    }
    train = firstMonthAfterYear(fromMonth);
  } else if (fromMonth !== undefined && kind === 'monthly' && isTicMonth(fromMonth)) {
    train = nextMonth(fromMonth);
    if (train === null) {
      throw new PlanError(
        'monthOutOfRange',
        `${formatMonth(fromMonth)} is the last TiC-DataComp month (contracts §3.4): there is no next month to train`,
      );
    }
  } else {
    throw new PlanError(
      'monthOutOfRange',
      `the step to continue from must be a TiC-DataComp month (YYYYMM, 201403…${lastTicMonth} with gaps, contracts §3.4) or a yearly step ${firstStepYear}…${lastStepYear}; got ${String(fromMonth)}`,
    );
  }
  if (train === null) throw new PlanError('monthOutOfRange', `no TiC-DataComp month follows ${String(fromMonth)}`);
  const upTo = ticMonths.filter((m) => m <= train).reverse();
  if (strategy === 'sequential') {
    if (request.monthlyData !== undefined) {
      throw new PlanError(
        'invalidOption',
        'the monthly data choice (all months or months since the branch point) is for cumulative steps only',
      );
    }
    return { from: fromMonth, train, monthlyData: null, data: [train] };
  }
  const monthlyData = request.monthlyData ?? 'all';
  if (monthlyData === 'all') return { from: fromMonth, train, monthlyData, data: upTo };
  if (monthlyData !== 'sinceBranch') {
    throw new PlanError('invalidOption', `monthly data must be all or sinceBranch, got '${String(monthlyData)}'`);
  }
  const branchYear = request.branchYear ?? (kind === 'yearly' ? fromMonth : undefined);
  if (branchYear === undefined) {
    throw new PlanError(
      'invalidOption',
      `months since the branch point need the yearly step the chain branched off (continuing from ${formatMonth(fromMonth)})`,
    );
  }
  if (kind === 'yearly' && branchYear !== fromMonth) {
    throw new PlanError(
      'invalidOption',
      `a chain that branches off the ${fromMonth} step has ${fromMonth} as its branch point, not ${branchYear}`,
    );
  }
  const firstAfter = Number.isInteger(branchYear) ? firstMonthAfterYear(branchYear) : null;
  if (branchYear < firstStepYear || branchYear > lastStepYear || firstAfter === null || firstAfter > train) {
    throw new PlanError(
      'monthOutOfRange',
      `the branch point must be a yearly step ${firstStepYear}…${lastStepYear} before ${formatMonth(train)}; got ${String(branchYear)}`,
    );
  }
  return { from: fromMonth, train, monthlyData, data: upTo.filter((m) => m >= firstAfter) };
}

const remoteUrl = /^[a-z][\w+.-]*:\/\//i;

/** Local absolute paths (POSIX or Windows) or, where train.py reads through fsspec/cloudpathlib, a URL. */
function requireAbsolute(name: string, value: string, remoteAllowed: boolean): void {
  if (typeof value !== 'string' || value === '') throw new PlanError('invalidOption', `${name} is required`);
  if (remoteAllowed && remoteUrl.test(value)) return;
  if (value.startsWith('/') || /^[A-Za-z]:[\\/]/.test(value)) return;
  throw new PlanError(
    'pathNotAbsolute',
    `${name} must be an absolute path (train.py runs in datacomp/), got '${value}'`,
  );
}

function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new PlanError('invalidOption', `${name} must be a whole number ≥ ${min}, got ${String(value)}`);
  }
}

function dataWeightsArg(weights: readonly number[], dirs: number): string {
  if (weights.length !== dirs) {
    throw new PlanError(
      'invalidOption',
      `--data_weights needs one weight per data dir (${dirs}), got ${weights.length}`,
    );
  }
  for (const w of weights) {
    if (!Number.isFinite(w) || w < 0)
      throw new PlanError('invalidOption', `data weight ${String(w)} is not a number ≥ 0`);
  }
  return weights.map((w) => String(w)).join('::');
}

function trimTrailingSlashes(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}
