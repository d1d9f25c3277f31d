import { join } from 'node:path';
import type { CheckpointReport } from '../checkpoint/report';
import { checkCheckpointModel } from './checkpointCheck';
import type { EvalPlan } from './evalPlan';
import { pathKind } from '../shared/pathProbe';
import type { PlanProblem } from './planProblem';
import { readTrainInfo } from '../formats/trainInfo';

export interface EvalValidationDeps {
  readonly inspect?: (path: string) => Promise<CheckpointReport>;
}

/**
 * Before launching an evaluation (contracts §3.1–3.5, §7.9):
 * - errors: `datacomp/evaluate.py` and `dataset_creation/tic-datacomp/generate_tasklist.py` exist; the checkpoint
 *   is an OpenCLIP checkpoint of `arch`; the data dir exists and has the `tic/datacomp/{yearly|monthly}/eval`
 *   folder of each requested timescale; the output dir does not hold results of *another* checkpoint
 *   (evaluate.py would skip those tasks and keep the old scores, §3.2);
 * - warning: the output dir already has results of this checkpoint (those tasks are skipped, not rerun).
 */
export async function validateEvalPlan(plan: EvalPlan, deps: EvalValidationDeps = {}): Promise<PlanProblem[]> {
  const problems: PlanProblem[] = [];
  const cwd = plan.steps[1].cwd;
  for (const file of [
    join(cwd, 'evaluate.py'),
    join(cwd, '..', 'dataset_creation', 'tic-datacomp', 'generate_tasklist.py'),
  ]) {
    if ((await pathKind(file)) !== 'file') {
      problems.push({
        reason: 'checkoutNotFound',
        severity: 'error',
        message: `${file} not found: point --checkout at an ml-tic-clip checkout (contracts §0, §3.4)`,
        path: file,
      });
    }
  }
  problems.push(...(await checkCheckpointModel(plan.checkpoint, plan.arch, `--arch is ${plan.arch}`, deps.inspect)));
  if ((await pathKind(plan.dataDir)) !== 'dir') {
    problems.push({
      reason: 'dataDirNotFound',
      severity: 'error',
      message: `eval data dir ${plan.dataDir} does not exist (contracts §3.5)`,
      path: plan.dataDir,
    });
  } else {
    const timescales = new Set(plan.taskGroups.map((g) => g.split('/')[1]!));
    for (const timescale of timescales) {
      const dir = join(plan.dataDir, 'tic', 'datacomp', timescale, 'eval');
      if ((await pathKind(dir)) !== 'dir') {
        problems.push({
          reason: 'dataDirNotFound',
          severity: 'error',
          message: `${dir} not found: evaluate.py maps tic/datacomp/{family}/${timescale}/P to DATA/tic/datacomp/${timescale}/eval/{family}/P (contracts §3.5)`,
          path: dir,
        });
      }
    }
  }
  problems.push(...(await checkOutputDir(plan)));
  return problems;
}

async function checkOutputDir(plan: EvalPlan): Promise<PlanProblem[]> {
  const kind = await pathKind(plan.outputDir);
  if (kind === null) return [];
  if (kind !== 'dir') {
    return [
      {
        reason: 'evalOutputHasOtherResults',
        severity: 'error',
        message: `${plan.outputDir} exists and is not a folder`,
        path: plan.outputDir,
      },
    ];
  }
  const hasResults = (await pathKind(plan.resultsPath)) === 'file';
  const infoPath = join(plan.outputDir, 'info.pkl');
  let infoCheckpoint: string | null = null;
  if ((await pathKind(infoPath)) === 'file') {
    try {
      infoCheckpoint = (await readTrainInfo(infoPath)).checkpoint;
    } catch {
      infoCheckpoint = null;
    }
  }
  if (infoCheckpoint !== null && infoCheckpoint !== plan.checkpoint) {
    return [
      {
        reason: 'evalOutputHasOtherResults',
        severity: 'error',
        message: `${plan.outputDir} holds the evaluation of ${infoCheckpoint}: evaluate.py would reuse its scores for ${plan.checkpoint} (contracts §3.2, §7.9). Use one output dir per checkpoint.`,
        path: plan.outputDir,
      },
    ];
  }
  if (hasResults) {
    return [
      {
        reason: 'evalOutputHasOtherResults',
        severity: infoCheckpoint === plan.checkpoint ? 'warning' : 'error',
        message:
          infoCheckpoint === plan.checkpoint
            ? `${plan.resultsPath} already has results of this checkpoint: those tasks are skipped (contracts §3.2)`
            : `${plan.resultsPath} exists and its checkpoint is unknown (no readable info.pkl): evaluate.py would skip those tasks with possibly another model's scores (contracts §3.2, §7.9)`,
        path: plan.resultsPath,
      },
    ];
  }
  return [];
}
