/** Why a Slurm command or its output could not be used (ARCHITECTURE.md rule 4; words for people: src/vscode/common/errors.ts). */
export type SlurmErrorReason =
  /** sbatch / squeue / scancel is not on PATH: this machine is not a Slurm submit host. */
  | 'notInstalled'
  /** The commands exist but cannot reach a controller or find slurm.conf (SLURM_CONF, configless DNS). */
  | 'notConfigured'
  /** sbatch refused the job (bad partition, account, QOS, limits); the message is Slurm's own. */
  | 'submitRefused'
  /** A Slurm command exited non-zero for another reason; the message carries its stderr. */
  | 'commandFailed'
  /** A Slurm command took longer than allowed (an overloaded controller). */
  | 'timeout'
  /** Output that does not have the shape asked for (a different Slurm version, a wrapper script). */
  | 'badOutput'
  /** The job options are not valid (e.g. a partition name with spaces, zero nodes). */
  | 'invalidOptions'
  /**
   * The job is not one this user submitted through TiC Studio from this workspace on this host (the per-user
   * state folder has no claim naming it): a record in the workspace alone never makes TiC Studio cancel a job.
   */
  | 'notOwned'
  /** The workspace is not trusted, and the action (cancelling, resubmitting) needs a trusted one. */
  | 'untrusted';

export class SlurmError extends Error {
  override readonly name = 'SlurmError';
  constructor(
    readonly reason: SlurmErrorReason,
    message: string,
  ) {
    super(message);
  }
}
