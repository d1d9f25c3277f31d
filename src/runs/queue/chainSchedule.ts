import type { RunRecord } from '../model/runRecord';
import type { RunPlan } from '../model/runPlan';

/**
 * One year of "Continue the chain to 2022". The plans are builders, called only when the step is about to run:
 * a continual step's train plan needs the previous step's checkpoint (path + sha256), which exists only once that
 * step has trained, and its eval plan needs this step's checkpoint.
 */
export interface ScheduledStep {
  readonly year: number;
  readonly train: () => Promise<RunPlan>;
  readonly eval?: () => Promise<RunPlan>;
  readonly gpus: readonly number[];
}

export type ChainPhase = 'train' | 'eval';

export type ChainStepEvent =
  /** The plan was handed to the queue (it may wait there for its GPUs). */
  | { readonly type: 'submitted'; readonly year: number; readonly phase: ChainPhase; readonly ticket?: string }
  | { readonly type: 'started'; readonly year: number; readonly phase: ChainPhase; readonly record: RunRecord }
  | { readonly type: 'ended'; readonly year: number; readonly phase: ChainPhase; readonly record: RunRecord };

export interface ChainScheduleDeps {
  /** A GpuQueue's submit (or anything with its shape). */
  submit(
    plan: RunPlan,
    gpus: readonly number[],
  ): { readonly id?: string; readonly started: Promise<RunRecord>; readonly ended: Promise<RunRecord> };
  /** A GpuQueue's cancel: with it, an abort also withdraws a step still waiting for its GPUs. */
  cancel?(ticket: string): boolean;
  /** Abort: no further phase is submitted; a run already started is left to the caller to stop. */
  signal?: AbortSignal;
  onStep?(event: ChainStepEvent): void;
}

export interface ChainFailure {
  readonly year: number;
  /** `plan`: a plan builder threw (`error`); train/eval: the run did not succeed (`record`) or could not start (`error`). */
  readonly phase: ChainPhase | 'plan';
  readonly record?: RunRecord;
  readonly error?: unknown;
}

export interface ScheduleResult {
  /** Years whose train and (when given) eval both succeeded, in order. */
  readonly completed: number[];
  /** The first failure; the schedule stopped there. null when none. */
  readonly failedAt: ChainFailure | null;
  /**
   * The signal ended the schedule before every step ran. A run that then ended not succeeded (typically
   * `stopped`, because the caller stopped it) counts as cancelled, not as a failure.
   */
  readonly cancelled: boolean;
}

/**
 * Runs the steps one after the other: train(year), then eval(year) if it succeeded, then the next year. Stops at
 * the first failure (a builder that throws, a run that cannot start, a run whose status is not `succeeded`) or
 * when the signal aborts. The abort is checked before every phase, eval included: an abort means "schedule
 * nothing more", and the eval of a trained year can be started on its own later.
 */
export async function runChainSchedule(
  steps: readonly ScheduledStep[],
  deps: ChainScheduleDeps,
): Promise<ScheduleResult> {
  const completed: number[] = [];
  const aborted = () => deps.signal?.aborted === true;
  const cancelled = (): ScheduleResult => ({ completed, failedAt: null, cancelled: true });
  const failed = (failure: ChainFailure): ScheduleResult => ({ completed, failedAt: failure, cancelled: false });

  for (const step of steps) {
    const phases: Array<[ChainPhase, () => Promise<RunPlan>]> = [['train', step.train]];
    if (step.eval !== undefined) phases.push(['eval', step.eval]);
    for (const [phase, build] of phases) {
      if (aborted()) return cancelled();
      let plan: RunPlan;
      try {
        plan = await build();
      } catch (error) {
        return failed({ year: step.year, phase: 'plan', error });
      }
      // The builder may have taken a while (hashing a checkpoint): look again before starting anything.
      if (aborted()) return cancelled();
      const outcome = await runPhase(plan, step, phase, deps);
      if (outcome.kind === 'cancelled') return cancelled();
      if (outcome.kind === 'error') return failed({ year: step.year, phase, error: outcome.error });
      if (outcome.record.status !== 'succeeded') {
        if (aborted()) return cancelled();
        return failed({ year: step.year, phase, record: outcome.record });
      }
    }
    completed.push(step.year);
  }
  return { completed, failedAt: null, cancelled: false };
}

type PhaseOutcome = { kind: 'ended'; record: RunRecord } | { kind: 'error'; error: unknown } | { kind: 'cancelled' };

async function runPhase(
  plan: RunPlan,
  step: ScheduledStep,
  phase: ChainPhase,
  deps: ChainScheduleDeps,
): Promise<PhaseOutcome> {
  const submission = deps.submit(plan, step.gpus);
  const ticket = submission.id;
  notify(deps, { type: 'submitted', year: step.year, phase, ...(ticket !== undefined ? { ticket } : {}) });

  // While the phase waits for its GPUs an abort withdraws it, so it cannot start after the user said stop.
  let withdrawn = false;
  const onAbort = () => {
    if (ticket !== undefined && deps.cancel?.(ticket) === true) withdrawn = true;
  };
  deps.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let record: RunRecord;
    try {
      record = await submission.started;
    } catch (error) {
      return withdrawn ? { kind: 'cancelled' } : { kind: 'error', error };
    }
    deps.signal?.removeEventListener('abort', onAbort);
    notify(deps, { type: 'started', year: step.year, phase, record });
    try {
      record = await submission.ended;
    } catch (error) {
      return { kind: 'error', error };
    }
    notify(deps, { type: 'ended', year: step.year, phase, record });
    return { kind: 'ended', record };
  } finally {
    deps.signal?.removeEventListener('abort', onAbort);
  }
}

function notify(deps: ChainScheduleDeps, event: ChainStepEvent): void {
  try {
    deps.onStep?.(event);
  } catch {
    // A listener's bug must not abandon a chain whose run is already going.
  }
}
