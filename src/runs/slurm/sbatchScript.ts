import { shellQuoteArgv } from '../../plan/commandPlan';
import { isSecretVariable } from '../model/runRecord';
import { SlurmError } from '../model/slurmError';
import type { SlurmJobOptions } from '../model/slurmJobOptions';
import type { RunPlan } from '../model/runPlan';
import type { RunKind } from '../model/runPlan';

export interface SbatchScriptInput {
  readonly runId: string;
  readonly kind: RunKind;
  readonly label: string;
  /** The local plan's argv: `torchrun … train.py …` (train), `python evaluate.py …` (eval), or a stand-in's. */
  readonly argv: readonly string[];
  readonly cwd: string;
  /** What the plan adds to the environment; exported by the script (secrets are not written, see below). */
  readonly env: Readonly<Record<string, string>>;
  /** stdout + stderr of the job: the run's console log, appended across requeues and resubmissions. */
  readonly logPath: string;
  readonly options: SlurmJobOptions;
  /** Train: `{output_dir}/{exp_name}`, where the script looks for `checkpoints/epoch_latest.pt` (§1.4). */
  readonly expDir?: string;
}

/** The script of a plan that carries its Slurm options (RunPlan.slurm), for run `runId` logging to `logPath`. */
export function sbatchScriptOfPlan(plan: RunPlan, runId: string, logPath: string): string {
  if (plan.slurm === undefined) throw new SlurmError('invalidOptions', 'this plan has no Slurm options');
  return sbatchScript({
    runId,
    kind: plan.kind,
    label: plan.label,
    argv: plan.argv,
    cwd: plan.cwd,
    env: plan.env,
    logPath,
    options: plan.slurm,
    ...(plan.kind === 'train' && plan.outputDir !== undefined ? { expDir: plan.outputDir } : {}),
  });
}

/** torchrun's own flags that the script sets from Slurm's allocation instead of the local plan. */
const nodeFlags = new Set(['--nnodes', '--nproc_per_node', '--nproc-per-node', '--rdzv_backend', '--rdzv-backend']);
const rendezvousFlags = new Set(['--rdzv_endpoint', '--rdzv-endpoint', '--rdzv_id', '--rdzv-id', '--master_addr']);

/**
 * The sbatch script for a plan. It is a file the user reads before it is submitted (and that is kept next to the
 * run record); every value from the plan is single-quoted (shellQuoteArgv), and its bytes, checked against the
 * sha256 kept in the run's claim, are given to `sbatch --parsable` on its standard input (an argv, never a shell).
 *
 * Training runs `srun torchrun --nnodes $SLURM_NNODES --nproc_per_node G --rdzv_backend c10d --rdzv_endpoint
 * <first node>:PORT --rdzv_id $SLURM_JOB_ID … train.py <the local plan's arguments>`: one srun task per node, and
 * torchrun starts the G workers of each node (the multi-node form of the TIC scripts' launcher, §1.7).
 *
 * The script can run more than once (Slurm's `--requeue`, TiC Studio's auto-resume): contracts §1.4 says an
 * explicit `--resume <ckpt>` into an experiment folder whose out.log exists trains nothing ("Experiment already
 * exists"), and `--new_run` restarts at epoch 0 without the optimizer. So when `epoch_latest.pt` is already in the
 * experiment folder, the script continues that experiment with `--resume latest` (epoch, optimizer and scaler
 * restored) instead of the plan's `--new_run --resume <previous year>`; when an earlier attempt died before its
 * first save, its out.log is renamed (kept) so that the explicit resume is not refused.
 */
export function sbatchScript(input: SbatchScriptInput): string {
  const { options } = input;
  const train = input.kind === 'train';
  const nodes = train ? options.nodes : 1;
  const lines = ['#!/bin/bash'];
  const sbatch = (option: string) => lines.push(`#SBATCH ${option}`);
  sbatch(`--job-name=${slurmJobName(input.label)}`);
  sbatch(`--nodes=${nodes}`);
  sbatch('--ntasks-per-node=1');
  if (options.gpusPerNode > 0) {
    sbatch(
      options.gpuDirective === 'gres'
        ? `--gres=${options.gresName}:${options.gpusPerNode}`
        : `--gpus-per-node=${options.gpusPerNode}`,
    );
  }
  if (options.cpusPerTask !== undefined) sbatch(`--cpus-per-task=${options.cpusPerTask}`);
  if (options.mem !== undefined) sbatch(`--mem=${options.mem}`);
  if (options.time !== undefined) sbatch(`--time=${options.time}`);
  if (options.partition !== undefined) sbatch(`--partition=${options.partition}`);
  if (options.account !== undefined) sbatch(`--account=${options.account}`);
  if (options.qos !== undefined) sbatch(`--qos=${options.qos}`);
  sbatch(`--output=${sbatchPath(input.logPath)}`);
  sbatch(`--error=${sbatchPath(input.logPath)}`);
  sbatch('--open-mode=append');
  sbatch(options.requeue ? '--requeue' : '--no-requeue');
  for (const extra of options.extraDirectives) sbatch(extra);
  lines.push(
    '',
    `# TiC Studio run ${input.runId}: ${input.label.replace(/[\r\n]/g, ' ')}`,
    '# Written before submission and kept next to the run record (.tic-studio/runs/). Resubmit it as it is.',
    'set -euo pipefail',
    `cd ${q(input.cwd)}`,
  );
  const exports = Object.keys(input.env).sort();
  for (const name of exports) {
    const value = input.env[name]!;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new SlurmError('invalidOptions', `environment variable name ${JSON.stringify(name)} is not valid`);
    // A token is never written to a file in the workspace: sbatch passes the submitting environment on (--export=ALL).
    if (isSecretVariable(name, value))
      lines.push(`# ${name}: not written here; inherited from the submitting environment`);
    else lines.push(`export ${name}=${q(value)}`);
  }
  lines.push(
    'echo "[tic-studio] job $SLURM_JOB_ID (restart ${SLURM_RESTART_COUNT:-0}) on $SLURM_JOB_NODELIST at $(date -u +%Y-%m-%dT%H:%M:%SZ)"',
  );
  if (train) lines.push(...trainBody(input));
  else lines.push(`srun --nodes=1 --ntasks=1 ${shellQuoteArgv(input.argv)}`);
  return `${lines.join('\n')}\n`;
}

function trainBody(input: SbatchScriptInput): string[] {
  const { options } = input;
  const scriptIndex = input.argv.findIndex((a, i) => i > 0 && a.endsWith('.py') && !a.startsWith('-'));
  if (scriptIndex < 0)
    throw new SlurmError('invalidOptions', 'a training plan must run a .py script through torchrun (train.py)');
  const firstFlag = input.argv.findIndex((a) => a.startsWith('--'));
  const launcherEnd = firstFlag < 0 || firstFlag > scriptIndex ? scriptIndex : firstFlag;
  const launcher = input.argv.slice(0, launcherEnd);
  const kept: string[] = [];
  let plannedProcesses: number | undefined;
  for (let i = launcherEnd; i < scriptIndex; i++) {
    const arg = input.argv[i]!;
    const [name, inline] = arg.split('=', 2) as [string, string | undefined];
    const takesValue = inline === undefined && i + 1 < scriptIndex && !input.argv[i + 1]!.startsWith('--');
    if (nodeFlags.has(name) || rendezvousFlags.has(name)) {
      if (name === '--nproc_per_node' || name === '--nproc-per-node')
        plannedProcesses = Number(inline ?? input.argv[i + 1]) || undefined;
      if (takesValue) i++;
      continue;
    }
    kept.push(arg);
    if (takesValue) kept.push(input.argv[++i]!);
  }
  const program = input.argv[scriptIndex]!;
  const args = input.argv.slice(scriptIndex + 1);
  const resumeAt = args.indexOf('--resume');
  const checkpoint = resumeAt >= 0 ? args[resumeAt + 1] : undefined;
  const continues = checkpoint !== undefined && checkpoint !== 'latest' && input.expDir !== undefined;
  const trainArgs = continues
    ? args.filter((a, i) => a !== '--new_run' && i !== resumeAt && i !== resumeAt + 1)
    : [...args];

  const lines = [
    '',
    '# torchrun rendezvous on the first node of the allocation; the port is offset by the job id so that two jobs',
    '# sharing a first node do not collide.',
    // Not `scontrol … | head -n 1`: with pipefail, head closing the pipe early fails the script (SIGPIPE, 141).
    'mapfile -t nodes < <(scontrol show hostnames "$SLURM_JOB_NODELIST")',
    'head_node=${nodes[0]}',
    `rdzv_port=$((${options.rdzvPort} + SLURM_JOB_ID % 1000))`,
  ];
  let resumeArgs = '';
  if (continues) {
    lines.push(
      '',
      '# Contracts §1.4: a rerun (requeue, resubmission) continues this experiment with --resume latest once it has',
      '# saved a checkpoint; before that, the explicit resume from the previous year is retried, with the out.log of',
      '# the attempt that died kept under another name (OpenCLIP refuses an explicit --resume when out.log exists).',
      `exp_dir=${q(input.expDir!)}`,
      'if [ -f "$exp_dir/checkpoints/epoch_latest.pt" ]; then',
      '  resume=(--resume latest)',
      'else',
      `  resume=(--new_run --resume ${q(checkpoint)})`,
      '  if [ -f "$exp_dir/out.log" ]; then',
      '    mv "$exp_dir/out.log" "$exp_dir/out.log.attempt-$SLURM_JOB_ID-${SLURM_RESTART_COUNT:-0}"',
      '  fi',
      'fi',
    );
    resumeArgs = ' "${resume[@]}"';
  }
  const torchrun = [
    shellQuoteArgv(launcher),
    '--nnodes "$SLURM_NNODES"',
    // One worker per GPU asked for; a job without GPUs (CPU, gloo) keeps the plan's own count.
    `--nproc_per_node ${options.gpusPerNode > 0 ? options.gpusPerNode : (plannedProcesses ?? 1)}`,
    '--rdzv_backend c10d',
    '--rdzv_endpoint "$head_node:$rdzv_port"',
    '--rdzv_id "$SLURM_JOB_ID"',
    ...(kept.length ? [shellQuoteArgv(kept)] : []),
    shellQuoteArgv([program]),
  ].join(' ');
  lines.push('', `srun --kill-on-bad-exit=1 ${torchrun} ${shellQuoteArgv(trainArgs)}${resumeArgs}`);
  return lines;
}

/** A job name squeue shows in full: `tic-train-2017-cumulative`. */
export function slurmJobName(label: string): string {
  const name = label
    .toLowerCase()
    .replace(/[^a-z0-9_.+-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `tic-${name || 'run'}`.slice(0, 64);
}

function q(value: string): string {
  return shellQuoteArgv([value]);
}

/** sbatch reads `#SBATCH` values itself (no shell); a path with spaces or `%` would be cut or expanded. */
function sbatchPath(path: string): string {
  if (/[\s%"'\\]/.test(path))
    throw new SlurmError(
      'invalidOptions',
      `Slurm cannot be given the log path ${JSON.stringify(path)}: it holds a space, a quote or %; move the workspace`,
    );
  return path;
}
