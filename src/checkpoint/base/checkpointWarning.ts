/**
 * Things worth telling the user about a checkpoint that still loaded. `security` warnings name pickle globals
 * that torch.load would have called and that could run code; they are never called here.
 */
export type CheckpointWarningKind =
  /** A global that could run code in torch.load (os.system, builtins.eval, …). */
  | 'dangerousGlobal'
  /** A global outside the allowlist; kept as an opaque value. */
  | 'unknownGlobal'
  /** Two zip entries with the same name; the first one is used. */
  | 'duplicateZipEntry'
  /** A tree walk stopped at the nesting limit; deeper values were not visited. */
  | 'depthLimit'
  /** No dict of tensors was found where a state dict usually lives. */
  | 'noStateDict'
  /** The file carries something the reader skipped or could only describe (quantized tensors, TorchScript…). */
  | 'partiallyUnderstood';

export type CheckpointWarningSeverity = 'security' | 'warning' | 'info';

export interface CheckpointWarning {
  readonly kind: CheckpointWarningKind;
  readonly severity: CheckpointWarningSeverity;
  readonly detail: string;
}

export const warningSeverity: Readonly<Record<CheckpointWarningKind, CheckpointWarningSeverity>> = {
  dangerousGlobal: 'security',
  unknownGlobal: 'info',
  duplicateZipEntry: 'warning',
  depthLimit: 'warning',
  noStateDict: 'info',
  partiallyUnderstood: 'info',
};

/** A warning with the severity its kind implies. */
export function checkpointWarning(kind: CheckpointWarningKind, detail: string): CheckpointWarning {
  return { kind, severity: warningSeverity[kind], detail };
}
