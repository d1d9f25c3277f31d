import type { RunLogListener } from './runLogFollow';
import type { RunRecord, RunSchedulerKind } from './model/runRecord';
import type { RunPlan } from './model/runPlan';

/**
 * Where runs run: this machine (Supervisor) or a Slurm cluster (SlurmScheduler). Plans, the GPU queue's callers,
 * the chain schedule, the views and the CLI see only this; a record's `scheduler` says which one owns it.
 */
export interface RunScheduler {
  readonly kind: RunSchedulerKind;
  /** Starts (local) or submits (Slurm) a plan; resolves with its first record (running, or queued in Slurm). */
  start(plan: RunPlan): Promise<RunRecord>;
  /** Ends a run (signals / scancel) and resolves with its final record. */
  stop(id: string): Promise<RunRecord>;
  waitForEnd(id: string): Promise<RunRecord>;
  follow(id: string, listener: RunLogListener, options?: { from?: 'start' | 'end' }): { dispose(): void };
  /** After a reload: follows again the unfinished runs of this scheduler; returns them. */
  reattach(): Promise<RunRecord[]>;
  onDidChangeRun(listener: (record: RunRecord) => void): { dispose(): void };
  dispose(): void;
}

/** The scheduler of a record: records written before Slurm support have none and are local. */
export function schedulerOf(record: Pick<RunRecord, 'scheduler'>): RunSchedulerKind {
  return record.scheduler ?? 'local';
}
