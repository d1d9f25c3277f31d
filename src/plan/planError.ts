/**
 * A request that cannot become a command at all (contracts §1.4, §1.7): the plan functions throw it. Problems that
 * only the file system can reveal are PlanProblems from the validators instead.
 */
export type PlanErrorReason =
  /** The year is outside the TiC timeline (training steps 2016…2022, §4.2). */
  | 'yearOutOfRange'
  /** A monthly step whose month is not one of the TiC months (§3.4), or one with no month after it. */
  | 'monthOutOfRange'
  /** A continual step (cumulative/sequential after 2016) without the previous step's checkpoint. */
  | 'checkpointRequired'
  /** A checkpoint given where the step trains from scratch (the first step, the oracle). */
  | 'checkpointNotAllowed'
  /** A relative checkpoint or directory path where train.py/evaluate.py need an absolute one. */
  | 'pathNotAbsolute'
  /** A value that is not what the option takes (a GPU count of 0, a data weight that is not a number…). */
  | 'invalidOption'
  /** A flag the plan refuses to emit (`--blur_field`, `--dataset_resampled`, §7.3). */
  | 'rejectedFlag';

export class PlanError extends Error {
  override readonly name = 'PlanError';

  constructor(
    readonly reason: PlanErrorReason,
    message: string,
  ) {
    super(message);
  }

  static is(value: unknown, reason?: PlanErrorReason): value is PlanError {
    return value instanceof PlanError && (reason === undefined || value.reason === reason);
  }
}
