import type { RunFailure } from '../../runs/model/runFailure';
import { CheckpointError } from '../../checkpoint/base/checkpointError';

/**
 * Words for people, in one place (ARCHITECTURE.md rule 4): what happened and what to do next, by error reason.
 */
const checkpointAdvice: Record<CheckpointError['reason'], string> = {
  truncated: 'The file ends early: it may be a partial download or copy. Download or copy it again.',
  notACheckpoint: 'This is not a PyTorch (.pt zip or legacy) or safetensors file.',
  unsupported: 'The file uses a feature TiC Studio does not read (see the detail).',
  tooLarge: "The file declares a structure beyond TiC Studio's safety limits; it may be damaged or hostile.",
  corrupt: 'The file contradicts itself; it is damaged or was not written by torch.',
};

export function describeError(error: unknown): { reason: string; message: string } {
  if (CheckpointError.is(error))
    return { reason: error.reason, message: `${checkpointAdvice[error.reason]} Detail: ${error.message}` };
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT')
    return { reason: 'notFound', message: `The file does not exist (${(error as Error).message}).` };
  if (code === 'EACCES' || code === 'EPERM')
    return { reason: 'permission', message: `TiC Studio may not read this file (${(error as Error).message}).` };
  if (code === 'EISDIR') return { reason: 'isDirectory', message: 'That is a folder, not a checkpoint file.' };
  if ((error as Error | undefined)?.name === 'AbortError') return { reason: 'cancelled', message: 'Cancelled.' };
  return { reason: 'internal', message: `Unexpected error: ${error instanceof Error ? error.message : String(error)}` };
}

const runFailureWords: Record<RunFailure['reason'], string> = {
  experimentExists:
    'open_clip refused to train: the experiment folder already has an out.log (contracts §1.4). Use a new experiment name.',
  trainingError: 'train.py reported "Error running training".',
  badArguments: 'train.py rejected its arguments.',
  traceback: 'Python raised an exception.',
  missingCheckpoint: 'Training ended without writing checkpoints/epoch_latest.pt.',
  nothingTrained:
    'Nothing was trained (no train steps, no new checkpoint): a finished checkpoint resumed without --new_run?',
  missingEvalResults: 'The evaluation ended without writing eval_results.jsonl.',
  exitCode: 'The process exited with an error code.',
  signal: 'The process was killed by a signal TiC Studio did not send.',
  spawnFailed: 'The command could not be started.',
  submitFailed: 'Slurm did not accept the job (sbatch).',
  slurmJob: 'The Slurm job ended badly:',
};

/** One sentence about why a run failed, then the log line or fact behind it. */
export function describeRunFailure(failure: RunFailure): string {
  return `${runFailureWords[failure.reason]} ${failure.detail}`.trim();
}
