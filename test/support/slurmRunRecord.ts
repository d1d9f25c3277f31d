import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunClaims, type RunClaim } from '../../src/runs/runClaims';
import { runRecordVersion, type RunRecord } from '../../src/runs/model/runRecord';
import type { SlurmRunInfo } from '../../src/runs/model/slurmRunInfo';
import { runRecordsDir } from '../../src/runs/model/runRecordStore';

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

/**
 * What SlurmScheduler.start leaves besides the record: the script at `.tic-studio/runs/<id>.sbatch` and this
 * user's claim in the per-user state folder `stateDir`, listing the record's job ids and the script's sha256, for
 * `host` (the record's by default). Without it, a record on disk is one TiC Studio did not submit (planted).
 */
export async function claimSlurmRun(
  stateDir: string,
  root: string,
  record: RunRecord,
  script = '#!/bin/bash\necho stand-in job\n',
  host: string = record.host,
): Promise<RunClaim> {
  const dir = runRecordsDir(root);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${record.id}.sbatch`), script);
  const claims = new RunClaims({ stateDir, workspaceRoot: root, host });
  await claims.create(record.id);
  const claim = await claims.update(record.id, (c) => ({
    ...c,
    slurm: {
      jobIds: [...(record.slurm?.jobIds ?? [])],
      scriptSha256: createHash('sha256').update(script).digest('hex'),
    },
  }));
  return claim!;
}
