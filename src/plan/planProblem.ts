/**
 * What a validator found wrong before launch (contracts §1.4, §3.2, §7): a reason for code, a sentence for people.
 * `error` blocks the launch; `warning` is worth reading but the command can run.
 */
export type PlanProblemReason =
  | 'checkoutNotFound'
  | 'checkpointNotFound'
  | 'checkpointUnreadable'
  | 'notOpenClipCheckpoint'
  | 'architectureUnknown'
  | 'architectureMismatch'
  | 'dataDirNotFound'
  | 'dataDirHasNoShards'
  | 'remotePathNotChecked'
  | 'experimentExists'
  | 'restartsReuseExperiment'
  | 'imagenetValNotFound'
  | 'evalOutputHasOtherResults'
  | 'unknownTaskGroup'
  /** The step would not be comparable to TiC-CLIP's (another budget, warmup, data weighting…; contracts §9). */
  | 'notComparable';

export interface PlanProblem {
  readonly reason: PlanProblemReason;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  /** The file or directory concerned, when there is one. */
  readonly path?: string;
}

export function hasBlockingProblem(problems: readonly PlanProblem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}
