import { join } from 'node:path';
import type { CommandPlan } from './commandPlan';
import { PlanError } from './planError';
import { isTicMonth } from '../tic/ticMonths';
import type { TicTimescale } from '../tic/ticTimeStep';

/** The task groups `generate_tasklist.py --eval-tasks` knows (a substring test per group, contracts §3.4). */
export type TicTaskGroup = 'retrieval/yearly' | 'datacompnet/yearly' | 'retrieval/monthly' | 'datacompnet/monthly';

export const ticTaskGroups: readonly TicTaskGroup[] = [
  'retrieval/yearly',
  'datacompnet/yearly',
  'retrieval/monthly',
  'datacompnet/monthly',
];

/** The yearly groups: the 9 × 2 tasks of the train-year × eval-year matrix (§3.6). */
export const defaultTaskGroups: readonly TicTaskGroup[] = ['retrieval/yearly', 'datacompnet/yearly'];

/** The monthly groups: the 102 months × 2 tasks a monthly chain's steps are scored on (§3.4). */
export const monthlyTaskGroups: readonly TicTaskGroup[] = ['retrieval/monthly', 'datacompnet/monthly'];

/** The groups a step is scored on by default: the monthly ones for a step of a monthly chain, else the yearly. */
export function defaultTaskGroupsFor(timescale: TicTimescale): readonly TicTaskGroup[] {
  return timescale === 'monthly' ? monthlyTaskGroups : defaultTaskGroups;
}

/**
 * The timescale an experiment's name says: `monthly` for a monthly step's `…_m{YYYYMM}` (the names planResume
 * gives them, a `_runN` retry suffix allowed), else `yearly`. For a checkpoint known only by its path.
 */
export function timescaleOfExpName(expName: string | null): TicTimescale {
  const m = expName === null ? null : /_m(\d{6})(?:_run\d+)?$/.exec(expName);
  return m !== null && isTicMonth(Number(m[1])) ? 'monthly' : 'yearly';
}

export function isTicTaskGroup(value: string): value is TicTaskGroup {
  return (ticTaskGroups as readonly string[]).includes(value);
}

export interface EvalRequest {
  /** The ml-tic-clip checkout; both commands run in its `datacomp/`. */
  readonly checkout: string;
  /** Absolute path of the checkpoint to score (evaluate.py runs in datacomp/, §6.1: pass the absolute path). */
  readonly checkpoint: string;
  /** OpenCLIP model name: `ViT-B-32` for tic_medium, `ViT-B-16` for the HF models (§1.2, §6.1). */
  readonly arch: string;
  /** One folder per checkpoint (§3.2, §7.9): evaluate.py skips tasks already in its eval_results.jsonl. */
  readonly outputDir: string;
  /** The eval data root: it holds `tic/datacomp/{yearly,monthly}/eval/{retrieval,datacompnet}/PERIOD/` (§3.5). */
  readonly dataDir: string;
  readonly taskGroups?: readonly TicTaskGroup[];
  /** `--sample-eval`: only 2014 and 201403 (a smoke test). */
  readonly sampleEval?: boolean;
  readonly batchSize?: number;
  /** The Python of the `datacomp` conda env; default `python`. */
  readonly python?: string;
}

export interface EvalPlan {
  /** Run in order: write datacomp/tasklist.yml, then evaluate. */
  readonly steps: readonly [CommandPlan, CommandPlan];
  readonly checkpoint: string;
  readonly arch: string;
  readonly outputDir: string;
  readonly dataDir: string;
  readonly taskGroups: readonly TicTaskGroup[];
  /** `<checkout>/datacomp/tasklist.yml`, which step 1 overwrites and step 2 reads. */
  readonly tasklistPath: string;
  /** `<outputDir>/eval_results.jsonl`, where the scores land (§3.3). */
  readonly resultsPath: string;
}

/**
 * The two commands that score one checkpoint on the TiC tasks (contracts §3.1–3.4):
 *
 *   1. python ../dataset_creation/tic-datacomp/generate_tasklist.py --yaml-path tasklist.yml --eval-tasks G1,G2
 *   2. python evaluate.py --train_output_dir OUT --output_dir OUT --use_model "ARCH /abs/ckpt.pt" --data_dir DATA
 *
 * both with cwd `<checkout>/datacomp`: evaluate.py reads the tasklist from its own folder, not from the cwd or an
 * argument, so step 1 must write `datacomp/tasklist.yml` (the TIC README runs it from the repo root, a bug; §3.2).
 * `--use_model` is one argv element: evaluate.py splits it with `split(maxsplit=1)`, so a path with spaces
 * survives. `--skip_hf`/`--skip_db`/`--skip_notification` only matter with `--submit` and are left out.
 * Note: tasklist.yml is shared by every evaluation of the checkout; run evaluations one at a time.
 */
export function planEval(request: EvalRequest): EvalPlan {
  for (const [name, value] of [
    ['checkout', request.checkout],
    ['checkpoint', request.checkpoint],
    ['outputDir', request.outputDir],
    ['dataDir', request.dataDir],
  ] as const) {
    if (typeof value !== 'string' || value === '') throw new PlanError('invalidOption', `${name} is required`);
    if (!value.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(value)) {
      throw new PlanError(
        'pathNotAbsolute',
        `${name} must be an absolute path (evaluate.py runs in datacomp/), got '${value}'`,
      );
    }
  }
  if (!/^[\w.@/-]+$/.test(request.arch)) {
    throw new PlanError(
      'invalidOption',
      `architecture '${request.arch}' must be an OpenCLIP model name such as ViT-B-16`,
    );
  }
  const taskGroups = [...(request.taskGroups ?? defaultTaskGroups)];
  if (taskGroups.length === 0) throw new PlanError('invalidOption', 'at least one task group is needed');
  for (const group of taskGroups) {
    if (!isTicTaskGroup(group)) {
      throw new PlanError(
        'invalidOption',
        `unknown task group '${String(group)}' (one of ${ticTaskGroups.join(', ')})`,
      );
    }
  }
  if (request.batchSize !== undefined && (!Number.isSafeInteger(request.batchSize) || request.batchSize < 1)) {
    throw new PlanError('invalidOption', `batch size must be a whole number ≥ 1, got ${String(request.batchSize)}`);
  }
  const python = request.python ?? 'python';
  const cwd = join(request.checkout, 'datacomp');
  const env = { PYTHONUNBUFFERED: '1' };
  const generate = [
    python,
    '../dataset_creation/tic-datacomp/generate_tasklist.py',
    '--yaml-path',
    'tasklist.yml',
    '--eval-tasks',
    taskGroups.join(','),
  ];
  if (request.sampleEval === true) generate.push('--sample-eval');
  const outputDir = request.outputDir.length > 1 ? request.outputDir.replace(/\/+$/, '') : request.outputDir;
  const evaluate = [
    python,
    'evaluate.py',
    '--train_output_dir',
    outputDir,
    '--output_dir',
    outputDir,
    '--use_model',
    `${request.arch} ${request.checkpoint}`,
    '--data_dir',
    request.dataDir,
  ];
  if (request.batchSize !== undefined) evaluate.push('--batch_size', String(request.batchSize));
  return {
    steps: [
      { argv: generate, cwd, env },
      { argv: evaluate, cwd, env },
    ],
    checkpoint: request.checkpoint,
    arch: request.arch,
    outputDir,
    dataDir: request.dataDir,
    taskGroups,
    tasklistPath: join(cwd, 'tasklist.yml'),
    resultsPath: join(outputDir, 'eval_results.jsonl'),
  };
}
