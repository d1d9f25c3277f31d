import { CheckpointError } from '../../checkpoint/base/checkpointError';

/** One line for stderr about a file that could not be read: the reason first, so scripts can match it. */
export function checkpointErrorLine(path: string, error: unknown): string {
  if (CheckpointError.is(error)) return `${path}: ${error.reason}: ${error.message}`;
  const e = error as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return `${path}: notFound: no such file`;
  if (e?.code === 'EISDIR') return `${path}: isDirectory: expected a checkpoint file, got a folder`;
  if (e?.code === 'EACCES' || e?.code === 'EPERM') return `${path}: permission: cannot read the file`;
  return `${path}: internal: ${e instanceof Error ? e.message : String(error)}`;
}
