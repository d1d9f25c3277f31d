import { isErrorWithReason } from '../../shared/errorReason';

/** Why the supervisor refused or could not do something (ARCHITECTURE.md rule 4). */
export type SupervisorErrorReason =
  /** The workspace is not trusted: nothing is started (package.json capabilities.untrustedWorkspaces). */
  | 'untrusted'
  /** The plan cannot be run: empty argv, a cwd that is not a folder, a NUL byte in an argument. */
  | 'invalidPlan'
  /** The process could not be started (argv[0] not found or not executable); the record says failed/spawnFailed. */
  | 'spawnFailed'
  /** No run record with this id. */
  | 'notFound'
  /** The run belongs to another host (a workspace on a shared file system): its processes cannot be signalled from here. */
  | 'otherHost'
  /**
   * The record names a process TiC Studio cannot prove it started for this run (runOwnershipProof.ts): nothing
   * was signalled. A record in the workspace is a claim, not a proof.
   */
  | 'notOwned';

export const supervisorErrorReasons: readonly SupervisorErrorReason[] = [
  'untrusted',
  'invalidPlan',
  'spawnFailed',
  'notFound',
  'otherHost',
  'notOwned',
];

export class SupervisorError extends Error {
  override readonly name = 'SupervisorError';

  constructor(
    readonly reason: SupervisorErrorReason,
    message: string,
    readonly runId?: string,
  ) {
    super(message);
  }

  /** True for a SupervisorError, also one from another copy of this module (bundles can duplicate it). */
  static is(value: unknown, reason?: SupervisorErrorReason): value is SupervisorError {
    return isErrorWithReason(value, 'SupervisorError', supervisorErrorReasons, reason);
  }
}
