import { join } from 'node:path';
import { newRunId } from '../../runs/model/runRecord';
import { runRecordsDir } from '../../runs/model/runRecordStore';
import { sbatchScriptOfPlan } from '../../runs/slurm/sbatchScript';
import { SlurmError } from '../../runs/model/slurmError';
import { parseSlurmJobOptions, type SlurmJobOptions } from '../../runs/model/slurmJobOptions';
import type { CommandPlan } from '../../plan/commandPlan';
import { UsageError } from './cliIo';
import type { RunKind } from '../../runs/model/runPlan';

/** The `plan … --scheduler slurm` flags (node:util parseArgs options). */
export const slurmFlagOptions = {
  scheduler: { type: 'string' },
  nodes: { type: 'string' },
  partition: { type: 'string' },
  account: { type: 'string' },
  qos: { type: 'string' },
  time: { type: 'string' },
  mem: { type: 'string' },
  'cpus-per-task': { type: 'string' },
  gres: { type: 'string' },
  requeue: { type: 'boolean', default: false },
  'auto-resume': { type: 'boolean', default: false },
  workspace: { type: 'string' },
} as const;

export const slurmFlagsUsage = `  --scheduler S          local (default) | slurm: also print the sbatch script (contracts §1.4 resume logic inside)
  Slurm: --nodes N, --partition P, --account A, --qos Q, --time T, --mem M, --cpus-per-task C, --gres NAME (GPUs as
  --gres=NAME:G instead of --gpus-per-node), --requeue, --auto-resume; GPUs per node = --nproc-per-node;
  --workspace DIR (where .tic-studio/runs/ and the job's log go; default the current folder)`;

export interface SlurmFlagValues {
  scheduler?: string;
  nodes?: string;
  partition?: string;
  account?: string;
  qos?: string;
  time?: string;
  mem?: string;
  'cpus-per-task'?: string;
  gres?: string;
  requeue?: boolean;
  'auto-resume'?: boolean;
  workspace?: string;
}

/** The sbatch script the plan would be submitted with, under a provisional run id; undefined for local plans. */
export function slurmScriptFor(
  values: SlurmFlagValues,
  plan: CommandPlan & { kind: RunKind; label: string; outputDir?: string },
  gpusPerNode: number,
): { runId: string; logPath: string; options: SlurmJobOptions; script: string } | undefined {
  const scheduler = values.scheduler ?? 'local';
  if (scheduler === 'local') return undefined;
  if (scheduler !== 'slurm') throw new UsageError(`--scheduler must be local or slurm, got '${scheduler}'.`);
  const int = (v: string | undefined, flag: string) => {
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw new UsageError(`${flag} expects a whole number, got '${v}'.`);
    return Number(v);
  };
  const options = parseSlurmJobOptions({
    nodes: int(values.nodes, '--nodes'),
    gpusPerNode,
    cpusPerTask: int(values['cpus-per-task'], '--cpus-per-task'),
    partition: values.partition,
    account: values.account,
    qos: values.qos,
    time: values.time,
    mem: values.mem,
    ...(values.gres !== undefined ? { gpuDirective: 'gres', gresName: values.gres } : {}),
    requeue: values.requeue ?? false,
    autoResume: values['auto-resume'] ?? false,
  });
  if (options instanceof SlurmError) throw new UsageError(options.message);
  const runId = newRunId(plan.kind);
  const logPath = join(runRecordsDir(values.workspace ?? process.cwd()), `${runId}.log`);
  try {
    const script = sbatchScriptOfPlan({ ...plan, slurm: options }, runId, logPath);
    return { runId, logPath, options, script };
  } catch (error) {
    if (error instanceof SlurmError) throw new UsageError(error.message);
    throw error;
  }
}
