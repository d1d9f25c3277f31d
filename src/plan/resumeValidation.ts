import { join } from 'node:path';
import type { CheckpointReport } from '../checkpoint/report';
import { checkCheckpointModel } from './checkpointCheck';
import { hasTarShards, isRemotePath, pathKind } from '../shared/pathProbe';
import type { PlanProblem } from './planProblem';
import { protocolPlanProblems } from './protocolPlanCheck';
import type { ResumePlan } from './resumePlan';
import { formatMonth } from '../tic/ticMonths';

export interface ValidationDeps {
  /** Reads a checkpoint's structure (never its tensors); default inspectCheckpoint. */
  readonly inspect?: (path: string) => Promise<CheckpointReport>;
}

/**
 * What must hold on disk before a training step is launched (contracts §1.4, §1.7, §7). Errors:
 * - the checkout: `datacomp/train.py` in the plan's cwd;
 * - the checkpoint exists, is an OpenCLIP checkpoint (a state dict of CLIP shapes), and its architecture is the
 *   scale's model (tic_medium → ViT-B-32, tic_large/tic_xlarge → ViT-B-16; §1.2), read with inspectCheckpoint
 *   from the pickle alone;
 * - every data dir exists and holds `*.tar` shards (a monthly step's problems name the month);
 * - `<outputDir>/<expName>` does not exist: an explicit `--resume` into an existing experiment trains nothing and
 *   still prints `Done training.` (§1.4, §7.1);
 * - the ImageNet val folder exists (train.py would fail at start-up).
 * Warning: torchrun restarts with an explicit `--resume` hit that same trap once out.log exists (§1.4).
 * Remote (`s3://`) paths cannot be checked here and give one warning each.
 * Warnings too: what would make the step not comparable to the paper's (protocolPlanCheck.ts, contracts §9).
 */
export async function validateResumePlan(plan: ResumePlan, deps: ValidationDeps = {}): Promise<PlanProblem[]> {
  const problems: PlanProblem[] = [];
  const trainPy = join(plan.cwd, 'train.py');
  if ((await pathKind(trainPy)) !== 'file') {
    problems.push({
      reason: 'checkoutNotFound',
      severity: 'error',
      message: `${trainPy} not found: point --checkout at an ml-tic-clip checkout with the patched datacomp (contracts §0)`,
      path: trainPy,
    });
  }
  if (plan.checkpoint !== null) {
    problems.push(
      ...(await checkCheckpointModel(plan.checkpoint, plan.model, `${plan.scale} trains ${plan.model}`, deps.inspect)),
    );
  }
  for (const [i, dir] of plan.dataDirs.entries()) {
    const month = plan.timescale === 'monthly' ? plan.dataSteps[i] : undefined;
    if (isRemotePath(dir)) {
      problems.push(remote(dir, 'data dir'));
      continue;
    }
    const kind = await pathKind(dir);
    if (month !== undefined && kind !== 'dir') {
      problems.push({
        reason: 'dataDirNotFound',
        severity: 'error',
        message: `no data for ${formatMonth(month)}: ${dir} ${kind === null ? 'does not exist' : 'is not a folder'} (expected $TIC_DATACOMP_M_PATH/train/${month}/, contracts §4.3)`,
        path: dir,
      });
    } else if (month !== undefined && !(await hasTarShards(dir))) {
      problems.push({
        reason: 'dataDirHasNoShards',
        severity: 'error',
        message: `no data for ${formatMonth(month)}: ${dir} holds no *.tar shards (reshard the month first, contracts §4.3)`,
        path: dir,
      });
    } else if (kind !== 'dir') {
      problems.push({
        reason: 'dataDirNotFound',
        severity: 'error',
        message: `data dir ${dir} ${kind === null ? 'does not exist' : 'is not a folder'} (expected $TIC_DATACOMP_Y_PATH/train/YEAR/, contracts §4.3)`,
        path: dir,
      });
    } else if (!(await hasTarShards(dir))) {
      problems.push({
        reason: 'dataDirHasNoShards',
        severity: 'error',
        message: `data dir ${dir} holds no *.tar shards (reshard the year first, contracts §4.3)`,
        path: dir,
      });
    }
  }
  if (isRemotePath(plan.expDir)) {
    problems.push(remote(plan.expDir, 'experiment dir'));
  } else if ((await pathKind(plan.expDir)) !== null) {
    problems.push({
      reason: 'experimentExists',
      severity: 'error',
      message: `${plan.expDir} already exists: with an explicit --resume, OpenCLIP prints "Error. Experiment already exists", trains nothing and datacomp still prints "Done training." (contracts §1.4). Choose another --exp-name or --output-dir.`,
      path: plan.expDir,
    });
  }
  const { imagenetVal } = plan;
  if (isRemotePath(imagenetVal)) {
    problems.push(remote(imagenetVal, 'ImageNet val folder'));
  } else if ((await pathKind(imagenetVal)) !== 'dir') {
    problems.push({
      reason: 'imagenetValNotFound',
      severity: 'error',
      message: `ImageNet val folder ${imagenetVal} not found (an ImageFolder of the val set, contracts §1.1)`,
      path: imagenetVal,
    });
  }
  if (!plan.fromScratch && plan.maxRestarts !== null && plan.maxRestarts > 0) {
    problems.push({
      reason: 'restartsReuseExperiment',
      severity: 'warning',
      message: `--max_restarts ${plan.maxRestarts} with an explicit --resume: a restart after out.log exists hits "Experiment already exists" and trains nothing (contracts §1.4)`,
    });
  }
  problems.push(...protocolPlanProblems(plan));
  return problems;
}

function remote(path: string, what: string): PlanProblem {
  return {
    reason: 'remotePathNotChecked',
    severity: 'warning',
    message: `${what} ${path} is remote: not checked`,
    path,
  };
}
