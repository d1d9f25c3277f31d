/**
 * Slurm's job states, as squeue (`%T`, `-O State`, `job_state` in `--json`) and sacct (`State`, `state.current`)
 * name them: the base states of `enum job_states` plus the state flags that squeue shows in their place
 * (job_state_string() in src/common/slurm_protocol_defs.c; the list in the JOB STATE CODES section of squeue(1)).
 */
export const slurmJobStates = [
  'BOOT_FAIL',
  'CANCELLED',
  'COMPLETED',
  'COMPLETING',
  'CONFIGURING',
  'DEADLINE',
  'FAILED',
  'NODE_FAIL',
  'OUT_OF_MEMORY',
  'PENDING',
  'PREEMPTED',
  'RUNNING',
  'REQUEUED',
  'REQUEUE_FED',
  'REQUEUE_HOLD',
  'RESIZING',
  'RESV_DEL_HOLD',
  'REVOKED',
  'SIGNALING',
  'SPECIAL_EXIT',
  'STAGE_OUT',
  'STOPPED',
  'SUSPENDED',
  'TIMEOUT',
] as const;

export type SlurmJobState = (typeof slurmJobStates)[number];

/** squeue's compact codes (`%t`, `-O StateCompact`): job_state_string_compact() in slurm_protocol_defs.c. */
const shortCodes: Readonly<Record<string, SlurmJobState>> = {
  BF: 'BOOT_FAIL',
  CA: 'CANCELLED',
  CD: 'COMPLETED',
  CG: 'COMPLETING',
  CF: 'CONFIGURING',
  DL: 'DEADLINE',
  F: 'FAILED',
  NF: 'NODE_FAIL',
  OOM: 'OUT_OF_MEMORY',
  PD: 'PENDING',
  PR: 'PREEMPTED',
  R: 'RUNNING',
  RQ: 'REQUEUED',
  RF: 'REQUEUE_FED',
  RH: 'REQUEUE_HOLD',
  RS: 'RESIZING',
  RD: 'RESV_DEL_HOLD',
  RV: 'REVOKED',
  SI: 'SIGNALING',
  SE: 'SPECIAL_EXIT',
  SO: 'STAGE_OUT',
  ST: 'STOPPED',
  S: 'SUSPENDED',
  TO: 'TIMEOUT',
};

const fullNames: ReadonlySet<string> = new Set(slurmJobStates);

function isSlurmJobState(name: string): name is SlurmJobState {
  return fullNames.has(name);
}

/**
 * A state name, a short code, or sacct's decorated form: `CANCELLED by 1000` (who cancelled it, parsable output)
 * and `CANCELLED+` (the same, cut to the column width). Case and surrounding whitespace do not matter.
 */
const stateText = /^([A-Z_]+)\+?(?:\s+BY\s+\S+)?$/;

/** Slurm's text for a job state → the state; undefined for anything that is not one. */
export function parseSlurmState(raw: string): SlurmJobState | undefined {
  const match = stateText.exec(raw.trim().toUpperCase());
  const name = match?.[1];
  if (name === undefined) return undefined;
  if (isSlurmJobState(name)) return name;
  return Object.hasOwn(shortCodes, name) ? shortCodes[name] : undefined;
}

/**
 * What a state means for a run: where it is in its life (phase), what the Runs view shows (status, the words of
 * RunRecordStatus), and whether a training run may continue with `--resume latest` in a new job (auto-resume).
 */
export interface SlurmStateMeaning {
  readonly phase: 'pending' | 'running' | 'ended';
  readonly status: 'queued' | 'running' | 'succeeded' | 'failed' | 'stopped';
  readonly retryable: boolean;
}

const queued: SlurmStateMeaning = { phase: 'pending', status: 'queued', retryable: false };
const running: SlurmStateMeaning = { phase: 'running', status: 'running', retryable: false };
const failed: SlurmStateMeaning = { phase: 'ended', status: 'failed', retryable: false };
/** Ended without the job being at fault: a new job can pick up from the last checkpoint. */
const failedRetryable: SlurmStateMeaning = { phase: 'ended', status: 'failed', retryable: true };

const meanings: Readonly<Record<SlurmJobState, SlurmStateMeaning>> = {
  // Waiting for resources. REQUEUED / REQUEUE_FED: Slurm put the job back in the queue itself (same job id);
  // REQUEUE_HOLD, RESV_DEL_HOLD, SPECIAL_EXIT: requeued and held, it waits for a release. None of them ran out.
  PENDING: queued,
  REQUEUED: queued,
  REQUEUE_FED: queued,
  REQUEUE_HOLD: queued,
  RESV_DEL_HOLD: queued,
  SPECIAL_EXIT: queued,
  // Holds its nodes: booting them (CONFIGURING), working, being signalled or resized, paused (SUSPENDED, STOPPED:
  // it resumes in place) or finishing (COMPLETING, STAGE_OUT: the epilog and burst buffer still run, the outcome
  // is not final until they end).
  CONFIGURING: running,
  RUNNING: running,
  COMPLETING: running,
  SUSPENDED: running,
  STOPPED: running,
  RESIZING: running,
  SIGNALING: running,
  STAGE_OUT: running,
  COMPLETED: { phase: 'ended', status: 'succeeded', retryable: false },
  // scancel, by the user or an administrator: a stop, not a failure.
  CANCELLED: { phase: 'ended', status: 'stopped', retryable: false },
  // The job itself failed (non-zero exit, out of memory, past its deadline, revoked by the federation): running it
  // again would fail again.
  FAILED: failed,
  OUT_OF_MEMORY: failed,
  DEADLINE: failed,
  REVOKED: failed,
  // The time limit or a higher-priority job ended it, or the node, not the job, failed (NODE_FAIL, BOOT_FAIL):
  // with auto-resume on, training goes on with `--resume latest` in a new job.
  TIMEOUT: failedRetryable,
  PREEMPTED: failedRetryable,
  NODE_FAIL: failedRetryable,
  BOOT_FAIL: failedRetryable,
};

export function slurmStateMeaning(state: SlurmJobState): SlurmStateMeaning {
  return meanings[state];
}

/** Short lower-case words for the Runs view (its only wording of Slurm states). */
const texts: Readonly<Record<SlurmJobState, string>> = {
  BOOT_FAIL: 'node boot failure',
  CANCELLED: 'cancelled',
  COMPLETED: 'completed',
  COMPLETING: 'completing',
  CONFIGURING: 'starting nodes',
  DEADLINE: 'deadline passed',
  FAILED: 'failed',
  NODE_FAIL: 'node failure',
  OUT_OF_MEMORY: 'out of memory',
  PENDING: 'pending',
  PREEMPTED: 'preempted',
  RUNNING: 'running',
  REQUEUED: 'requeued',
  REQUEUE_FED: 'requeued by the federation',
  REQUEUE_HOLD: 'requeued and held',
  RESIZING: 'resizing',
  RESV_DEL_HOLD: 'held: reservation deleted',
  REVOKED: 'revoked by the federation',
  SIGNALING: 'being signalled',
  SPECIAL_EXIT: 'held after a special exit',
  STAGE_OUT: 'staging out',
  STOPPED: 'stopped',
  SUSPENDED: 'suspended',
  TIMEOUT: 'time limit reached',
};

export function slurmStateText(state: SlurmJobState): string {
  return texts[state];
}
