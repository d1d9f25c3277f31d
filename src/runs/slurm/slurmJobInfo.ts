import type { SlurmJobState } from '../model/slurmJobState';
import type { SlurmRunInfo } from '../model/slurmRunInfo';

/**
 * One job as squeue or sacct reports it, whichever output it came from (squeueOutput.ts, sacctOutput.ts). Values
 * that Slurm only projects are left out: a job that has not ended has no end time, exit code or signal, and one
 * still pending has no start time (Slurm puts the expected start and end there).
 */
export interface SlurmJobInfo {
  /** `123`, an array task `123_4` (or `123_[5-9]` for tasks still pending together), a het component `123+1`. */
  readonly jobId: string;
  readonly state: SlurmJobState;
  /** Why it waits or how it ended (`Priority`, `BeginTime`, `NonZeroExitCode`, `TimeLimit`…); `None` and '' become null. */
  readonly reason: string | null;
  /** Slurm's compressed node list, e.g. `gpu[01-04]`; '', `(null)` and sacct's `None assigned` become null. */
  readonly nodes: string | null;
  /** The batch script's exit status; null when it was killed by a signal, has not ended, or the output has none. */
  readonly exitCode: number | null;
  /** The signal that ended the batch script, e.g. 15 when scancel or the time limit sent SIGTERM. */
  readonly signal: number | null;
  /** How many times Slurm requeued this job (same job id); null where the output does not say. */
  readonly restarts: number | null;
  /** ISO 8601 UTC; null when unknown (`N/A`, `NONE`, `Unknown`, 0) or only projected. */
  readonly startTime: string | null;
  readonly endTime: string | null;
  readonly name: string | null;
}

/** What Slurm says about the run's current job, merged into the record's Slurm part (a good look clears pollError). */
export function mergeJob(info: SlurmRunInfo | undefined, job: SlurmJobInfo): SlurmRunInfo {
  const next = { ...info!, state: job.state };
  delete next.pollError;
  if (job.reason !== null) next.reason = job.reason;
  else delete next.reason;
  if (job.nodes !== null) next.nodes = job.nodes;
  if (job.restarts !== null) next.restarts = job.restarts;
  return next;
}
