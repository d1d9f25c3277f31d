import { join } from 'node:path';
import { runRecordVersion, type RunRecord } from '../../src/runs/runRecord';
import type { SlurmRunInfo } from '../../src/runs/slurm/slurmRunInfo';
import { runRecordsDir } from '../../src/runs/runRecordStore';

/**
 * The record of a training run submitted to Slurm, as SlurmScheduler writes it, for tests that need one on disk
 * without a cluster: job 41 on one node, queued since `createdAt`. `over` and `slurm` replace fields.
 */
export function slurmRunRecord(
  root: string,
  id: string,
  over: Partial<RunRecord> = {},
  slurm: Partial<SlurmRunInfo> = {},
): RunRecord {
  const dir = runRecordsDir(root);
  const createdAt = over.createdAt ?? '2026-11-29T02:00:00.000Z';
  return {
    version: runRecordVersion,
    id,
    kind: 'train',
    label: 'train 2017 on the cluster',
    argv: ['torchrun', 'train.py'],
    cwd: root,
    env: {},
    host: 'login1',
    scheduler: 'slurm',
    simulated: false,
    status: 'queued',
    createdAt,
    logPath: join(dir, `${id}.log`),
    ...over,
    slurm: {
      jobId: '41',
      jobIds: ['41'],
      scriptPath: join(dir, `${id}.sbatch`),
      state: 'PENDING',
      reason: 'Priority',
      submittedAt: createdAt,
      nodesRequested: 1,
      gpusPerNode: 8,
      autoResume: false,
      maxResubmits: 0,
      resubmits: 0,
      ...slurm,
    },
  };
}
