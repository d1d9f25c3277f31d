import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SlurmError } from '../../src/runs/model/slurmError';
import { parseSlurmJobOptions } from '../../src/runs/model/slurmJobOptions';
import type { RunPlan } from '../../src/runs/model/runPlan';

/**
 * A training plan whose train.py is test/fixtures/slurm/ddpProbe.py (a real torch.distributed job: gloo, CPU),
 * launched by Debian's torchrun as a Slurm job without GPUs; it writes `<root>/results/ddp/ddp.json`.
 */
export function ddpProbePlan(
  root: string,
  shape: { nodes: number; workersPerNode: number },
  env: Record<string, string> = {},
): RunPlan {
  const cwd = join(root, 'datacomp');
  mkdirSync(cwd, { recursive: true });
  copyFileSync(join(__dirname, '../fixtures/slurm/ddpProbe.py'), join(cwd, 'train.py'));
  // No GPU asked: the script keeps the plan's worker count.
  const slurm = parseSlurmJobOptions({ nodes: shape.nodes, gpusPerNode: 0 });
  if (slurm instanceof SlurmError) throw slurm;
  return {
    // --redirects/--tee 2: Debian's torch 1.13 on Python 3.11 crashes on their default "0" (Std.NONE is skipped
    // when iterating an IntFlag since 3.11; torch 2.0 fixed it). Kept torchrun flags pass through the script.
    argv: [
      '/usr/bin/torchrun',
      '--nproc_per_node',
      String(shape.workersPerNode),
      '--nnodes',
      '1',
      '--redirects',
      '2',
      '--tee',
      '2',
      'train.py',
      '--output_dir',
      join(root, 'results'),
      '--exp_name',
      'ddp',
    ],
    cwd,
    env: { PYTHONUNBUFFERED: '1', OMP_NUM_THREADS: '1', ...env },
    kind: 'train',
    label: 'train ddp probe',
    outputDir: join(root, 'results', 'ddp'),
    slurm,
  };
}
