import { isErrorWithReason } from '../../shared/errorReason';

/**
 * Every failure of the checkpoint reader is a CheckpointError with one of a few reasons, so callers (the
 * `.pt` editor, the CLI) can say what happened without parsing messages (ARCHITECTURE.md rule 4).
 */
export type CheckpointErrorReason =
  /** The file ends before a structure it declares (a cut-off download, a partial copy). */
  | 'truncated'
  /** The bytes are not any checkpoint format we know (not a zip, not a legacy torch pickle, not safetensors). */
  | 'notACheckpoint'
  /** A valid file that uses a feature this reader deliberately does not implement (compressed storages, EXT opcodes…). */
  | 'unsupported'
  /** A declared size or count is over one of the hard limits in limits.ts. */
  | 'tooLarge'
  /** The structure contradicts itself (offsets outside the file, a malformed pickle, a bad tensor geometry). */
  | 'corrupt';

export const checkpointErrorReasons: readonly CheckpointErrorReason[] = [
  'truncated',
  'notACheckpoint',
  'unsupported',
  'tooLarge',
  'corrupt',
];

export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';

  constructor(
    readonly reason: CheckpointErrorReason,
    message: string,
  ) {
    super(message);
  }

  /** True for a CheckpointError, also one from another copy of this module (bundles can duplicate it). */
  static is(value: unknown, reason?: CheckpointErrorReason): value is CheckpointError {
    return isErrorWithReason(value, 'CheckpointError', checkpointErrorReasons, reason);
  }
}
