import type { CommandPlan } from '../../plan/commandPlan';
import type { SlurmJobOptions } from './slurmJobOptions';

/** What a run is for: a training step, an evaluation, or generate_tasklist.py before an evaluation. */
export type RunKind = 'train' | 'eval' | 'tasklist';
export const runKinds: readonly RunKind[] = ['train', 'eval', 'tasklist'];

/**
 * What to run: a CommandPlan from the plan builders (argv, never a shell line; `cwd` absolute, datacomp/ for
 * train.py and evaluate.py, §0; `env` only what the plan adds on top of the supervisor's base environment; these
 * variables, secrets redacted, are what the record keeps) plus what the record needs.
 */
export interface RunPlan extends CommandPlan {
  readonly kind: RunKind;
  readonly label: string;
  readonly simulated?: boolean;
  /** Train: `{output_dir}/{exp_name}/out.log`, followed next to stdout/stderr. */
  readonly outLogPath?: string;
  /** Train: `{output_dir}/{exp_name}`; eval: `--output_dir`. Checked after the run (runFailure.ts). */
  readonly outputDir?: string;
  /** The checkpoint this run continues from and its sha256 (computed by the caller). */
  readonly parentCheckpoint?: { readonly path: string; readonly sha256: string };
  /** The run id to use (the one a Slurm script was shown with); default a fresh one. */
  readonly id?: string;
  /** Run it as a Slurm job with these options (SlurmScheduler); absent: on this machine. */
  readonly slurm?: SlurmJobOptions;
}
