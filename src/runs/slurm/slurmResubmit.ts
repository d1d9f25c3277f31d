import { slurmStateMeaning, type SlurmJobState } from '../model/slurmJobState';
import type { RunKind } from '../model/runPlan';

export interface ResubmitInput {
  readonly state: SlurmJobState;
  readonly kind: RunKind;
  readonly autoResume: boolean;
  readonly resubmits: number;
  readonly maxResubmits: number;
  readonly stopRequested: boolean;
  /** The job saved a checkpoint (`epoch_latest.pt` newer than its submission). */
  readonly progressed: boolean;
}

export type ResubmitDecision = { readonly resubmit: true } | { readonly resubmit: false; readonly why?: string };

/**
 * Whether an ended job is submitted again (auto-resume, contracts §1.4: the script then continues the experiment
 * with `--resume latest`). Only training, only when the run asked for it, only after an end that is not the job's
 * fault (preempted, time limit, node or boot failure), never after a stop, at most maxResubmits times; and a job
 * that hit its time limit without saving a checkpoint is not retried: the next one would end the same way.
 */
export function resubmitDecision(input: ResubmitInput): ResubmitDecision {
  if (!slurmStateMeaning(input.state).retryable) return { resubmit: false };
  if (input.kind !== 'train' || input.stopRequested) return { resubmit: false };
  if (!input.autoResume) return { resubmit: false, why: 'auto-resume is off (ticStudio.slurm.autoResume)' };
  if (input.resubmits >= input.maxResubmits)
    return { resubmit: false, why: `auto-resume gave up after ${input.resubmits} resubmissions` };
  if (input.state === 'TIMEOUT' && !input.progressed)
    return {
      resubmit: false,
      why: 'not resubmitted: the job reached its time limit without saving a checkpoint; raise --time',
    };
  return { resubmit: true };
}
