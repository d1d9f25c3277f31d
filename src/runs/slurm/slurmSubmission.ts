import { stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type { RunClaim, RunClaims } from '../runClaims';
import { SlurmError } from '../model/slurmError';

/**
 * What every submission of a run's job shares, the first (SlurmScheduler.start) and the next ones (auto-resume,
 * the user's Submit Anyway): the folder it is submitted from, and the claim that proves the job is ours.
 */

/**
 * How long a submitted job is given to show up in squeue or sacct; a job (or a claimed resubmission) still missing
 * after that is taken for lost.
 */
export const submitGraceMs = 60_000;

/** A run's folder, to submit from: absolute and a folder (a record's cwd is the workspace's word). */
export async function requireRunFolder(cwd: string): Promise<string> {
  const isFolder = await stat(cwd).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isAbsolute(cwd) || !isFolder) throw new SlurmError('invalidOptions', `the run's folder does not exist: ${cwd}`);
  return cwd;
}

/** Adds a job sbatch accepted to the run's claim; resolves with why that failed, or undefined. */
export async function claimJob(claims: RunClaims, id: string, jobId: string): Promise<string | undefined> {
  try {
    const claim = await claims.update(id, (c: RunClaim) => ({
      ...c,
      slurm: { ...c.slurm, jobIds: [...(c.slurm?.jobIds ?? []), jobId] },
    }));
    return claim === undefined ? 'the run has no claim there' : undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
