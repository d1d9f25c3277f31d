import type { LogSummary } from '../formats/logSummary';
import { highestSavedEpoch, type CheckpointFile } from '../formats/checkpointFiles';

/**
 * - `finished`: the last epoch is done (`epoch_{epochs}.pt` exists, or the last train step is the final batch of
 *   the last epoch), or `Done training.` came after the last epoch;
 * - `failed`: the latest start logged an error: a Python traceback, OpenCLIP's "Experiment already exists"
 *   (trained nothing, §1.4), datacomp's "Error running training", or `Done training.` before the last epoch;
 * - `incomplete`: started, not finished, no error seen: still running or killed (`logModifiedMs` tells which is
 *   likelier; only the supervisor knows for sure);
 * - `notStarted`: no out.log and no checkpoint.
 */
export type RunStatus = 'finished' | 'failed' | 'incomplete' | 'notStarted';

export interface RunStatusInfo {
  readonly status: RunStatus;
  /** One sentence: why this status. */
  readonly reason: string;
  /** Completed epochs, from checkpoints and the log. */
  readonly epochsDone: number;
  /** params.txt `epochs` (datacomp's --num_checkpoints). */
  readonly epochsPlanned: number | null;
  /** The last train step seen: 0-based epoch, percent of it, timestamp. */
  readonly lastStep: { readonly epoch: number; readonly percent: number; readonly timestamp: string } | null;
  /** The line of the first train step whose loss is NaN/inf, when there is one. */
  readonly nonFiniteLossLine: number | null;
  readonly logModifiedMs: number | null;
}

export interface RunStatusInput {
  /** Summary of out.log (or its tail), or of captured output; null when there is none. */
  readonly log: LogSummary | null;
  readonly logModifiedMs: number | null;
  readonly epochsPlanned: number | null;
  readonly checkpoints: readonly CheckpointFile[];
}

export function deriveRunStatus(input: RunStatusInput): RunStatusInfo {
  const { log, epochsPlanned } = input;
  const last = log?.lastStep ?? null;
  const fromLog = last === null ? 0 : last.samplesSeen >= last.samplesPerEpoch ? last.epoch + 1 : last.epoch;
  const epochsDone = Math.max(highestSavedEpoch(input.checkpoints), fromLog);
  const base = {
    epochsDone,
    epochsPlanned,
    lastStep: last === null ? null : { epoch: last.epoch, percent: last.percent, timestamp: last.timestamp },
    nonFiniteLossLine: log?.firstNonFiniteLoss?.line ?? null,
    logModifiedMs: input.logModifiedMs,
  };
  if (log === null && input.checkpoints.length === 0) {
    return { ...base, status: 'notStarted', reason: 'no out.log and no checkpoint yet' };
  }
  const run = log?.runs[log.runs.length - 1] ?? null;
  const error = run?.errors[run.errors.length - 1] ?? null;
  if (error !== null) {
    const what =
      error.type === 'traceback'
        ? `${error.exceptionType ?? 'a traceback'}${error.message ? `: ${error.message}` : ''}`
        : error.kind === 'experimentExists'
          ? 'OpenCLIP found the experiment already there and trained nothing (contracts §1.4)'
          : 'datacomp reported "Error running training"';
    return { ...base, status: 'failed', reason: `line ${error.line}: ${what}` };
  }
  const reached = epochsPlanned !== null && epochsDone >= epochsPlanned;
  if (reached) {
    return { ...base, status: 'finished', reason: `all ${epochsPlanned} epochs done` };
  }
  if (run?.done) {
    if (epochsPlanned === null) return { ...base, status: 'finished', reason: 'train.py printed "Done training."' };
    return {
      ...base,
      status: 'failed',
      reason: `"Done training." after ${epochsDone} of ${epochsPlanned} epochs: nothing more was trained (contracts §1.4)`,
    };
  }
  const where = last === null ? 'before the first train step' : `at epoch ${last.epoch + 1}, ${last.percent}%`;
  return {
    ...base,
    status: 'incomplete',
    reason: `${epochsDone}${epochsPlanned === null ? '' : ` of ${epochsPlanned}`} epochs done; the log stops ${where} (running, or stopped)`,
  };
}
