import { isErrorWithReason } from '../shared/errorReason';

/**
 * Every failure of the CPU probe is a ProbeError with one of a few reasons, so callers (commands, the CLI) can
 * say what happened and what to do next without parsing messages (ARCHITECTURE.md rule 4).
 */
export type ProbeErrorReason =
  /** onnxruntime-node cannot be loaded (missing or broken native binding, unsupported platform). */
  | 'runtimeUnavailable'
  /** The bytes are not an image format the probe reads (PNG, JPEG), or a variant it does not support. */
  | 'unsupportedImage'
  /** An image file that claims to be PNG / JPEG but cannot be decoded (truncated, bad checksum, bad markers). */
  | 'corruptImage'
  /** The export directory lacks a file the probe needs (probe.json, an .onnx tower, the vocabulary). */
  | 'missingFile'
  /** probe.json is not JSON or does not follow the probe.json schema. */
  | 'badManifest'
  /** An ONNX tower failed to load or run, or returned outputs of an unexpected shape. */
  | 'inferenceFailed'
  /** The caller passed values the probe cannot use (empty label list, mismatched lengths, bad sizes). */
  | 'badInput'
  /** The Python used for exporting lacks torch or open_clip. */
  | 'missingDependency'
  /** python/exportProbe.py could not be started or failed. */
  | 'exportFailed'
  /** The user cancelled. */
  | 'cancelled';

export const probeErrorReasons: readonly ProbeErrorReason[] = [
  'runtimeUnavailable',
  'unsupportedImage',
  'corruptImage',
  'missingFile',
  'badManifest',
  'inferenceFailed',
  'badInput',
  'missingDependency',
  'exportFailed',
  'cancelled',
];

export class ProbeError extends Error {
  override readonly name = 'ProbeError';

  constructor(
    readonly reason: ProbeErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** True for a ProbeError, also one from another copy of this module (bundles can duplicate it). */
  static is(value: unknown, reason?: ProbeErrorReason): value is ProbeError {
    return isErrorWithReason(value, 'ProbeError', probeErrorReasons, reason);
  }
}
