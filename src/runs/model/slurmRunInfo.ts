import { parseSlurmState, type SlurmJobState } from './slurmJobState';

/**
 * Why auto-resume did not resubmit a job it otherwise would have (the user is asked instead):
 * - `scriptChanged`: the script in the workspace is not the one TiC Studio wrote (its sha256 differs from the one
 *   kept in the per-user state folder at submission);
 * - `notOurs`: this user's state folder has no claim on the run's job for this workspace and host (a record
 *   brought by a repository or a colleague, or a job submitted by hand);
 * - `scriptUnusable`: the script is gone, or something other than a plain file is in its place.
 */
export type SlurmNotResubmitted = 'scriptChanged' | 'notOurs' | 'scriptUnusable';

const notResubmittedValues: readonly SlurmNotResubmitted[] = ['scriptChanged', 'notOurs', 'scriptUnusable'];

/** What a run record keeps about its Slurm job(s) (RunRecord.slurm; parsed with parseSlurmRunInfo). */
export interface SlurmRunInfo {
  /** The job now following the run; undefined only between writing the record and sbatch's answer. */
  jobId?: string;
  /** Every job id this run has had, oldest first: auto-resume submits the same script again. */
  jobIds: string[];
  /** The sbatch script, as shown before submission (`<id>.sbatch` next to the record). */
  scriptPath: string;
  /** The job's state at the last look, verbatim from Slurm. */
  state?: SlurmJobState;
  /** Slurm's reason for it (`Resources`, `Priority`, `BeginTime`, `NonZeroExitCode`…). */
  reason?: string;
  /** The allocated nodes, Slurm's compressed list (`gpu[01-04]`). */
  nodes?: string;
  /** Slurm's own requeues of the current job (`--requeue`, `scontrol requeue`). */
  restarts?: number;
  /** When the current job was submitted. */
  submittedAt?: string;
  nodesRequested: number;
  gpusPerNode: number;
  partition?: string;
  autoResume: boolean;
  maxResubmits: number;
  /** How many times auto-resume submitted the script again. */
  resubmits: number;
  /** The last failed look at the queue (squeue unreachable…), cleared by the next good one. */
  pollError?: string;
  /** Set when auto-resume refused to submit the script again; the run's failure says why in words. */
  notResubmitted?: SlurmNotResubmitted;
}

const jobId = /^\d+(_\d+)?$/;

/** Untrusted JSON (a record file) → SlurmRunInfo, or undefined when anything is off. */
export function parseSlurmRunInfo(raw: unknown): SlurmRunInfo | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  if (!Array.isArray(r.jobIds) || !r.jobIds.every((j) => typeof j === 'string' && jobId.test(j))) return undefined;
  if (typeof r.scriptPath !== 'string') return undefined;
  if (typeof r.autoResume !== 'boolean') return undefined;
  const counts = ['nodesRequested', 'gpusPerNode', 'maxResubmits', 'resubmits'] as const;
  if (!counts.every((k) => Number.isSafeInteger(r[k]) && (r[k] as number) >= 0)) return undefined;
  const info: SlurmRunInfo = {
    jobIds: [...(r.jobIds as string[])],
    scriptPath: r.scriptPath,
    autoResume: r.autoResume,
    nodesRequested: r.nodesRequested as number,
    gpusPerNode: r.gpusPerNode as number,
    maxResubmits: r.maxResubmits as number,
    resubmits: r.resubmits as number,
  };
  if (r.jobId !== undefined) {
    if (typeof r.jobId !== 'string' || !jobId.test(r.jobId)) return undefined;
    info.jobId = r.jobId;
  }
  if (r.state !== undefined) {
    const state = typeof r.state === 'string' ? parseSlurmState(r.state) : undefined;
    if (state === undefined) return undefined;
    info.state = state;
  }
  for (const key of ['reason', 'nodes', 'partition', 'pollError'] as const) {
    if (r[key] === undefined) continue;
    if (typeof r[key] !== 'string') return undefined;
    info[key] = r[key];
  }
  if (r.submittedAt !== undefined) {
    if (typeof r.submittedAt !== 'string' || Number.isNaN(Date.parse(r.submittedAt))) return undefined;
    info.submittedAt = r.submittedAt;
  }
  if (r.notResubmitted !== undefined) {
    if (!notResubmittedValues.includes(r.notResubmitted as SlurmNotResubmitted)) return undefined;
    info.notResubmitted = r.notResubmitted as SlurmNotResubmitted;
  }
  if (r.restarts !== undefined) {
    if (!Number.isSafeInteger(r.restarts) || (r.restarts as number) < 0) return undefined;
    info.restarts = r.restarts as number;
  }
  return info;
}
