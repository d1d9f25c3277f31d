import { basename, dirname, join } from 'node:path';
import { redactedValue, type RunRecord } from '../../runs/model/runRecord';
import type { RunPlan } from '../../runs/model/runPlan';

/** What Rerun… launches: the recorded run's plan again, as a new attempt where it must be one. */
export interface Rerun {
  readonly plan: RunPlan;
  /** The GPUs it waits for in the GPU queue (its CUDA_VISIBLE_DEVICES). */
  readonly gpus: number[];
  /** A training run whose experiment folder exists gets a fresh attempt name (`…_run2`): the old folder is kept. */
  readonly attempt?: { readonly from: string; readonly to: string };
  /** Variables the record kept only as `<redacted>`: the run gets them from the window's environment instead. */
  readonly withoutSecrets: readonly string[];
}

/**
 * The plan of a recorded run of this machine, to run again through the launch path (argv, never a shell line). A
 * training run cannot reuse its experiment folder (open_clip would train nothing, contracts §1.4): it becomes the
 * next attempt of its step, `<name>_run2`, `_run3`…, as the launch flows propose. A string says why it cannot.
 */
export function rerunOf(record: RunRecord, exists: (path: string) => boolean): Rerun | string {
  if (record.scheduler === 'slurm')
    return 'TiC Studio reruns runs of this machine only. To submit a step to Slurm again, resume it from the Experiments view.';
  const env: Record<string, string> = {};
  const withoutSecrets: string[] = [];
  for (const [name, value] of Object.entries(record.env)) {
    if (value === redactedValue) withoutSecrets.push(name);
    else env[name] = value;
  }
  const argv = [...record.argv];
  let { outputDir, outLogPath } = record;
  let attempt: Rerun['attempt'];
  if (record.kind === 'train' && outputDir !== undefined && exists(outputDir)) {
    const at = argv.indexOf('--exp_name');
    const name = at >= 0 ? argv[at + 1] : undefined;
    if (name === undefined || name !== basename(outputDir))
      return `The command of ${record.label} does not name its experiment folder, so TiC Studio cannot give the new attempt a folder of its own.`;
    const stem = name.replace(/_run\d+$/, '');
    let next = `${stem}_run2`;
    for (let i = 3; exists(join(dirname(outputDir), next)); i++) next = `${stem}_run${i}`;
    argv[at + 1] = next;
    outputDir = join(dirname(outputDir), next);
    if (outLogPath !== undefined) outLogPath = join(outputDir, 'out.log');
    attempt = { from: name, to: next };
  }
  const devices = env.CUDA_VISIBLE_DEVICES?.split(',').map((d) => d.trim()) ?? [];
  const gpus = devices.every((d) => /^\d+$/.test(d)) ? devices.map(Number) : [];
  const plan: RunPlan = {
    argv,
    cwd: record.cwd,
    env,
    kind: record.kind,
    label: record.label,
    simulated: record.simulated,
    ...(outLogPath !== undefined ? { outLogPath } : {}),
    ...(outputDir !== undefined ? { outputDir } : {}),
  };
  return { plan, gpus, ...(attempt ? { attempt } : {}), withoutSecrets };
}
